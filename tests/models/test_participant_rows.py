"""kept_lists(Event, ...)["participants"]: each event's visible participations as the
database keeps them (kb/db/groups.py, PARTICIPANTS), equal to the ORM's rule on every
path that changes them.

Both databases run these: the list is built in SQL by triggers (SQLite's row triggers,
PostgreSQL's statement triggers), so each path that moves a participation or one of its
ends is exercised here: inserts, bulk inserts, update(), saves, deletes, slugs and statuses.
"""

import random

import orjson
import pytest
from django.db import connection

from kb.models import Event, Organisation, Participation, Person, Post, Status
from kb.models.relation_rows import kept_lists
from kb.models.visibility import shown
from tests import factories

pytestmark = pytest.mark.django_db


def participant_lists(event_ids):
    return kept_lists(Event, event_ids)["participants"]


ROLES = [choice for choice, _label in Participation.Role.choices]


def orm_lists(event_ids):
    """What the rule gives: {event id: [participant, ...]} for the events that have one."""
    rows = (
        Participation.objects.filter(
            shown("organisation", "person", "post"), event_id__in=event_ids
        )
        .order_by("event_id", "role", "pk")
        .values_list("event_id", "organisation__slug", "person__slug", "post__slug", "role")
    )
    lists = {pk: [] for pk in event_ids}
    for event, organisation, person, post, role in rows:
        lists[event].append(
            {"organisation": organisation, "person": person, "post": post, "role": role}
        )
    return lists


def kept(event_ids):
    """The same, read as the API reads it, every event given (an empty list if none)."""
    found = participant_lists(event_ids)
    return {pk: found.get(pk, []) for pk in event_ids}


def all_events():
    return list(Event.objects.values_list("pk", flat=True))


def status(draw):
    return Status.DRAFT if draw.random() < 0.3 else Status.PUBLISHED


def mixed_data(draw):
    organisations = [factories.OrganisationFactory(status=status(draw)) for _ in range(6)]
    people = [factories.PersonFactory(status=status(draw)) for _ in range(4)]
    posts = [
        factories.PostFactory(status=status(draw), organisation=draw.choice(organisations))
        for _ in range(4)
    ]
    events = factories.EventFactory.create_batch(4)
    seen = set()
    for _ in range(60):
        event = draw.choice(events)
        post = draw.choice([None, *posts])
        person = draw.choice([None, *people])
        organisation = post.organisation if post else draw.choice([None, *organisations])
        if not (organisation or person or post):
            continue
        key = (event.pk, organisation, person, post)
        if key in seen:
            continue
        seen.add(key)
        factories.ParticipationFactory(
            event=event,
            organisation=organisation,
            person=person,
            post=post,
            role=draw.choice(ROLES),
        )
    return organisations, people, posts, events


def test_the_kept_lists_give_the_orms_rows_on_mixed_data():
    draw = random.Random(20261205)
    _organisations, _people, _posts, events = mixed_data(draw)
    ids = [event.pk for event in events]
    expected = orm_lists(ids)
    # Hidden rows exist, so the rule is exercised, and some rows show.
    shown_rows = sum(len(rows) for rows in expected.values())
    assert 0 < shown_rows < Participation.objects.count()
    assert kept(ids) == expected
    assert participant_lists(ids[:1]) == {ids[0]: expected[ids[0]]}
    assert participant_lists([]) == {}


def test_the_lists_follow_every_change_to_a_participation_or_its_ends():
    draw = random.Random(20261206)
    organisations, people, posts, events = mixed_data(draw)

    def check(change):
        ids = all_events()
        assert kept(ids) == orm_lists(ids), change

    check("created one by one")
    organisation, person, post = organisations[0], people[0], posts[0]
    # A slug or status changed through save() and through update().
    organisation.slug = "renamed-organisation"
    organisation.save()
    check("organisation slug, save()")
    Organisation.objects.filter(pk=organisation.pk).update(status=Status.DRAFT)
    check("organisation status, update()")
    Organisation.objects.filter(pk=organisation.pk).update(status=Status.PUBLISHED)
    Person.objects.filter(pk=person.pk).update(slug="renamed-person", status=Status.PUBLISHED)
    check("person slug and status, update()")
    Person.objects.filter(pk=person.pk).update(status=Status.DRAFT)
    check("person status, update()")
    Post.objects.filter(pk=post.pk).update(slug="renamed-post")
    check("post slug, update()")
    Post.objects.filter(pk=post.pk).update(status=Status.DRAFT)
    check("post status, update()")
    # A participation's role, its event, its deletion; a bulk insert; a deleted event.
    first = Participation.objects.order_by("pk").first()
    Participation.objects.filter(pk=first.pk).update(role=Participation.Role.HOST)
    check("role, update()")
    Participation.objects.filter(pk=first.pk).update(event=events[-1])
    check("moved to another event")
    Participation.objects.filter(event=events[0]).delete()
    check("deleted")
    fresh = factories.OrganisationFactory()
    # INSERT OR IGNORE on SQLite, whose policy then binds the triggers' own writes.
    Participation.objects.bulk_create(
        (
            Participation(event=event, organisation=fresh, role=Participation.Role.COUNTERPART)
            for event in events
        ),
        ignore_conflicts=True,
    )
    check("bulk_create, ignoring conflicts")
    event = events[1]
    event.delete()
    assert event.pk not in participant_lists([p.pk for p in events] + [event.pk])


def test_an_event_without_participants_has_an_empty_list():
    event = factories.EventFactory()
    assert participant_lists([event.pk]) == {event.pk: []}


def test_the_kept_text_is_compact_json_in_the_serializers_key_order():
    """As orjson writes it, so that both databases keep the same bytes."""
    participation = factories.ParticipationFactory(person=None, post=None)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT participants FROM kb_eventparticipants WHERE event_id = %s",
            [participation.event_id],
        )
        text = cursor.fetchone()[0]
    expected = [
        {
            "organisation": participation.organisation.slug,
            "person": None,
            "post": None,
            "role": participation.role,
        }
    ]
    assert text == orjson.dumps(expected).decode()
