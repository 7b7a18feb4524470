"""schema.org JSON-LD: one builder per public detail page type, and the downloads' `Dataset`.

Each builder takes a record as its page's read plan loads it
(kb/domain/details.py, identifiers included) and the site's address
(`base_url`: scheme and host, no slash at the end), and returns a dict the
page embeds as `<script type="application/ld+json">`. They read only what the
plan prefetched, so a page runs no query for them; the words (kinds, roles,
countries) and names are in the active language, the page's.

Every `@id` is the address of the record's page in that language, so the
graph of one page links to the nodes its links lead to; `sameAs` gives the
record's identifiers in other systems (kb/lib/identifiers.py) and its own
address elsewhere (an organisation's website, a source's URL). What is shown
follows the pages' rule: a link to a record that is not published is left
out, as the plans already leave out draft participants, parts and parties.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from ..domain.details import shown_rows
from ..lib import dataset as about_dataset
from ..models import (
    Agreement,
    AgreementParty,
    DatePrecision,
    Event,
    Organisation,
    Person,
    Source,
    Topic,
)
from ..models.visibility import is_public

CONTEXT = "https://schema.org"

# Police, security services, ministries and a country's delegation act for a
# state; the other kinds (international bodies, UN bodies) are organisations
# of states, which schema.org has no narrower type for.
ORGANISATION_TYPES = {
    Organisation.Kind.POLICE: "GovernmentOrganization",
    Organisation.Kind.SECURITY_SERVICE: "GovernmentOrganization",
    Organisation.Kind.MINISTRY: "GovernmentOrganization",
    Organisation.Kind.DELEGATION: "GovernmentOrganization",
    Organisation.Kind.ACADEMIC: "EducationalOrganization",
}
# schema.org has no press release or official document: they stay Articles
# and CreativeWorks, with the kind in `genre`.
SOURCE_TYPES = {
    Source.Kind.NEWS_ARTICLE: "NewsArticle",
    Source.Kind.PRESS_RELEASE: "Article",
    Source.Kind.REPORT: "Report",
}


def page_url(base_url, record):
    return base_url + record.get_absolute_url()


def type_of(record):
    """The schema.org type of a record's node (and of every reference to it)."""
    if isinstance(record, Organisation):
        return ORGANISATION_TYPES.get(record.kind, "Organization")
    if isinstance(record, Person):
        return "Person"
    if isinstance(record, Event):
        return "Event"
    if isinstance(record, Agreement):
        # No schema.org type is a contract or a memorandum (Legislation is law):
        # a written work, with its kind in `genre` and its parties as creators.
        return "CreativeWork"
    if isinstance(record, Topic):
        return "DefinedTerm"
    if isinstance(record, Source):
        return SOURCE_TYPES.get(record.kind, "CreativeWork")
    raise TypeError(f"No schema.org type for {type(record).__name__}")


def name_of(record):
    return str(getattr(record, "title", None) or record.name)


def reference(record, base_url):
    """A node pointing at another record's page: enough to read without following it."""
    return {"@type": type_of(record), "@id": page_url(base_url, record), "name": name_of(record)}


def _references(records, base_url):
    """References to records, each once, in the order first met."""
    seen = {}
    for record in records:
        seen.setdefault((type(record), record.pk), record)
    return [reference(record, base_url) for record in seen.values()]


def same_as(record, *elsewhere):
    """The record's identifiers' pages, then its other addresses that are known."""
    return [identifier.url for identifier in record.identifiers.all()] + [
        url for url in elsewhere if url
    ]


def window(start, end):
    """The most precise ISO 8601 date that holds for every day of a date window.

    A `within` window says the event took place on one day of it, and the
    sources do not say which (kb/lib/windows.py words it so). schema.org dates
    are ISO 8601, which writes a date at the precision it knows: a window in one
    month gives that month ("2025-11"), one in a year that year, a window of
    one day that day, and one across years nothing. So 24 to 27 November 2025
    becomes a start and an end in November 2025: true, and never a day the
    sources do not give. The exact window stays on the page, in words.
    """
    start, end = start or end, end or start
    if start is None:
        return None
    if start == end:
        return start.isoformat()
    if (start.year, start.month) == (end.year, end.month):
        return start.isoformat()[:7]
    if start.year == end.year:
        return start.isoformat()[:4]
    return None


def _dates(start, end, precision):
    if precision != DatePrecision.WITHIN:
        start, end = start or end, end or start
        if start is None:
            return {}
        return {"startDate": start.isoformat(), "endDate": end.isoformat()}
    date = window(start, end)
    return {"startDate": date, "endDate": date} if date else {}


