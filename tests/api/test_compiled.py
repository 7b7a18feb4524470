"""Compiled lists (kb/filtering/compiled.py) answer exactly as lists built per request.

Each URL is asked three times: once to compile its shape, once through the
compiled SQL, and once with compiling switched off (the FilterSet and the
ORM build the query). The last two must be the same bytes. On the
article's data, with filters of every kind, in both languages, through
cursor pages both ways; and on random records and random filters
(Hypothesis). Both databases run it (CI runs the suite on SQLite and
PostgreSQL). The refusals are tested one by one: a shape whose SQL could
depend on a value other than as a parameter is never compiled.
"""

import datetime
from urllib.parse import quote

import django_filters as filters
import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import models
from kb.api import projections, views
from kb.api.pagination import Keyset
from kb.db import planning
from kb.filtering import compiled, sync
from kb.filtering.shapes import Refused, Values
from kb.lib.text import search_words
from tests import factories
from tests.api.test_projections import build, graphs
from tests.support import _unthrottled  # noqa: F401

pytestmark = pytest.mark.django_db


def plans():
    """The compiled plans in store: {(type, shape, page or seek...): used (not refused)}."""
    return {key: plan is not None for key, plan in compiled.SHAPES.plans.items()}


def both_ways(client, monkeypatch, url):
    """url's response through a compiled plan, then built per request; and whether a plan
    served it."""
    compiled.SHAPES.clear()
    client.get(url)  # compiles
    before = plans()
    fast = client.get(url)
    assert plans() == before  # no second compile: the stored plan ran
    with monkeypatch.context() as patch:
        patch.setattr(views.compiled, "listing", lambda *args, **kwargs: None)
        built = client.get(url)
    assert fast.status_code == built.status_code, url
    assert fast.content == built.content, url
    return fast, any(before.values())


@pytest.fixture
def seed_slugs(seeded, client):
    """Slugs from the article's data, read through the API."""
    events = client.get("/api/v1/events/?page_size=200").json()["results"]
    meeting = next(e for e in events if e["parent"] and e["participants"])
    return {
        "assembly": meeting["parent"],
        # Whom the host met: one meeting's counterpart.
        "participant": next(
            p["organisation"] for p in meeting["participants"] if p["role"] != "host"
        ),
        "topic": client.get("/api/v1/topics/").json()["results"][0]["slug"],
        "person": client.get("/api/v1/people/").json()["results"][0]["slug"],
    }


COMPILED_URLS = [
    "/api/v1/organisations/",
    "/api/v1/organisations/?region=europe",
    "/api/v1/organisations/?country=NO,MA&kind=police",
    "/api/v1/organisations/?country=Norv%C3%A8ge&lang=fr",
    "/api/v1/organisations/?ordering=-name&page_size=7&page=2",
    "/api/v1/organisations/?ordering=country,-updated_at",
    "/api/v1/organisations/?parent=pole-dgsn-dgst",
    "/api/v1/organisations/?event={assembly}",
    "/api/v1/organisations/?updated_since=2000-01-01T00:00:00%2B02:00",
    "/api/v1/events/?participant={participant}&date_from=2025-11-24&date_to=2025-11-27",
    "/api/v1/events/?participant={participant},pole-dgsn-dgst&lang=fr",
    "/api/v1/events/?parent={assembly}&ordering=-start_date&page_size=5&page=3",
    "/api/v1/events/?topic={topic}&year=2025",
    "/api/v1/events/?counterpart_region=europe,africa&date_from=2025-11-26",
    "/api/v1/events/?counterpart_country=NO&kind=bilateral_meeting",
    "/api/v1/agreements/?party_country=NO&legal_status=signed",
    "/api/v1/agreements/?signed_at={assembly}",
    "/api/v1/people/?organisation=pole-dgsn-dgst",
    "/api/v1/posts/?organisation=interpol",
    "/api/v1/topics/?lang=fr",
    "/api/v1/sources/",
    # Nothing matches: the page's query runs all the same.
    "/api/v1/events/?date_from=2099-01-01",
    # Searches: each word a parameter, the rows the index found written in per request.
    "/api/v1/organisations/?q=police",
    "/api/v1/organisations/?q=de",  # too short for the index: its LIKE alone
    "/api/v1/organisations/?q=zzzq",  # the index finds nothing
    "/api/v1/organisations/?q=%21%21",  # no word at all: the whole list
    "/api/v1/organisations/?q=dgsn%20dgst&country=MA&lang=fr",
    "/api/v1/events/?q=maroc&participant=pole-dgsn-dgst",
    "/api/v1/people/?q=hammou",
]


