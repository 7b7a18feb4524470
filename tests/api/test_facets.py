"""`?facets=` on the API's lists: each named facet's values and counts, a 400 naming
`facets` for an unknown name, and no facet work at all without the parameter."""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches

from kb import models, registry
from tests import factories


@pytest.fixture(autouse=True)
def _cold(settings, db):
    settings.API_ANON_THROTTLE_RATE = None
    caches["counts"].clear()
    # The content types' cache lives as long as the process: warm here, so that a
    # test's query count does not depend on whether a test before it read them.
    ContentType.objects.get_for_models(*(entry.model for entry in registry.TYPES))


def values(answer, name):
    return {v["value"]: (v["count"], v["selected"]) for v in answer["facets"][name]["values"]}


def test_events_facets_on_the_seed(client, seeded):
    answer = client.get("/api/v1/events/", {"facets": "kind,counterpart_region"}).json()
    assert list(answer["facets"]) == ["kind", "counterpart_region"]
    kind = answer["facets"]["kind"]
    assert kind == {
        "label": "Kind",
        "values": [
            {
                "value": "bilateral_meeting",
                "label": "Bilateral meeting",
                "count": 52,
                "selected": False,
            },
            {
                "value": "general_assembly",
                "label": "General assembly",
                "count": 1,
                "selected": False,
            },
        ],
        "truncated": False,
        "counted": True,
    }
    assert values(answer, "counterpart_region") == {
        "europe": (19, False),
        "africa": (15, False),
        "asia": (9, False),
        "latin-america-caribbean": (5, False),
    }
    assert answer["count"] == 53 and len(answer["results"]) == 50


def test_counts_within_the_filters_and_chosen_values(client, seeded):
    answer = client.get(
        "/api/v1/events/", {"counterpart_region": "europe", "facets": ["kind", "year"]}
    ).json()
    assert values(answer, "kind") == {"bilateral_meeting": (19, False)}
    assert values(answer, "year") == {"2025": (19, False)}
    chosen = client.get(
        "/api/v1/events/", {"counterpart_region": "europe", "facets": "counterpart_region"}
    ).json()
    assert values(chosen, "counterpart_region") == {"europe": (19, True)}
    # The value, added as a filter, gives the count.
    assert client.get("/api/v1/events/", {"year": "2025"}).json()["count"] == 53


def test_labels_follow_lang(client, seeded):
    answer = client.get("/api/v1/agreements/", {"facets": "party_country", "lang": "fr"}).json()
    facet = answer["facets"]["party_country"]
    assert facet["label"] == "Pays d’une partie"  # the filter's own name
    labels = {v["value"]: v["label"] for v in facet["values"]}
    assert labels == {"MA": "Maroc", "NO": "Norvège", "ET": "Éthiopie"}


def test_an_unknown_facet_is_a_400_naming_the_parameter(client, seeded):
    response = client.get("/api/v1/events/", {"facets": "kind,colour"})
    assert response.status_code == 400
    assert response.json() == {
        "facets": [
            "Unknown facet: colour. Choose from: kind, country, region, counterpart_country, "
            "counterpart_region, topic, year."
        ]
    }
    response = client.get("/api/v1/topics/", {"facets": "kind"})
    assert response.status_code == 400
    assert response.json() == {"facets": ["Unknown facet: kind. This list has no facets."]}
    # Even when CSV was asked for: the error is JSON.
    response = client.get("/api/v1/events/", {"facets": "colour", "format": "csv"})
    assert response.status_code == 400
    assert "facets" in response.json()


@pytest.mark.parametrize("query", [{}, {"facets": ""}])
def test_no_facets_without_the_parameter(client, seeded, query):
    assert "facets" not in client.get("/api/v1/events/", query).json()


def test_a_bad_year_is_a_400_naming_year(client, seeded):
    response = client.get("/api/v1/events/", {"year": "soon"})
    assert response.status_code == 400
    assert list(response.json()) == ["year"]


def test_csv_ignores_facets(client, seeded):
    response = client.get("/api/v1/events/", {"facets": "kind", "format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert len(list(csv.DictReader(io.StringIO(text)))) == 53


ROWS = 30


@pytest.fixture
def events(db):
    host = factories.OrganisationFactory(country="MA")
    topic = factories.TopicFactory()
    for index in range(ROWS):
        event = factories.EventFactory(kind="bilateral_meeting" if index % 3 else "signing")
        event.topics.add(topic)
        factories.ParticipationFactory(event=event, organisation=host, role="host")
        factories.ParticipationFactory(
            event=event,
            organisation=factories.OrganisationFactory(country=("NO", "ET", "CL")[index % 3]),
            role="counterpart",
        )


# The list's own queries (tests/api/test_queries.py: the ETag's, the page, the kept lists).
EVENTS = 3
ALL = "kind,country,region,counterpart_country,counterpart_region,topic,year"


@pytest.mark.parametrize("page_size", [5, 25])
def test_facet_queries_are_one_per_facet_then_none(
    client, events, django_assert_num_queries, page_size
):
    query = {"facets": ALL, "page_size": page_size}
    # Cold: the count, and one GROUP BY per facet but the region, summed from the countries.
    with django_assert_num_queries(EVENTS + 1 + 6):
        answer = client.get("/api/v1/events/", query).json()
    assert len(answer["results"]) == page_size
    assert values(answer, "counterpart_region") == {
        "europe": (10, False),
        "africa": (10, False),
        "latin-america-caribbean": (10, False),
    }
    assert values(answer, "kind") == {"bilateral_meeting": (20, False), "signing": (10, False)}
    with django_assert_num_queries(EVENTS):
        again = client.get("/api/v1/events/", query).json()
    assert again["facets"] == answer["facets"]
    # A write changes the data version: counted again.
    factories.EventFactory(kind="signing")
    assert values(client.get("/api/v1/events/", query).json(), "kind")["signing"] == (11, False)


@pytest.mark.parametrize("page_size", [5, 25])
def test_no_facet_query_without_the_parameter(client, events, django_assert_num_queries, page_size):
    with django_assert_num_queries(EVENTS + 1):
        client.get("/api/v1/events/", {"page_size": page_size})
    with django_assert_num_queries(EVENTS):
        client.get("/api/v1/events/", {"page_size": page_size})


def test_facets_share_the_list_count_key(client, events, django_assert_num_queries):
    """`facets` does not change the rows: the list's cached count serves both."""
    client.get("/api/v1/events/")
    with django_assert_num_queries(EVENTS + 1):  # no count; one facet query
        client.get("/api/v1/events/", {"facets": "kind"})
    assert models.Event.objects.published().count() == ROWS


def test_past_joined_max_records_facets_over_related_records_are_not_counted(
    client, seeded, monkeypatch
):
    from kb.filtering import facets

    monkeypatch.setattr(facets, "JOINED_MAX", 18)
    query = {"counterpart_region": "europe", "facets": "kind,counterpart_region,topic"}
    answer = client.get("/api/v1/events/", query).json()["facets"]
    assert answer["kind"]["counted"] and values({"facets": answer}, "kind") == {
        "bilateral_meeting": (19, False)
    }
    assert answer["counterpart_region"]["counted"] is False
    assert values({"facets": answer}, "counterpart_region") == {"europe": (None, True)}
    assert answer["topic"] == {"label": "Topic", "values": [], "truncated": False, "counted": False}