def _node(record, base_url, **properties):
    """The page's own node: its type, address and name, then the rest, leaving out
    properties with nothing to say."""
    url = page_url(base_url, record)
    node = {
        "@context": CONTEXT,
        "@type": type_of(record),
        "@id": url,
        "url": url,
        "name": name_of(record),
    }
    node.update(properties)
    return {key: value for key, value in node.items() if value not in (None, "", [], {})}


def _sources(record, base_url):
    """The published sources citing the record, which its page quotes: works about it."""
    return _references((citation.source for citation in record.citations.all()), base_url)


def _country(country):
    return {"@type": "Country", "name": str(country.name), "identifier": country.code}


def _address(country, city=""):
    if not country and not city:
        return None
    address = {"@type": "PostalAddress"}
    if city:
        address["addressLocality"] = city
    if country:
        address["addressCountry"] = country.code  # ISO 3166-1 alpha-2, as schema.org asks
    return address


def _membership_role(membership, property_name, other, base_url):
    """A membership as a schema.org Role: the post's name and the dates qualify the link."""
    role = {"@type": "OrganizationRole", property_name: reference(other, base_url)}
    if membership.post_id:
        role["roleName"] = str(membership.post.name)
    if membership.start_date:
        role["startDate"] = membership.start_date.isoformat()
    if membership.end_date:
        role["endDate"] = membership.end_date.isoformat()
    return role


def organisation(record, base_url):
    """An Organization (or GovernmentOrganization, EducationalOrganization): its parts,
    members and post holders, the events it took part in or organised."""
    members = [
        _membership_role(membership, "member", membership.person, base_url)
        for post in record.posts.all()
        for membership in post.memberships.all()
    ] + [
        _membership_role(membership, "member", membership.person, base_url)
        for membership in record.memberships.all()
    ]
    events = [p.event for p in shown_rows(record, "participations")] + list(
        record.organised_events.all()
    )
    return _node(
        record,
        base_url,
        alternateName=[name for name in (record.acronym, *record.aliases) if name],
        description=record.description,
        address=_address(record.country),
        parentOrganization=(
            reference(record.parent, base_url) if is_public(record.parent) else None
        ),
        subOrganization=_references(record.children.all(), base_url),
        member=members,
        event=_references(events, base_url),
        subjectOf=_sources(record, base_url),
        sameAs=same_as(record, record.website),
    )


def person(record, base_url):
    """A Person: the posts and organisations they belong to, the events they took part in."""
    return _node(
        record,
        base_url,
        alternateName=list(record.aliases),
        description=record.description,
        # A person's country, as schema.org says it of a person: homeLocation and
        # workLocation would say where they live or work, which the data do not record.
        nationality=_country(record.country) if record.country else None,
        memberOf=[
            _membership_role(membership, "memberOf", membership.organisation, base_url)
            for membership in record.memberships.all()
        ],
        performerIn=_references((p.event for p in shown_rows(record, "participations")), base_url),
        subjectOf=_sources(record, base_url),
        sameAs=same_as(record),
    )


def _attendee(participation, base_url):
    """A participation as a schema.org Role: who took part (the person, and the
    organisation they came for, or whose post it is), in which role and which post."""
    names = [str(participation.get_role_display())]
    if participation.post_id:
        names.append(str(participation.post.name))
    who = [
        reference(record, base_url)
        for record in (participation.person, participation.organisation)
        if record is not None
    ]
    return {"@type": "Role", "roleName": names, "attendee": who} if who else None


def event(record, base_url):
    """An Event: its dates (a `within` window never as a day: window()), venue,
    organiser, the event it is part of and its parts, who took part in which role,
    the agreements signed there, its topics."""
    place = None
    address = _address(record.country, record.city)
    if address:
        place = {"@type": "Place", "address": address}
        if record.city:
            place["name"] = record.city
    return _node(
        record,
        base_url,
        description=record.description,
        **_dates(record.start_date, record.end_date, record.date_precision),
        location=place,
        organizer=reference(record.organiser, base_url) if is_public(record.organiser) else None,
        superEvent=reference(record.parent, base_url) if is_public(record.parent) else None,
        subEvent=_references(shown_rows(record, "children"), base_url),
        attendee=[a for p in record.participations.all() if (a := _attendee(p, base_url))],
        recordedIn=_references(record.agreements.all(), base_url),
        about=_references(record.topics.all(), base_url),
        subjectOf=_sources(record, base_url),
        sameAs=same_as(record),
    )


