"""Events by participant and dates give the rows the overlap rule says, in order, on every page.

The date filter adds a lower bound on the start (Event.earliest_start) so
the date index is read from there; these check, on random events (undated
ones, drafts, 'within' windows, one far longer than the rest, the same
organisation taking part several times through people and posts) and
random queries (several participants, either date or both, any ordering,
any page size), that the rows are those of the rule computed here in
Python, in the database's order, and that page numbers and cursor links,
forwards and back, give each of them once. Both databases run it.
"""

import datetime
import urllib.parse

import pytest
from django.db import transaction
from django.http import QueryDict
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kb.api import pagination
from kb.filtering.filtersets import EventFilterSet
from kb.models import DatePrecision, Event, Organisation, Status
from tests import factories
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = pytest.mark.django_db

ORGS = 3
FIRST, LAST = datetime.date(2009, 6, 1), datetime.date(2010, 6, 30)
DAYS = st.dates(FIRST, LAST)
SPANS = st.one_of(st.integers(0, 4), st.integers(0, 4), st.integers(0, 900))  # some far longer
VIA = st.sampled_from(["organisation", "person", "post"])
ORDERINGS = [None, "start_date", "-start_date", "end_date", "-end_date", "slug", "-name"]

events = st.lists(
    st.tuples(
        st.sampled_from([Status.PUBLISHED] * 4 + [Status.DRAFT]),
        st.one_of(DAYS, DAYS, DAYS, st.none()),
        SPANS,
        st.sampled_from(DatePrecision.values),
        st.lists(st.tuples(st.integers(0, ORGS - 1), VIA), min_size=1, max_size=4),
    ),
    min_size=2,
    max_size=12,
)
queries = st.fixed_dictionaries(
    {
        "participants": st.lists(st.integers(0, ORGS - 1), max_size=2, unique=True),
        "date_from": st.one_of(DAYS, DAYS, st.none()),
        "date_to": st.one_of(DAYS, st.none()),
        "ordering": st.sampled_from(ORDERINGS),
        "page_size": st.integers(1, 4),
    }
)


def build(spec):
    """The events of `spec`, with their participations; the expected ones' rule in Python."""
    orgs = [factories.OrganisationFactory(slug=f"org-{i}") for i in range(ORGS)]
    people = [factories.PersonFactory() for _ in orgs]
    posts = [factories.PostFactory(organisation=org) for org in orgs]
    made = []
    for n, (status, start, span, precision, took_part) in enumerate(spec):
        end = None if start is None else start + datetime.timedelta(days=span)
        # Names out of step with slugs and dates, so each ordering is its own.
        event = factories.EventFactory(
            slug=f"event-{n}",
            name_en=f"Event {(n * 7) % 10}",
            status=status,
            start_date=start,
            end_date=end,
            date_precision=precision,
        )
        for org, via in dict.fromkeys(took_part):
            factories.ParticipationFactory(
                event=event,
                organisation=orgs[org],
                person=people[org] if via == "person" else None,
                post=posts[org] if via == "post" else None,
            )
        made.append((event, status, start, end, {org for org, _via in took_part}))
    return made


def expected(made, query):
    """The published events any of the participants took part in whose window overlaps."""
    wanted = set(query["participants"])
    ids = []
    for event, status, start, end, took_part in made:
        if status != Status.PUBLISHED or (wanted and not wanted & took_part):
            continue
        if query["date_from"] and (end is None or end < query["date_from"]):
            continue
        if query["date_to"] and (start is None or start > query["date_to"]):
            continue
        ids.append(event.pk)
    # In the database's order, as the view orders (NULLs where each database puts them):
    # by default the lists' (start date, then name: kb/models/ordering.py).
    rows = Event.objects.filter(pk__in=ids)
    if query["ordering"]:
        return list(rows.order_by(query["ordering"], "pk").values_list("slug", flat=True))
    return list(rows.in_name_order("en").values_list("slug", flat=True))


def query_string(query, **extra):
    params = [("participant", f"org-{i}") for i in query["participants"]]
    params += [(k, query[k].isoformat()) for k in ("date_from", "date_to") if query[k]]
    if query["ordering"]:
        params.append(("ordering", query["ordering"]))
    params += list(extra.items())
    return urllib.parse.urlencode(params)


