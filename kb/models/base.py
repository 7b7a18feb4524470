"""Shared building blocks: publication status, date precision, the record base classes."""

import datetime
import functools
import itertools
import unicodedata
from typing import NamedTuple

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.db.models import F, Q, Value
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# Stand-ins for NULL inside unique constraints: NULLs are distinct in a unique
# index on both SQLite and PostgreSQL, so without them two identical rows
# with an empty optional part would both be accepted.
NO_ID = Value(0)
NO_DATE = Value(datetime.date(1, 1, 1))


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("Exact: it ran from the start date to the end date")
    WITHIN = "within", _("Within: it took place on some day in that window")


def fold(text):
    """The form search compares: lower case, no accents ("Bénin" -> "benin").

    NFKD also turns "93ᵉ" into "93e"; typographic apostrophes become plain.
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold().replace("\u2019", "'")


class SourceRef(NamedTuple):
    slug: str


class CitedQuote(NamedTuple):
    """What a list shows of a citation: `source.slug` and `quote`, as a Citation offers them."""

    source: SourceRef
    quote: str


class RecordQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public surface starts here."""
        return self.filter(status=Status.PUBLISHED)

    def search(self, query):
        """Records whose names (any language), acronym or aliases hold every word of query.

        Every folded word must be contained in `search_text`. The words the
        trigram index can look up (3 characters or more) go through it first:
        on SQLite the table's FTS5 index (`<table>_search`), on PostgreSQL the
        GIN trigram index, which the LIKE below uses by itself. The LIKE then
        checks every word exactly, on the rows the index found.
        """
        from .indexing import TRIGRAM, search_table

        words = list(dict.fromkeys(fold(query).split()))
        indexed = [w for w in words if len(w) >= TRIGRAM]
        if indexed and connections[self.db].vendor == "sqlite":
            # FTS5 phrases: each word in double quotes (doubled inside), all required.
            match = " ".join('"{}"'.format(w.replace('"', '""')) for w in indexed)
            table = search_table(self.model)
            self = self.filter(
                pk__in=RawSQL(f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH %s', [match])
            )
        for word in words:
            self = self.filter(search_text__contains=word)
        return self

    # --- Citations as light rows (with_cited) ----------------------------------------

    _with_cited = False

    def with_cited(self):
        """Rows with `row.cited`: their published citations as CitedQuote tuples.

        One query per evaluation (per chunk with iterator()), like a
        prefetch, but it reads three columns into tuples: on a list of 50
        records Django's generic prefetch (a Citation and a Source instance
        per citation, a related manager per row) cost a fifth of the request.
        """
        clone = self._chain()
        clone._with_cited = True
        return clone

    def _clone(self):
        clone = super()._clone()
        clone._with_cited = self._with_cited
        return clone

    def _fetch_all(self):
        fetched = self._result_cache is None
        super()._fetch_all()
        if fetched and self._with_cited and self._iterable_class is models.query.ModelIterable:
            attach_cited(self.model, self._result_cache)

    def _iterator(self, use_chunked_fetch, chunk_size):
        rows = super()._iterator(use_chunked_fetch, chunk_size)
        if not self._with_cited or self._iterable_class is not models.query.ModelIterable:
            yield from rows
            return
        while batch := list(itertools.islice(rows, chunk_size or 2000)):
            attach_cited(self.model, batch)
            yield from batch

    def cached_count(self, version=None, key=None):
        """count(), cached under the data version: exact as of the last change."""
        from .indexing import cached_count

        return cached_count(self, version, key)

    def refresh_search_text(self, batch_size=500):
        """Recompute the folded search column: the bulk path (loaddata, imports)."""
        batch = []
        for obj in self.iterator(chunk_size=batch_size):
            obj.search_text = obj.build_search_text()
            batch.append(obj)
            if len(batch) >= batch_size:
                self.model.objects.bulk_update(batch, ["search_text"])
                batch = []
        if batch:
            self.model.objects.bulk_update(batch, ["search_text"])

    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Record(models.Model):
    """Fields shared by every main record."""

    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text=_("Stable, human-readable key used in URLs, the API and import files."),
    )
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        db_index=True,
        help_text=_("Only published records appear on the public site and in the API."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Derived from the fields search_terms() names, folded; kept in step by
    # save() and by refresh_search_text() on bulk paths.
    search_text = models.TextField(blank=True, default="", editable=False)

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["slug"]
        # Public lists read published rows in slug order: one index serves the
        # filter and the order, so a page stops after its rows, however large
        # the table (the status index alone would sort every published row).
        indexes = [models.Index(fields=["status", "slug"], name="%(app_label)s_%(class)s_pub")]

    def save(self, *args, **kwargs):
        # The one piece of logic in save(): keeping the derived column in step.
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The public page (kb/urls.py names each `<model>-detail`)."""
        return reverse(f"kb:{self._meta.model_name}-detail", kwargs={"slug": self.slug})

    def natural_key(self):
        return (self.slug,)

    def search_terms(self):
        """The texts a search should find this record by."""
        return [self.slug]

    def build_search_text(self):
        return fold(" ".join(t for t in self.search_terms() if t))


class CitedRecord(Record):
    """A main record that sources cite: every one but Source itself.

    Source stays out because its relation's query name, "source", would
    replace the Citation.source foreign key's accessor on Citation.
    """

    citations = GenericRelation("kb.Citation", related_query_name="%(class)s")

    class Meta(Record.Meta):
        abstract = True


class JoinRow(models.Model):
    """Fields shared by join rows: timestamps and citations, no slug."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    citations = GenericRelation("kb.Citation", related_query_name="%(class)s")

    class Meta:
        abstract = True


def dates_in_order(start, end, name):
    """A CHECK that a window is either unknown or runs forwards.

    A window is unknown (both empty) or known (both set, start <= end); a
    lone end date would make overlap filters guess.
    """
    return models.CheckConstraint(
        condition=Q(**{f"{start}__isnull": True, f"{end}__isnull": True})
        | Q(**{f"{start}__isnull": False, f"{end}__isnull": False, f"{start}__lte": F(end)}),
        name=name,
        violation_error_message=_("The end date must be on or after the start date."),
    )


def published_citations():
    """Prefetch for `citations` with their source, published sources only."""
    from .sources import Citation

    return models.Prefetch(
        "citations",
        queryset=Citation.objects.filter(source__status=Status.PUBLISHED).select_related("source"),
    )


CITED = "cited"  # the attribute with_cited() puts each row's citations in


def attach_cited(model, rows):
    """Set `row.cited` on each row: its published citations, in citation order. One query.

    Plain SQL, written once per database: building the equivalent queryset
    cost more than running it, on every page of every list.
    """
    from django.contrib.contenttypes.models import ContentType

    by_record = {row.pk: [] for row in rows}
    if by_record:
        ids = list(by_record)
        connection = connections[rows[0]._state.db or "default"]
        sql = _cited_sql(connection.alias).replace("%(ids)s", ", ".join(["%s"] * len(ids)))
        params = [ContentType.objects.get_for_model(model).pk, Status.PUBLISHED, *ids]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for object_id, slug, quote in cursor.fetchall():
                by_record[object_id].append(CitedQuote(SourceRef(slug), quote))
    for row in rows:
        setattr(row, CITED, by_record[row.pk])


@functools.cache
def _cited_sql(alias):
    from .sources import Citation, Source

    qn = connections[alias].ops.quote_name
    citation, source = qn(Citation._meta.db_table), qn(Source._meta.db_table)
    return (
        f"SELECT c.object_id, s.slug, c.quote FROM {citation} c "
        f"INNER JOIN {source} s ON s.id = c.source_id "
        "WHERE c.content_type_id = %s AND s.status = %s AND c.object_id IN (%(ids)s) "
        "ORDER BY c.object_id, c.id"
    )


def cited_as_list(queryset, keep=True):
    """The queryset with its top-level `citations` prefetch replaced by with_cited().

    With keep=False the citations are not read at all (pages whose rows show
    no quote).
    """
    lookups = []
    cited = False
    for lookup in queryset._prefetch_related_lookups:
        if isinstance(lookup, models.Prefetch) and lookup.prefetch_to == "citations":
            cited = keep
            continue
        lookups.append(lookup)
    queryset = queryset.prefetch_related(None).prefetch_related(*lookups)
    return queryset.with_cited() if cited else queryset


def shown(*relations):
    """Rows whose named ends (optional foreign keys) are all published."""
    condition = Q()
    for name in relations:
        condition &= Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__status": Status.PUBLISHED})
    return condition


def translated(obj, field):
    """Both language versions of a modeltranslation field."""
    return [getattr(obj, f"{field}_en", ""), getattr(obj, f"{field}_fr", "")]


def country_names(country):
    """A country's code and its English and French names, for search."""
    if not country:
        return []
    return list(_country_names(country.code))


@functools.cache
def _country_names(code):
    # Names never change while the process runs, and switching languages is
    # costly: bulk imports and synthesis call this once per row.
    from django.utils import translation
    from django_countries import countries

    names = [code]
    for language in ("en", "fr"):
        with translation.override(language):
            names.append(str(countries.name(code)))
    return tuple(names)


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Store non-ASCII text as itself, not as \\uXXXX escapes.

    SQLite keeps JSON as text, so escaped accents would defeat searches such
    as `aliases__icontains="Université"`.
    """

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


def validate_aliases(aliases):
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
        raise ValidationError({"aliases": _("Give a list of non-empty names.")})


def validate_post_organisation(row):
    """A post belongs to one organisation: a row naming a post names that organisation.

    Filling in a missing organisation here spares editors a redundant field,
    and a row naming another organisation is refused rather than guessed at.
    """
    if not row.post_id:
        return
    if not row.organisation_id:
        row.organisation_id = row.post.organisation_id
    elif row.post.organisation_id != row.organisation_id:
        raise ValidationError({"post": _("This post belongs to another organisation.")})
