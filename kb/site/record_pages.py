"""What each record's page shows, arranged for reading.

A page shows each quote once, numbered, with what it supports
(kb/domain/quotes.py), and its facts link to them; long related lists come
grouped and, past 25 items, collapsed (kb/domain/grouping.py); and the page
lists its sections under "On this page". Everything is arranged from what the
type's read plan (kb/domain/details.py) loaded: no query.

`context(record)` gives the template's variables. The sections are listed in
the order the template shows them, each under the id of its <section>.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ..domain.details import shown_rows
from ..domain.grouping import arrange, by_kind, counterpart_region
from ..domain.quotes import PageQuotes, participation_kind
from ..models import Agreement, Event, Organisation, Participation, Person, Topic


@dataclass
class Section:
    """A link of the page's "On this page" list: the section's id, its name, its count."""

    id: str
    label: str
    count: int | None = None


# Last on every page: its quotes, and how to cite it.
def _closing(quotes):
    return [
        Section("sources", _("Sources"), len(quotes) or None),
        Section("cite", _("Cite this record")),
    ]


def _outline(*sections):
    """The sections that have something to show (a count of None always has)."""
    return [s for s in sections if s.count is None or s.count]


def _event_entries(participations, quotes):
    """One entry per event, in the participations' order: the event, the record's
    participations in it, and their citations, each once. INTERPOL met the host once,
    through three of its posts; a person may take part through each post held. The
    page's quotes learn each participation's citations."""
    entries = {}
    for participation in participations:
        event = participation.event
        entry = entries.setdefault(
            event.pk, {"event": event, "participations": [], "citations": {}}
        )
        entry["participations"].append(participation)
        for citation in participation.citations.all():
            entry["citations"].setdefault((citation.source_id, citation.quote), citation)
        quotes.add(participation.citations.all(), participation_kind(event), event.pk)
    for entry in entries.values():
        entry["citations"] = list(entry["citations"].values())
    return list(entries.values())


def organisation(record):
    quotes = PageQuotes(record).add_record(record)
    posts = list(record.posts.all())
    for post in posts:
        quotes.add(post.citations.all(), "post", post.pk)
        for membership in post.memberships.all():
            quotes.add(membership.citations.all(), "holder", membership.pk)
    members = list(record.memberships.all())
    for membership in members:
        quotes.add(membership.citations.all(), "member", membership.pk)

    entries = _event_entries(shown_rows(record, "participations"), quotes)

    def ours(participation):
        return participation.organisation_id == record.pk

    events = arrange(
        entries,
        lambda entry: counterpart_region(entry["event"], ours),
        lambda entry: by_kind(entry["event"]),
        total=record.events_total,
    )
    parties = shown_rows(record, "agreement_parties")
    for party in parties:
        quotes.add(party.citations.all(), "agreement", party.agreement_id)
    agreements = arrange(
        parties, lambda party: by_kind(party.agreement), total=record.agreements_total
    )
    organised = arrange(record.organised_events.all(), by_kind)
    attributed = list(record.attributed_sources.all())
    return {
        "quotes": quotes,
        "events": events,
        "agreements": agreements,
        "organised": organised,
        "outline": _outline(
            Section("posts", _("Posts"), len(posts)),
            Section("members", _("Members"), len(members)),
            Section("events", _("Events"), events.total),
            Section("organised", _("Events it organised"), len(organised)),
            Section("agreements", _("Agreements"), agreements.total),
            Section("attributed", _("Sources that attribute their facts to it"), len(attributed)),
            *_closing(quotes),
        ),
    }


def person(record):
    quotes = PageQuotes(record).add_record(record)
    memberships = list(record.memberships.all())
    for membership in memberships:
        quotes.add(membership.citations.all(), "held", membership.pk)
    entries = _event_entries(shown_rows(record, "participations"), quotes)

    def ours(participation):
        return participation.person_id == record.pk

    events = arrange(
        entries,
        lambda entry: counterpart_region(entry["event"], ours),
        lambda entry: by_kind(entry["event"]),
        total=record.events_total,
    )
    return {
        "quotes": quotes,
        "events": events,
        "outline": _outline(
            Section("posts", _("Posts and memberships"), len(memberships)),
            Section("events", _("Events"), events.total),
            *_closing(quotes),
        ),
    }


def event(record):
    quotes = PageQuotes(record).add_record(record)
    participations = list(record.participations.all())
    for participation in participations:
        quotes.add(participation.citations.all(), "participant", participation.pk)
    # In the order roles are declared (host first), not alphabetically.
    roles = [
        (label, rows)
        for role, label in Participation.Role.choices
        if (rows := [p for p in participations if p.role == role])
    ]
    agreements = arrange(record.agreements.all(), by_kind)
    parts = arrange(
        shown_rows(record, "children"),
        by_kind,
        lambda part: counterpart_region(part),
        total=record.parts_total,
    )
    return {
        "quotes": quotes,
        "roles": roles,
        "agreements": agreements,
        "parts": parts,
        "outline": _outline(
            Section("participants", _("Participants"), len(participations)),
            Section("agreements", _("Agreements signed there"), len(agreements)),
            Section("parts", _("Events within this one"), parts.total),
            *_closing(quotes),
        ),
    }


def agreement(record):
    quotes = PageQuotes(record).add_record(record)
    parties = list(record.parties.all())
    for party in parties:
        quotes.add(party.citations.all(), "party", party.pk)
    return {
        "quotes": quotes,
        "outline": _outline(
            Section("parties", _("Parties"), len(parties)),
            *_closing(quotes),
        ),
    }


def topic(record):
    quotes = PageQuotes(record).add_record(record)
    events = arrange(
        shown_rows(record, "events"),
        by_kind,
        lambda e: counterpart_region(e),
        total=record.events_total,
    )
    agreements = arrange(shown_rows(record, "agreements"), by_kind, total=record.agreements_total)
    return {
        "quotes": quotes,
        "events": events,
        "agreements": agreements,
        "outline": [
            # Both always shown, saying so when empty.
            Section("events", _("Events"), events.total),
            Section("agreements", _("Agreements"), agreements.total),
            *_closing(quotes),
        ],
    }


PAGES = {
    Organisation: organisation,
    Person: person,
    Event: event,
    Agreement: agreement,
    Topic: topic,
}


def context(record):
    """The page's arranged parts; nothing for a type arranged elsewhere (the source's page)."""
    arranged = PAGES.get(type(record))
    return arranged(record) if arranged else {}
