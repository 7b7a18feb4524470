"""Who cooperates with whom, seen three ways: counts per country (the map), a network of
organisations and people (the graph), and the events and agreements in time (the timeline).

Each function takes the scope's querysets (kb.filtering.scope.CooperationScope:
published events and agreements, filtered) and returns plain rows with names in
the active language, for the pages' tables and the API alike. Each runs a
fixed number of queries, whatever the size of the scope.

Rules shared by all three:
- a participation counts only when every record it names is published, and it
  counts for its organisation or, when it names a post and no organisation, for
  the post's organisation (published too);
- the host of an event is not one of its counterparts: "counterpart events" are
  those where an organisation took part in any other role;
- an agreement counts for each of its published parties.
"""

import itertools
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries import countries as all_countries

from ..lib import regions
from ..lib.text import fold
from ..lib.windows import format_window
from ..models import (
    Agreement,
    AgreementParty,
    DatePrecision,
    Event,
    Membership,
    Organisation,
    Participation,
    Person,
)
from ..models.visibility import PUBLIC, public, shown

INTERNATIONAL = "international"
INTERNATIONAL_NAME = _("International bodies")
MAX_EDGE_RECORDS = 20
HOST = Participation.Role.HOST


# --- Shared reads ------------------------------------------------------------------


def _keys(queryset):
    """The queryset as a subquery of its keys (its order is of no use there, unless sliced)."""
    if queryset.query.is_sliced:
        return queryset.values("pk")
    return queryset.order_by().values("pk")


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
    return AgreementParty.objects.filter(agreement__in=_keys(agreements)).filter(
        public("organisation")
    )


def _name(row, field_name):
    """A translated field read from values() rows, in the active language then the other
    (modeltranslation's fallback order)."""
    language = (translation.get_language() or "en")[:2]
    order = ("fr", "en") if language == "fr" else ("en", "fr")
    for code in order:
        value = row.get(f"{field_name}_{code}")
        if value:
            return value
    return row.get(field_name) or ""


def _names(row, field_name):
    return {code: row.get(f"{field_name}_{code}") or None for code in ("en", "fr")}


def _country(code):
    return str(code or "").upper()


def _region_name(slug):
    return str(regions.REGION_NAMES.get(slug, "")) if slug else ""


# --- Counts per country (the map) --------------------------------------------------------


@dataclass
class CountryRow:
    code: str
    numeric: str
    name: str
    region: str
    region_name: str
    counterpart_events: int
    hosted_events: int
    agreements: int
    total: int
    host: bool


@dataclass
class BodyRow:
    slug: str
    name: str
    counterpart_events: int
    hosted_events: int
    agreements: int
    total: int


@dataclass
class RegionRow:
    slug: str
    name: str
    countries: int


@dataclass
class CountryCounts:
    countries: list = field(default_factory=list)
    international: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    max_total: int = 0


def _compiled(queryset):
    """The SQL and parameters of a queryset, or None when it can match nothing."""
    try:
        return queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return None