def agreement(record, base_url):
    """A CreativeWork: its kind, legal standing, when and where it was signed, the
    parties (signatories as creators, witnesses and depositaries as contributors),
    its topics."""
    creators, contributors = [], []
    for party in record.parties.all():
        role = {
            "@type": "Role",
            "roleName": str(party.get_role_display()),
        }
        if party.role == AgreementParty.Role.SIGNATORY:
            role["creator"] = reference(party.organisation, base_url)
            creators.append(role)
        else:
            role["contributor"] = reference(party.organisation, base_url)
            contributors.append(role)
    signed = window(record.signed_start, record.signed_end)
    unknown = record.legal_status == Agreement.LegalStatus.UNKNOWN
    return _node(
        record,
        base_url,
        genre=str(record.get_kind_display()),
        abstract=record.summary,
        # Signed on one day: of a window of several, `exact` or `within`, only what
        # holds for every day of it (window()).
        dateCreated=signed,
        creativeWorkStatus=None if unknown else str(record.get_legal_status_display()),
        recordedAt=reference(record.signed_at, base_url) if is_public(record.signed_at) else None,
        creator=creators,
        contributor=contributors,
        about=_references(record.topics.all(), base_url),
        subjectOf=_sources(record, base_url),
        sameAs=same_as(record),
    )


def topic(record, base_url):
    """A DefinedTerm of the set the topics list is: the events and agreements about it."""
    topics = {
        "@type": "DefinedTermSet",
        "@id": base_url + reverse("kb:topic-list"),
        "name": gettext("Topics"),
    }
    works = [*shown_rows(record, "events"), *shown_rows(record, "agreements")]
    return _node(
        record,
        base_url,
        description=record.description,
        termCode=record.slug,
        inDefinedTermSet=topics,
        subjectOf=_references(works, base_url) + _sources(record, base_url),
        sameAs=same_as(record),
    )


def source(record, base_url, about=()):
    """A NewsArticle, Report, Article or CreativeWork: its language, publisher, date,
    what it is based on (the body it attributes its facts to, in its own words),
    and `about`: the records with pages that cite it."""
    based_on = None
    if record.attribution or is_public(record.attributed_to):
        based_on = {"@type": "CreativeWork"}
        if record.attribution:
            based_on["name"] = record.attribution
            based_on["inLanguage"] = record.language
        if is_public(record.attributed_to):
            based_on["author"] = reference(record.attributed_to, base_url)
    return _node(
        record,
        base_url,
        headline=record.title,
        genre=str(record.get_kind_display()),
        inLanguage=record.language,
        publisher=(
            {"@type": "Organization", "name": record.publisher} if record.publisher else None
        ),
        datePublished=record.published_on.isoformat() if record.published_on else None,
        isBasedOn=based_on,
        about=_references(about, base_url),
        sameAs=same_as(record, record.url),
    )


BUILDERS = {
    Organisation: organisation,
    Person: person,
    Event: event,
    Agreement: agreement,
    Topic: topic,
    Source: source,
}


def for_record(record, base_url, **extra):
    """The JSON-LD of a record's page, by its type (`extra`: source()'s `about`)."""
    return BUILDERS[type(record)](record, base_url, **extra)


def dataset(files, base_url):
    """The schema.org Dataset of the downloads page: what Entente is, its licence,
    how to cite it, and one DataDownload per file.

    `files`: dicts with `name`, `url` (absolute), `encoding_format` (a media
    type), `content_size` (bytes), `sha256` and `date_modified` (an ISO
    datetime, all in one time zone); the dataset's date is the latest of them.
    """
    home = base_url + reverse("kb:home")
    url = base_url + reverse("kb:downloads")
    modified = max((f["date_modified"] for f in files), default=None)
    # The data's date: the files', or today's before the first build.
    data_date = modified[:10] if modified else timezone.localdate().isoformat()
    node = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": url,
        "url": url,
        "name": about_dataset.TITLE,
        "description": str(about_dataset.DESCRIPTION),
        "license": about_dataset.LICENCE_URL,
        "creditText": str(about_dataset.citation(home, data_date)),
        "isAccessibleForFree": True,
        "inLanguage": ["en", "fr"],
        "creator": {"@type": "Organization", "name": about_dataset.TITLE, "url": home},
        "distribution": [
            {
                "@type": "DataDownload",
                "name": f["name"],
                "contentUrl": f["url"],
                "encodingFormat": f["encoding_format"],
                # schema.org's contentSize is text: the exact size, with its unit.
                "contentSize": f"{int(f['content_size'])} B",
                "sha256": f["sha256"],
                "dateModified": f["date_modified"],
                "license": about_dataset.LICENCE_URL,
            }
            for f in files
        ],
    }
    if modified:
        node["dateModified"] = modified
    return node
