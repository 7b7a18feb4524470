"""Who met whom: one row per counterpart participation, paired with the event's host.

The flat, spreadsheet-friendly reading of the events: the connections page,
/api/v1/connections/ and its CSV all read `connections()` (the rows, in a
stable order, with what a row needs prefetched) and `rows()` (each
participation as a Connection, names in the active language). A page of any
size costs the same queries: the page, the events' hosts, the quotes.

A row exists for every participation whose role is not host, in a published
event, whose participant (organisation, person, post) is published; its
host is the event's published host participations, several joined with
"; ". Its quotes are the participation's own citations from published
sources: the words that say this participant was there.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Prefetch

from ..lib import regions
from ..lib.windows import format_window
from ..models import Participation
from ..models.citations import published_citations
from ..models.events import published_participants
from ..models.visibility import shown

HOST = Participation.Role.HOST.value
# Joins several hosts' names (and countries...) in one cell.
SEPARATOR = "; "
# Joins a participant's person, post and organisation: "President of INTERPOL — INTERPOL".
PARTS = " — "


@dataclass(frozen=True)
class Ref:
    """A record a row links to: its slug and its name in the active language."""

    slug: str
    name: str


@dataclass(frozen=True)
class Participant:
    """One participation's participant: whichever of person, post and organisation it names."""

    name: str
    person: Ref | None
    post: Ref | None
    organisation: Ref | None
    country: str  # alpha-2, or "" (international bodies)
    country_name: str
    region: str  # a kb.lib.regions slug, or ""
    region_name: str


@dataclass(frozen=True)
class Side:
    """The host or the counterpart side of a row.

    A counterpart is one participant; an event may have several hosts (or
    none), whose names, countries and regions are then joined with "; ".
    """

    participants: tuple[Participant, ...]
    role: str  # Participation.Role value; "" for a side without participants
    role_name: str

    def _joined(self, attribute):
        values = (getattr(p, attribute) for p in self.participants)
        return SEPARATOR.join(dict.fromkeys(v for v in values if v))

    @property
    def name(self):
        return SEPARATOR.join(p.name for p in self.participants)

    @property
    def country(self):
        return self._joined("country")

    @property
    def country_name(self):
        return self._joined("country_name")

    @property
    def region(self):
        return self._joined("region")

    @property
    def region_name(self):
        return self._joined("region_name")


@dataclass(frozen=True)
class EventRef:
    slug: str
    name: str
    start_date: date | None
    end_date: date | None
    date_precision: str
    dates: str  # the window in words, as the site writes it


@dataclass(frozen=True)
class Quote:
    """One citation behind a participation: the source and its exact words."""

    source: Ref  # the source's slug and title
    language: str  # the source's language, for the quote's `lang`
    quote: str


@dataclass(frozen=True)
class Connection:
    id: int  # the counterpart participation's id: the rows' last sort key
    event: EventRef
    host: Side
    counterpart: Side
    quotes: tuple[Quote, ...]

    @property
    def sources(self):
        """The distinct sources of the quotes, in order."""
        return list(dict.fromkeys(q.source for q in self.quotes))


def connections(events):
    """The counterpart participations of `events` (a queryset), in a stable order.

    Ordered by the event's start date (undated last on every database), its
    slug, then the participation; each row carries its event, participant,
    the event's published hosts (`event.hosts`) and its published citations,
    so `rows()` reads no more. Slice or page it, then pass the slice to rows().
    """
    hosts = Prefetch(
        "event__participations",
        queryset=published_participants().filter(role=HOST).order_by("pk"),
        to_attr="hosts",
    )
    return (
        Participation.objects.filter(shown("organisation", "person", "post"), event__in=events)
        .exclude(role=HOST)
        .select_related("event", "organisation", "person", "post")
        .prefetch_related(hosts, published_citations())
        .order_by(F("event__start_date").asc(nulls_last=True), "event__slug", "pk")
    )


def rows(participations):
    """Connection rows, in the active language, from participations as connections() loads them."""
    roles = dict(Participation.Role.choices)
    return [_row(p, roles) for p in participations]


def _row(participation, roles):
    event = participation.event
    hosts = tuple(participant(h) for h in event.hosts)
    return Connection(
        id=participation.pk,
        event=EventRef(
            slug=event.slug,
            name=event.name,
            start_date=event.start_date,
            end_date=event.end_date,
            date_precision=event.date_precision,
            dates=format_window(event.start_date, event.end_date, event.date_precision),
        ),
        host=Side(hosts, HOST if hosts else "", str(roles[HOST]) if hosts else ""),
        counterpart=Side(
            (participant(participation),),
            participation.role,
            str(roles.get(participation.role, participation.role)),
        ),
        quotes=tuple(
            Quote(Ref(c.source.slug, c.source.title), c.source.language, c.quote)
            for c in participation.citations.all()
        ),
    )


def participant(participation):
    """Who a participation names, with the country of its organisation (else of its person)."""
    organisation, person, post = (
        participation.organisation,
        participation.person,
        participation.post,
    )
    refs = {
        "person": Ref(person.slug, person.name) if person else None,
        "post": Ref(post.slug, post.name) if post else None,
        "organisation": Ref(organisation.slug, organisation.name) if organisation else None,
    }
    names = [ref.name for ref in refs.values() if ref is not None]
    holder = organisation or person
    country = holder.country if holder else None
    code = country.code if country else ""
    region = regions.region_for(code) or ""
    return Participant(
        name=PARTS.join(dict.fromkeys(names)),
        country=code,
        country_name=str(country.name) if code else "",
        region=region,
        region_name=str(regions.REGION_NAMES[region]) if region else "",
        **refs,
    )
