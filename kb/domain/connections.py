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

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, In

from ..db import counts
from ..db.planning import Unindexed
from ..lib import regions
from ..lib.windows import format_window
from ..models import Organisation, Participation, Person, Post
from ..models.citations import published_citations
from ..models.events import published_participants
from ..models.visibility import public, shown

HOST = Participation.Role.HOST.value
# Joins several hosts' names (and countries...) in one cell.
SEPARATOR = "; "
# Joins a participant's person, post and organisation: "President of INTERPOL — INTERPOL".
PARTS = " — "
# Where connections() puts each participation's published citations.
QUOTES = "published_citations"


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


class ConnectionQuerySet(QuerySet):
    """The rows connections() returns: paged as any queryset, counted by a cheaper query.

    The rows' query joins what a row shows (the event, the participant) to
    walk the events in date order; their number needs none of it.
    `cached_count()` (what kb.domain.paging's paginator asks) counts
    `counted`, which connections() sets on the queryset it returns; a
    queryset derived from it (filtered, sliced) counts itself.
    """

    counted = None

    def cached_count(self, version=None, key=None):
        counted = self if self.counted is None else self.counted
        return counts.cached_count(counted, version, key)


class JoinedPk(F):
    """The primary key of the row a foreign key joins, read from the joined table.

    Django reads `event__pk` from the participation's own `event_id`, so a
    condition on it is checked on each participation: SQLite then reads the
    participations of every event it walks past. On the joined event's own
    column it is checked once per event, as the page's plan walks the events
    in date order (kb_event_pub_start), before any participation is read.
    """

    def resolve_expression(self, *args, **kwargs):
        # Any other column of the joined table brings the join; its alias then names the key.
        joined = F(f"{self.name}__slug").resolve_expression(*args, **kwargs)
        return Col(joined.alias, joined.target.model._meta.pk)


def connections(events, start_bounds=None):
    """The counterpart participations of `events` (a queryset), in a stable order.

    `start_bounds`: a condition on the participation's event (`event__start_date`)
    that `events` implies, the range of their start dates: the page's walk of the
    events in date order then starts at its lower end rather than at the first event
    ever (on PostgreSQL, which did not carry the scope's dates over to the walk:
    events from 2010 on read 19,308 earlier events first at scale 100, 59 ms).

    Ordered by the event's start date (undated last on every database), its
    slug, then the participation; each row carries its event, participant,
    the event's published hosts (`event.hosts`) and its published citations,
    so `rows()` reads no more. Slice or page it, then pass the slice to rows().

    A page reads events in that order through kb_event_pub_start (status,
    start date, slug), each event's participations through their event
    index, and stops once it has its rows: the scope is checked on the
    event (JoinedPk), the published status repeated on it so the index's
    first column is fixed. The count (`cached_count()`) is another query,
    count_connections(), with none of the page's joins.
    """
    # The role unindexed: in the order of their keys, SQLite otherwise read every host
    # through the role's index (whose rows are in that order) to find the page's
    # events' few, rather than each event's through its own and sorting them: 43 ms
    # of the connections page's 68 at scale 100, against 0.1.
    hosts = Prefetch(
        "event__participations",
        queryset=published_participants().filter(Exact(Unindexed(F("role")), HOST)).order_by("pk"),
        to_attr="hosts",
    )
    # Into a list, not the related manager's cache: Django would build a queryset per row.
    citations = published_citations()
    quotes = Prefetch(citations.prefetch_through, queryset=citations.queryset, to_attr=QUOTES)
    participations = (
        ConnectionQuerySet(Participation)
        .filter(
            shown("organisation", "person", "post"),
            public("event"),
            # With the tables' statistics (ANALYZE), SQLite otherwise reads the page's
            # events by key from the scope's list, all their participations, and sorts
            # them all: hundreds of times slower than walking the events in date order.
            In(Unindexed(JoinedPk("event")), events.order_by().values("pk")),
            start_bounds or Q(),
        )
        .exclude(role=HOST)
        .select_related("event", "organisation", "person", "post")
        .prefetch_related(hosts, quotes)
        .order_by(F("event__start_date").asc(nulls_last=True), "event__slug", "pk")
    )
    participations.counted = count_connections(events)
    return participations


