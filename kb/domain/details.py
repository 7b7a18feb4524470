"""What each record's page shows: one read plan per type, published ends only.

Each plan loads everything its page shows in a fixed number of queries,
whatever the number of rows: related records through their published ends
(kb/models/visibility.py), and each fact's citations.
"""

from django.db.models import Prefetch

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
    participations = (
        Participation.objects.filter(shown("person", "post"), public("event"))
        .select_related("event", "person", "post")
        .prefetch_related(
            Prefetch("event__participations", queryset=everyone),
            published_citations(),
        )
    )
    parties = AgreementParty.objects.filter(public("agreement"))
    agreement_parties = parties.select_related("agreement").prefetch_related(
        Prefetch(
            "agreement__parties",
            queryset=parties.filter(public("organisation")).select_related("organisation"),
        ),
        published_citations(),
    )
    return queryset.select_related("parent").prefetch_related(
        Prefetch("children", queryset=Organisation.objects.published()),
        Prefetch("posts", queryset=posts),
        Prefetch("memberships", queryset=members),
        Prefetch("participations", queryset=participations),
        Prefetch("organised_events", queryset=Event.objects.published()),
        Prefetch("agreement_parties", queryset=agreement_parties),
        Prefetch("attributed_sources", queryset=Source.objects.published()),
        published_citations(),
    )


def person(queryset):
    """Memberships and events taken part in, each with its citations."""
    memberships = (
        Membership.objects.filter(shown("organisation", "post"))
        .select_related("organisation", "post")
        .prefetch_related(published_citations())
    )
    participations = (
        Participation.objects.filter(shown("organisation", "post"), public("event"))
        .select_related("event", "organisation", "post")
        .prefetch_related(
            # Whom each meeting was with: the page groups them by their region.
            Prefetch("event__participations", queryset=published_participants()),
            published_citations(),
        )
    )
    return queryset.prefetch_related(
        Prefetch("memberships", queryset=memberships),
        Prefetch("participations", queryset=participations),
        published_citations(),
    )


def topic(queryset):
    """The published events (with their participants, grouped by region) and agreements
    it tags."""
    events = Event.objects.published().prefetch_related(
        Prefetch("participations", queryset=published_participants())
    )
    return queryset.prefetch_related(
        Prefetch("events", queryset=events),
        Prefetch("agreements", queryset=Agreement.objects.published()),
        published_citations(),
    )


def event(queryset):
    """Participants with citations, parts with their participants (grouped by their
    counterparts' region), agreements signed there with their parties, topics."""
    participants = published_participants()
    parts = Event.objects.published().prefetch_related(
        Prefetch("participations", queryset=participants)
    )
    agreements = Agreement.objects.published().prefetch_related(
        Prefetch("parties", queryset=published_parties())
    )
    return queryset.select_related("parent", "organiser").prefetch_related(
        Prefetch("participations", queryset=participants.prefetch_related(published_citations())),
        Prefetch("children", queryset=parts),
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
