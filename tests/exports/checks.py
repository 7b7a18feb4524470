"""What the export tests share: each format checked by its own tool, and data to export.

- FollowTheMoney: every line is re-read by the `followthemoney` library as untrusted
  input (`cleaned=False`), as `ftm validate` does; every value must survive its type's
  cleaning unchanged, every required property must be there, the schema's own
  validation must pass, and every entity reference must name an exported entity whose
  schema is in the property's range.
- Popolo: each object against its class's schema from popolo-project/popolo-spec
  (vendored in popolo_schemas/), with jsonschema's Draft3Validator; their remote `$ref`s
  resolve to the vendored files, never to the network.
"""

import datetime
import json
import zlib
from pathlib import Path

import orjson
from django.contrib.contenttypes.models import ContentType
from followthemoney.entity import ValueEntity
from followthemoney.types import registry as ftm_types
from jsonschema import Draft3Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT3

from kb import models
from tests import factories

POPOLO_SCHEMAS = Path(__file__).parent / "popolo_schemas"
POPOLO_CLASSES = {
    "persons": "person",
    "organizations": "organization",
    "posts": "post",
    "memberships": "membership",
    "events": "event",
}


# --- FollowTheMoney -----------------------------------------------------------------------


def read_ftm(body):
    """The lines of an FtM export as {id: ValueEntity}, each checked on its own; ids unique."""
    assert body.endswith(b"\n") or body == b""
    entities = {}
    for line in body.splitlines():
        data = orjson.loads(line)
        assert next(iter(data)) == "id"  # FtM's line format: the id first, for sorting
        entity = ValueEntity.from_dict(data, cleaned=False)
        check_entity(entity, data)
        assert entity.id not in entities, entity.id
        entities[entity.id] = entity
    return entities


def check_entity(entity, data):
    schema = entity.schema
    assert not schema.abstract, schema.name
    # As `ftm validate`: every value cleaned again by its type comes out the same.
    for prop_name, values in data["properties"].items():
        prop = schema.get(prop_name)
        assert prop is not None, (schema.name, prop_name)
        assert not prop.stub, (schema.name, prop_name)
        for value in values:
            cleaned = prop.type.clean_text(value, format=prop.format, proxy=None)
            assert cleaned == value, (entity.id, prop_name, value, cleaned)
    assert schema.validate(entity.to_dict()) is None
    for required in schema.required:
        assert entity.get(required), (entity.id, required)
    if schema.is_a("Thing"):
        assert entity.get("name") or entity.get("title"), entity.id


def check_references(entities):
    """Every entity-typed value names an exported entity within the property's range."""
    for entity in entities.values():
        for prop, value in entity.itervalues():
            if prop.type != ftm_types.entity:
                continue
            target = entities.get(value)
            assert target is not None, (entity.id, prop.name, value)
            assert target.schema.is_a(prop.range), (entity.id, prop.name, target.schema.name)


def schema_counts(entities):
    counts = {}
    for entity in entities.values():
        counts[entity.schema.name] = counts.get(entity.schema.name, 0) + 1
    return counts


# --- Popolo -------------------------------------------------------------------------------


