"""The record types, listed once.

Each entry says what every surface needs to know of a type: its model, its
heading, the URL segment of its public pages, its API prefix and
description, the rows its history saves with it, the records it names
(its ends), and whether it exists only as part of its record (identifiers).
Adding a type is one entry here; URLs, API routes, history, import/export,
the source and quality pages and search read this table, and
each surface maps an entry to its own classes (FilterSet, serializer,
resource, view) by model.

May import: `kb.models` only.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import (
    Agreement,
    AgreementParty,
    Citation,
    CitedRecord,
    Claim,
    Event,
    Identifier,
    JoinRow,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Record,
    Source,
    Topic,
)

# What a main record's revision keeps with it: its citations, its identifiers, and the
# old slugs of the records merged into it (so reverting a merge deletes its redirects).
RECORD_FOLLOW = ("citations", "identifiers", "redirects")


@dataclass(frozen=True)
class RecordType:
    model: type
    # The type's heading on pages (home counts, search groups, quality sections).
    title: str
    # URL segment of the public list and detail pages (kb:<model>-list/-detail); None
    # when its records show on another page (posts on their organisation's).
    page: str | None = None
    # Path under /api/v1/, and the description its endpoints carry in the schema.
    api: str | None = None
    description: str = ""
    # Rows saved with it in each history revision (django-reversion `follow`): a
    # revert or a recovery brings them back with it.
    follow: tuple = ("citations",)
    # The records it names, fetched with it wherever it is shown: a fact shows only
    # when each of them is published (optional ones when empty, too).
    ends: tuple = ()
    # How an import file names a join row: its natural key, in order.
    key: tuple = field(default=())
    # Rows that exist only as part of their record (identifiers): edited inline on
    # its admin page and carried as a column of its file, with no admin page, file
    # or permissions of their own.
    inline: bool = False

    @property
    def name(self):
        return self.model._meta.model_name

    @property
    def is_record(self):
        """A main record (slug, status) rather than a join row."""
        return issubclass(self.model, Record)


TYPES = (
    RecordType(
        Organisation,
        _("Organisations"),
        page="organisations",
        api="organisations",
        description=(
            "Police forces, security services, delegations, ministries and international bodies."
        ),
        follow=RECORD_FOLLOW,
    ),
    RecordType(
        Person,
        _("People"),
        page="people",
        api="people",
        description="Named people, with the posts and organisations they belong to.",
        follow=(*RECORD_FOLLOW, "memberships"),
    ),
    RecordType(
        Post,
        _("Posts"),
        api="posts",
        description=(
            'Seats in an organisation ("the President of INTERPOL"), apart from who holds them.'
        ),
        follow=RECORD_FOLLOW,
        ends=("organisation",),
    ),
    RecordType(
        Event,
        _("Events"),
        page="events",
        api="events",
        description=(
            "General assemblies, meetings and signings, with who took part in which role."
        ),
        follow=(*RECORD_FOLLOW, "participations"),
    ),
    RecordType(
        Agreement,
        _("Agreements"),
        page="agreements",
        api="agreements",
        description="Memoranda, protocols and agreements, with their parties.",
        follow=(*RECORD_FOLLOW, "parties"),
    ),
    RecordType(
        Topic,
        _("Topics"),
        page="topics",
        api="topics",
        description="Themes of cooperation.",
        follow=RECORD_FOLLOW,
    ),
    RecordType(
        Source,
        _("Sources"),
        page="sources",
        api="sources",
        description="The documents facts come from; every other record cites them with a quote.",
        # A source is what citations point to: it has none of its own.
        follow=("identifiers", "redirects"),
    ),
    RecordType(
        Claim,
        _("Claims"),
        api="claims",
        description="Figures sources state, checked against the data (`recorded`, `consistent`).",
        follow=RECORD_FOLLOW,
    ),
    RecordType(
        Participation,
        _("Participations in events"),
        ends=("event", "organisation", "person", "post"),
        key=("event", "organisation", "person", "post"),
    ),
    RecordType(
        AgreementParty,
        _("Parties to agreements"),
        ends=("agreement", "organisation"),
        key=("agreement", "organisation"),
    ),
    RecordType(
        Membership,
        _("Memberships"),
        ends=("person", "organisation", "post"),
        key=("person", "organisation", "post", "start_date"),
    ),
    RecordType(Citation, _("Citations"), follow=(), ends=("source",)),
    RecordType(Identifier, _("Identifiers in other systems"), follow=(), inline=True),
)

_BY_MODEL = {entry.model: entry for entry in TYPES}
# Every record type's model (rows of other models, such as redirects, may be followed).
MODELS = frozenset(_BY_MODEL)


def of(model):
    """The entry of a model (KeyError for a model that is not a record type)."""
    return _BY_MODEL[model]


def named(name):
    """The entry whose model is named `name` ("organisation"); KeyError if none is."""
    for entry in TYPES:
        if entry.name == name:
            return entry
    raise KeyError(name)


def with_pages():
    """Types with public list and detail pages, in the order pages list them."""
    return [t for t in TYPES if t.page]


def in_api():
    """Types the API serves, in the order /api/v1/ lists them."""
    return [t for t in TYPES if t.api]


def join_rows():
    """Join rows: named in files by their natural key."""
    return [t for t in TYPES if t.key]


def standalone():
    """Types with an admin page and a file of their own: all but the inline ones."""
    return [t for t in TYPES if not t.inline]


def cited():
    """Every type sources cite (all but sources, citations and identifiers), main records first."""
    return [t for t in TYPES if issubclass(t.model, (CitedRecord, JoinRow))]


def followed():
    """Models whose rows are saved with the record they belong to."""
    models = set()
    for entry in TYPES:
        for name in entry.follow:
            models.add(entry.model._meta.get_field(name).related_model)
    return models
