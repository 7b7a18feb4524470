"""What the cooperation views share: the scope's participations and parties as the public
may see them, its most recent records, and names read from values() rows."""

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ...lib import regions
from ...models import (
    AgreementParty,
    Participation,
)
from ...models.visibility import public, shown

INTERNATIONAL = "international"
INTERNATIONAL_NAME = _("International bodies")
HOST = Participation.Role.HOST


def _keys(queryset):
    """The queryset as a subquery of its keys (its order is of no use there, unless sliced)."""
    if queryset.query.is_sliced:
        return queryset.values("pk")
    return queryset.order_by().values("pk")


def most_recent(queryset, start, end, limit):
    """The `limit` most recent of `queryset`, as a sliced queryset (a subquery for
    _keys()): by their start, else their end, the latest first, undated ones last, then
    by slug. The timeline and the graph read their scope's latest records this way."""
    day = Coalesce(start, end)
    latest_first = queryset.annotate(day=day).order_by(F("day").desc(nulls_last=True), "-slug")
    return latest_first[: max(limit, 0)]


def _participations(events):
    """The events' participations that may be shown, each with the organisation it counts for
    (`org`: its own, else its post's)."""
    return (
        Participation.objects.filter(event__in=_keys(events))
        .filter(shown("organisation", "person", "post"))
        .filter(Q(organisation__isnull=False) | Q(post__isnull=True) | public("post__organisation"))
        .annotate(org=Coalesce("organisation_id", "post__organisation_id"))
    )


def _parties(agreements):
    """The agreements' parties the public may see: the rule the map's stored groups follow
    (tests/db/test_groups.py). The graph and the timeline read the parties by their index
    and check the same status in Python (a status in the WHERE clause sends SQLite, which
    has no statistics, through every published organisation)."""
    return AgreementParty.objects.filter(agreement__in=_keys(agreements)).filter(
        public("organisation")
    )


def _languages():
    """The languages a translated field is read in: the active one, then the other
    (modeltranslation's fallback order)."""
    language = (translation.get_language() or "en")[:2]
    return ("fr", "en") if language == "fr" else ("en", "fr")


def _name(row, field_name, order=None):
    """A translated field read from values() rows, in `order` (_languages(), which a
    caller naming many reads once: the active language is a thread-local's lookup)."""
    for code in order or _languages():
        value = row.get(f"{field_name}_{code}")
        if value:
            return value
    return row.get(field_name) or ""


def _country(code):
    return str(code or "").upper()


def _region_name(slug):
    return str(regions.REGION_NAMES.get(slug, "")) if slug else ""
