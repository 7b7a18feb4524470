"""Read API v1 filters: the README's table plus `updated_since`, the same as the pages'."""

import datetime

import pytest
from django.http import QueryDict

from kb.db import collation
from kb.filtering import filtersets as kb_filters
from kb.filtering import sync as api_filters
from kb.models import Claim, Event, Organisation, Topic
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

ASSEMBLY = "interpol-general-assembly-93"

# The README's filters per list ("API", "Parameters"), plus what every list has.
DESIGN = {
    "organisations": ["q", "country", "region", "kind", "parent", "event"],
    "people": ["q", "country", "organisation"],
    "posts": ["q", "organisation"],
    "events": [
        *["q", "kind", "country", "region", "participant", "person", "counterpart_country"],
        *["counterpart_region", "parent", "topic", "date_from", "date_to", "year"],
    ],
    "agreements": [
        *["q", "kind", "legal_status", "party", "party_country", "party_region"],
        *["signed_at", "topic", "signed_from", "signed_to", "year"],
    ],
    "topics": ["q"],
    "sources": ["q", "kind", "language", "year"],
    "claims": ["q"],
}
FILTERSETS = {
    "organisations": (api_filters.OrganisationFilterSet, kb_filters.OrganisationFilterSet),
    "people": (api_filters.PersonFilterSet, kb_filters.PersonFilterSet),
    "posts": (api_filters.PostFilterSet, kb_filters.PostFilterSet),
    "events": (api_filters.EventFilterSet, kb_filters.EventFilterSet),
    "agreements": (api_filters.AgreementFilterSet, kb_filters.AgreementFilterSet),
    "topics": (api_filters.TopicFilterSet, kb_filters.TopicFilterSet),
    "sources": (api_filters.SourceFilterSet, kb_filters.SourceFilterSet),
    "claims": (api_filters.ClaimFilterSet, kb_filters.ClaimFilterSet),
}


def slugs(client, prefix, query):
    page = get_json(client, f"/api/v1/{prefix}/?page_size=200&{query}")
    assert page["count"] == len(page["results"])
    return [record["slug"] for record in page["results"]]


@pytest.mark.parametrize("prefix", DESIGN)
def test_each_list_has_exactly_designs_filters_plus_updated_since(prefix):
    api, pages = FILTERSETS[prefix]
    assert set(api.base_filters) == {*DESIGN[prefix], "updated_since", "ordering"}
    # The pages' FilterSet is the parent, and stays without updated_since.
    assert issubclass(api, pages)
    assert "updated_since" not in pages.base_filters


