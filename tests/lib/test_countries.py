"""Country names people type and demonyms, in English and French (kb/lib/countries.py)."""

import json

import pytest

from kb.lib import countries


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("TR", "Türkiye"),  # the name the site shows
        ("TR", "Turkey"),  # former (django-countries) and everyday
        ("TR", "Turquie"),
        ("CZ", "Czech Republic"),
        ("CZ", "Tchéquie"),
        ("MK", "Macedonia"),
        ("MK", "Macédoine du Nord"),
        ("MM", "Burma"),
        ("MM", "Birmanie"),
        ("SZ", "Swaziland"),
        ("CI", "Ivory Coast"),
        ("CI", "Côte d'Ivoire"),
        ("RU", "Russia"),  # django-countries' common name
        ("RU", "Russian Federation"),  # and its ISO name
        ("NO", "Norvège"),
    ],
)
def test_names_cover_everyday_former_and_official_names_in_both_languages(code, name):
    assert name in countries.names(code)


@pytest.mark.parametrize(
    ("code", "demonym"),
    [
        ("TR", "Turkish"),
        ("TR", "Turc"),
        ("TR", "Turque"),
        ("NO", "Norwegian"),
        ("NO", "Norvégien"),
        ("NO", "Norvégienne"),
        ("MA", "Moroccan"),
        ("MA", "Marocain"),
    ],
)
def test_demonyms_in_both_languages(code, demonym):
    assert demonym in countries.demonyms(code)


def test_search_terms_are_the_code_names_and_demonyms_once_each():
    terms = countries.search_terms("TR")
    assert terms[0] == "TR"
    assert {"Turkey", "Turquie", "Turkish", "Turc"} <= set(terms)
    assert len(terms) == len(set(terms))
    assert countries.search_terms("") == ()


def test_a_code_the_data_does_not_know_gives_no_error():
    assert countries.demonyms("ZZ") == ()
    assert "ZZ" in countries.search_terms("ZZ")


def test_the_data_file_says_its_source_and_licence():
    data = json.loads(countries.DATA.read_text(encoding="utf-8"))
    assert data["about"]["licence"] == "ODbL-1.0"
    assert data["about"]["source"].startswith("world-countries ")
    assert len(data["countries"]) >= 249
    assert (countries.DATA.parent / "world-countries.LICENSE").exists()


def test_the_shown_name_is_django_countries_in_each_language_asked():
    from django.utils import translation
    from django_countries import countries as django_countries

    for language in ("en", "fr", "en", "fr"):  # kept names are those of their language
        with translation.override(language):
            for code in ("DE", "TR", "NO", "CI", "US"):
                assert countries.shown_name(code) == str(django_countries.name(code))
            assert countries.shown_name("DE") == {"en": "Germany", "fr": "Allemagne"}[language]
