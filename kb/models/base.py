"""Shared building blocks: publication status, date precision, the record base classes."""

import datetime
import functools

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ..db import counts, search
from ..lib import countries
from ..lib.batching import BATCH_SIZE, batched
from ..lib.text import TERM_SEPARATOR, search_column, search_words
from .redirects import SlugRedirect
from .visibility import Status, public

# Stand-ins for NULL inside unique constraints: NULLs are distinct in a unique
# index on both SQLite and PostgreSQL, so without them two identical rows
# with an empty optional part would both be accepted.
NO_ID = Value(0)
NO_DATE = Value(datetime.date(1, 1, 1))


def reference_index(model_name):
    """(id, status, slug): a record's slug and whether the public sees it, read by its key
    from this index alone.

    An events page named its 955 participants by slug this way: read from the table,
    each was a lookup of a wide row (its search text, aliases, description) among
    100,000; from this index, of a few bytes (1.85 -> 1.35 ms of SQL for that page
    at scale 100). The page now reads the list the database keeps for each event
    (kb/db/groups.py, Participants).

    It also turns SQLite's own plan for a page of a search that found up to
    search.CANDIDATES_MAX rows, from walking the name index to reading the rows
    found by key; search.walk_is_cheaper asks for the walk (`+id IN (...)`) where
    it pays. tests/db/test_index_and_version.py pins both plans.
    """
    return models.Index(fields=["id", "status", "slug"], name=reference_index_name(model_name))


def reference_index_name(model_name):
    return f"kb_{model_name}_ref"


class DatePrecision(models.TextChoices):
    EXACT = "exact", _("Exact: it ran from the start date to the end date")
    WITHIN = "within", _("Within: it took place on some day in that window")


class RecordQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public surface starts here."""
        return self.filter(public())

    def in_name_order(self, language=None):
        """The public lists' default order: by the name shown in `language` (the active
        one by default) under its collation, then id; events by date first. The sort key
        is annotated as `sort_name_<language>`, which cursors page on (kb/models/ordering.py).
        """
        return self.model.list_order.apply(self, language or translation.get_language())

    def for_list_rows(self):
        """What a list page's rows show: for_listing(), unless a type's rows show less."""
        return self.for_listing()

    def with_identifiers(self):
        """Each row's identifiers in other systems (`identifiers.all()`), in one more query."""
        return self.prefetch_related("identifiers")

    def search(self, query):
        """Records whose names (any language), acronym or aliases hold every word of query.

        Every folded word (lib.text.search_words) must be contained in
        `search_text`. The words the trigram index can look up (3 characters
        or more) go through it first: on SQLite the table's FTS5 index
        (`<table>_search`), whose rows are read once, when the query first
        compiles, as a list of ids (search.Candidates); on PostgreSQL the
        GIN trigram index, which the LIKE below uses by itself. The LIKE then
        checks every word exactly, on the rows the index found.
        In the table's order: ranked_search() ranks. `query` may also be
        search.DeferredWords, for a query compiled once (kb/filtering/compiled.py).
        """
        deferred = isinstance(query, search.DeferredWords)
        if deferred:
            words, indexed = list(query), query.indexed
        else:
            words = list(dict.fromkeys(search_words(query)))
            indexed = [w for w in words if len(w) >= search.TRIGRAM]
        if indexed and connections[self.db].vendor == "sqlite":
            table = self.model._meta.db_table
            self = self.filter(search.Candidates(table, indexed, deferred=deferred))
        for word in words:
            self = self.filter(search_text__contains=word)
        return self

    def ranked_search(self, query):
        """search(query), best match first, as `search_rank` (SearchRank), ties by name.

        An exact name, acronym or other whole term ranks first ("mou", "Turkey",
        "INTERPOL"), then records holding every word whole, then every word's
        start ("hammou"), then words found only inside others ("mou" in
        "Hammouchi"). Ties go by name in the active language, then id. Any
        record type; the same SQL on both databases (CASE over LIKE on the
        column search() reads, so it ranks only the rows search() found).
        """
        words = list(dict.fromkeys(search_words(query)))
        order = self.model.list_order
        # Ties read as the lists do: the shown name under the language's collation.
        name = order.key(translation.get_language()) if order else _name_field(self.model)
        return (
            self.search(query)
            .annotate(**{search.RANK: search_rank(words)})
            .order_by(search.RANK, name, "pk")
        )

    def cached_count(self, version=None, key=None):
        """count(), cached under the data version: exact as of the last change."""
        return counts.cached_count(self, version, key)

    def refresh_search_text(self, batch_size=BATCH_SIZE):
        """Recompute the folded search column: the bulk path (loaddata, imports)."""
        for batch in batched(self.iterator(chunk_size=batch_size), batch_size):
            for obj in batch:
                obj.search_text = obj.build_search_text()
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
    # Its identifiers in other systems (kb/models/identifiers.py).
    identifiers = GenericRelation("kb.Identifier", related_query_name="%(class)s")
    # Old slugs of the records merged into this one (kb/models/redirects.py).
    redirects = GenericRelation(
        "kb.SlugRedirect", object_id_field="target_id", related_query_name="%(class)s"
    )

    objects = RecordQuerySet.as_manager()
    # The lists' default order (ordering.NameOrder), which each concrete type declares.
    list_order = None

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
        """The public page (kb/site/urls.py names each `<model>-detail`)."""
        return reverse(f"kb:{self._meta.model_name}-detail", kwargs={"slug": self.slug})

    def validate_unique(self, exclude=None):
        # A slug that redirects is taken too: a new record under it would hijack the
        # links to the merged one. (Forms ask this; imports check it per file.)
        super().validate_unique(exclude)
        redirects = SlugRedirect.objects.of_model(type(self))
        if "slug" not in (exclude or ()) and redirects.filter(old_slug=self.slug).exists():
            raise ValidationError({"slug": slug_redirects_message(self.slug)})

    def natural_key(self):
        return (self.slug,)

    def search_terms(self):
        """The texts a search should find this record by."""
        return [self.slug]

    def build_search_text(self):
        return search_column(self.search_terms())


