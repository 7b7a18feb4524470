"""What each record's page shows: one read plan per type, published ends only.

Each plan loads everything its page shows in a fixed number of queries,
whatever the number of rows: related records through their published ends
(kb/models/visibility.py), and each fact's citations.

A relation that grows with the data (an organisation's events, a topic's)
is read up to SHOWN_MAX rows, the latest (`latest()`), and counted in full
on the record (`total()`): the page shows those and links to the list that
has them all. Read whole, the busiest organisation of the benchmark's data
(41,801 events) took 133 s and 80 MB of HTML.
"""

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, DenseRank

from ..models import (
    Agreement,
    AgreementParty,
    Event,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Source,
    Topic,
)
from ..models.citations import published_citations as _published_citations
from ..models.events import published_participants, published_parties, published_topics
from ..models.visibility import public, shown

SHOWN_MAX = 100  # rows of one relation a page shows; above every list of the article's


def _last_first(queryset):
    """The queryset in its order reversed (its own, else its model's)."""
    order = queryset.query.order_by or queryset.model._meta.ordering
    return queryset.order_by(*(name[1:] if name[0] == "-" else f"-{name}" for name in order))


def latest(relation, queryset):
    """A Prefetch of the last SHOWN_MAX rows of `relation` in `queryset`'s order, last
    first, as `latest_<relation>`; shown_rows() gives them in that order again, all of them
    when there are no more. (A sliced prefetch needs its own attribute: Django filters
    the relation's queryset to store it in the relation's cache.)"""
    sliced = _last_first(queryset)[:SHOWN_MAX]
    return Prefetch(relation, queryset=sliced, to_attr=f"latest_{relation}")


def latest_per(relation, queryset, owner, per):
    """As latest(), but SHOWN_MAX counts the `per` the rows lead to (the events), not the
    rows: every row of the last SHOWN_MAX events, however many reach each one.

    An organisation takes part in one meeting through several of its posts
    (INTERPOL met the host through three), a person through each post held:
    the last 100 rows could name 34 events. The rows are ranked with
    DENSE_RANK over `per`'s own order reversed (its Meta ordering, then its
    key), within each `owner` (the relation's foreign key to the record), so
    that the rows of one event share a rank.
    """
    target = queryset.model._meta.get_field(per).related_model
    keys = [*target._meta.ordering, "pk"]
    latest_first = [
        F(f"{per}__{key[1:]}").asc() if key.startswith("-") else F(f"{per}__{key}").desc()
        for key in keys
    ]
    rank = Window(DenseRank(), partition_by=F(owner), order_by=latest_first)
    ranked = _last_first(queryset).annotate(shown_rank=rank).filter(shown_rank__lte=SHOWN_MAX)
    return Prefetch(relation, queryset=ranked, to_attr=f"latest_{relation}")


def shown_rows(record, relation):
    """The rows of `relation` the page shows, in their order: the latest() a plan read,
    or all of them when it read the whole relation (or the record came another way)."""
    read = getattr(record, f"latest_{relation}", None)
    return list(reversed(read)) if read is not None else list(getattr(record, relation).all())


