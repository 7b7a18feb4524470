"""Each list runs the same number of queries whatever its page size.

The numbers are pinned: a serializer that starts following an unprefetched
relation, or a prefetch that goes missing, changes them.
"""

import csv
import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from kb import models
from tests import factories

pytestmark = pytest.mark.django_db

ROWS = 205  # more than the largest page


@pytest.fixture(scope="module")
def _many_rows_once(django_db_setup, django_db_blocker):
    # Created once for the module and rolled back after it (as support.article is).
    with django_db_blocker.unblock(), transaction.atomic():
        _create_many_rows()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def many_rows(_many_rows_once, db):
    """More than 200 published rows of every type, each with relations and citations."""


def _create_many_rows():
    source = factories.SourceFactory()
    host = factories.OrganisationFactory(slug="host")
    topics = factories.TopicFactory.create_batch(3)
    orgs = factories.OrganisationFactory.create_batch(ROWS, parent=host)
    people = factories.PersonFactory.create_batch(ROWS)
    posts = [factories.PostFactory(organisation=org) for org in orgs]
    models.Membership.objects.bulk_create(
        models.Membership(person=person, organisation=post.organisation, post=post)
        for person, post in zip(people, posts, strict=True)
    )
    assembly = factories.EventFactory(slug="assembly", kind="general_assembly", organiser=host)
    events = factories.EventFactory.create_batch(ROWS, parent=assembly, organiser=host)
    models.Participation.objects.bulk_create(
        participation
        for event, org in zip(events, orgs, strict=True)
        for participation in (
            models.Participation(event=event, organisation=host, role="host"),
            models.Participation(event=event, organisation=org, role="counterpart"),
        )
    )
    agreements = factories.AgreementFactory.create_batch(ROWS, signed_at=events[0])
    models.AgreementParty.objects.bulk_create(
        models.AgreementParty(agreement=agreement, organisation=org)
        for agreement, org in zip(agreements, orgs, strict=True)
    )
    for record in (*events, *agreements):
        record.topics.set(topics)
    topics += factories.TopicFactory.create_batch(ROWS)
    sources = factories.SourceFactory.create_batch(ROWS, attributed_to=host)
    claims = factories.ClaimFactory.create_batch(ROWS, subject=assembly)
    cited = [*topics, *orgs, *people, *posts, *events, *agreements, *claims]
    models.Citation.objects.bulk_create(
        models.Citation(
            source=source,
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            quote=f"Quote about {record.slug}.",
        )
        for record in cited
    )
    # An identifier in another system for every record: Wikidata's for all, and
    # OpenSanctions' too for every other one.
    models.Identifier.objects.bulk_create(
        models.Identifier(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            scheme=scheme,
            value=f"Q{record.pk}",
        )
        for record in (*cited, *sources)
        for scheme in ("wikidata", "opensanctions")[: 1 + record.pk % 2]
    )


# Per list: the ETag query (which reads the data version), the page, then one
# query per prefetch (identifiers in other systems; citations with their
# sources; memberships; topics; parties; claims' subjects, one per subject
# type); an event's four lists and an organisation's two are kept by the
# database, read in one query.
# The count is cached under the data version: a first request runs it, later
# ones don't.
PINNED = {
    "organisations": 3,  # + its lists (identifiers, citations), one row each
    "people": 5,  # + identifiers, memberships, citations
    "posts": 5,  # + identifiers, holders (memberships), citations
    "events": 3,  # + its lists (topics, participants, identifiers, citations), one row each
    "agreements": 6,  # + identifiers, parties, topics, citations
    "topics": 4,  # + identifiers, citations
    "sources": 3,  # + identifiers; a source cites nothing
    "claims": 5,  # + identifiers, subjects, citations; `recorded` is a subquery of the page
}


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    settings.API_ANON_THROTTLE_RATE = None


@pytest.mark.parametrize("prefix", PINNED)
def test_list_query_count_does_not_depend_on_page_size(
    client, many_rows, django_assert_num_queries, prefix
):
    from django.core.cache import caches

    caches["counts"].clear()
    # Cold: the count runs once for this data version.
    with django_assert_num_queries(PINNED[prefix] + 1):
        assert client.get(f"/api/v1/{prefix}/", {"page_size": 5}).status_code == 200
    for page_size in (10, 200):
        with django_assert_num_queries(PINNED[prefix]):
            response = client.get(f"/api/v1/{prefix}/", {"page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("prefix", PINNED)
def test_detail_query_count(client, many_rows, django_assert_num_queries, prefix):
    slug = client.get(f"/api/v1/{prefix}/").json()["results"][0]["slug"]
    # The ETag query, the record, its prefetches.
    with django_assert_num_queries(PINNED[prefix]):
        assert client.get(f"/api/v1/{prefix}/{slug}/").status_code == 200


@pytest.mark.parametrize("prefix", PINNED)
def test_csv_query_count_grows_by_chunks_not_rows(
    client, many_rows, django_assert_num_queries, prefix, monkeypatch
):
    from kb.api import renderers as exports

    monkeypatch.setattr(exports, "CHUNK_SIZE", 100)
    # The ETag query and the rows' query (read in chunks), then each prefetch
    # once per chunk of 100 rows: three chunks here.
    prefetches = PINNED[prefix] - 2
    with django_assert_num_queries(2 + 3 * prefetches):
        response = client.get(f"/api/v1/{prefix}/", {"format": "csv"})
        text = b"".join(response.streaming_content).decode()
    assert response.status_code == 200
    assert ROWS <= len(list(csv.DictReader(io.StringIO(text)))) <= 300