def _count_rows(events, agreements):
    """(country, organisation key or None, counterpart events, hosted events, agreements):
    one GROUP BY over the participations and the parties together.

    Countries group by their code; organisations without a country group each on
    their own (the international bodies).
    """
    hosted = Case(When(role=HOST, then=Value(1)), default=Value(0), output_field=IntegerField())
    branches = [
        _participations(events)
        .annotate(k=Value(1), rec=F("event_id"), hosted=hosted)
        .order_by()
        .values_list("k", "rec", "hosted", "org"),
        _parties(agreements)
        .annotate(
            k=Value(2),
            rec=F("agreement_id"),
            hosted=Value(0, output_field=IntegerField()),
            org=F("organisation_id"),
        )
        .order_by()
        .values_list("k", "rec", "hosted", "org"),
    ]
    compiled = [c for c in map(_compiled, branches) if c is not None]
    if not compiled:
        return []
    union = " UNION ALL ".join(
        f"SELECT * FROM ({sql}) AS b{i}" for i, (sql, _p) in enumerate(compiled)
    )
    params = [p for _sql, branch_params in compiled for p in branch_params]
    connection = connections[events.db]
    qn = connection.ops.quote_name
    org = qn(Organisation._meta.db_table)
    body = "CASE WHEN o.country = '' THEN o.id ELSE NULL END"
    sql = (
        f"SELECT o.country, {body}, "
        "COUNT(DISTINCT CASE WHEN u.k = 1 AND u.hosted = 0 THEN u.rec END), "
        "COUNT(DISTINCT CASE WHEN u.k = 1 AND u.hosted = 1 THEN u.rec END), "
        "COUNT(DISTINCT CASE WHEN u.k = 2 THEN u.rec END) "
        f"FROM ({union}) AS u INNER JOIN {org} o ON o.id = u.org "
        f"WHERE o.status = %s GROUP BY o.country, {body}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, PUBLIC])
        return cursor.fetchall()


def country_counts(events, agreements):
    """Per country: counterpart events, hosted events and agreements of its organisations."""
    rows = _count_rows(events, agreements)
    countries, bodies = [], {}
    for country, body, counterpart, hosted_count, agreement_count in rows:
        if body is not None:
            bodies[body] = (counterpart, hosted_count, agreement_count)
            continue
        code = _country(country)
        region = regions.region_for(code) or ""
        countries.append(
            CountryRow(
                code=code,
                numeric=all_countries.numeric(code, padded=True) or "",
                name=str(all_countries.name(code)),
                region=region,
                region_name=_region_name(region),
                counterpart_events=counterpart,
                hosted_events=hosted_count,
                agreements=agreement_count,
                total=counterpart + agreement_count,
                host=hosted_count > 0,
            )
        )
    countries.sort(key=lambda row: (-row.total, fold(row.name)))
    international = []
    if bodies:
        found = Organisation.objects.filter(pk__in=list(bodies)).values(
            "pk", "slug", "name", "name_en", "name_fr"
        )
        for row in found:
            counterpart, hosted_count, agreement_count = bodies[row["pk"]]
            international.append(
                BodyRow(
                    slug=row["slug"],
                    name=_name(row, "name"),
                    counterpart_events=counterpart,
                    hosted_events=hosted_count,
                    agreements=agreement_count,
                    total=counterpart + agreement_count,
                )
            )
        international.sort(key=lambda row: (-row.total, fold(row.name)))
    per_region = defaultdict(int)
    for row in countries:
        if row.counterpart_events and row.region:
            per_region[row.region] += 1
    order = list(regions.REGION_NAMES)
    region_rows = [
        RegionRow(slug=slug, name=_region_name(slug), countries=count)
        for slug, count in sorted(per_region.items(), key=lambda kv: (-kv[1], order.index(kv[0])))
    ]
    return CountryCounts(
        countries=countries,
        international=international,
        regions=region_rows,
        max_total=max((row.total for row in countries), default=0),
    )


# --- The network (graph) -------------------------------------------------------------


@dataclass
class Node:
    id: str
    type: str
    slug: str
    name: str
    names: dict
    country: str
    region: str
    degree: int = 0


@dataclass
class Edge:
    source: str
    target: str
    kind: str
    weight: int
    records: list
    total: int


@dataclass
class Graph:
    nodes: list = field(default_factory=list)
    edges: list = field(default_factory=list)
    total_nodes: int = 0
    omitted_nodes: int = 0
    max_nodes: int = 0


def _org_id(pk):
    return ("organisation", pk)


def _person_id(pk):
    return ("person", pk)


def _overlap(start, end, first, last):
    """Whether [start, end] and [first, last] may share a day (an unknown bound is open)."""
    if start is not None and last is not None and start > last:
        return False
    return not (end is not None and first is not None and end < first)


def _shown_memberships():
    return Membership.objects.filter(public("person"), public("organisation"), shown("post"))


def graph(events, agreements, max_nodes):
    """Organisations and people, linked by the events they shared, the agreements between
    them and their memberships.

    A participation stands for its organisation (see _participations) and for a
    person: the one it names, else whoever held its post at the time (a published
    membership whose dates may overlap the event's). Two nodes meet when they
    appear in different participations of the same event; a participation's own
    organisation and person do not meet each other. Past `max_nodes`, the nodes
    with the most neighbours stay (ties by slug), with the edges between them.
    """
    participations = _participations(events)
    parties = _parties(agreements)
    rows = list(
        participations.values_list(
            "event_id",
            "event__slug",
            "event__start_date",
            "event__end_date",
            "org",
            "person_id",
            "post_id",
        )
    )
    party_rows = list(parties.values_list("agreement_id", "agreement__slug", "organisation_id"))
    # Post holders, and every membership of the people involved: one query.
    posts = participations.filter(person__isnull=True, post__isnull=False).values("post_id")
    people = participations.filter(person__isnull=False).values("person_id")
    holders = _shown_memberships().filter(post__in=posts).values("person_id")
    membership_rows = (
        list(
            _shown_memberships()
            .filter(Q(post__in=posts) | Q(person__in=people) | Q(person__in=holders))
            .values_list("person_id", "organisation_id", "post_id", "start_date", "end_date")
        )
        if rows
        else []
    )
    held_by = defaultdict(list)
    for person, _org, post, start, end in membership_rows:
        if post is not None:
            held_by[post].append((person, start, end))

    # Each event's participations as node sets; pairs across different participations.
    by_event = defaultdict(list)
    slugs = {}
    for event, event_slug, first, last, org, person, post in rows:
        slugs[event] = event_slug
        nodes = set()
        if org is not None:
            nodes.add(_org_id(org))
        if person is not None:
            nodes.add(_person_id(person))
        elif post is not None:
            nodes.update(
                _person_id(holder)
                for holder, start, end in held_by.get(post, ())
                if _overlap(start, end, first, last)
            )
        if nodes:
            by_event[event].append(nodes)
    meetings = defaultdict(set)
    for event, groups in by_event.items():
        for one, other in itertools.combinations(groups, 2):
            for a in one:
                for b in other:
                    if a != b:
                        meetings[(min(a, b), max(a, b))].add(slugs[event])
    signed = defaultdict(set)
    by_agreement = defaultdict(set)
    agreement_slugs = {}
    for agreement, agreement_slug, org in party_rows:
        agreement_slugs[agreement] = agreement_slug
        by_agreement[agreement].add(_org_id(org))
    for agreement, orgs in by_agreement.items():
        for a, b in itertools.combinations(sorted(orgs), 2):
            signed[(a, b)].add(agreement_slugs[agreement])

    node_keys = {key for pair in itertools.chain(meetings, signed) for key in pair}
    node_keys.update(key for groups in by_event.values() for nodes in groups for key in nodes)
    node_keys.update(key for orgs in by_agreement.values() for key in orgs)
    members = set()
    for person, org, _post, _start, _end in membership_rows:
        a, b = _person_id(person), _org_id(org)
        if a in node_keys and b in node_keys:
            members.add((a, b))

    nodes = _graph_nodes(node_keys)
    edges = []
    for kind, pairs in (("meeting", meetings), ("agreement", signed)):
        for (a, b), records in pairs.items():
            if a in nodes and b in nodes:
                ordered = sorted(records)
                edges.append((a, b, kind, len(ordered), ordered[:MAX_EDGE_RECORDS], len(ordered)))
    edges.extend((a, b, "membership", 1, [], 0) for a, b in members if a in nodes and b in nodes)
    neighbours = defaultdict(set)
    for a, b, *_rest in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    for key, node in nodes.items():
        node.degree = len(neighbours[key])

    total = len(nodes)
    ranked = sorted(nodes.items(), key=lambda kv: (-kv[1].degree, kv[1].slug, kv[1].id))
    kept = dict(ranked[: max(max_nodes, 0)])
    result_edges = []
    for a, b, kind, weight, records, count in edges:
        if a not in kept or b not in kept:
            continue
        source, target = kept[a].id, kept[b].id
        if kind != "membership" and target < source:
            # Undirected: in id order, so that a pair always reads the same way.
            source, target = target, source
        result_edges.append(Edge(source, target, kind, weight, records, count))
    result_edges.sort(key=lambda e: (e.source, e.target, e.kind))
    return Graph(
        nodes=list(kept.values()),
        edges=result_edges,
        total_nodes=total,
        omitted_nodes=total - len(kept),
        max_nodes=max_nodes,
    )


def _graph_nodes(keys):
    """{key: Node} for the published organisations and people among `keys`: two queries."""
    org_pks = [pk for kind, pk in keys if kind == "organisation"]
    person_pks = [pk for kind, pk in keys if kind == "person"]
    nodes = {}
    if org_pks:
        found = Organisation.objects.filter(public(), pk__in=org_pks).values(
            "pk", "slug", "name", "name_en", "name_fr", "country"
        )
        for row in found:
            code = _country(row["country"])
            nodes[_org_id(row["pk"])] = Node(
                id=f"organisation:{row['slug']}",
                type="organisation",
                slug=row["slug"],
                name=_name(row, "name"),
                names=_names(row, "name"),
                country=code,
                region=regions.region_for(code) or "",
            )
    if person_pks:
        found = Person.objects.filter(public(), pk__in=person_pks).values(
            "pk", "slug", "name", "country"
        )
        for row in found:
            code = _country(row["country"])
            nodes[_person_id(row["pk"])] = Node(
                id=f"person:{row['slug']}",
                type="person",
                slug=row["slug"],
                name=row["name"],
                names={"en": row["name"], "fr": row["name"]},
                country=code,
                region=regions.region_for(code) or "",
            )
    return nodes


# --- The timeline -------------------------------------------------------------------------


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
        window = (
            queryset.filter(dated)
            .annotate(day=Coalesce(start, end))
            .order_by("-day", "-slug")[:limit]
        )
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
        parties = _parties(picked["agreement"]).annotate(is_host=Exists(hosted_signing))
        by_agreement = defaultdict(list)
        for agreement, code, is_host in parties.values_list(
            "agreement_id", "organisation__country", "is_host"
        ):
            by_agreement[agreement].append((code, is_host))
        for agreement, sides in by_agreement.items():
            others = [code for code, is_host in sides if not is_host]
            for code in others or [code for code, _is_host in sides]:
                region = regions.region_for(code)
                if region:
                    found[("agreement", agreement)].add(region)
    order = list(regions.REGION_NAMES)
    return {key: sorted(slugs, key=order.index) for key, slugs in found.items()}
