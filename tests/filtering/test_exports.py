"""The export filters: `parent` takes an event and everything within it, closed under
references; `updated_since` takes what changed, a join row's change counting for the record
that carries it; bad values are form errors naming the parameter."""

import datetime
import json

import pytest
from django.http import QueryDict
from django.utils import timezone

from kb import models
from kb.exports import ftm, popolo
from kb.filtering.exports import ExportScope
from tests import factories
from tests.exports.checks import build, check_references, qid, read_ftm

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def scope(**params):
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, value if isinstance(value, list) else [value])
    found = ExportScope(query)
    assert found.is_valid(), found.errors
    return found


def exported(**params):
    return read_ftm(b"".join(ftm.lines(scope(**params))))


def age_everything():
    """Every row last changed long ago (update() leaves auto_now alone)."""
    for model in (
        models.Organisation,
        models.Person,
        models.Post,
        models.Membership,
        models.Event,
        models.Participation,
        models.Agreement,
        models.AgreementParty,
        models.Source,
        models.Citation,
        models.Identifier,
        models.Topic,
    ):
        model.objects.update(updated_at=LONG_AGO)


def belongs_to(entity, prefix):
    mark = f"-{prefix}-"
    return mark in entity.id or any(mark in value for _prop, value in entity.itervalues())


# --- parent --------------------------------------------------------------------------------


def test_parent_takes_the_event_and_everything_within_it(db):
    build(2, prefix="a")
    build(1, prefix="b")
    entities = exported(parent="a-assembly")
    check_references(entities)  # closed: everything referred to is there
    ids = set(entities)
    assert not any(belongs_to(e, "b") for e in entities.values())
    assert {
        "entente-event-a-assembly",
        "entente-event-a-meeting-0",
        "entente-event-a-meeting-1",
        "entente-agreement-a-agreement-1",
        "entente-organisation-a-host",
        "entente-organisation-a-police-0",  # a counterpart
        "entente-organisation-a-ministry",  # where a participant's other membership is
        "entente-person-a-chief-1",
        "entente-post-a-chief-post-1",
        "entente-source-a-article",
        "entente-source-a-report",
    } <= ids
    # Exactly the entities of the full export that are a's or name one of a's.
    everything = exported()
    assert ids == {i for i, e in everything.items() if belongs_to(e, "a")}


def test_parent_of_a_part_leaves_the_whole_out(db):
    build(2, prefix="a")
    entities = exported(parent="a-meeting-1")
    check_references(entities)
    events = {i for i, e in entities.items() if e.schema.name == "Event"}
    assert events == {"entente-event-a-meeting-1"}
    # The link to its assembly points outside the scope: left out.
    assert not any(
        e.first("object") == "entente-event-a-assembly"
        for e in entities.values()
        if e.schema.name == "UnknownLink"
    )
    assert "entente-agreement-a-agreement-1" in entities
    assert "entente-agreement-a-agreement-0" not in entities


def test_parent_reaches_parts_of_parts_and_takes_any_of_several(db):
    top = factories.EventFactory(slug="top")
    middle = factories.EventFactory(slug="middle", parent=top)
    factories.EventFactory(slug="bottom", parent=middle)
    factories.EventFactory(slug="hidden", parent=middle, status=models.Status.DRAFT)
    other = factories.EventFactory(slug="other")
    found = scope(parent="top")
    events = set(found.keys(models.Event))
    assert events == {top.pk, middle.pk, models.Event.objects.get(slug="bottom").pk}
    assert set(scope(parent="middle,other").keys(models.Event)) == {
        middle.pk,
        other.pk,
        models.Event.objects.get(slug="bottom").pk,
    }


def test_popolo_takes_the_same_scope(db):
    build(2, prefix="a")
    build(1, prefix="b")
    document = json.loads(b"".join(popolo.chunks(scope(parent="a-meeting-0"))))
    assert [e["id"] for e in document["events"]] == ["entente-event-a-meeting-0"]
    assert {p["id"] for p in document["persons"]} == {"entente-person-a-chief-0"}
    assert len(document["memberships"]) == 2


