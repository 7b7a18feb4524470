"""The scope's events and agreements in time, grouped by the counterparts' region or by kind."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from ...lib import regions
from ...lib.windows import format_window
from ...models import (
    Agreement,
    AgreementParty,
    DatePrecision,
    Event,
    Participation,
)
from ...models.visibility import PUBLIC
from .reads import (
    HOST,
    INTERNATIONAL,
    INTERNATIONAL_NAME,
    _keys,
    _name,
    _participations,
    most_recent,
)


@dataclass
class TimelineItem:
    type: str
    slug: str
    name: str
    start: object
    end: object
    precision: str
    label: str
    group: str
    group_name: str


@dataclass
class GroupRow:
    slug: str
    name: str
    count: int


@dataclass
class Timeline:
    items: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    total: int = 0
    omitted: int = 0


GROUPS = ("region", "kind")


def _dated(start, end):
    return Q(**{f"{start}__isnull": False}) | Q(**{f"{end}__isnull": False})


def timeline(events, agreements, group="region", limit=2000):
    """The scope's dated events and agreements, each in its group (a region or a kind).

    By region, an event is in the regions of its counterparts (participants other
    than the host) and an agreement in its parties' (less the host of the meeting
    where it was signed); one with several regions is
    in each, one with none (international bodies only) in "international". At most
    `limit` records are listed, the most recent; `omitted` counts the rest and the
    undated ones, which a timeline cannot place.
    """
    if group not in GROUPS:
        raise ValueError(f"Unknown timeline group {group!r}")
    limit = max(limit, 0)
    sources = (
        ("event", events, "name", "start_date", "end_date"),
        ("agreement", agreements, "title", "signed_start", "signed_end"),
    )
    total = 0
    candidates = []
    picked = {}
    for kind, queryset, title, start, end in sources:
        dated = _dated(start, end)
        tally = queryset.order_by().aggregate(all=Count("pk"), dated=Count("pk", filter=dated))
        total += tally["all"]
        if not tally["dated"] or not limit:
            continue
        window = most_recent(queryset.filter(dated), start, end, limit)
        picked[kind] = window
        for row in window.values(
            "pk", "slug", title, f"{title}_en", f"{title}_fr", "kind", start, end, "date_precision"
        ):
            candidates.append((kind, row, title, start, end))
    candidates.sort(key=lambda c: (c[1][c[3]] or c[1][c[4]], c[1]["slug"], c[0]), reverse=True)
    chosen = candidates[:limit]
    chosen.sort(key=lambda c: (c[1][c[3]] or c[1][c[4]], c[1][c[4]] or c[1][c[3]], c[1]["slug"]))

    groups_of = _regions_of(picked) if group == "region" else None
    kind_labels = {"event": dict(Event.Kind.choices), "agreement": dict(Agreement.Kind.choices)}
    items, counts = [], defaultdict(int)
    for kind, row, title, start, end in chosen:
        first, last = row[start] or row[end], row[end] or row[start]
        precision = row["date_precision"] or DatePrecision.EXACT
        base = {
            "type": kind,
            "slug": row["slug"],
            "name": _name(row, title),
            "start": first,
            "end": last,
            "precision": str(precision),
            "label": format_window(first, last, precision),
        }
        if groups_of is not None:
            slugs = groups_of.get((kind, row["pk"])) or [INTERNATIONAL]
        else:
            slugs = [row["kind"]]
        for slug in slugs:
            counts[slug] += 1
            items.append(TimelineItem(**base, group=slug, group_name=""))
    names = _group_names(group, kind_labels)
    for item in items:
        item.group_name = names.get(item.group, item.group)
    order = list(names)
    groups = [
        GroupRow(slug=slug, name=names.get(slug, slug), count=count)
        for slug, count in sorted(
            counts.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)
        )
    ]
    return Timeline(items=items, groups=groups, total=total, omitted=total - len(chosen))


def _group_names(group, kind_labels):
    """{group slug: name}, in the groups' display order."""
    if group == "region":
        names = {slug: str(name) for slug, name in regions.REGION_NAMES.items()}
        names[INTERNATIONAL] = str(INTERNATIONAL_NAME)
        return names
    names = {}
    for labels in kind_labels.values():
        for slug, label in labels.items():
            names.setdefault(slug, str(label))
    return names


def _regions_of(picked):
    """{(type, pk): [region slugs]}: the counterparts' regions of the listed events, the
    parties' of the listed agreements. One query per type."""
    found = defaultdict(set)
    if "event" in picked:
        counterparts = (
            _participations(picked["event"])
            .exclude(role=HOST)
            .annotate(
                code=Coalesce("organisation__country", "post__organisation__country"),
            )
            .values_list("event_id", "code")
        )
        for event, code in counterparts:
            region = regions.region_for(code)
            if region:
                found[("event", event)].add(region)
    if "agreement" in picked:
        # An agreement signed at a meeting has the meeting's counterparts: its parties
        # less the meeting's host (the MoU with Norway's police is in Europe's lane,
        # not also in the host's). Unsigned at any event, or all parties hosts: all.
        hosted_signing = Participation.objects.filter(
            event=OuterRef("agreement__signed_at"), organisation=OuterRef("organisation"), role=HOST
        )
        parties = (
            AgreementParty.objects.filter(agreement__in=_keys(picked["agreement"]))
            .annotate(is_host=Exists(hosted_signing))
            .order_by()
            .values_list("agreement_id", "organisation__country", "organisation__status", "is_host")
        )
        by_agreement = defaultdict(list)
        # The party's status is checked here, not in the WHERE clause: there, SQLite (which
        # has no statistics) started from every published organisation and probed each
        # against the agreements' parties (the timeline at scale 100: 29 s, now 0.2).
        for agreement, code, status, is_host in parties:
            if status == PUBLIC:
                by_agreement[agreement].append((code, is_host))
        for agreement, sides in by_agreement.items():
            others = [code for code, is_host in sides if not is_host]
            for code in others or [code for code, _is_host in sides]:
                region = regions.region_for(code)
                if region:
                    found[("agreement", agreement)].add(region)
    order = list(regions.REGION_NAMES)
    return {key: sorted(slugs, key=order.index) for key, slugs in found.items()}
