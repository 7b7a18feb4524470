"""kept_lists(): each event's topics, participants, identifiers and citations, and each
organisation's identifiers and citations, as the database keeps them (kb/db/groups.py,
JSONList), equal to the ORM's rules on every path that changes them.

Both databases run these: the lists are built in SQL by triggers (SQLite's row triggers,
PostgreSQL's statement triggers), so each path that moves a row or one of its ends is
exercised: inserts, bulk inserts, update(), saves, deletes, slugs and statuses, and rows
of the same generic tables that belong to another type.
"""

import random

import orjson
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from kb.api.fields import citation, identifier
from kb.models import Citation, Event, Identifier, Organisation, Source, Status, Topic
from kb.models.relation_rows import kept_lists
from tests import factories

pytestmark = pytest.mark.django_db

COLUMNS = ("topics", "identifiers", "citations")


def orm_lists(event_ids, model=Event):
    """What the ORM's rules give: {column: {id: list}}, every record of `model` given
    (an event's topics, identifiers and citations; an organisation's last two)."""
    record_type = ContentType.objects.get_for_model(model)
    columns = COLUMNS if model is Event else COLUMNS[1:]
    lists = {column: {pk: [] for pk in event_ids} for column in columns}
    if model is Event:
        tagged = (
            Event.topics.through.objects.filter(
                event_id__in=event_ids, topic__status=Status.PUBLISHED
            )
            .order_by("topic__slug")
            .values_list("event_id", "topic__slug")
        )
        for event, slug in tagged:
            lists["topics"][event].append(slug)
    identified = Identifier.objects.filter(
        content_type=record_type, object_id__in=event_ids
    ).order_by("scheme", "value")
    for row in identified:
        lists["identifiers"][row.object_id].append(identifier(row.scheme, row.value))
    cited = (
        Citation.objects.filter(
            content_type=record_type, object_id__in=event_ids, source__status=Status.PUBLISHED
        )
        .select_related("source")
        .order_by("pk")
    )
    for row in cited:
        lists["citations"][row.object_id].append(
            citation(row.source.slug, row.quote, row.translation, row.translation_by)
        )
    return lists


def kept(event_ids, model=Event):
    """The same, read as the API reads it (an empty list for a record without a row)."""
    found = kept_lists(model, event_ids)
    expected = orm_lists([], model)
    return {column: {pk: found[column].get(pk, []) for pk in event_ids} for column in expected}


def all_events():
    return list(Event.objects.values_list("pk", flat=True))


def check(change):
    ids = all_events()
    assert kept(ids) == orm_lists(ids), change
    # The organisations', whose identifiers and citations share the generic tables.
    ids = list(Organisation.objects.values_list("pk", flat=True))
    assert kept(ids, Organisation) == orm_lists(ids, Organisation), f"{change}: organisations"


def status(draw):
    return Status.DRAFT if draw.random() < 0.3 else Status.PUBLISHED


def mixed_data(draw):
    topics = [factories.TopicFactory(status=status(draw)) for _ in range(5)]
    sources = [factories.SourceFactory(status=status(draw)) for _ in range(3)]
    events = factories.EventFactory.create_batch(4)
    # An organisation with each event's id: its identifiers and citations name the same
    # object ids under another type, and must count for no event.
    others = [factories.OrganisationFactory() for _ in range(len(events) + 2)]
    for event in events:
        event.topics.set(draw.sample(topics, draw.randrange(len(topics))))
    for n in range(12):
        record = draw.choice([*events, *others])
        factories.CitationFactory(
            record=record,
            source=draw.choice(sources),
            quote=f'Quote {n}: « guillemets », "double", back\\slash, line\nbreak, tab\t.',
            # A translation names its translator (citation_translation_has_translator).
            **draw.choice(
                [
                    {"translation": "", "translation_by": ""},
                    {"translation": f"Translation {n}", "translation_by": "Entente"},
                ]
            ),
        )
    for n, record in enumerate([*events, *others]):
        factories.IdentifierFactory(record=record, value=f"Q{100 + n}")
        if n % 2:
            factories.IdentifierFactory(
                record=record, scheme="opensanctions", value=f"NK-example{n}"
            )
    return topics, sources, events, others


def test_the_kept_lists_give_the_orms_rows_on_mixed_data():
    draw = random.Random(20261207)
    _topics, _sources, events, others = mixed_data(draw)
    organisations = [o.pk for o in others]
    expected = orm_lists(organisations, Organisation)
    assert any(expected["identifiers"].values()) and any(expected["citations"].values())
    assert kept(organisations, Organisation) == expected
    assert set(kept_lists(Organisation, organisations[:1])) == {"identifiers", "citations"}
    ids = [event.pk for event in events]
    expected = orm_lists(ids)
    # Hidden rows exist, so the rules are exercised, and some rows show.
    for column in COLUMNS:
        assert any(expected[column].values()), column
    assert sum(map(len, expected["citations"].values())) < Citation.objects.count()
    assert kept(ids) == expected
    one = kept_lists(Event, ids[:1])
    assert {column: one[column] for column in COLUMNS} == {
        column: {ids[0]: expected[column][ids[0]]} for column in COLUMNS
    }
    assert kept_lists(Event, []) == {
        "topics": {},
        "participants": {},
        "identifiers": {},
        "citations": {},
    }


