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
import operator
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Exists, OuterRef, Q
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
    Post,
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
    their own (the international bodies). The rules are _participations' and
    _parties', written so that the scope drives every read: the scope's events
    give their participations through participation_event_cover (read from the
    index alone, no row look-up), the agreements their parties through the
    parties' key, and each row then finds the organisation it counts for by
    primary key, where its status is checked once for both branches. With the
    status next to the parties in a join SQLite may order, it started from
    every published organisation and probed each against the agreements (30 s
    for three years at scale 100). CROSS JOIN keeps the scope first on SQLite,
    which never reorders one; on PostgreSQL it is an inner join like any other.
    """
    branches = [_compiled(_keys(events)), _compiled(_keys(agreements))]
    if branches == [None, None]:
        return []
    connection = connections[events.db]
    qn = connection.ops.quote_name
    table = {model: qn(model._meta.db_table) for model in (Participation, Person, Post)}
    org, party = qn(Organisation._meta.db_table), qn(AgreementParty._meta.db_table)
    # The organisation a row counts for, published, and its group.
    counted = "o.country AS country, CASE WHEN o.country = '' THEN o.id ELSE NULL END AS body"
    sql, params = [], []
    if branches[0] is not None:
        keys, keys_params = branches[0]
        sql.append(
            f"SELECT {counted}, 1 AS k, p.event_id AS rec, "
            "CASE WHEN p.role = %s THEN 1 ELSE 0 END AS hosted "
            f"FROM {table[Participation]} p "
            f"LEFT OUTER JOIN {table[Person]} pe ON pe.id = p.person_id "
            f"LEFT OUTER JOIN {table[Post]} s ON s.id = p.post_id "
            f"CROSS JOIN {org} o "
            f"WHERE p.event_id IN ({keys}) "
            "AND (p.person_id IS NULL OR pe.status = %s) "
            "AND (p.post_id IS NULL OR s.status = %s) "
            "AND o.id = COALESCE(p.organisation_id, s.organisation_id) AND o.status = %s"
        )
        params += [HOST, *keys_params, PUBLIC, PUBLIC, PUBLIC]
    if branches[1] is not None:
        keys, keys_params = branches[1]
        sql.append(
            f"SELECT {counted}, 2 AS k, a.agreement_id AS rec, 0 AS hosted "
            f"FROM {party} a CROSS JOIN {org} o "
            f"WHERE a.agreement_id IN ({keys}) AND o.id = a.organisation_id AND o.status = %s"
        )
        params += [*keys_params, PUBLIC]
    union = " UNION ALL ".join(sql)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.country, u.body, "
            "COUNT(DISTINCT CASE WHEN u.k = 1 AND u.hosted = 0 THEN u.rec END), "
            "COUNT(DISTINCT CASE WHEN u.k = 1 AND u.hosted = 1 THEN u.rec END), "
            "COUNT(DISTINCT CASE WHEN u.k = 2 THEN u.rec END) "
            f"FROM ({union}) AS u GROUP BY u.country, u.body",
            params,
        )
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
        # The translated columns only (_name falls back between them): asking
        # modeltranslation for "name" too doubled this query's time in Python.
        found = (
            Organisation.objects.filter(pk__in=list(bodies))
            .order_by()
            .values("pk", "slug", "name_en", "name_fr")
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


@dataclass(slots=True)
class Node:
    id: str
    type: str
    slug: str
    name: str
    names: dict
    country: str
    region: str
    degree: int = 0


@dataclass(slots=True)
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


# While the graph is built, a node is an int: an organisation's pk, or a person's
# pk negated (pks are positive). Ints hash and compare faster than tuples, and a
# scope of thousands of participations makes millions of pair look-ups.


def _org_id(pk):
    return pk


def _person_id(pk):
    return -pk


def _overlap(start, end, first, last):
    """Whether [start, end] and [first, last] may share a day (an unknown bound is open)."""
    if start is not None and last is not None and start > last:
        return False
    return not (end is not None and first is not None and end < first)


def _graph_parties(agreements):
    """(agreement, its slug, organisation) for each party of the agreements.

    Drafts are not filtered out here: a draft organisation gets no node
    (_graph_nodes reads published ones only), so its pairs fall away there. A
    filter on the organisation's status here made SQLite walk every published
    organisation rather than read the agreements' parties by their index.
    """
    return (
        AgreementParty.objects.filter(agreement__in=_keys(agreements))
        .order_by()
        .values_list("agreement_id", "agreement__slug", "organisation_id")
    )


def _graph_memberships(events):
    """(person, organisation, post, start, end) of the shown memberships of the posts
    named by the events' participations, of the people named by them, and of the
    posts' holders: a superset of what the graph needs (it keeps those of its nodes).

    The memberships are chosen by their post and person indexes alone, their
    ends' statuses checked here: with the statuses in the WHERE clause, SQLite
    started from every published person. The participations' posts and people
    are read by event only (NULLs match nothing): a test of `person IS NULL`
    there took SQLite through every participation without a person.
    """
    participations = Participation.objects.filter(event__in=_keys(events))
    posts = participations.values("post_id")
    people = participations.values("person_id")
    holders = Membership.objects.filter(post__in=posts).values("person_id")
    rows = (
        Membership.objects.filter(Q(post__in=posts) | Q(person__in=people) | Q(person__in=holders))
        .order_by()
        .values_list(
            "person_id",
            "organisation_id",
            "post_id",
            "start_date",
            "end_date",
            "person__status",
            "organisation__status",
            "post__status",
        )
    )
    # Shown: person and organisation published, the post published or none.
    return [
        row[:5]
        for row in rows
        if row[5] == PUBLIC and row[6] == PUBLIC and (row[2] is None or row[7] == PUBLIC)
    ]


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
    rows = list(
        _participations(events)
        .order_by()
        .values_list(
            "event_id",
            "event__slug",
            "event__start_date",
            "event__end_date",
            "org",
            "person_id",
            "post_id",
        )
    )
    party_rows = list(_graph_parties(agreements))
    # Post holders and the people's memberships: only when a participation names one.
    named = any(person is not None or post is not None for *_rest, person, post in rows)
    membership_rows = _graph_memberships(events) if named else []
    held_by = defaultdict(list)
    for person, _org, post, start, end in membership_rows:
        if post is not None:
            held_by[post].append((person, start, end))

    # Each event's participations as node sets; pairs across different participations.
    by_event = defaultdict(list)
    slugs = {}
    for event, event_slug, first, last, org, person, post in rows:
        slugs[event] = event_slug
        if person is not None:
            people = (_person_id(person),)
        elif post is not None:
            people = tuple(
                _person_id(holder)
                for holder, start, end in held_by.get(post, ())
                if _overlap(start, end, first, last)
            )
        else:
            people = ()
        nodes = (_org_id(org), *people) if org is not None else people
        if nodes:
            by_event[event].append(nodes)
    # {pair: [record slugs]}: records visited in slug order, so each list comes out
    # sorted and, a record appended once per pair, without duplicates.
    meetings = defaultdict(list)
    node_keys = set()
    for event in sorted(by_event, key=slugs.__getitem__):
        groups, slug = by_event[event], slugs[event]
        for nodes in groups:
            node_keys.update(nodes)
        if all(len(nodes) == 1 for nodes in groups):
            # The common case (organisations only): the distinct pairs of single nodes.
            single = sorted({nodes[0] for nodes in groups})
            for pair in itertools.combinations(single, 2):
                meetings[pair].append(slug)
            continue
        for one, other in itertools.combinations(groups, 2):
            for a in one:
                for b in other:
                    if a != b:
                        records = meetings[(a, b) if a < b else (b, a)]
                        if not records or records[-1] != slug:
                            records.append(slug)
    signed = defaultdict(list)
    by_agreement = defaultdict(set)
    agreement_slugs = {}
    for agreement, agreement_slug, org in party_rows:
        agreement_slugs[agreement] = agreement_slug
        by_agreement[agreement].add(_org_id(org))
    for agreement in sorted(by_agreement, key=agreement_slugs.__getitem__):
        orgs = by_agreement[agreement]
        node_keys.update(orgs)
        for pair in itertools.combinations(sorted(orgs), 2):
            signed[pair].append(agreement_slugs[agreement])

    members = set()
    for person, org, _post, _start, _end in membership_rows:
        a, b = _person_id(person), _org_id(org)
        if a in node_keys and b in node_keys:
            members.add((a, b))

    nodes = _graph_nodes(node_keys)
    edges = []
    neighbours = defaultdict(set)
    for kind, pairs in (("meeting", meetings), ("agreement", signed)):
        for (a, b), records in pairs.items():
            if a in nodes and b in nodes:
                source, target = nodes[a].id, nodes[b].id
                if target < source:
                    # Undirected: in id order, so that a pair always reads the same way.
                    source, target = target, source
                count = len(records)
                if count > MAX_EDGE_RECORDS:
                    records = records[:MAX_EDGE_RECORDS]
                edges.append(Edge(source, target, kind, count, records, count))
                neighbours[a].add(b)
                neighbours[b].add(a)
    for a, b in members:
        if a in nodes and b in nodes:
            edges.append(Edge(nodes[a].id, nodes[b].id, "membership", 1, [], 0))
            neighbours[a].add(b)
            neighbours[b].add(a)
    for key, node in nodes.items():
        node.degree = len(neighbours[key])

    total = len(nodes)
    kept = sorted(nodes.values(), key=lambda node: (-node.degree, node.slug, node.id))
    kept = kept[: max(max_nodes, 0)]
    if len(kept) < total:
        ids = {node.id for node in kept}
        edges = [edge for edge in edges if edge.source in ids and edge.target in ids]
    edges.sort(key=operator.attrgetter("source", "target", "kind"))
    return Graph(
        nodes=kept,
        edges=edges,
        total_nodes=total,
        omitted_nodes=total - len(kept),
        max_nodes=max_nodes,
    )


def _graph_nodes(keys):
    """{key: Node} for the published organisations and people among `keys`: two queries."""
    org_pks = [key for key in keys if key > 0]
    person_pks = [-key for key in keys if key < 0]
    # The active language's name, then the other's (modeltranslation's fallback order),
    # read from the columns themselves: its values() rewrites every row in Python.
    language = (translation.get_language() or "en")[:2]
    first, second = (4, 3) if language == "fr" else (3, 4)
    nodes = {}
    if org_pks:
        found = (
            Organisation.objects.filter(public(), pk__in=org_pks)
            .rewrite(False)
            .order_by()
            .values_list("pk", "slug", "country", "name_en", "name_fr")
        )
        for row in found:
            pk, slug, country = row[:3]
            code = _country(country)
            nodes[_org_id(pk)] = Node(
                id=f"organisation:{slug}",
                type="organisation",
                slug=slug,
                name=row[first] or row[second] or "",
                names={"en": row[3] or None, "fr": row[4] or None},
                country=code,
                region=regions.region_for(code) or "",
            )
    if person_pks:
        found = (
            Person.objects.filter(public(), pk__in=person_pks)
            .order_by()
            .values_list("pk", "slug", "name", "country")
        )
        for pk, slug, name, country in found:
            code = _country(country)
            nodes[_person_id(pk)] = Node(
                id=f"person:{slug}",
                type="person",
                slug=slug,
                name=name,
                names={"en": name, "fr": name},
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
