"""Public pages' query counts: each list at two sizes, each detail page fixed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests import factories

ARTICLE_SLUG = "interpol-ga-93-hammouchi-bilaterals"
ASSEMBLY = "interpol-general-assembly-93"


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


# Query counts: each list page at two sizes (5 and 40 rows, 25 to a page).
def _events(n):
    parent = factories.EventFactory(kind="general_assembly")
    topic = factories.TopicFactory()
    for _ in range(n):
        event = factories.EventFactory(parent=parent)
        event.topics.add(topic)
        factories.ParticipationFactory(event=event, role="host")
        # Past five at the larger size: the rows name five and count the others.
        factories.ParticipationFactory.create_batch(1 + n // 5, event=event)
        factories.CitationFactory(record=event)


def _organisations(n):
    parent = factories.OrganisationFactory()
    for _ in range(n):
        factories.CitationFactory(record=factories.OrganisationFactory(parent=parent))


def _people(n):
    for _ in range(n):
        factories.MembershipFactory()


def _agreements(n):
    topic = factories.TopicFactory()
    for _ in range(n):
        party = factories.AgreementPartyFactory(
            agreement__signed_at=factories.EventFactory(),
        )
        party.agreement.topics.add(topic)


def _topics(n):
    factories.TopicFactory.create_batch(n)


def _sources(n):
    factories.SourceFactory.create_batch(n, attributed_to=factories.OrganisationFactory())


@pytest.mark.parametrize(
    ("model", "make", "queries"),
    [
        # the data version (the count is cached under it), the page, then each
        # prefetch of for_list_rows() but citations, which list rows do not show
        ("organisation", _organisations, 2),
        ("person", _people, 3),
        ("event", _events, 4),
        ("agreement", _agreements, 4),
        ("topic", _topics, 2),
        ("source", _sources, 2),
    ],
)
@pytest.mark.parametrize("rows", [5, 40])
def test_list_query_count_does_not_grow_with_rows(client, db, model, make, queries, rows):
    make(rows)
    url = reverse(f"kb:{model}-list")
    client.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert len(context.captured_queries) == queries, [q["sql"] for q in context]


@pytest.mark.parametrize("rows", [5, 40])
def test_filtered_list_query_count(client, db, rows):
    _events(rows)
    url = f"{reverse('kb:event-list')}?counterpart_region=europe&topic=topic-0"
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    # One more to check the topic slug the URL names; the rest as unfiltered.
    assert len(context.captured_queries) <= 6


# Each page reads its record's identifiers in other systems in one query
# (for_detail(): with_identifiers()), for its JSON-LD's sameAs.
@pytest.mark.parametrize(
    ("name", "slug", "queries"),
    [
        ("organisation", "pole-dgsn-dgst", 17),
        ("organisation", "interpol", 17),
        ("event", ASSEMBLY, 8),
        ("event", "interpol-general-assembly-93-meeting-police-pl", 8),
        ("agreement", "pole-dgsn-dgst-norwegian-national-police-agreement", 6),
        # the person's and the topic's events with their participants: the pages
        # group them by their counterparts' region
        ("person", "abdellatif-hammouchi", 8),
        ("topic", "cybercrime", 6),
        ("source", ARTICLE_SLUG, 13),  # kb/domain/coverage.py: one query per type cited
    ],
)
def test_detail_query_counts_are_fixed(client, seeded, name, slug, queries):
    url = reverse(f"kb:{name}-detail", kwargs={"slug": slug})
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    assert len(context.captured_queries) <= queries
