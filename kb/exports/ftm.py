"""The published data as FollowTheMoney entities, one JSON object per line.

Entities are built by the `followthemoney` library (`ValueEntity`, the class
FtM 4 asks applications to use), which cleans every value for its property's
type as it is added: countries as ISO codes, languages as ISO 639-3, dates
of reduced precision, entity references by their id pattern. The mapping
(README, "Open formats", has it as a table):

- organisations: `PublicBody` (police, security services, delegations,
  ministries), else `Organization`; a parent as an `UnknownLink` "part of";
- people: `Person`; posts: `Position`; memberships: `Occupancy` when they name
  a post, else `Membership`;
- events: `Event` (`involved`, `organizer`); a parent as an `UnknownLink`;
- agreements: `Contract`, the signatories its `authority`; other parties and
  the event where it was signed as `UnknownLink`s;
- sources: `Article` (news articles, press releases), else `Document`;
- citations: `Documentation` (the source, the record), the quote in
  `description`, its translation in `summary`.

Ids are stable across exports, derived from slugs (`entente-organisation-bka`;
records.record_id). Identifiers: Wikidata as `wikidataId`; OpenSanctions ids,
which are FtM entity ids themselves, in the entity's `referents` (the ids
other datasets give the same entity, as OpenSanctions' own exports list
them). `last_change` is when the entity's export last changed, the time
`updated_since` compares.

Topics and claims have no FtM schema: topics become the `keywords` of their
events and contracts; claims are left out.
"""

import orjson

from ..lib import dataset
from ..models import AgreementParty, Event, Organisation, Source
from . import records
from .records import changed_at, iso, last_change, record_id

DATASET = "entente"

# Organisations of the state: FtM's PublicBody ("a ministry, department or state company").
PUBLIC_BODIES = {
    Organisation.Kind.POLICE,
    Organisation.Kind.SECURITY_SERVICE,
    Organisation.Kind.DELEGATION,
    Organisation.Kind.MINISTRY,
}
# Sources FtM's Article describes ("a piece of media reporting about a subject").
ARTICLES = {Source.Kind.NEWS_ARTICLE, Source.Kind.PRESS_RELEASE}

# The roles of FtM links, in FtM's own (English) vocabulary.
PART_OF = "part of"
SIGNED_AT = "signed at"
ATTRIBUTED_TO = "attributes its facts to"
QUOTED = "quoted"

MEDIA_TYPE = "application/x-ndjson"
FILE_NAME = "entente.ftm.json"


def lines(scope=None, base_url=None):
    """Every entity the scope chooses (every published one by default), as bytes: one JSON
    object per line, newline-terminated, in type order, batch by batch.

    `base_url` (the site's root, "https://entente.example/") adds each record's public
    page as its `sourceUrl`.
    """
    for entity in entities(scope, base_url):
        yield line(entity)


def line(entity):
    """One entity as FtM's line-based JSON writes it: `id` first."""
    data = entity.to_dict()
    data["referents"] = sorted(data.get("referents", []))
    data["datasets"] = sorted(data.get("datasets", []))
    return orjson.dumps({"id": data.pop("id"), **data}, option=orjson.OPT_APPEND_NEWLINE)


def entities(scope=None, base_url=None):
    """The scope's ValueEntity objects, in type order."""
    scope = records.scope_or_everything(scope)
    writer = _Writer(scope, base_url)
    for model, read in records.READS.items():
        build = getattr(writer, model._meta.model_name)
        for batch in scope.batches(model, read):
            for row in batch:
                yield from build(row)
    for cited in records.CITATION_KEYS:
        for row in records.citations(scope, cited):
            yield writer.documentation(row)


def dataset_metadata(base_url=None):
    """The dataset's description in FtM's own form (followthemoney.dataset), licence included:
    what a catalogue of FtM data (OpenSanctions', Aleph's) reads beside the entities."""
    from followthemoney.dataset import Dataset

    data = {
        "name": DATASET,
        "title": dataset.TITLE,
        "summary": str(dataset.DESCRIPTION),
        "license": dataset.LICENCE_URL,
    }
    if base_url:
        data["url"] = base_url
    return Dataset(data).to_dict()


