"""The records a person may mean by a name they type: the filter pickers' suggestions
(kb/site/suggest.py), and the names a list page's relation filter takes in place of a slug
(kb/filtering/names.py).

One read for both, so the name a picker suggests is the name the filter accepts.
May import: `kb.models`, `kb.lib`.
"""

from dataclasses import dataclass

from django.utils import translation

from ..lib.text import search_words
from ..models import Event, Organisation, Person, Topic

LIMIT = 10  # suggestions given
MAX_TEXT = 200  # longer text names nothing (the search box's limit)


@dataclass(frozen=True)
class Named:
    """How a type is named: its translated name field, other columns typed exactly
    (an acronym), and the columns that tell two records of the same name apart."""

    field: str = "name"
    also: tuple = ()
    hints: tuple = ()


NAMED = {
    Organisation: Named(also=("acronym", "aliases"), hints=("acronym", "country")),
    Person: Named(also=("aliases",), hints=("country",)),
    Event: Named(hints=("start_date",)),
    Topic: Named(),
}


@dataclass(frozen=True)
class Candidate:
    slug: str
    pk: int
    name: str  # in the active language, else the other
    exact: bool  # `text` is its name (either language), acronym or alias, accents aside
    hints: dict


def named_types():
    return tuple(NAMED)


def named(model):
    """How `model` is named (NAMED; another type by its name or title alone)."""
    if model in NAMED:
        return NAMED[model]
    fields = {f.name for f in model._meta.get_fields()}
    return Named(field=next((f for f in ("name", "title") if f in fields), "slug"))


def name_field(model):
    """The field that names a record of `model` ("name", "title"); modeltranslation reads
    a translated one in the active language, falling back to the other."""
    return named(model).field


def _name_columns(model, field):
    """(the columns of a name, the active language's first): both languages' when the
    field is translated (name_en, name_fr), else the field itself (a person's name)."""
    fields = {f.name for f in model._meta.get_fields()}
    english, french = f"{field}_en", f"{field}_fr"
    if english not in fields:
        return (field,)
    return (french, english) if translation.get_language() == "fr" else (english, french)


def _names(value):
    """A column's names: one, or a list of them (aliases)."""
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str) and v]
    return [value] if value else []


def candidates(queryset, text, limit=LIMIT):
    """Records of `queryset` (already published()) whose names hold every word of `text`,
    best first: search's own ranking (RecordQuerySet.ranked_search: a whole name,
    acronym or country first, then whole words, then words' starts, ties by name in
    the active language), with the records `text` names exactly before the rest.

    One query, of at most `limit` rows.
    """
    if len(text) > MAX_TEXT or not search_words(text):
        return []  # search() would find every row
    how = named(queryset.model)
    languages = _name_columns(queryset.model, how.field)
    typed = (*languages, *how.also)  # what a person may type a record by, exactly
    columns = dict.fromkeys(["slug", "pk", *typed, *how.hints])
    wanted = _folded(text)
    found = []
    for row in queryset.ranked_search(text).values(*columns)[:limit]:
        names = {_folded(name) for column in typed for name in _names(row[column])}
        found.append(
            Candidate(
                slug=row["slug"],
                pk=row["pk"],
                name=next((row[c] for c in languages if row[c]), row["slug"]),
                exact=wanted in names,
                hints={c: row[c] for c in how.hints},
            )
        )
    # Stable: search's order within each group.
    found.sort(key=lambda c: not c.exact)
    return found


def _folded(name):
    """A name as search compares it: folded, its punctuation spaces ("DGSN-DGST")."""
    return " ".join(search_words(name))