def filtered(query):
    # As the view does: the lists' order unless `ordering` says otherwise, then the key.
    rows = Event.objects.published().in_name_order("en")
    filterset = EventFilterSet(QueryDict(query_string(query)), queryset=rows)
    assert filterset.is_valid(), filterset.errors
    rows = filterset.qs
    if tuple(rows.query.order_by[-1:]) != ("pk",):
        rows = rows.order_by(*rows.query.order_by, "pk")
    return rows


def pages(client, query):
    """Every page by number, every page by its `next` links, and back by `previous`."""
    size = query["page_size"]
    url = f"/api/v1/events/?{query_string(query, page_size=size)}"
    first = get_json(client, url)
    by_number = []
    for number in range(1, -(-first["count"] // size) + 1):
        by_number += [r["slug"] for r in get_json(client, f"{url}&page={number}")["results"]]
    forwards, page = [], first
    while True:
        forwards += [r["slug"] for r in page["results"]]
        if not page["next"]:
            break
        page = get_json(client, page["next"])
    backwards = [r["slug"] for r in page["results"]]
    while page["previous"]:
        page = get_json(client, page["previous"])
        backwards = [r["slug"] for r in page["results"]] + backwards
    return first["count"], by_number, forwards, backwards


class Keyed(list):
    """Slugs with the keys of their records, as a field may give them (`pks`)."""

    def __init__(self, slugs):
        super().__init__(slugs)
        self.pks = [Organisation.objects.get(slug=s).pk for s in slugs]


# The case's query, a page at a time: one event began long before `date_from`, one
# organisation took part in some events twice, another has an undated one.
CASE = (
    [
        (Status.PUBLISHED, datetime.date(2009, 1, 1 + n), n % 3, DatePrecision.EXACT, took_part)
        for n, took_part in enumerate(
            [[(0, "person"), (0, "post")], [(1, "organisation")], [(0, "organisation")]] * 3
        )
    ]
    + [
        (Status.PUBLISHED, datetime.date(2007, 6, 1), 600, DatePrecision.WITHIN, [(0, "post")]),
        (Status.PUBLISHED, None, 0, DatePrecision.EXACT, [(1, "organisation")]),
        (Status.DRAFT, datetime.date(2009, 1, 2), 0, DatePrecision.EXACT, [(0, "organisation")]),
    ],
    {
        "participants": [0],
        "date_from": datetime.date(2009, 1, 2),
        "date_to": datetime.date(2009, 1, 8),
        "ordering": None,
        "page_size": 2,
    },
)


def test_random_events_by_participant_and_dates(client, monkeypatch):
    # Cursor links from the second page on, whatever the page size.
    monkeypatch.setattr(pagination.Pagination, "CURSOR_FROM_ROW", 1)

    @settings(
        max_examples=100,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(spec=events, query=queries)
    @example(*CASE)
    @example(CASE[0], {**CASE[1], "participants": [0, 1], "ordering": "-start_date"})
    def check(spec, query):
        with transaction.atomic():
            made = build(spec)
            want = expected(made, query)
            assert list(filtered(query).values_list("slug", flat=True)) == want
            count, by_number, forwards, backwards = pages(client, query)
            assert (count, by_number, forwards, backwards) == (len(want), want, want, want)
            transaction.set_rollback(True)

    check()


@pytest.mark.parametrize("participants", [["org-0"], ["org-0", "org-1"]])
def test_participants_by_key_are_participants_by_slug(participants):
    made = build(
        [
            (Status.PUBLISHED, FIRST, 0, DatePrecision.EXACT, [(0, "person"), (0, "post")]),
            (Status.PUBLISHED, LAST, 2, DatePrecision.WITHIN, [(1, "organisation"), (0, "post")]),
            (Status.PUBLISHED, None, 0, DatePrecision.EXACT, [(1, "organisation")]),
            (Status.PUBLISHED, FIRST, 1, DatePrecision.EXACT, [(2, "organisation")]),
        ]
    )
    assert len(made) == 4
    filterset = EventFilterSet(QueryDict(), queryset=Event.objects.published())
    by_slug = filterset.filter_participant(Event.objects.all(), "participant", participants)
    by_key = filterset.filter_participant(Event.objects.all(), "participant", Keyed(participants))
    assert "kb_organisation" not in str(by_key.query)  # no join to find them again
    assert sorted(by_key.values_list("slug", flat=True)) == sorted(
        by_slug.values_list("slug", flat=True)
    )
    assert by_key.count() == (2 if participants == ["org-0"] else 3)