def popolo_validators():
    """{collection: Draft3Validator of its Popolo class}, `$ref`s resolved locally."""
    resources = []
    schemas = {}
    for path in sorted(POPOLO_SCHEMAS.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resource = Resource.from_contents(contents, default_specification=DRAFT3)
        uri = contents["id"]
        resources += [(uri, resource), (uri.rstrip("#"), resource)]
        schemas[path.stem] = contents
    registry = Registry().with_resources(resources)
    return {
        collection: Draft3Validator(
            schemas[name], registry=registry, format_checker=Draft3Validator.FORMAT_CHECKER
        )
        for collection, name in POPOLO_CLASSES.items()
    }


def check_popolo(document, validators):
    """Every object valid for its class; every id unique; every `*_id` resolves."""
    assert set(document) == {"meta", *POPOLO_CLASSES}
    ids = {}
    for collection, validator in validators.items():
        for item in document[collection]:
            errors = sorted(validator.iter_errors(item), key=str)
            assert not errors, (item["id"], [e.message for e in errors])
            assert item["id"] not in ids, item["id"]
            ids[item["id"]] = collection
    return ids


# --- Data -----------------------------------------------------------------------------------


def cite(record, source, quote):
    return models.Citation.objects.create(
        source=source,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        quote=quote,
    )


def qid(prefix, number):
    """A Wikidata QID of its own for each prefix of build()'s data."""
    return f"Q{zlib.crc32(prefix.encode()) % 9000 + 1000}{number:03d}"


def opensanctions_id(prefix):
    return f"NK-2ZkYyZLKa4Mdj6NqbHPo{prefix[0]}{prefix[-1]}"


def build(size, prefix="x"):
    """A little world of every kind of row, `size` meetings in one assembly.

    Each meeting has a host and a counterpart (an organisation with a parent), a person
    holding a post, an agreement signed there with a signatory and a witness; citations on
    records and on join rows; identifiers of both schemes; and drafts the exports must
    leave out (a draft counterpart, a draft source).
    """
    host = factories.OrganisationFactory(slug=f"{prefix}-host", country="MA")
    parent = factories.OrganisationFactory(
        slug=f"{prefix}-ministry", kind=models.Organisation.Kind.MINISTRY
    )
    draft = factories.OrganisationFactory(slug=f"{prefix}-draft", status=models.Status.DRAFT)
    topic = factories.TopicFactory(slug=f"{prefix}-topic")
    article = factories.SourceFactory(slug=f"{prefix}-article", attributed_to=host)
    report = factories.SourceFactory(
        slug=f"{prefix}-report",
        kind=models.Source.Kind.REPORT,
        url="https://example.org/reports/annual.pdf",
        published_on=datetime.date(2025, 12, 1),
        language="en",
    )
    hidden = factories.SourceFactory(slug=f"{prefix}-hidden", status=models.Status.DRAFT)
    assembly = factories.EventFactory(
        slug=f"{prefix}-assembly",
        kind=models.Event.Kind.GENERAL_ASSEMBLY,
        organiser=host,
        date_precision=models.DatePrecision.EXACT,
    )
    assembly.topics.add(topic)
    factories.IdentifierFactory(record=assembly, value=qid(prefix, 0))
    factories.IdentifierFactory(record=host, scheme="opensanctions", value=opensanctions_id(prefix))
    factories.IdentifierFactory(record=host, value=qid(prefix, 999))
    cite(assembly, article, "L'assemblée s'est tenue à Marrakech.")
    for n in range(size):
        counterpart = factories.OrganisationFactory(slug=f"{prefix}-police-{n}", parent=parent)
        person = factories.PersonFactory(slug=f"{prefix}-chief-{n}", country="DE")
        post = factories.PostFactory(slug=f"{prefix}-chief-post-{n}", organisation=counterpart)
        holding = factories.MembershipFactory(person=person, post=post)
        models.Membership.objects.create(person=person, organisation=parent)
        meeting = factories.EventFactory(slug=f"{prefix}-meeting-{n}", parent=assembly)
        meeting.topics.add(topic)
        models.Participation.objects.create(event=meeting, organisation=host, role="host")
        counterpart_row = models.Participation.objects.create(
            event=meeting, organisation=counterpart, person=person, post=post, role="counterpart"
        )
        models.Participation.objects.create(event=meeting, organisation=draft, role="observer")
        agreement = factories.AgreementFactory(slug=f"{prefix}-agreement-{n}", signed_at=meeting)
        agreement.topics.add(topic)
        factories.AgreementPartyFactory(agreement=agreement, organisation=host)
        witness = factories.AgreementPartyFactory(
            agreement=agreement, organisation=counterpart, role="witness"
        )
        factories.IdentifierFactory(record=person, scheme="wikidata", value=qid(prefix, n + 1))
        for record in (counterpart, person, post, meeting, agreement):
            cite(record, article, f"Cité : {record.slug}.")
        cite(counterpart_row, report, f"Participation {n}.")
        cite(witness, report, f"Témoin {n}.")
        cite(holding, report, f"Poste {n}.")
        cite(meeting, hidden, f"Caché {n}.")
    return assembly
