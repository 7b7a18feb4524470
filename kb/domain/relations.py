"""What the organisations, people and posts a search found took part in (the search page).

"Took part in", the one rule (`took_part`), which the events list's `person`
filter applies too:

- an organisation or a post: the events whose participations name it;
- a person: the events whose participations name them, or name a post they
  held at the time (a membership whose window overlaps the event's; an
  unknown end is open);
- and for each of them, the agreements signed at those events, and those an
  organisation is a party to.

`related(actors)` reads, for each actor, its posts (a person's), how many events
it took part in and of which kinds, the first few of them, how many agreements
and the first few, in at most five queries however many actors and rows: one
aggregate per count (a conditional count per actor), one query per first-few
list (a LIMITed subquery per actor, all in one IN), and the memberships.
May import: `kb.models`, `kb.lib`.
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q

from ..models import (
    Agreement,
    AgreementParty,
    Event,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
)
from ..models.visibility import public, shown

LISTED = 5  # events and agreements listed per actor; the rest are counted


@dataclass
class Related:
    """One actor and what it took part in: counts, the first few, a person's posts."""

    actor: object
    posts: list = field(default_factory=list)
    event_count: int = 0
    event_kinds: list = field(default_factory=list)  # [(Event.Kind, count)], most first
    events: list = field(default_factory=list)
    agreement_count: int = 0
    agreements: list = field(default_factory=list)

    @property
    def events_filter(self):
        """The event list's filter giving every one of its events, or None (posts)."""
        if isinstance(self.actor, Organisation):
            return {"participant": self.actor.slug}
        if isinstance(self.actor, Person):
            return {"person": self.actor.slug}
        return None

    @property
    def is_empty(self):
        return not (self.posts or self.event_count or self.agreement_count)


def held_posts(**people):
    """Memberships in a published post of the people `people` names (person__in=pks, say),
    with the post."""
    return (
        Membership.objects.filter(post__isnull=False, **people)
        .filter(public("post"), shown("organisation"))
        .select_related("post__organisation")
        .order_by("person_id", "start_date", "pk")
    )


def took_part(actor, memberships=()):
    """The participations of `actor` (an Organisation, Person or Post): a Q on Participation.

    For a person, `memberships` are their held_posts(): a post's participation
    counts while they held it.
    """
    if isinstance(actor, Organisation):
        return Q(organisation=actor.pk)
    if isinstance(actor, Post):
        return Q(post=actor.pk)
    return Q(person=actor.pk) | _through_posts(memberships)


def people_took_part(slugs):
    """The participations of the people `slugs` name, themselves or through their posts:
    a Q on Participation (the events list's `person` filter). Reads their memberships."""
    return Q(person__slug__in=slugs) | _through_posts(held_posts(person__slug__in=slugs))


def _through_posts(memberships):
    """Participations naming a post while one of `memberships` held it (the event's window
    overlaps the membership's; unknown ends are open)."""
    condition = Q(pk__in=[])
    for membership in memberships:
        through = Q(post=membership.post_id)
        if membership.start_date:
            through &= Q(event__end_date__gte=membership.start_date)
        if membership.end_date:
            through &= Q(event__start_date__lte=membership.end_date)
        condition |= through
    return condition


def _events(condition):
    """The events of participations meeting `condition`, as pks (a subquery); the caller
    keeps the published ones. Read from the participations' own indexes: a join to the
    events here made SQLite read every published event first (100 ms at scale 10)."""
    return Participation.objects.filter(condition).values("event")


def _agreements(actor, events):
    """A Q on Agreement: signed at one of `events` that is published, or with the actor (an
    organisation) a party."""
    condition = Q(signed_at__in=events) & public("signed_at", indexed=False)
    if isinstance(actor, Organisation):
        parties = AgreementParty.objects.filter(organisation=actor.pk).values("agreement")
        condition |= Q(pk__in=parties)
    return condition


def _first(queryset, conditions, order):
    """Each condition's first LISTED rows of `queryset` in `order`, in one query: a list per
    condition."""
    firsts = [queryset.filter(c).order_by(*order).values("pk")[:LISTED] for c in conditions]
    flags = {
        f"in_{i}": ExpressionWrapper(Q(pk__in=sub), output_field=BooleanField())
        for i, sub in enumerate(firsts)
    }
    rows = queryset.filter(reduce(or_, (Q(pk__in=sub) for sub in firsts))).annotate(**flags)
    lists = [[] for _ in conditions]
    for row in rows.order_by(*order):
        for i in range(len(conditions)):
            if getattr(row, f"in_{i}"):
                lists[i].append(row)
    return lists


def related(actors):
    """A Related for each of `actors` (published organisations, people and posts), in order."""
    if not actors:
        return []
    found = [Related(actor) for actor in actors]
    people = [r for r in found if isinstance(r.actor, Person)]
    memberships = {}
    if people:
        for membership in held_posts(person__in=[r.actor.pk for r in people]):
            memberships.setdefault(membership.person_id, []).append(membership)
        for r in people:
            r.posts = [m.post for m in memberships.get(r.actor.pk, [])]
    conditions = [took_part(r.actor, memberships.get(r.actor.pk, ())) for r in found]
    # Published, but read from the actors' own rows: "published" holds for most rows, and
    # SQLite, planning without statistics, would start from it (kb/db/planning.py).
    events = Event.objects.filter(public(indexed=False))
    agreements = Agreement.objects.filter(public(indexed=False))

    # How many events each took part in, by kind: one aggregate, a count per actor.
    counts = (
        Participation.objects.filter(reduce(or_, conditions), public("event", indexed=False))
        .values("event__kind")
        .annotate(
            **{
                f"n_{i}": Count("event", distinct=True, filter=condition)
                for i, condition in enumerate(conditions)
            }
        )
        .order_by()
    )
    for row in counts:
        for i, r in enumerate(found):
            if row[f"n_{i}"]:
                r.event_count += row[f"n_{i}"]
                r.event_kinds.append((Event.Kind(row["event__kind"]), row[f"n_{i}"]))
    for r in found:
        r.event_kinds.sort(key=lambda kind: (-kind[1], kind[0].label))

    agreement_conditions = [
        _agreements(r.actor, _events(c)) for r, c in zip(found, conditions, strict=True)
    ]
    totals = agreements.filter(reduce(or_, agreement_conditions)).aggregate(
        **{f"n_{i}": Count("pk", filter=c) for i, c in enumerate(agreement_conditions)}
    )
    for i, r in enumerate(found):
        r.agreement_count = totals[f"n_{i}"] or 0

    with_events = [(r, c) for r, c in zip(found, conditions, strict=True) if r.event_count]
    if with_events:
        lists = _first(
            events,
            [Q(pk__in=_events(c)) for _, c in with_events],
            (F("start_date").asc(nulls_last=True), "slug"),
        )
        for (r, _), events in zip(with_events, lists, strict=True):
            r.events = events
    with_agreements = [
        (r, c) for r, c in zip(found, agreement_conditions, strict=True) if r.agreement_count
    ]
    if with_agreements:
        lists = _first(
            agreements,
            [c for _, c in with_agreements],
            (F("signed_start").asc(nulls_last=True), "slug"),
        )
        for (r, _), agreements in zip(with_agreements, lists, strict=True):
            r.agreements = agreements
    return found