# (type, query, how many rows): facts read off the article.
CASES = [
    ("organisations", "country=DE", 1),
    ("organisations", "region=latin-america-caribbean", 5),
    ("organisations", "region=ASIA", 9),
    ("organisations", "kind=delegation", 14),
    ("organisations", "kind=delegation,police", 14 + 35),
    ("organisations", "parent=pole-dgsn-dgst", 2),
    ("organisations", f"event={ASSEMBLY}-meeting-bka", 2),
    ("organisations", f"event={ASSEMBLY}-meeting-bka,{ASSEMBLY}-meeting-interpol", 3),
    ("organisations", "q=bundeskriminalamt", 1),
    ("people", "q=hammouchi", 1),
    ("people", "country=MA", 1),
    ("people", "organisation=pole-dgsn-dgst", 1),
    ("people", "organisation=interpol", 0),
    ("posts", "organisation=interpol", 3),
    ("posts", "q=president", 1),
    ("events", "kind=general_assembly", 1),
    ("events", "kind=bilateral_meeting", 52),
    ("events", "country=ma", 53),
    ("events", "region=africa", 53),  # the venue: Marrakech
    ("events", "participant=bka", 1),
    ("events", "participant=pole-dgsn-dgst", 52),
    # His meetings, through the post he held at the time (the search page's relations).
    ("events", "person=abdellatif-hammouchi", 52),
    ("events", "counterpart_country=NO", 1),
    ("events", "counterpart_country=NO&counterpart_country=ET", 2),
    ("events", "counterpart_country=MA", 0),  # the host is not its own counterpart
    ("events", "counterpart_region=europe", 19),
    ("events", "counterpart_region=africa", 15),
    ("events", "counterpart_region=latin-america-caribbean", 5),
    ("events", "counterpart_region=asia", 9),
    ("events", "counterpart_region=europe,asia", 28),
    ("events", f"parent={ASSEMBLY}", 52),
    ("events", "topic=exchange-of-expertise", 5),
    ("events", "date_from=2025-11-27", 53),  # windows that overlap the range
    ("events", "date_from=2025-11-28", 0),
    ("events", "date_to=2025-11-24", 53),
    ("events", "date_to=2025-11-23", 0),
    ("events", "date_from=2025-11-25&date_to=2025-11-26", 53),
    ("events", "q=norvegienne", 1),
    ("events", "year=2025", 53),  # the year of the start date (the facets' year)
    ("events", "year=2024,2026", 0),
    ("agreements", "q=ethiopienne", 1),
    ("agreements", "kind=mou", 2),
    ("agreements", "legal_status=signed", 2),
    ("agreements", "legal_status=in_force", 0),
    ("agreements", "party=ethiopian-federal-police", 1),
    ("agreements", "party_country=NO", 1),
    ("agreements", "party_region=africa", 2),  # the pôle is Moroccan
    ("agreements", "party_region=europe", 1),
    ("agreements", f"signed_at={ASSEMBLY}-meeting-norwegian-national-police", 1),
    ("agreements", "topic=cross-border-organised-crime", 1),
    ("agreements", "signed_from=2025-11-27&signed_to=2025-11-27", 2),
    ("agreements", "signed_from=2025-12-01", 0),
    ("agreements", "year=2025", 2),
    ("topics", "q=crime", 3),
    ("sources", "kind=news_article", 1),
    ("sources", "language=fr", 1),
    ("sources", "language=en", 0),
    ("sources", "q=hammouchi", 1),
    ("sources", "year=2025", 0),  # the article gives no date of its own
    ("claims", "q=quarante", 1),
    ("claims", "q=forty three", 1),
]


@pytest.mark.parametrize(("prefix", "query", "count"), CASES)
def test_filters(client, prefix, query, count):
    found = slugs(client, prefix, query)
    assert len(found) == count
    # The pages' FilterSet gives the same rows for the same query string.
    model = FILTERSETS[prefix][1]._meta.model
    pages = FILTERSETS[prefix][1](QueryDict(query), queryset=model.objects.published())
    assert pages.is_valid()
    assert sorted(found) == sorted(pages.qs.values_list("slug", flat=True))


@pytest.mark.parametrize("prefix", DESIGN)
def test_every_filter_of_every_list_is_exercised(prefix):
    exercised = {p.split("=")[0] for t, q, _ in CASES if t == prefix for p in q.split("&")}
    assert exercised >= set(DESIGN[prefix])


def test_repeated_and_comma_separated_mean_any_of(client):
    repeated = slugs(client, "organisations", "country=DE&country=NO")
    assert repeated == slugs(client, "organisations", "country=DE,NO")
    assert repeated == slugs(client, "organisations", "country=de,%20no,")
    assert set(repeated) == {"bka", "norwegian-national-police"}


@pytest.mark.parametrize(
    ("prefix", "model", "query"),
    [
        ("organisations", Organisation, "police"),
        ("organisations", Organisation, "Sécurité"),
        ("events", Event, "réunion bilatérale"),
        ("topics", Topic, "CRIME"),
        ("claims", Claim, "meetings"),
    ],
)
def test_q_is_the_sites_search(client, prefix, model, query):
    expected = set(model.objects.published().search(query).values_list("slug", flat=True))
    assert expected
    assert set(slugs(client, prefix, f"q={query}")) == expected


