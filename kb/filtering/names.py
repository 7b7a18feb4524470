"""What a person types into a filter, and what the URL keeps.

Filters take ISO codes, slugs and ISO dates, which keep links stable; people
type names. This module turns one into the other:

- a country's name, in English or French, accents and case aside
  ("allemagne", "Germany", "Turkey"), into its ISO code: everywhere, the API too;
- a record's name into its slug (kb/domain/suggestions.py finds the records
  a name may mean): on the pages only, where fields say so (`accept_names`);
- a form's valid values into the query string the URL keeps
  (`canonical_query`), which the pages redirect to.
"""

import difflib
import functools

from django import forms
from django.http import QueryDict
from django.utils import translation
from django_countries import countries

from ..lib.countries import names as country_names
from ..lib.text import fold

LANGUAGES = ("en", "fr")


@functools.cache
def _codes_by_name():
    """{folded name: code}: the names the site shows, in English and French, then every
    other name kb/lib/countries.py knows (everyday, former, official: "Turkey", "Burma",
    "Ivory Coast").

    Built once per process (switching languages is slow). A name two countries
    share names neither, unless it is the name the site shows for one of them.
    """
    shown = {}
    for language in LANGUAGES:
        with translation.override(language):
            for code, name in countries:
                shown.setdefault(fold(name), code)
    others = {}
    for code, _name in countries:
        for name in country_names(code):
            others.setdefault(fold(name), set()).add(code)
    found = {name: codes.pop() for name, codes in others.items() if len(codes) == 1}
    found.update(shown)
    return found


def country_code(text):
    """The ISO code `text` gives or names (a code in any case, or a name), else None."""
    text = text.strip()
    if len(text) == 2 and text.upper() in countries:
        return text.upper()
    return _codes_by_name().get(fold(text))


def close_countries(text, n=3):
    """Names in the active language of the countries `text` may have meant to name."""
    close = difflib.get_close_matches(fold(text), list(_codes_by_name()), n=n * 2, cutoff=0.7)
    codes = list(dict.fromkeys(_codes_by_name()[name] for name in close))[:n]
    return [str(countries.name(code)) for code in codes]


def country_codes(parts):
    """(codes, unknown) of a comma-split list of countries.

    Some names hold a comma ("Bonaire, Sint Eustatius and Saba", as a page
    shows that country back): adjacent parts that name a country together are
    read as one.
    """
    codes, unknown = [], []
    i = 0
    while i < len(parts):
        for j in range(min(len(parts), i + 4), i, -1):
            code = country_code(", ".join(parts[i:j]))
            if code is not None:
                codes.append(code)
                i = j
                break
        else:
            unknown.append(parts[i])
            i += 1
    return list(dict.fromkeys(codes)), unknown


def canonical_values(field, cleaned):
    """How the URL writes a valid field's value (slugs, codes, choices, an ISO date), or
    None for a field whose value it keeps as given."""
    canonical = getattr(field, "canonical", None)  # the list fields of fields.py
    if canonical is not None:
        return canonical(cleaned)
    if isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField):
        return [cleaned.isoformat()] if cleaned else None
    return None


def canonical_query(form, query):
    """The query string with every valid field written as the URL keeps it, or None when
    it already is.

    A field with an error keeps what was typed, so its page shows the error. Other
    parameters (the page, the order) are left as they are.
    """
    if not form.is_bound or not query:
        return None
    form.errors  # noqa: B018  (validates the form, once)
    kept = query.copy()
    changed = False
    for name, field in form.fields.items():
        key = form.add_prefix(name)
        if name not in form.cleaned_data or key not in query:
            continue
        canonical = canonical_values(field, form.cleaned_data[name])
        if canonical is None:
            continue
        given = field.widget.value_from_datadict(query, None, key)
        given = given if isinstance(given, list) else query.getlist(key)
        if given != canonical:
            kept.setlist(key, [",".join(canonical)] if canonical else [])
            changed = True
    if not changed:
        return None
    result = QueryDict(mutable=True)
    for key, values in kept.lists():
        if values:
            result.setlist(key, values)
    return result