@pytest.mark.parametrize("walk_cost", [10**9, 0], ids=["sorted", "walked"])
@pytest.mark.parametrize("url", COMPILED_URLS)
def test_a_compiled_list_is_the_built_lists_bytes(client, monkeypatch, seed_slugs, url, walk_cost):
    # Both plans of a filtered page on SQLite (planning.sorted_by_key()): its rows read
    # through its filters' indexes and sorted, or its order's index walked.
    monkeypatch.setattr(planning, "FILTER_WALK_COST", walk_cost)
    response, used = both_ways(client, monkeypatch, url.format(**seed_slugs))
    assert response.status_code == 200
    assert used, url


def test_the_seed_filters_find_rows_through_the_compiled_sql(client, seed_slugs):
    # Not only equal: the compiled SQL finds what the filters say (the sentinels are gone).
    url = "/api/v1/events/?participant={participant}&date_from=2025-11-24&date_to=2025-11-27"
    body = client.get(url.format(**seed_slugs)).json()
    assert body["count"] == len(body["results"]) >= 1
    hosted = client.get("/api/v1/events/?participant=pole-dgsn-dgst&page_size=200").json()
    assert hosted["count"] == len(hosted["results"]) == 52
    for event in body["results"]:
        assert seed_slugs["participant"] in {p["organisation"] for p in event["participants"]}
    norway = client.get("/api/v1/organisations/?country=NO").json()["results"]
    assert norway and {row["country"] for row in norway} == {"NO"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/claims/",  # no projection: serialised per record
    ],
)
def test_a_shape_with_a_free_value_or_without_a_projection_is_not_compiled(
    client, monkeypatch, seeded, url
):
    response, used = both_ways(client, monkeypatch, url)
    assert response.status_code == 200
    assert not used
    assert not any(plans().values())


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organisations/?country=XX",
        "/api/v1/events/?participant=no-such-organisation",
        "/api/v1/events/?date_from=2025-13-01",
        "/api/v1/organisations/?page=99",
        "/api/v1/organisations/?cursor=forged",
    ],
)
def test_bad_input_answers_as_before(client, monkeypatch, seeded, url):
    response, _used = both_ways(client, monkeypatch, url)
    assert response.status_code in (400, 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/events/?page_size=2",
        "/api/v1/organisations/?page_size=3&region=africa,asia",
        "/api/v1/events/?ordering=-end_date&page_size=4&lang=fr",
    ],
)
def test_cursor_pages_both_ways_are_the_built_pages(client, monkeypatch, seeded, path):
    """Follow `next` through every cursor page, then `previous` back: each page the same."""
    monkeypatch.setattr(views.Pagination, "CURSOR_FROM_ROW", 2)
    url, seen, sought = path, [], False
    while url:
        response, _used = both_ways(client, monkeypatch, url)
        seen.append(url)
        sought |= any(used for key, used in plans().items() if "seek" in key)
        url = response.json()["next"]
    assert len(seen) > 3 and "cursor=" in seen[-1]
    assert sought  # cursor pages ran compiled seeks
    url = response.json()["previous"]
    while url and "cursor=" in url:
        response, _used = both_ways(client, monkeypatch, url)
        url = response.json()["previous"]
    assert url is not None and "cursor=" not in url  # back to numbered pages


# --- Refusals -------------------------------------------------------------------------


