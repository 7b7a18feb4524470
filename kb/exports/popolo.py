"""The published people, organisations, posts, memberships and events as one Popolo JSON
document, written piece by piece.

The document is `{"meta": {...}, "persons": [...], "organizations": [...],
"posts": [...], "memberships": [...], "events": [...]}`; each object follows
its Popolo class (popoloproject.com/specs; the tests validate them against
the project's JSON schemas). Objects refer to each other by id, the same
stable ids as the FollowTheMoney export (`entente-person-<slug>`).

Where Popolo has no property for a fact, the object carries it under a name
flagged with "+" (Popolo's advice for non-specification properties):
`+country` (ISO 3166-1 code), `+participants` of an event (organisation,
person, post and role: Popolo's `attendees` are people only), and a post's
`+identifiers`. `meta` states the licence in Dublin Core terms (`license`,
`rights`), as Popolo's "Adding metadata" appendix recommends. Names are in
the active language; the other language's are `other_names`.
"""

import functools

import orjson
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ..lib import dataset
from ..models import Event, Membership, Organisation, Person, Post
from . import records
from .records import changed_at, iso, last_change, record_id

MEDIA_TYPE = "application/json"
FILE_NAME = "entente.popolo.json"

# In the order the document lists them: the key, the model, its read, the writer's method.
COLLECTIONS = (
    ("persons", Person, records.people, "person"),
    ("organizations", Organisation, records.organisations, "organization"),
    ("posts", Post, records.posts, "post"),
    ("memberships", Membership, records.memberships, "membership"),
    ("events", Event, functools.partial(records.events, topics=False), "event"),
)

NAME_NOTES = {"en": _("English name"), "fr": _("French name")}
ALIAS_NOTE = _("alias")
ACRONYM_NOTE = _("acronym")
WEBSITE_NOTE = _("website")
PAGE_NOTE = _("Entente page")


def chunks(scope=None, base_url=None):
    """The scope's Popolo document (every published record by default) as bytes, a batch of
    objects at a time: the pieces joined are one JSON document.

    `base_url` (the site's root) adds each object's public page to its `links`,
    and the sources' pages where their own address is unknown.
    """
    scope = records.scope_or_everything(scope)
    writer = _Writer(scope, base_url)
    yield b'{"meta":' + orjson.dumps(meta(base_url))
    for key, model, read, method in COLLECTIONS:
        yield b',"' + key.encode() + b'":['
        first = True
        build = getattr(writer, method)
        for batch in scope.batches(model, read):
            quotes = records.quotes_of(model, [row.pk for row in batch])
            body = b",".join(orjson.dumps(build(row, quotes.get(row.pk, ()))) for row in batch)
            yield body if first else b"," + body
            first = False
        yield b"]"
    yield b"}"


def meta(base_url=None):
    """The document's metadata, in Dublin Core terms: what it is and its licence."""
    data = {
        "title": dataset.TITLE,
        "description": str(dataset.DESCRIPTION),
        "license": dataset.LICENCE_URL,
        "rights": f"{dataset.LICENCE_NAME} ({dataset.LICENCE_ID})",
    }
    if base_url:
        data["source"] = base_url.rstrip("/") + "/"
    return data


