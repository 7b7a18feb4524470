"""The names a country goes by, in English and French, and what its people are called.

Search finds a country's records by the names people type, not only the ISO
name the site shows ("Türkiye"): everyday, former and official names
("Turkey", "Burma", "Ivory Coast", "Czech Republic", "Swaziland") and
demonyms ("Turkish", "turc", "turque", "norvégien"). Two maintained sources,
no hand list:

- django-countries: the ISO 3166 names the site shows, its common names
  ("Russia") and its former names ("Turkey", "Swaziland", "Czech Republic",
  "Macedonia"), in English and, through its own translations, French;
- world-countries (mledoze/countries, ODbL 1.0): everyday and official names
  in English and French, other spellings ("Burma", "Ivory Coast"), and
  demonyms in both languages. `make countries` (config/countries.py) copies
  the part read here into data/countries.json, with its licence beside it.

May import: the standard library, Django's translation and django-countries' names.
"""

import functools
import json
from pathlib import Path

from django.utils import translation
from django_countries import countries
from django_countries.data import COUNTRIES

DATA = Path(__file__).with_name("data") / "countries.json"
LANGUAGES = ("en", "fr")


@functools.cache
def _world_countries():
    return json.loads(DATA.read_text(encoding="utf-8"))["countries"]


def _django_countries_names(code):
    """django-countries' names of `code` in the active language: shown, ISO, common, former."""
    base = type(countries)
    return [
        countries.name(code),
        COUNTRIES.get(code, ""),
        base.COMMON_NAMES.get(code, ""),
        *base.OLD_NAMES.get(code, ()),
    ]


def shown_name(code):
    """The name the site shows for `code` in the active language (django-countries')."""
    return _shown_name(code, translation.get_language())


@functools.lru_cache(maxsize=1024)
def _shown_name(code, language):
    # Made while `language` is active, the first time the pair is asked for:
    # django-countries translates the name on each call (the map asks for
    # every country on each request).
    return str(countries.name(code))


@functools.cache
def names(code):
    """Every name of the country `code` (ISO 3166 alpha-2), English and French, each once.

    Cached: names never change while the process runs, and switching languages
    is costly (bulk imports and synthesis ask once per row).
    """
    found = []
    for language in LANGUAGES:
        with translation.override(language):
            found.extend(str(name) for name in _django_countries_names(code))
    entry = _world_countries().get(code, {})
    for key in ("en", "fr", "other"):
        found.extend(entry.get(key, ()))
    return tuple(n for n in dict.fromkeys(found) if n)


@functools.cache
def demonyms(code):
    """What the people of `code` are called, in English and French ("Turkish", "Turc", "Turque")."""
    entry = _world_countries().get(code, {})
    return tuple(dict.fromkeys([*entry.get("demonyms_en", ()), *entry.get("demonyms_fr", ())]))


def search_terms(code):
    """The code, its names and its demonyms: what search finds a country's records by."""
    if not code:
        return ()
    return (code, *names(code), *demonyms(code))
