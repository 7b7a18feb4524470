"""What every API projection shares: the Projection base and the cells it formats.

A projection (kb/api/projections.py) reads a type's rows with values() and
builds the dict its serializer would; this module holds the base class and
the column formats (times, dates, identifiers, published slugs) they all use.
"""

import datetime
import itertools

from django.urls import NoReverseMatch
from django.utils import translation
from django.utils.dateparse import parse_datetime
from modeltranslation.utils import resolution_order

from ..models.citations import cited_quotes
from ..models.identifiers import identifier_rows
from ..models.visibility import PUBLIC
from .fields import SLUG_MARK, citation, identifier, url_for_slug

UTC = datetime.UTC


def utc_time(value):
    # As DRF's DateTimeField in UTC (fields.UTCDateTimeField): ISO 8601, "Z".
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    if value.tzinfo is None:
        # A compiled list's SQLite date-time, naive as the driver reads it, and in UTC
        # (converters.unconverted): the ORM's converter would only have said so.
        return value.isoformat() + "Z"
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def iso_date(value):
    return None if value is None else value.isoformat()


def identifiers_of(model, ids, alias):
    """{record id: its identifiers as the API gives them}, in stored order: one query."""
    found = {}
    for object_id, scheme, value in identifier_rows(model, ids, alias):
        found.setdefault(object_id, []).append(identifier(scheme, value))
    return found


def published_slug(slug, status):
    # fields.PublishedSlugField: a draft, or no record, shows as null.
    return slug if slug is not None and status == PUBLIC else None


class Projection:
    """One type's rows: `columns` for values(), then `row()` per record."""

    model = None
    # values() names; each projection reads them by these keys.
    columns = ()
    # The field shown as `name` (and in `names`, when it is translated).
    name_field = "name"
    translated = True
    # Dates and date-times this projection formats with utc_time() or iso_date(): a
    # compiled list (kb/filtering/compiled.py) may hand them over as SQLite's driver
    # reads them, without the ORM's converter (converters.unconverted).
    unconverted = ("updated_at",)

    def __init__(self, context):
        self.context = context
        # Whether the answer's renderer writes JSON text as it is (renderers.JSONRenderer):
        # lists the database keeps as JSON then reach it unparsed (lib.jsontext).
        renderer = getattr(context.get("request"), "accepted_renderer", None)
        self.as_text = getattr(renderer, "writes_json_text", False)
        language = translation.get_language()
        if self.translated:
            order = resolution_order(language)
            self.name_order = [f"{self.name_field}_{lang}" for lang in order]
        else:
            self.name_order = [self.name_field]
        self.name_columns = (f"{self.name_field}_en", f"{self.name_field}_fr")
        self.api_url = self._url_maker(f"v1:{self.model._meta.model_name}-detail")
        self.page_url = self._url_maker(f"kb:{self.model._meta.model_name}-detail")

    def _url_maker(self, view_name):
        """slug -> absolute URL of view_name (None if it has no route), reversed once."""
        try:
            template = url_for_slug(self.context, view_name, SLUG_MARK)
        except NoReverseMatch:
            return lambda slug: None
        prefix, _mark, suffix = template.partition(SLUG_MARK)
        return lambda slug: f"{prefix}{slug}{suffix}"

    @classmethod
    def values(cls, queryset):
        """The queryset's rows as dicts of `columns`, plus its ordering keys (for cursors)."""
        names = list(cls.columns)
        for item in queryset.query.order_by:
            name = item.lstrip("-") if isinstance(item, str) else None
            if name and name not in names:
                names.append(name)
        # Instances' needs, never a projection's (each clone copies the query).
        if queryset._prefetch_related_lookups:
            queryset = queryset.prefetch_related(None)
        if queryset.query.select_related:
            queryset = queryset.select_related(None)
        # modeltranslation's values() rewrites every row for its fallbacks;
        # the projection reads each language's column itself (name()).
        return getattr(queryset, "raw_values", queryset.values)(*names)

    def name(self, row):
        # fields.TranslatedField: the active language, then its fallbacks, else "".
        for column in self.name_order:
            value = row[column]
            if value is not None and value != "":
                return value
        return ""

    def names(self, row):
        # Both languages' columns, named once here rather than formatted for every row.
        en, fr = self.name_columns
        return {"en": row[en] or None, "fr": row[fr] or None}

    def base(self, row):
        slug = row["slug"]
        return {
            "slug": slug,
            "url": self.api_url(slug),
            "html_url": self.page_url(slug),
            "name": self.name(row),
        }

    def related(self, rows, alias):
        """Whatever the rows need from other tables, one query per relation."""
        ids = [row["id"] for row in rows]
        if not ids:
            return {}
        return {
            "identifiers": identifiers_of(self.model, ids, alias),
            "citations": cited_quotes(self.model, ids, alias),
        }

    def rows(self, rows, alias):
        related = self.related(rows, alias)
        return [self.row(row, related) for row in rows]

    @classmethod
    def stream(cls, queryset, context, chunk_size):
        """Every row of `queryset` as the serializer gives it, read from one query
        `chunk_size` rows at a time, with one query per relation for each chunk:
        memory stays bounded.

        Lazy: the projection is made at the first chunk, under the language active
        then (a streamed download sets it for each batch, after the view returned).
        """
        rows = cls.values(queryset).iterator(chunk_size=chunk_size)
        projection = None
        while chunk := list(itertools.islice(rows, chunk_size)):
            if projection is None:
                projection = cls(context)
            yield from projection.rows(chunk, queryset.db)

    @staticmethod
    def identifiers(row, related):
        return related["identifiers"].get(row["id"], [])

    @staticmethod
    def citations(row, related):
        return [citation(*cited) for cited in related["citations"].get(row["id"], ())]