def count_connections(events):
    """The participations connections(events) gives, as a queryset to count: no join.

    The events by key, the participants' publication through the keys of
    the unpublished ones (a short list, read once) rather than three tables'
    rows per participation: every column it reads is in participation_event_cover
    (event, role, organisation, post, person), so the count reads that index alone.
    """
    counted = Participation.objects.filter(event__in=events.filter(public())).exclude(role=HOST)
    for name, model in (("organisation", Organisation), ("person", Person), ("post", Post)):
        # NOT IN on a nullable key: Django adds "IS NOT NULL", so no participant is no match.
        counted = counted.exclude(**{f"{name}__in": model.objects.exclude(public())})
    return counted.order_by()


def rows(participations):
    """Connection rows, in the active language, from participations as connections() loads them."""
    roles = dict(Participation.Role.choices)
    # An event's rows share its reference and its host side: worded once per event.
    events = {}
    return [_row(p, roles, events) for p in participations]


def _event_sides(event, roles):
    hosts = tuple(participant(h) for h in event.hosts)
    reference = EventRef(
        slug=event.slug,
        name=event.name,
        start_date=event.start_date,
        end_date=event.end_date,
        date_precision=event.date_precision,
        dates=format_window(event.start_date, event.end_date, event.date_precision),
    )
    return reference, Side(hosts, HOST if hosts else "", str(roles[HOST]) if hosts else "")


def _row(participation, roles, events):
    event = participation.event
    if event.pk not in events:
        events[event.pk] = _event_sides(event, roles)
    reference, host = events[event.pk]
    return Connection(
        id=participation.pk,
        event=reference,
        host=host,
        counterpart=Side(
            (participant(participation),),
            participation.role,
            str(roles.get(participation.role, participation.role)),
        ),
        quotes=tuple(
            Quote(Ref(c.source.slug, c.source.title), c.source.language, c.quote)
            for c in getattr(participation, QUOTES)
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


# --- Flat rows: a value per column, for a spreadsheet -------------------------------------
# The API's CSV (kb/api/connections.py) and the bulk files' connections table
# (kb/exports/bulk/) share these columns.

# Several quotes in one cell: a blank line between them, as between paragraphs.
QUOTE_SEPARATOR = "\n\n"


def _slugs(side, name):
    return SEPARATOR.join(
        dict.fromkeys(ref.slug for p in side.participants if (ref := getattr(p, name)))
    )


def _side_columns(prefix, side_of):
    return [
        (prefix, lambda c: side_of(c).name),
        *(
            (f"{prefix}_{name}", lambda c, name=name: _slugs(side_of(c), name))
            for name in ("organisation", "person", "post")
        ),
        *(
            (f"{prefix}_{name}", lambda c, name=name: getattr(side_of(c), name))
            for name in ("country", "country_name", "region", "region_name", "role", "role_name")
        ),
    ]


# (header, how to read it from a Connection), in column order.
FLAT_COLUMNS = [
    ("event", lambda c: c.event.slug),
    ("event_name", lambda c: c.event.name),
    ("start_date", lambda c: c.event.start_date.isoformat() if c.event.start_date else ""),
    ("end_date", lambda c: c.event.end_date.isoformat() if c.event.end_date else ""),
    ("date_precision", lambda c: c.event.date_precision),
    ("dates", lambda c: c.event.dates),
    *_side_columns("host", lambda c: c.host),
    *_side_columns("counterpart", lambda c: c.counterpart),
    ("sources", lambda c: SEPARATOR.join(s.name for s in c.sources)),
    ("source_slugs", lambda c: SEPARATOR.join(s.slug for s in c.sources)),
    ("quotes", lambda c: QUOTE_SEPARATOR.join(q.quote for q in c.quotes)),
]


def flat(connection):
    """A Connection as {column: text}, in FLAT_COLUMNS' order."""
    return {name: read(connection) for name, read in FLAT_COLUMNS}
