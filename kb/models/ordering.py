"""The public lists' default order: by name, in the page's language and its collation.

A list that no `?ordering=` sorts (every list page and API list, and the
API's cursor pages) reads its records by the name a page shows in that
language: the language's own column, else the next one
django-modeltranslation falls back to (`kb.db.collation.FirstNonEmpty`),
compared under the language's ICU collation (kb/db/collation.py), ties
broken by id. Events come by start date first (a list of meetings is read
by date), then by name.

Each type declares its `NameOrder` once; its indexes, one per language,
hold the very expression the query orders by, behind `status` as every
public read filters on it: a page reads its rows from the index in order and
stops, however large the table, and a cursor seeks into it.
"""

from django.db.models import F, Index
from modeltranslation.utils import resolution_order

from ..db import collation

LANGUAGES = tuple(collation.COLLATIONS)


class NameOrder:
    """A type's default list order: `leading` columns, its name in a language, then id.

    `field` is the name shown (name, title, statement), `translated` whether
    it has a column per language; `covering` columns end the index, for
    filters to read there before a row is (the events' date window).
    """

    def __init__(self, model_name, field, *, translated=True, leading=(), covering=()):
        self.model_name, self.field, self.translated = model_name, field, translated
        self.leading, self.covering = tuple(leading), tuple(covering)

    def key(self, language):
        """The sort key: the shown name under `language`'s collation."""
        language = collation.language_of(language)
        if self.translated:
            columns = [F(f"{self.field}_{code}") for code in resolution_order(language)]
            name = collation.FirstNonEmpty(*columns)
        else:
            name = F(self.field)
        return collation.ordered(name, language)

    @staticmethod
    def alias(language):
        """The key's annotation: named by language, so a cursor made in one is refused in the
        other (kb/api/pagination.py)."""
        return f"sort_name_{collation.language_of(language)}"

    def apply(self, queryset, language):
        alias = self.alias(language)
        queryset = queryset.annotate(**{alias: self.key(language)})
        return queryset.order_by(*self.leading, alias, "pk")

    def indexes(self):
        """One index per language: (status, leading..., key, id, covering...)."""
        return [
            Index(
                F("status"),
                *(F(name) for name in self.leading),
                self.key(language),
                F("id"),
                *(F(name) for name in self.covering),
                name=f"kb_{self.model_name}_name_{language}",
            )
            for language in LANGUAGES
        ]
