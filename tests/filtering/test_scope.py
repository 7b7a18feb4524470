"""kb/filtering/scope.py: the events of the event list's filters, and the agreements the same
parameters choose through their mapping."""

import datetime

import pytest
from django.http import QueryDict

from kb.filtering.scope import SCOPE_PARAMS, CooperationScope
from tests import factories

pytestmark = pytest.mark.django_db

ASSEMBLY = "interpol-general-assembly-93"
NORWAY_AGREEMENT = "pole-dgsn-dgst-norwegian-national-police-agreement"
ETHIOPIA_AGREEMENT = "pole-dgsn-dgst-ethiopian-federal-police-protocol"
BOTH = {NORWAY_AGREEMENT, ETHIOPIA_AGREEMENT}


def agreements(query):
    scope = CooperationScope(QueryDict(query))
    assert scope.is_valid(), scope.errors
    return set(scope.agreements.values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", BOTH),
        (f"parent={ASSEMBLY}", BOTH),
        # Signed at that very event (the Norwegian meeting), not one inside it.
        (f"parent={ASSEMBLY}-meeting-norwegian-national-police", {NORWAY_AGREEMENT}),
        (f"parent={ASSEMBLY}-meeting-bka", set()),
        ("kind=bilateral_meeting", BOTH),
        ("kind=general_assembly", set()),
        ("participant=norwegian-national-police", {NORWAY_AGREEMENT}),
        ("participant=ethiopian-federal-police,bka", {ETHIOPIA_AGREEMENT}),
        ("counterpart_country=ET", {ETHIOPIA_AGREEMENT}),
        ("counterpart_region=europe", {NORWAY_AGREEMENT}),
        ("counterpart_region=asia", set()),
        ("date_from=2025-11-27", BOTH),
        ("date_from=2025-11-28", set()),
        ("date_to=2025-11-23", set()),
        ("date_to=2025-11-24", BOTH),
    ],
)
def test_agreements_follow_the_mapped_filters(seeded, query, expected):
    assert agreements(query) == expected


def test_events_are_the_event_lists(seeded, client):
    for query in (f"parent={ASSEMBLY}", "counterpart_region=asia", "participant=interpol"):
        scope = CooperationScope(QueryDict(query))
        listed = client.get(f"/api/v1/events/?{query}&page_size=200").json()["results"]
        assert set(scope.events.values_list("slug", flat=True)) == {e["slug"] for e in listed}
    assert CooperationScope(QueryDict("counterpart_region=asia")).events.count() == 9


def test_topic_maps_to_the_agreements_topic():
    topic = factories.TopicFactory(slug="cyber")
    tagged, other = factories.AgreementFactory(), factories.AgreementFactory()
    tagged.topics.add(topic)
    assert agreements("topic=cyber") == {tagged.slug}
    assert other.slug in agreements("")


def test_parent_and_kind_need_a_published_signing_event():
    assembly = factories.EventFactory(slug="assembly", kind="general_assembly")
    hidden = factories.EventFactory(parent=assembly, status="draft", kind="signing")
    factories.AgreementFactory(slug="at-a-draft", signed_at=hidden)
    factories.AgreementFactory(slug="at-the-assembly", signed_at=assembly)
    assert agreements("parent=assembly") == {"at-the-assembly"}
    assert agreements("kind=signing") == set()


def test_drafts_are_never_in_scope():
    factories.EventFactory(slug="draft-event", status="draft")
    factories.AgreementFactory(slug="draft-agreement", status="draft")
    scope = CooperationScope(QueryDict(""))
    assert not scope.events.filter(slug="draft-event").exists()
    assert agreements("") == set()


def test_errors_name_the_parameter_and_empty_the_scope(seeded):
    scope = CooperationScope(
        QueryDict("date_from=yesterday&participant=no-such-slug&counterpart_region=mars&q=x")
    )
    assert not scope.is_valid()
    assert set(scope.errors) == {"date_from", "participant", "counterpart_region"}
    assert all(isinstance(m, str) for messages in scope.errors.values() for m in messages)
    assert "no-such-slug" in scope.errors["participant"][0]
    assert scope.events.count() == 0 and scope.agreements.count() == 0


def test_form_has_the_scope_fields_only():
    scope = CooperationScope(QueryDict("q=anything&ordering=slug&region=europe"))
    assert list(scope.form.fields) == list(SCOPE_PARAMS)
    assert scope.is_valid() and scope.errors == {}


def test_query_string_keeps_the_scope_parameters_only():
    factories.OrganisationFactory(slug="bka")
    scope = CooperationScope(
        QueryDict("participant=bka&participant=x&lang=fr&page=2&kind=&date_from=2025-11-01")
    )
    assert scope.query_string() == "date_from=2025-11-01&participant=bka&participant=x"
    assert CooperationScope(None).query_string() == ""


def test_the_window_overlaps_as_on_the_lists():
    factories.EventFactory(
        slug="long", start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2025, 12, 31)
    )
    scope = CooperationScope(QueryDict("date_from=2025-06-01&date_to=2025-06-02"))
    assert list(scope.events.values_list("slug", flat=True)) == ["long"]
