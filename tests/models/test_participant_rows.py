"""participant_rows(): the visible participations of events in SQL, as the ORM's rule gives."""

import random

import pytest

from kb.models import Participation, Status
from kb.models.relation_rows import participant_rows
from kb.models.visibility import shown
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = [choice for choice, _label in Participation.Role.choices]


def orm_rows(event_ids):
    return list(
        Participation.objects.filter(
            shown("organisation", "person", "post"), event_id__in=event_ids
        )
        .order_by("event_id", "role", "pk")
        .values_list("event_id", "organisation__slug", "person__slug", "post__slug", "role")
    )


def status(draw):
    return Status.DRAFT if draw.random() < 0.3 else Status.PUBLISHED


def test_the_sql_gives_the_orms_rows_on_mixed_data():
    draw = random.Random(20261205)
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
    ids = [event.pk for event in events]
    expected = orm_rows(ids)
    # Hidden rows exist, so the rule is exercised, and some rows show.
    assert 0 < len(expected) < Participation.objects.count()
    assert participant_rows(ids) == expected
    assert participant_rows(ids[:1]) == orm_rows(ids[:1])
    assert participant_rows([]) == []