# --- updated_since -------------------------------------------------------------------------


def test_updated_since_takes_what_changed_and_what_carries_it(db):
    build(2)
    age_everything()
    since = timezone.now() - datetime.timedelta(minutes=1)
    assert exported(updated_since=since.isoformat()) == {}

    participation = models.Participation.objects.filter(event__slug="x-meeting-1").first()
    participation.save()  # a join row: its event's export changes
    identifier = models.Identifier.objects.get(value=qid("x", 0))
    identifier.save()  # an identifier: its record's
    citation = models.Citation.objects.get(quote="Poste 0.")
    citation.save()  # a citation: its own Documentation
    membership = models.Membership.objects.filter(post__isnull=True).first()
    membership.save()
    party = models.AgreementParty.objects.get(agreement__slug="x-agreement-0", role="signatory")
    party.save()  # a party: its agreement's

    entities = exported(updated_since=since.isoformat())
    schemas = {i: e.schema.name for i, e in entities.items()}
    assert {i for i, s in schemas.items() if s == "Event"} == {
        "entente-event-x-meeting-1",
        "entente-event-x-assembly",
    }
    assert {i for i, s in schemas.items() if s == "Contract"} == {"entente-agreement-x-agreement-0"}
    assert sorted(s for s in schemas.values() if s not in ("Event", "Contract", "UnknownLink")) == [
        "Documentation",
        "Membership",
    ]
    # Every entity's last_change is when its export changed: the rule the filter applies.
    for entity in entities.values():
        assert entity.last_change >= since.isoformat()[:19]
    everything = exported()
    for entity_id, entity in everything.items():
        changed = entity.last_change >= since.astimezone(datetime.UTC).isoformat()[:19]
        assert (entity_id in entities) == changed, entity_id


def test_updated_since_with_parent_is_both(db):
    build(1, prefix="a")
    build(1, prefix="b")
    age_everything()
    since = timezone.now() - datetime.timedelta(minutes=1)
    for slug in ("a-meeting-0", "b-meeting-0"):
        models.Event.objects.get(slug=slug).save()
    entities = exported(parent="a-assembly", updated_since=since.isoformat())
    assert {i for i, e in entities.items() if e.schema.name == "Event"} == {
        "entente-event-a-meeting-0"
    }


def test_a_date_means_its_midnight_utc(db):
    build(1)
    age_everything()
    models.Event.objects.filter(slug="x-meeting-0").update(
        updated_at=datetime.datetime(2025, 11, 24, 0, 0, tzinfo=datetime.UTC)
    )
    assert "entente-event-x-meeting-0" in exported(updated_since="2025-11-24")
    assert "entente-event-x-meeting-0" not in exported(updated_since="2025-11-24T00:00:01Z")


# --- Bad values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"parent": "nope"}, {"parent"}),
        ({"parent": "draft-event"}, {"parent"}),
        ({"parent": "bad slug!"}, {"parent"}),
        ({"updated_since": "yesterday"}, {"updated_since"}),
        ({"updated_since": "2025-13-01"}, {"updated_since"}),
        ({"parent": "nope", "updated_since": "x"}, {"parent", "updated_since"}),
    ],
)
def test_bad_values_are_errors_naming_the_parameter(db, params, names):
    factories.EventFactory(slug="draft-event", status=models.Status.DRAFT)
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query[name] = value
    found = ExportScope(query)
    assert not found.is_valid()
    assert set(found.errors) == names
    assert list(found.batches(models.Event, lambda q: q)) == []


def test_other_parameters_are_ignored(db):
    found = ExportScope(QueryDict("lang=fr&format=x&q=y"))
    assert found.is_valid() and found.keys(models.Event) is None