def slug_redirects_message(slug):
    """Why a record may not take `slug`: a merged record's old slug that redirects."""
    return _(
        "“%(slug)s” is the slug of a record merged into another; its links lead there. "
        "Choose another slug."
    ) % {"slug": slug}


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


def translated(obj, field):
    """Both language versions of a modeltranslation field."""
    return [getattr(obj, f"{field}_en", ""), getattr(obj, f"{field}_fr", "")]


def country_names(country):
    """A country's code, its names in English and French (everyday, former and official
    ones: "Turkey" as well as "Türkiye") and its demonyms, for search (lib.countries)."""
    if not country:
        return []
    return list(countries.search_terms(country.code))


def choice_words(choices, value):
    """A choice's label in English and French ("Memorandum of understanding",
    "Mémorandum d'entente"), for search: a record is found by its kind."""
    if not value:
        return []
    return list(_choice_words(choices, value))


@functools.cache
def _choice_words(choices, value):
    # Labels never change while the process runs; switching languages is costly.
    try:
        label = choices(value).label
    except ValueError:  # a value no longer among the choices
        return ()
    words = []
    for language in ("en", "fr"):
        with translation.override(language):
            words.append(str(label))
    return tuple(words)


class SearchRank(models.IntegerChoices):
    """How well a record matched a search (RecordQuerySet.ranked_search): lower is better."""

    EXACT = 0, "a whole term: name, acronym, alias, country, kind"
    WORDS = 1, "every word whole"
    WORD_STARTS = 2, "every word at the start of a word"
    INSIDE = 3, "some word only inside another"


def search_rank(words):
    """SearchRank of each row holding every word (RecordQuerySet.search), as SQL.

    The search column (lib.text.search_column) keeps each term between bars
    and each word between spaces, so LIKE tells a whole term, a whole word and
    a word's start apart without a regular expression.
    """
    if not words:
        return Value(SearchRank.EXACT, output_field=IntegerField())
    bar = TERM_SEPARATOR
    term = Q(search_text__contains=f"{bar} {' '.join(words)} {bar}")
    whole = Q(*(Q(search_text__contains=f" {word} ") for word in words))
    starts = Q(*(Q(search_text__contains=f" {word}") for word in words))
    return Case(
        When(term, then=Value(SearchRank.EXACT)),
        When(whole, then=Value(SearchRank.WORDS)),
        When(starts, then=Value(SearchRank.WORD_STARTS)),
        default=Value(SearchRank.INSIDE),
        output_field=IntegerField(),
    )


def _name_field(model):
    """The field that names a record of `model`, for ties (modeltranslation reads the
    active language's column)."""
    fields = {f.name for f in model._meta.get_fields()}
    return next((f for f in ("name", "title", "statement") if f in fields), "slug")


class UnicodeJSONEncoder(DjangoJSONEncoder):
    """Store non-ASCII text as itself, not as \\uXXXX escapes.

    SQLite keeps JSON as text, so escaped accents would defeat searches such
    as `aliases__icontains="Université"`.
    """

    def __init__(self, *args, **kwargs):
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)