class LookingUpFilterSet(sync.OrganisationFilterSet):
    """A filter that reads the database with its value while the query is built."""

    parent = filters.CharFilter(method="filter_looked_up")

    def filter_looked_up(self, qs, name, value):
        ids = list(models.Organisation.objects.filter(slug=value).values_list("pk", flat=True))
        return qs.filter(parent__in=ids)


class IgnoringFilterSet(sync.OrganisationFilterSet):
    """A filter whose value never reaches the SQL."""

    def filter_event(self, qs, name, value):
        return qs.exclude(pk=None)


class ChangingFilterSet(sync.OrganisationFilterSet):
    """A filter that makes a pattern of its value's slug."""

    def filter_event(self, qs, name, value):
        return qs.filter(Q(slug__startswith=value[0]))


def listing(filterset_class, data):
    queryset = views.in_name_order(models.Organisation, "en").all()
    filterset = filterset_class(data, queryset=queryset)
    assert filterset.is_valid(), filterset.errors
    compiled.SHAPES.clear()
    projection = projections.for_model(models.Organisation)
    return compiled.listing(("test", "en"), filterset, views.ordered, projection, keyset=Keyset)


@pytest.mark.usefixtures("seeded")
def test_a_filter_that_queries_while_building_is_refused():
    # Its query would have looked up the sentinel and written the answer into the SQL.
    assert listing(LookingUpFilterSet, {"region": "europe"}) is not None
    assert listing(LookingUpFilterSet, {"parent": "interpol"}) is None


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("filterset_class", [IgnoringFilterSet, ChangingFilterSet])
def test_a_value_missing_from_or_changed_in_the_parameters_is_refused(filterset_class):
    assert listing(filterset_class, {"event": "interpol-general-assembly-93"}) is None
    assert listing(sync.OrganisationFilterSet, {"event": "interpol-general-assembly-93"})


def test_a_parameter_of_no_simple_kind_is_refused():
    from django.db import connection
    from django.db.models.expressions import RawSQL

    # A list among the parameters (an array on PostgreSQL) could hold a sentinel.
    queryset = models.Organisation.objects.annotate(listed=RawSQL("%s", [["a", "b"]]))
    with pytest.raises(Refused):
        compiled.compile_plan(queryset.values("slug", "listed"), Values(), connection)
    plain = models.Organisation.objects.values("slug")
    assert compiled.compile_plan(plain, Values(), connection).params == []


def test_shapes_are_bounded_and_refusals_remembered():
    shapes = compiled.Shapes(size=2)
    built = []

    def plan(n):
        def build():
            built.append(n)
            if n == "refused":
                raise Refused(n)
            return n

        return build

    assert shapes.get("a", plan("a")) == "a"
    assert shapes.get("refused", plan("refused")) is None
    assert shapes.get("refused", plan("refused")) is None
    assert shapes.get("b", plan("b")) == "b"  # "a", the oldest, makes room
    assert shapes.get("a", plan("a")) == "a"
    assert built == ["a", "refused", "b", "a"]


def test_sentinels_are_of_each_values_kind_and_distinct():
    values = Values()
    fakes = [
        values.add(7),
        values.add("police"),
        values.add(datetime.date(2025, 11, 24)),
        values.add(datetime.datetime(2025, 11, 24, tzinfo=datetime.UTC)),
        *values.add_either("interpol", 4),
    ]
    assert [type(f) for f in fakes] == [
        int,
        str,
        datetime.date,
        datetime.datetime,
        str,
        int,
    ]
    assert len(set(map(repr, fakes))) == len(fakes)
    assert values.needed({0, 1, 2, 3, 4}) and values.needed({0, 1, 2, 3, 5})
    assert not values.needed({0, 1, 2, 3}) and not values.needed({1, 2, 3, 4})
    for odd in (None, True, 1.5):
        with pytest.raises(Refused):
            values.add(odd)


# --- Random records, random filters ----------------------------------------------------

# Words of the first organisation's name, of the last's, and words found nowhere.
SEARCHES = st.sampled_from(["{word}", "{word} {word2}", "{word2}", "zzzq", "x"])

