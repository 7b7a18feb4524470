"""Shared building blocks: publication status, date precision, the record base classes."""

import datetime
import functools
import unicodedata

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q, Value
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


class RecordQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public surface starts here."""
        return self.filter(status=Status.PUBLISHED)

    def search(self, query):
        """Records whose names (any language), acronym or aliases hold every word of query."""
        for word in fold(query).split():
            self = self.filter(search_text__contains=word)
        return self

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