class _Writer:
    def __init__(self, scope, base_url):
        self.scope = scope
        self.base_url = base_url.rstrip("/") if base_url else None

    # --- What every object shares ------------------------------------------------------

    def common(self, data, record, quotes, changed, *, page=True):
        links = data.setdefault("links", [])
        if page and self.base_url:
            links.append({"url": self.base_url + record.get_absolute_url(), "note": str(PAGE_NOTE)})
        if not links:
            del data["links"]
        sources = [self.source(slug, url, quote) for slug, url, quote in quotes]
        sources = [s for s in sources if s is not None]
        if sources:
            data["sources"] = sources
        data["created_at"] = last_change(record.created_at)
        data["updated_at"] = changed
        return data

    def source(self, slug, url, quote):
        """A citation as a Popolo link: the document's address (else its page here), the quote
        as its note; None when neither address is known."""
        if not url and self.base_url:
            url = self.base_url + reverse("kb:source-detail", kwargs={"slug": slug})
        return {"url": url, "note": quote} if url else None

    @staticmethod
    def identifiers(record):
        return [{"scheme": i.scheme, "identifier": i.value} for i in record.identifiers.all()]

    @staticmethod
    def other_names(record, field="name"):
        """The other language's name, then the aliases and the acronym, each with a note."""
        name = getattr(record, field)
        names = []
        for language, note in NAME_NOTES.items():
            other = getattr(record, f"{field}_{language}", "")
            if other and other != name:
                names.append({"name": other, "note": str(note)})
        for alias in getattr(record, "aliases", []):
            names.append({"name": alias, "note": str(ALIAS_NOTE)})
        acronym = getattr(record, "acronym", "")
        if acronym:
            names.append({"name": acronym, "note": str(ACRONYM_NOTE)})
        return names

    @staticmethod
    def optional(data, **values):
        """Set the values that are not empty: Popolo leaves unknown facts out."""
        data.update({key: value for key, value in values.items() if value not in (None, "", [])})
        return data

    # --- One writer per collection -----------------------------------------------------

    def person(self, person, quotes):
        data = {"id": record_id("person", person.slug), "name": person.name}
        self.optional(
            data,
            other_names=self.other_names(person),
            identifiers=self.identifiers(person),
            biography=person.description,
        )
        self.optional(data, **{"+country": person.country.code})
        changed = changed_at(person, person.identifiers.all())
        return self.common(data, person, quotes, changed)

    def organization(self, org, quotes):
        data = {"id": record_id("organisation", org.slug), "name": org.name}
        parent = None
        if org.parent_shown and self.scope.includes(Organisation, org.parent_id):
            parent = record_id("organisation", org.parent_slug)
        self.optional(
            data,
            other_names=self.other_names(org),
            identifiers=self.identifiers(org),
            classification=org.get_kind_display(),
            parent_id=parent,
            description=org.description,
        )
        self.optional(data, **{"+country": org.country.code})
        if org.website:
            data["links"] = [{"url": org.website, "note": str(WEBSITE_NOTE)}]
        changed = changed_at(org, org.identifiers.all())
        return self.common(data, org, quotes, changed)

    def post(self, post, quotes):
        data = {
            "id": record_id("post", post.slug),
            "label": post.name,
            "organization_id": record_id("organisation", post.organisation.slug),
        }
        others = [n["name"] for n in self.other_names(post)]
        self.optional(data, other_label=others, **{"+identifiers": self.identifiers(post)})
        changed = changed_at(post, post.identifiers.all())
        return self.common(data, post, quotes, changed)

    def membership(self, membership, quotes):
        data = {
            "id": records.membership_id(membership),
            "person_id": record_id("person", membership.person.slug),
            "organization_id": record_id("organisation", membership.organisation.slug),
        }
        self.optional(
            data,
            post_id=record_id("post", membership.post.slug) if membership.post_id else None,
            label=membership.post.name if membership.post_id else None,
            start_date=iso(membership.start_date),
            end_date=iso(membership.end_date),
        )
        return self.common(data, membership, quotes, last_change(membership.updated_at), page=False)

    def event(self, event, quotes):
        participations = list(event.participations.all())
        start, end = records.stated_dates(event.start_date, event.end_date, event.date_precision)
        place = ", ".join(p for p in (event.city, event.country.name if event.country else "") if p)
        attendees = {}
        participants = []
        for participation in participations:
            person = participation.person
            if person is not None:
                attendees.setdefault(
                    person.pk, {"id": record_id("person", person.slug), "name": person.name}
                )
            participant = {"role": participation.role}
            for name, kind in (
                ("organization", "organisation"),
                ("person", "person"),
                ("post", "post"),
            ):
                related = getattr(participation, kind)
                if related is not None:
                    participant[f"{name}_id"] = record_id(kind, related.slug)
            participants.append(participant)
        data = {"id": record_id("event", event.slug), "name": event.name}
        self.optional(
            data,
            description=event.description,
            start_date=start,
            end_date=end,
            location=place,
            classification=event.get_kind_display(),
            organization_id=(
                record_id("organisation", event.organiser_slug)
                if event.organiser_shown and self.scope.includes(Organisation, event.organiser_id)
                else None
            ),
            identifiers=self.identifiers(event),
            attendees=list(attendees.values()),
            parent_id=(
                record_id("event", event.parent_slug)
                if event.parent_shown and self.scope.includes(Event, event.parent_id)
                else None
            ),
        )
        self.optional(data, **{"+participants": participants})
        changed = changed_at(event, event.identifiers.all(), participations)
        return self.common(data, event, quotes, changed)
