"""Visibility, the one rule every public surface applies: only published records show.

A fact (a join row, a citation, a link to another record) shows only when
every record it names is published. Querysets filter with `public()` and
`shown()`, templates and serializers ask `is_public()`; nothing else compares
a status with "published" (`RecordQuerySet.published()` is `public()`).
"""

from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from ..db.planning import Unindexed


class Status(models.TextChoices):
    """A record's publication status: the public sees published records only."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


PUBLIC = Status.PUBLISHED


def public(relation=None, indexed=True):
    """Rows that are published or, with `relation`, whose related record is.

    `indexed=False` keeps SQLite's planner from starting there (kb/db/planning.py):
    for a query whose other condition is far narrower than "published".
    """
    field = f"{relation}__status" if relation else "status"
    if indexed:
        return Q(**{field: PUBLIC})
    return Q(Exact(Unindexed(F(field)), PUBLIC))


def shown(*relations):
    """Rows whose named ends (optional foreign keys) are all published or empty."""
    condition = Q()
    for name in relations:
        condition &= Q(**{f"{name}__isnull": True}) | public(name)
    return condition


def is_public(record):
    """Whether an optional related record (parent, organiser...) may be shown."""
    return record is not None and record.status == PUBLIC


def ends_shown(model, ends):
    """Rows of `model` whose named ends are all published: required ends must be,
    optional ones may also be empty."""
    condition = Q()
    for name in ends:
        if model._meta.get_field(name).null:
            condition &= shown(name)
        else:
            condition &= public(name)
    return condition
