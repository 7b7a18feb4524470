"""What the people and organisations a search found took part in (kb/domain/relations.py)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.domain.relations import LISTED, related
from kb.models import Event, Organisation, Person, Post, Status
from tests import factories

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 11, 24)


def test_hammouchi_took_part_in_52_meetings_and_two_agreements_through_them(seeded):
    hammouchi = Person.objects.get(slug="abdellatif-hammouchi")
    (r,) = related([hammouchi])
    assert [p.slug for p in r.posts] == ["director-general-pole-dgsn-dgst"]
    assert r.event_count == 52
    assert r.event_kinds == [(Event.Kind.BILATERAL_MEETING, 52)]
    assert len(r.events) == LISTED
    assert all(e.parent.slug == "interpol-general-assembly-93" for e in r.events)
    assert r.agreement_count == 2
    assert {a.slug for a in r.agreements} == {
        "pole-dgsn-dgst-norwegian-national-police-agreement",
        "pole-dgsn-dgst-ethiopian-federal-police-protocol",
    }
    assert r.events_filter == {"person": "abdellatif-hammouchi"}


def test_the_norwegian_police_took_part_in_its_meeting_and_the_mou(seeded):
    police = Organisation.objects.get(slug="norwegian-national-police")
    (r,) = related([police])
    assert r.posts == []
    assert [e.slug for e in r.events] == [
        "interpol-general-assembly-93-meeting-norwegian-national-police"
    ]
    assert r.event_count == 1
    assert [a.slug for a in r.agreements] == ["pole-dgsn-dgst-norwegian-national-police-agreement"]
    assert r.events_filter == {"participant": "norwegian-national-police"}


def test_each_actor_gets_its_own_counts_and_lists(seeded):
    found = related(
        [
            Organisation.objects.get(slug="delegation-tr"),
            Organisation.objects.get(slug="pole-dgsn-dgst"),
            Post.objects.get(slug="interpol-president"),
        ]
    )
    assert [r.event_count for r in found] == [1, 52, 1]
    assert [r.agreement_count for r in found] == [0, 2, 0]
    assert [len(r.events) for r in found] == [1, LISTED, 1]
    assert found[2].events_filter is None  # posts have no list filter


def test_a_post_counts_for_its_holder_only_while_held():
    person = factories.PersonFactory()
    post = factories.PostFactory()
    factories.MembershipFactory(
        person=person, post=post, start_date=DAY, end_date=DAY + datetime.timedelta(days=30)
    )
    during = factories.EventFactory(slug="during", start_date=DAY, end_date=DAY)
    before = factories.EventFactory(
        slug="before", start_date=DAY.replace(year=2020), end_date=DAY.replace(year=2020)
    )
    undated = factories.EventFactory(slug="undated", start_date=None, end_date=None)
    for event in (during, before, undated):
        factories.ParticipationFactory(event=event, organisation=post.organisation, post=post)
    agreement = factories.AgreementFactory(signed_at=before)
    (r,) = related([person])
    assert [e.slug for e in r.events] == ["during"]
    assert r.agreement_count == 0
    agreement.signed_at = during
    agreement.save()
    (r,) = related([person])
    assert r.agreement_count == 1


def test_only_published_events_and_agreements_count():
    org = factories.OrganisationFactory()
    shown = factories.EventFactory(slug="shown")
    hidden = factories.EventFactory(slug="hidden", status=Status.DRAFT)
    for event in (shown, hidden):
        factories.ParticipationFactory(event=event, organisation=org)
    factories.AgreementFactory(signed_at=hidden)  # a published agreement, an unpublished place
    factories.AgreementFactory(status=Status.DRAFT, signed_at=shown)
    party = factories.AgreementPartyFactory(organisation=org).agreement
    (r,) = related([org])
    assert (r.event_count, [e.slug for e in r.events]) == (1, ["shown"])
    assert (r.agreement_count, r.agreements) == (1, [party])


def test_nothing_found_reads_nothing():
    with CaptureQueriesContext(connection) as context:
        assert related([]) == []
    assert context.captured_queries == []


def make_busy_world(n):
    """n organisations and n people, each in n events (one agreement at each) and holding a
    post that took part in n more."""
    actors = []
    for _ in range(n):
        org = factories.OrganisationFactory()
        person = factories.PersonFactory()
        post = factories.MembershipFactory(person=person).post
        for _ in range(n):
            event = factories.EventFactory()
            factories.ParticipationFactory(event=event, organisation=org, person=person)
            factories.ParticipationFactory(
                event=factories.EventFactory(), organisation=post.organisation, post=post
            )
            factories.AgreementFactory(signed_at=event)
            factories.AgreementPartyFactory(organisation=org)
        actors += [org, person]
    return actors


@pytest.mark.parametrize("n", [2, 6])
def test_the_reads_are_the_same_five_queries_at_any_size(n):
    actors = make_busy_world(n)
    with CaptureQueriesContext(connection) as context:
        found = related(actors)
    # Memberships, event counts, agreement counts, the first events, the first agreements.
    assert len(context.captured_queries) == 5
    org, person = found[0], found[1]
    assert (org.event_count, org.agreement_count) == (n, 2 * n)
    assert (person.event_count, person.agreement_count) == (2 * n, n)
    assert len(org.events) == min(n, LISTED)


def test_a_person_without_posts_counts_their_own_participations():
    person = factories.PersonFactory()
    factories.ParticipationFactory(person=person, organisation=None)
    (r,) = related([person])
    assert (r.posts, r.event_count, r.agreement_count) == ([], 1, 0)
