"""topic_rows(): the published topics of events and agreements in SQL, as the ORM's rule gives."""

import random

import pytest

from kb.models import Agreement, Event, Status
from kb.models.relation_rows import topic_rows
from kb.models.visibility import public
from tests import factories

pytestmark = pytest.mark.django_db


def by_record(rows):
    """{record id: its slugs in the order read}: what a projection keeps of the rows."""
    grouped = {}
    for record, slug in rows:
        grouped.setdefault(record, []).append(slug)
    return grouped


def orm_rows(model, ids):
    # The rule the projections read through the ORM before (EventQuerySet.for_listing()).
    owner = f"{model._meta.model_name}_id"
    return by_record(
        model.topics.through.objects.filter(public("topic"), **{f"{owner}__in": ids})
        .order_by("topic__slug")
        .values_list(owner, "topic__slug")
    )


@pytest.mark.parametrize(
    ("model", "make"),
    [(Event, factories.EventFactory), (Agreement, factories.AgreementFactory)],
)
def test_the_sql_gives_the_orms_rows_on_mixed_data(model, make):
    draw = random.Random(20261205)
    topics = [
        factories.TopicFactory(
            slug=f"topic-{n}",
            status=Status.DRAFT if draw.random() < 0.3 else Status.PUBLISHED,
        )
        for n in range(8)
    ]
    records = make.create_batch(5)
    for record in records:
        record.topics.set(draw.sample(topics, draw.randint(0, len(topics))))
    ids = [record.pk for record in records]
    expected = orm_rows(model, ids)
    assert expected and any(t.status == Status.DRAFT for t in topics)
    assert by_record(topic_rows(model, ids)) == expected
    # A subset of the ids, and none.
    assert by_record(topic_rows(model, ids[:2])) == orm_rows(model, ids[:2])
    assert topic_rows(model, []) == []
