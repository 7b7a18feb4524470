"""Where facts come from: sources, the citations that quote them, and how lists read them."""

import functools
import itertools
from typing import NamedTuple

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models
from django.db.models import F, Q
from django.db.models.functions import MD5
from django.utils.translation import gettext_lazy as _

from ..db.idlists import IDS, rows_for_ids
from .base import Record, RecordQuerySet
from .ordering import NameOrder
from .rules import Together
from .visibility import PUBLIC, public

TRANSLATION_BY_WHOM = Together(
    "citation_translation_has_translator",
    "translation",
    "translation_by",
    _("Give a translation and who made it, or neither."),
)
SOURCE_ORDER = NameOrder("source", "title", translated=False)


class SourceQuerySet(RecordQuerySet):
    def for_listing(self):
        return self.select_related("attributed_to")


class Source(Record):
    """The document a fact comes from."""

    class Kind(models.TextChoices):
        NEWS_ARTICLE = "news_article", _("News article")
        PRESS_RELEASE = "press_release", _("Press release")
        OFFICIAL_DOCUMENT = "official_document", _("Official document")
        REPORT = "report", _("Report")
        OTHER = "other", _("Other")

    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, choices=Kind.choices, db_index=True)
    publisher = models.CharField(
        max_length=300, blank=True, default="", help_text=_("Empty when unknown.")
    )
    language = models.CharField(
        max_length=10, db_index=True, help_text=_("ISO 639-1 code of the source's language.")
    )
    published_on = models.DateField(null=True, blank=True, help_text=_("Empty when unknown."))
    url = models.URLField(
        max_length=1000, blank=True, default="", help_text=_("Empty when unknown.")
    )
    attributed_to = models.ForeignKey(
        "kb.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attributed_sources",
        help_text=_("Whom the source attributes its facts to, when it names someone."),
    )
    attribution = models.TextField(
        blank=True,
        default="",
        help_text=_("The source's own words for that attribution."),
    )
    text = models.TextField(
        blank=True,
        default="",
        help_text=_(
            "The full text as published, copied exactly: quotes are found in it word for word."
        ),
    )
    publish_full_text = models.BooleanField(
        default=False,
        help_text=_("Its full text may be published (off for someone else's copyrighted work)"),
    )

    objects = SourceQuerySet.as_manager()
    list_order = SOURCE_ORDER

    class Meta(Record.Meta):
        indexes = [
            *Record.Meta.indexes,
            *SOURCE_ORDER.indexes(),
            # The `year` filter and facet read it (every filtered column leads an index).
            models.Index(fields=["published_on"], name="kb_source_published"),
        ]

    def __str__(self):
        return self.title

    @property
    def public_text(self):
        """The text the public may read: all of it when publishing it is allowed, else None."""
        return public_text(self.text, self.publish_full_text)

    def search_terms(self):
        return [self.slug, self.title, self.publisher]


class Citation(models.Model):
    """Links a record to a source with the exact quote that supports it."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    quote = models.TextField(
        help_text=_("Copied exactly, in the source's language (typographic apostrophes and all).")
    )

    class TranslatedBy(models.TextChoices):
        NONE = "", _("No translation")
        ENTENTE = "entente", _("Entente's translation")
        SOURCE = "source", _("The source's own translation")

    translation = models.TextField(blank=True, default="", help_text=_("Optional translation."))
    translation_by = models.CharField(
        max_length=20,
        choices=TranslatedBy.choices,
        blank=True,
        default="",
        help_text=_("Who made the translation; empty exactly when there is none."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["content_type", "object_id", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="citation_record")]
        constraints = [
            models.CheckConstraint(condition=~Q(quote=""), name="citation_quote_not_empty"),
            TRANSLATION_BY_WHOM.constraint(),
            # The quote enters the key as a hash: a long quote would exceed
            # PostgreSQL's limit on the size of a b-tree index entry.
            models.UniqueConstraint(
                F("content_type"),
                F("object_id"),
                F("source"),
                MD5("quote"),
                name="citation_natural_key",
                violation_error_message=_("This quote already cites this record."),
            ),
        ]

    def __str__(self):
        return f"{self.source}: “{self.quote[:60]}”"


def public_text(text, may_publish):
    """A source's text as the public may read it: None unless its publication is allowed.

    One rule for every public surface (the page, the API's rows and their
    values() twin, the bulk files): a news article is someone else's work.
    """
    return text if may_publish else None


def published_citations():
    """Prefetch for `citations` with their source, published sources only."""
    return models.Prefetch(
        "citations", queryset=Citation.objects.filter(public("source")).select_related("source")
    )


class SourceRef(NamedTuple):
    slug: str


class CitedQuote(NamedTuple):
    """What a list shows of a citation: `source.slug`, `quote` and its translation, as a
    Citation offers them."""

    source: SourceRef
    quote: str
    translation: str = ""
    translation_by: str = ""


CITED = "cited"  # the attribute with_cited() puts each row's citations in


class CitedQuerySet(RecordQuerySet):
    """The QuerySet of records that sources cite: their citations as light rows."""

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

    def finish_rows(self, rows):
        """What fetching adds to this queryset's instances `rows`: with_cited()'s `cited`.
        Also called by those who build its instances from its SQL (filtering/compiled.py)."""
        if self._with_cited:
            attach_cited(self.model, rows)

    def _fetch_all(self):
        fetched = self._result_cache is None
        super()._fetch_all()
        if fetched and self._iterable_class is models.query.ModelIterable:
            self.finish_rows(self._result_cache)

    def _iterator(self, use_chunked_fetch, chunk_size):
        rows = super()._iterator(use_chunked_fetch, chunk_size)
        if not self._with_cited or self._iterable_class is not models.query.ModelIterable:
            yield from rows
            return
        while batch := list(itertools.islice(rows, chunk_size or 2000)):
            self.finish_rows(batch)
            yield from batch


def attach_cited(model, rows):
    """Set `row.cited` on each row: its published citations, in citation order. One query.

    Plain SQL, written once per database: building the equivalent queryset
    cost more than running it, on every page of every list.
    """
    quotes = cited_quotes(model, [row.pk for row in rows], rows[0]._state.db if rows else None)
    for row in rows:
        setattr(
            row,
            CITED,
            [CitedQuote(SourceRef(s), q, t, by) for s, q, t, by in quotes.get(row.pk, ())],
        )


def cited_quotes(model, ids, alias=None):
    """{record id: [(source slug, quote, translation, translation_by), ...]}: published
    citations, in citation order.

    One query; records without a citation are absent. Lists of instances
    (attach_cited) and lists built from values() (kb/api/projections.py) share it.
    """
    by_record = {}
    if ids:
        connection = connections[alias or "default"]
        before = [ContentType.objects.get_for_model(model).pk, PUBLIC]
        for object_id, *citation in rows_for_ids(
            connection, _cited_sql(connection.alias), ids, before
        ):
            by_record.setdefault(object_id, []).append(tuple(citation))
    return by_record


@functools.cache
def _cited_sql(alias):
    qn = connections[alias].ops.quote_name
    citation, source = qn(Citation._meta.db_table), qn(Source._meta.db_table)
    # s.status = %s: the published sources only (visibility.PUBLIC).
    return (
        f"SELECT c.object_id, s.slug, c.quote, c.translation, c.translation_by FROM {citation} c "
        f"INNER JOIN {source} s ON s.id = c.source_id "
        f"WHERE c.content_type_id = %s AND s.status = %s AND c.object_id IN ({IDS}) "
        "ORDER BY c.object_id, c.id"
    )