def total(queryset, to_record, counted="pk"):
    """How many distinct `counted` the rows of `queryset` that point at the record through
    `to_record` have: an annotation of the record, read with it."""
    counts = (
        queryset.filter(**{to_record: OuterRef("pk")})
        .order_by()
        .values(to_record)
        .annotate(n=Count(counted, distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def published_citations():
    """Each fact's published citations, with whom their source attributes its facts to.

    Every quote on a page says whose words it reports ("According to the DGSN's
    communiqué, as reported by ..."): joined here, not read per source. The
    source's stored text stays unread: a page shows quotes, not the text.
    """
    prefetch = _published_citations()
    queryset = prefetch.queryset.select_related("source__attributed_to").defer("source__text")
    return Prefetch(prefetch.prefetch_through, queryset=queryset)


def organisation(queryset):
    """Parts, posts and holders, members, events with the other participants,
    agreements with their parties, and each fact's citations."""
    holders = Membership.objects.filter(public("person")).select_related("person")
    cited_holders = holders.prefetch_related(published_citations())
    posts = Post.objects.published().prefetch_related(
        Prefetch("memberships", queryset=cited_holders), published_citations()
    )
    members = holders.filter(post__isnull=True).prefetch_related(published_citations())
    everyone = published_participants()
    taken_part = Participation.objects.filter(shown("person", "post"), public("event"))
    participations = taken_part.select_related("event", "person", "post").prefetch_related(
        Prefetch("event__participations", queryset=everyone),
        published_citations(),
    )
    parties = AgreementParty.objects.filter(public("agreement"))
    agreement_parties = parties.select_related("agreement").prefetch_related(
        Prefetch(
            "agreement__parties",
            queryset=parties.filter(public("organisation")).select_related("organisation"),
        ),
        published_citations(),
    )
    return (
        queryset.select_related("parent")
        .annotate(
            events_total=total(taken_part, "organisation", "event"),
            agreements_total=total(parties, "organisation"),
        )
        .prefetch_related(
            Prefetch("children", queryset=Organisation.objects.published()),
            Prefetch("posts", queryset=posts),
            Prefetch("memberships", queryset=members),
            latest_per("participations", participations, "organisation", "event"),
            Prefetch("organised_events", queryset=Event.objects.published()),
            latest("agreement_parties", agreement_parties),
            Prefetch("attributed_sources", queryset=Source.objects.published()),
            published_citations(),
        )
    )


def person(queryset):
    """Memberships and events taken part in, each with its citations."""
    memberships = (
        Membership.objects.filter(shown("organisation", "post"))
        .select_related("organisation", "post")
        .prefetch_related(published_citations())
    )
    taken_part = Participation.objects.filter(shown("organisation", "post"), public("event"))
    participations = taken_part.select_related("event", "organisation", "post").prefetch_related(
        # Whom each meeting was with: the page groups them by their region.
        Prefetch("event__participations", queryset=published_participants()),
        published_citations(),
    )
    return queryset.annotate(events_total=total(taken_part, "person", "event")).prefetch_related(
        Prefetch("memberships", queryset=memberships),
        latest_per("participations", participations, "person", "event"),
        published_citations(),
    )


def topic(queryset):
    """The published events (with their participants, grouped by region) and agreements
    it tags."""
    events = Event.objects.published()
    agreements = Agreement.objects.published()
    with_participants = events.prefetch_related(
        Prefetch("participations", queryset=published_participants())
    )
    return queryset.annotate(
        events_total=total(events, "topics"), agreements_total=total(agreements, "topics")
    ).prefetch_related(
        latest("events", with_participants),
        latest("agreements", agreements),
        published_citations(),
    )


def event(queryset):
    """Participants with citations, parts with their participants (grouped by their
    counterparts' region), agreements signed there with their parties, topics."""
    participants = published_participants()
    published_parts = Event.objects.published()
    parts = published_parts.prefetch_related(Prefetch("participations", queryset=participants))
    agreements = Agreement.objects.published().prefetch_related(
        Prefetch("parties", queryset=published_parties())
    )
    events = queryset.select_related("parent", "organiser")
    return events.annotate(parts_total=total(published_parts, "parent")).prefetch_related(
        Prefetch("participations", queryset=participants.prefetch_related(published_citations())),
        latest("children", parts),
        Prefetch("agreements", queryset=agreements),
        published_topics(),
        published_citations(),
    )


def agreement(queryset):
    """Parties with their citations, signing event, topics."""
    parties = published_parties().prefetch_related(published_citations())
    return queryset.select_related("signed_at").prefetch_related(
        Prefetch("parties", queryset=parties),
        published_topics(),
        published_citations(),
    )


def source(queryset):
    """The source's own fields; what cites it, and where, comes from coverage.coverage()."""
    return queryset.select_related("attributed_to")


PLANS = {
    Organisation: organisation,
    Person: person,
    Topic: topic,
    Event: event,
    Agreement: agreement,
    Source: source,
}


def for_detail(model):
    """The published records of `model`, with everything their page shows (its
    identifiers in other systems too: the page's JSON-LD gives them as `sameAs`)."""
    return PLANS[model](model.objects.published().with_identifiers())
