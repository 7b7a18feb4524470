"""The network of organisations and people: who met whom, who signed with whom, who holds
which post."""

import itertools
import operator
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import translation

from ...lib import regions
from ...models import (
    AgreementParty,
    Membership,
    Organisation,
    Participation,
    Person,
)
from ...models.visibility import PUBLIC, public
from .reads import (
    _country,
    _keys,
    _participations,
    most_recent,
)

# An edge lists at most this many of its events or agreements (and counts them all).
MAX_EDGE_RECORDS = 20


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
    # The scope's events and agreements, and those past max_records (the least recent)
    # that the graph was not drawn from.
    total_events: int = 0
    omitted_events: int = 0
    total_agreements: int = 0
    omitted_agreements: int = 0
    max_records: int | None = None


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


def graph(events, agreements, max_nodes, max_records=None):
    """Organisations and people, linked by the events they shared, the agreements between
    them and their memberships.

    Drawn from the `max_records` most recent events of the scope and as many
    agreements (most_recent(); all of them with None): every pair of an event's
    participants is an edge, and the benchmark's whole data (50,000 events,
    1,000,000 participations) took 25 s to pair before the nodes were cut to
    `max_nodes`. Both types are counted in full.

    A participation stands for its organisation (see _participations) and for a
    person: the one it names, else whoever held its post at the time (a published
    membership whose dates may overlap the event's). Two nodes meet when they
    appear in different participations of the same event; a participation's own
    organisation and person do not meet each other. Past `max_nodes`, the nodes
    with the most neighbours stay (ties by slug), with the edges between them.
    """
    total_events, total_agreements = events.count(), agreements.count()
    if max_records is not None:
        if total_events > max_records:
            events = most_recent(events, "start_date", "end_date", max_records)
        if total_agreements > max_records:
            agreements = most_recent(agreements, "signed_start", "signed_end", max_records)
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
        total_events=total_events,
        omitted_events=_past(total_events, max_records),
        total_agreements=total_agreements,
        omitted_agreements=_past(total_agreements, max_records),
        max_records=max_records,
    )


def _past(total, limit):
    """How many of `total` records a `limit` (None: no limit) leaves out."""
    return 0 if limit is None else max(total - max(limit, 0), 0)


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