FILTERS = {
    "organisations": st.fixed_dictionaries(
        {},
        optional={
            "country": st.sampled_from(["FR", "MA,NO", "TR", "Maroc"]),
            "region": st.sampled_from(["europe", "africa,asia", "northern-america"]),
            "kind": st.sampled_from(["police", "ministry,other"]),
            "parent": st.just("{org}"),
            "ordering": st.sampled_from(["name", "-name", "country,-slug", "updated_at"]),
            "updated_since": st.sampled_from(["2000-01-01", "2999-01-01"]),
            "q": SEARCHES,
        },
    ),
    "events": st.fixed_dictionaries(
        {},
        optional={
            "participant": st.sampled_from(["{org}", "{org},{org2}"]),
            "date_from": st.sampled_from(["1995-03-01", "2020-01-01"]),
            "date_to": st.sampled_from(["2010-06-30", "2031-01-01"]),
            "year": st.sampled_from(["2000", "2001,2025"]),
            "counterpart_country": st.sampled_from(["FR", "NO,US"]),
            "ordering": st.sampled_from(["start_date", "-end_date", "-name"]),
            "q": SEARCHES,
        },
    ),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_random_records_and_filters_are_the_built_lists_bytes(client, monkeypatch, lang):
    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        spec=graphs(),
        api=st.sampled_from(sorted(FILTERS)),
        data=st.data(),
        page_size=st.integers(1, 3),
        cursor_from=st.sampled_from([1, 1000]),
        walk_cost=st.sampled_from([10**9, 0]),  # planning.sorted_by_key(): both plans
    )
    def check(spec, api, data, page_size, cursor_from, walk_cost):
        nonlocal compiled_pages
        with transaction.atomic():
            build(spec)
            # Published, mostly: a draft's slug is a 400 both ways.
            orgs = models.Organisation.objects.order_by("pk")
            published = orgs.filter(status=models.Status.PUBLISHED)
            org = (published.first() or orgs.first()).slug
            org2 = (published.last() or orgs.last()).slug
            words = [(search_words(o.name_en) or ["x"])[0] for o in (orgs.first(), orgs.last())]
            params = data.draw(FILTERS[api])
            query = "&".join(
                f"{k}={quote(v.format(org=org, org2=org2, word=words[0], word2=words[1]))}"
                for k, v in sorted(params.items())
            )
            url = f"/api/v1/{api}/?lang={lang}&page_size={page_size}&{query}"
            with monkeypatch.context() as patch:
                patch.setattr(views.Pagination, "CURSOR_FROM_ROW", cursor_from)
                patch.setattr(planning, "FILTER_WALK_COST", walk_cost)
                for _page in range(3):  # the first pages, by number or by cursor
                    response, used = both_ways(client, monkeypatch, url)
                    compiled_pages += used
                    if response.status_code != 200:
                        break
                    url = response.json()["next"]
                    if not url:
                        break
            transaction.set_rollback(True)

    compiled_pages = 0
    check()
    assert compiled_pages >= 20  # most shapes compile: the comparison is not of one path


@pytest.mark.usefixtures("seeded")
def test_a_draft_participant_is_refused_through_the_compiled_sql_too(client):
    # The slug's check runs per request, before any plan: a compiled shape never
    # answers for a record the public may not see.
    url = "/api/v1/events/?participant=pole-dgsn-dgst"
    assert client.get(url).status_code == 200
    models.Organisation.objects.filter(slug="pole-dgsn-dgst").update(status=models.Status.DRAFT)
    assert client.get(url).status_code == 400


@pytest.mark.usefixtures("seeded")
def test_a_new_record_shows_on_a_compiled_page(client):
    url = "/api/v1/organisations/?country=NO"
    before = client.get(url).json()["count"]
    factories.OrganisationFactory(country="NO", status=models.Status.PUBLISHED)
    after = client.get(url).json()
    assert after["count"] == before + 1 == len(after["results"])
