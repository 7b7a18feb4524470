"""Shared building blocks: publication status, date precision, the record base classes."""

import datetime

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q, Value
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


class RecordQuerySet(models.QuerySet):
    def published(self):
        """What the public may see. Every public surface starts here."""
        return self.filter(status=Status.PUBLISHED)

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

    objects = RecordQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["slug"]

    def natural_key(self):
        return (self.slug,)


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