def test_empty_parameters_are_ignored(client):
    everything = slugs(client, "events", "")
    assert slugs(client, "events", "q=&country=&region=,&date_from=&updated_since=") == everything


def _touch(model, slug, when):
    model.objects.filter(slug=slug).update(updated_at=when)


@pytest.mark.parametrize("prefix", DESIGN)
def test_updated_since(client, prefix):
    model = FILTERSETS[prefix][1]._meta.model
    record = model.objects.published().order_by("slug").first()
    later = datetime.datetime(2031, 5, 6, 7, 8, 9, tzinfo=datetime.UTC)
    _touch(model, record.slug, later)
    assert slugs(client, prefix, "updated_since=2031-05-06") == [record.slug]
    assert slugs(client, prefix, "updated_since=2031-05-06T07:08:09Z") == [record.slug]
    assert slugs(client, prefix, "updated_since=2031-05-06T07:08:10Z") == []
    # 09:08:09+02:00 is 07:08:09 UTC.
    assert slugs(client, prefix, "updated_since=2031-05-06T09:08:09%2B02:00") == [record.slug]
    assert slugs(client, prefix, "updated_since=2031-05-06T09:08:10%2B02:00") == []
    assert len(slugs(client, prefix, "updated_since=2000-01-01")) == model.objects.count()


@pytest.mark.parametrize(
    "value",
    [
        "yesterday",
        "2025-13-01",
        "2025-02-30",
        "99999-01-01",
        "0001-01-01T00:00:00%2B01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
        "%00",
        "2025-01-01T25:00:00",
    ],
)
def test_malformed_updated_since_answers_400(client, value):
    response = client.get(f"/api/v1/events/?updated_since={value}")
    assert response.status_code == 400
    assert list(response.json()) == ["updated_since"]


def test_updated_since_at_the_edges_of_the_calendar(client):
    assert len(slugs(client, "topics", "updated_since=0001-01-01")) == 9
    assert slugs(client, "topics", "updated_since=9999-12-31T23:59:59Z") == []


ORDERINGS = {
    "organisations": ["slug", "name", "country", "updated_at"],
    "people": ["slug", "name", "updated_at"],
    "posts": ["slug", "name", "updated_at"],
    "events": ["start_date", "end_date", "slug", "name", "updated_at"],
    "agreements": ["signed_start", "slug", "title", "updated_at"],
    "topics": ["slug", "name", "updated_at"],
    "sources": ["slug", "title", "published_on", "updated_at"],
    "claims": ["slug", "value", "updated_at"],
}


@pytest.mark.parametrize("prefix", ORDERINGS)
def test_ordering_accepts_the_documented_fields(client, prefix):
    documented = ORDERINGS[prefix]
    choices = {c for c, _ in FILTERSETS[prefix][0].base_filters["ordering"].extra["choices"]}
    assert choices == {*documented, *(f"-{f}" for f in documented)}
    for field in documented:
        for value in (field, f"-{field}"):
            assert client.get(f"/api/v1/{prefix}/?ordering={value}").status_code == 200
    assert client.get(f"/api/v1/{prefix}/?ordering=status").status_code == 400


def test_ordering_sorts(client):
    by_name = slugs(client, "topics", "ordering=name")
    names = [t.name for t in Topic.objects.published().in_name_order("en")]
    assert [Topic.objects.get(slug=s).name for s in by_name] == names
    assert slugs(client, "topics", "ordering=-slug") == sorted(by_name, reverse=True)
    # French names sort in French: "Échange" among the E's, not after the Z's.
    french = get_json(client, "/api/v1/topics/?ordering=name&lang=fr&page_size=200")["results"]
    assert [t["name"] for t in french] == sorted(
        (t["name"] for t in french), key=lambda name: collation.sort_key("fr", name)
    )