def test_the_lists_follow_every_change_to_their_rows_and_ends():
    draw = random.Random(20261208)
    topics, sources, events, others = mixed_data(draw)
    check("created one by one")

    # Topics: tagged and untagged, renamed, hidden, deleted.
    events[0].topics.add(topics[0], topics[1])
    check("topics added")
    events[0].topics.remove(topics[0])
    check("topic removed")
    Topic.objects.filter(pk=topics[1].pk).update(slug="zz-renamed-topic")
    check("topic slug, update()")
    topics[1].status = Status.DRAFT
    topics[1].save()
    check("topic status, save()")
    Topic.objects.filter(pk=topics[1].pk).update(status=Status.PUBLISHED)
    check("topic published again")
    events[1].topics.clear()
    check("topics cleared")
    Event.topics.through.objects.bulk_create(
        Event.topics.through(event=event, topic=topics[2])
        for event in events
        if not event.topics.filter(pk=topics[2].pk).exists()
    )
    check("topics, bulk_create")
    topics[3].delete()
    check("topic deleted")

    # Identifiers: added, changed, moved to another type and back, deleted.
    factories.IdentifierFactory(record=events[2], value="Q999")
    check("identifier added")
    first = Identifier.objects.filter(object_id=events[2].pk).order_by("pk").first()
    Identifier.objects.filter(pk=first.pk).update(value="Q5")
    check("identifier value, update()")
    organisation_type = ContentType.objects.get_for_model(Organisation)
    event_type = ContentType.objects.get_for_model(Event)
    Identifier.objects.filter(pk=first.pk).update(content_type=organisation_type)
    check("identifier moved to an organisation")
    Identifier.objects.filter(pk=first.pk).update(content_type=event_type, object_id=events[3].pk)
    check("identifier moved to another event")
    Identifier.objects.filter(object_id=events[3].pk, content_type=event_type).delete()
    check("identifiers deleted")
    Identifier.objects.bulk_create(
        Identifier(content_type=event_type, object_id=event.pk, scheme="wikidata", value=f"Q7{n}")
        for n, event in enumerate(events)
    )
    check("identifiers, bulk_create")
    # Another type's identifier, whatever its object id, changes no event's list.
    for row in Identifier.objects.filter(content_type=organisation_type, scheme="wikidata"):
        Identifier.objects.filter(pk=row.pk).update(value=f"Q{row.pk}000")
    check("another type's identifiers, update()")

    # Citations: added, edited, their source renamed, hidden, deleted.
    factories.CitationFactory(record=events[0], source=sources[0], quote="Une autre citation.")
    check("citation added")
    cited = Citation.objects.filter(content_type=event_type).order_by("pk")
    Citation.objects.filter(pk=cited[0].pk).update(
        translation="", translation_by="", quote="Édité."
    )
    check("citation edited, update()")
    Citation.objects.filter(pk=cited[0].pk).update(object_id=events[1].pk)
    check("citation moved to another event")
    Source.objects.filter(pk=sources[0].pk).update(slug="renamed-source")
    check("source slug, update()")
    Source.objects.filter(pk=sources[0].pk).update(status=Status.DRAFT)
    check("source status, update()")
    sources[1].status = Status.PUBLISHED
    sources[1].save()
    check("source status, save()")
    Citation.objects.filter(content_type=event_type, object_id=events[0].pk).delete()
    check("citations deleted")
    Citation.objects.bulk_create(
        Citation(content_type=event_type, object_id=event.pk, source=sources[2], quote=f"Bulk {n}")
        for n, event in enumerate(events)
    )
    check("citations, bulk_create")
    # A cited source is protected: its citations go first.
    Citation.objects.filter(source=sources[2]).delete()
    sources[2].delete()
    check("source and its citations deleted")

    # A new event starts with empty lists; a deleted one has none.
    fresh = factories.EventFactory()
    assert kept([fresh.pk]) == {column: {fresh.pk: []} for column in COLUMNS}
    found = kept_lists(Event, [fresh.pk])
    assert found["topics"] == {fresh.pk: []} and found["citations"] == {fresh.pk: []}
    event = events[1]
    event.delete()
    found = kept_lists(Event, [*all_events(), event.pk])
    assert all(event.pk not in found[column] for column in found)
    check("an event deleted")
    assert others  # their rows stayed theirs throughout


def test_the_kept_text_is_the_apis_json_byte_for_byte():
    """As orjson writes it (and so the JSON renderer), whatever the quote holds: both
    databases' JSON functions must escape as it does."""
    event = factories.EventFactory()
    quote = "".join(map(chr, range(1, 32))) + '"\\/ é « » \u2028 \U0001f600 \x7f end'
    factories.CitationFactory(record=event, quote=quote)
    factories.CitationFactory(record=event, quote="q", translation=quote, translation_by="x")
    factories.IdentifierFactory(record=event, scheme="opensanctions", value="NK-abc")
    topic = factories.TopicFactory(slug="a-topic")
    event.topics.add(topic)
    found = kept_lists(Event, [event.pk], as_text=True)
    texts = {column: found[column][event.pk].text for column in COLUMNS}
    first, second = Citation.objects.order_by("pk").select_related("source")
    assert (
        texts["citations"]
        == orjson.dumps(
            [
                citation(first.source.slug, quote, "", ""),
                citation(second.source.slug, "q", quote, "x"),
            ]
        ).decode()
    )
    assert '"translation":null,"translation_by":null}' in texts["citations"]
    assert texts["identifiers"] == orjson.dumps([identifier("opensanctions", "NK-abc")]).decode()
    assert texts["identifiers"].endswith('"url":"https://www.opensanctions.org/entities/NK-abc/"}]')
    assert texts["topics"] == '["a-topic"]'
    with connection.cursor() as cursor:
        cursor.execute("SELECT citations FROM kb_eventcitations WHERE event_id = %s", [event.pk])
        assert cursor.fetchone()[0] == texts["citations"]