class _Writer:
    """Builds the entities of one row at a time."""

    def __init__(self, scope, base_url):
        # Imported here, not at the top: the library and its model take some 70 MB,
        # which every web worker would otherwise hold from its start.
        from followthemoney import model
        from followthemoney.entity import ValueEntity

        self.scope = scope
        self.base_url = base_url.rstrip("/") if base_url else None
        self._schema = model.get
        self._entity = ValueEntity

    def make(self, schema, entity_id, changed=None):
        entity = self._entity(self._schema(schema), {"id": entity_id, "datasets": [DATASET]})
        entity.last_change = changed
        return entity

    def page(self, entity, record):
        if self.base_url:
            entity.add("sourceUrl", self.base_url + record.get_absolute_url())

    def identifiers(self, entity, record):
        for identifier in record.identifiers.all():
            if identifier.scheme == "wikidata":
                entity.add("wikidataId", identifier.value)
            elif identifier.scheme == "opensanctions":
                entity.referents.add(identifier.value)

    def names(self, entity, record, field="name"):
        """The name in the active language, the other language's as an alias."""
        name = getattr(record, field)
        entity.add("name", name)
        for other in (getattr(record, f"{field}_en", ""), getattr(record, f"{field}_fr", "")):
            if other and other != name:
                entity.add("alias", other)

    def link(self, subject, obj, role, changed, *, key):
        entity = self.make("UnknownLink", records.row_id("link", *key), changed)
        entity.add("subject", subject)
        entity.add("object", obj)
        entity.add("role", role)
        return entity

    # --- One builder per read ------------------------------------------------------------

    def organisation(self, org):
        changed = changed_at(org, org.identifiers.all())
        schema = "PublicBody" if org.kind in PUBLIC_BODIES else "Organization"
        entity = self.make(schema, record_id("organisation", org.slug), changed)
        self.names(entity, org)
        entity.add("alias", org.aliases)
        entity.add("abbreviation", org.acronym or None)
        entity.add("legalForm", org.get_kind_display())
        entity.add("country", org.country.code or None)
        entity.add("website", org.website or None)
        entity.add("description", org.description or None)
        self.identifiers(entity, org)
        self.page(entity, org)
        yield entity
        if org.parent_shown and self.scope.includes(Organisation, org.parent_id):
            parent = record_id("organisation", org.parent_slug)
            yield self.link(entity.id, parent, PART_OF, changed, key=(PART_OF, entity.id, parent))

    def person(self, person):
        entity = self.make(
            "Person",
            record_id("person", person.slug),
            changed_at(person, person.identifiers.all()),
        )
        entity.add("name", person.name)
        entity.add("alias", person.aliases)
        entity.add("country", person.country.code or None)
        entity.add("description", person.description or None)
        self.identifiers(entity, person)
        self.page(entity, person)
        yield entity

    def post(self, post):
        entity = self.make(
            "Position", record_id("post", post.slug), changed_at(post, post.identifiers.all())
        )
        self.names(entity, post)
        entity.add("organization", record_id("organisation", post.organisation.slug))
        entity.add("description", post.description or None)
        self.identifiers(entity, post)
        self.page(entity, post)
        yield entity

    def membership(self, membership):
        changed = last_change(membership.updated_at)
        holder = record_id("person", membership.person.slug)
        if membership.post_id:
            entity = self.make("Occupancy", records.membership_id(membership), changed)
            entity.add("holder", holder)
            entity.add("post", record_id("post", membership.post.slug))
        else:
            entity = self.make("Membership", records.membership_id(membership), changed)
            entity.add("member", holder)
            entity.add("organization", record_id("organisation", membership.organisation.slug))
        entity.add("startDate", iso(membership.start_date))
        entity.add("endDate", iso(membership.end_date))
        yield entity

    def event(self, event):
        participations = list(event.participations.all())
        changed = changed_at(event, event.identifiers.all(), participations)
        entity = self.make("Event", record_id("event", event.slug), changed)
        self.names(entity, event)
        start, end = records.stated_dates(event.start_date, event.end_date, event.date_precision)
        if start == end:
            entity.add("date", start)
        else:
            entity.add("startDate", start)
            entity.add("endDate", end)
        place = ", ".join(p for p in (event.city, event.country.name if event.country else "") if p)
        entity.add("location", place or None)
        entity.add("country", event.country.code or None)
        entity.add("summary", event.get_kind_display())
        entity.add("description", event.description or None)
        entity.add("keywords", [topic.name for topic in event.topics.all()])
        if event.organiser_shown and self.scope.includes(Organisation, event.organiser_id):
            entity.add("organizer", record_id("organisation", event.organiser_slug))
        for participation in participations:
            if participation.organisation_id:
                entity.add("involved", record_id("organisation", participation.organisation.slug))
            if participation.person_id:
                entity.add("involved", record_id("person", participation.person.slug))
        self.identifiers(entity, event)
        self.page(entity, event)
        yield entity
        if event.parent_shown and self.scope.includes(Event, event.parent_id):
            parent = record_id("event", event.parent_slug)
            yield self.link(entity.id, parent, PART_OF, changed, key=(PART_OF, entity.id, parent))

    def agreement(self, agreement):
        parties = list(agreement.parties.all())
        changed = changed_at(agreement, agreement.identifiers.all(), parties)
        entity = self.make("Contract", record_id("agreement", agreement.slug), changed)
        entity.add("title", agreement.title)
        self.names(entity, agreement, "title")
        entity.add("type", agreement.get_kind_display())
        entity.add("status", agreement.get_legal_status_display())
        start, end = records.stated_dates(
            agreement.signed_start, agreement.signed_end, agreement.date_precision
        )
        # The day it was signed, or what both ends of the window share: never a range.
        entity.add("contractDate", start if start == end else _shared(start, end))
        entity.add("summary", agreement.summary or None)
        entity.add("keywords", [topic.name for topic in agreement.topics.all()])
        others = []
        for party in parties:
            organisation = record_id("organisation", party.organisation.slug)
            if party.role == AgreementParty.Role.SIGNATORY:
                entity.add("authority", organisation)
            else:
                others.append((organisation, party))
        self.identifiers(entity, agreement)
        self.page(entity, agreement)
        yield entity
        for organisation, party in others:
            role = party.get_role_display()
            yield self.link(
                organisation, entity.id, role, changed, key=("party", entity.id, organisation)
            )
        if agreement.signed_at_shown and self.scope.includes(Event, agreement.signed_at_id):
            event = record_id("event", agreement.signed_at_slug)
            yield self.link(entity.id, event, SIGNED_AT, changed, key=(SIGNED_AT, entity.id, event))

    def source(self, source):
        changed = changed_at(source, source.identifiers.all())
        schema = "Article" if source.kind in ARTICLES else "Document"
        entity = self.make(schema, record_id("source", source.slug), changed)
        entity.add("name", source.title)
        entity.add("title", source.title)
        if schema == "Document":
            # FtM's Document is a file and needs a file name: the address's last part, or the slug.
            entity.add("fileName", _file_name(source))
        entity.add("publisher", source.publisher or None)
        entity.add("language", source.language or None)
        entity.add("publishedAt", iso(source.published_on))
        entity.add("sourceUrl", source.url or None)
        entity.add("summary", source.get_kind_display())
        entity.add("notes", source.attribution or None)
        self.identifiers(entity, source)
        yield entity
        if source.attributed_shown and self.scope.includes(Organisation, source.attributed_to_id):
            organisation = record_id("organisation", source.attributed_slug)
            yield self.link(
                entity.id, organisation, ATTRIBUTED_TO, changed, key=(ATTRIBUTED_TO, entity.id)
            )

    def documentation(self, row):
        entity = self.make(
            "Documentation", records.citation_id(row), last_change(row["updated_at"])
        )
        entity.add("document", record_id("source", row["source_slug"]))
        entity.add("entity", record_id(row["owner_kind"], row["owner_slug"]))
        entity.add("role", QUOTED)
        entity.add("description", row["quote"])
        entity.add("summary", row["translation"] or None)
        return entity


def _shared(start, end):
    """What two ISO dates share, to the month or the year; None if nothing."""
    if not start or not end:
        return start or end
    for length in (7, 4):
        if start[:length] == end[:length]:
            return start[:length]
    return None


def _file_name(source):
    tail = source.url.rstrip("/").rsplit("/", 1)[-1] if source.url else ""
    return tail or source.slug
