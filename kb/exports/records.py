"""What the FollowTheMoney and Popolo exports share: stable ids, the dates a format may
state, and the reads of each type, batch by batch.

Each read is a queryset that owns what its format writers follow (joins,
annotations, prefetches), iterated a batch at a time (ExportScope's
`batch_size`, 500 rows): one query per batch plus one per prefetch, so an
export's queries grow with its length divided by the batch size, never with
its length, and no more than a batch of rows is in memory at once.
"""

import hashlib

from django.db.models import Exists, F, OuterRef, Prefetch

from ..filtering.exports import ExportScope, visible
from ..lib.text import SLUG_RE
from ..lib.windows import WITHIN
from ..models import (
    Agreement,
    AgreementParty,
    Citation,
    Event,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Source,
    Topic,
)

PREFIX = "entente"

# An id's characters in FollowTheMoney (its entity-id pattern) and at most its length.
ID_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")
MAX_ID_LENGTH = 200


def digest(*parts):
    """A stable SHA-1 of the parts (None as empty), for ids of rows with no slug."""
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hashlib.sha1(text.encode()).hexdigest()


def record_id(kind, slug):
    """The stable id of a record: `entente-<kind>-<slug>` ("entente-organisation-bka").

    A slug with characters FollowTheMoney's ids refuse (`_`), or ending in `-`,
    gets `entente-<kind>.<sha1 of the slug>` instead: slugs hold no `.`, so the
    two forms never meet.
    """
    plain = f"{PREFIX}-{kind}-{slug}"
    if (
        SLUG_RE.match(slug)
        and set(slug) <= ID_CHARACTERS
        and slug[-1] != "-"
        and len(plain) <= MAX_ID_LENGTH
    ):
        return plain
    return f"{PREFIX}-{kind}.{digest(slug)}"


def row_id(kind, *key):
    """The stable id of a row without a slug, from its natural key (slugs and dates)."""
    return f"{PREFIX}-{kind}-{digest(*key)}"


def membership_id(membership):
    """A membership's id, from its natural key (person, organisation, post, start date)."""
    return row_id(
        "membership",
        membership.person.slug,
        membership.organisation.slug,
        membership.post.slug if membership.post_id else "",
        membership.start_date.isoformat() if membership.start_date else "",
    )


def stated_dates(start, end, precision):
    """The dates a format may state of a window, as ISO text: (start, end), or None for each.

    `exact`: the window itself. `within` (it happened on some day of the
    window): what both ends share, to the month or year ("2025-11" for 24-27
    November 2025), or nothing; both formats take dates of reduced precision,
    and neither can say "some day between".
    """
    if precision != WITHIN:
        return (start.isoformat() if start else None, end.isoformat() if end else None)
    if start is None or end is None:
        return None, None
    if start == end:
        return start.isoformat(), end.isoformat()
    shared = None
    if start.year == end.year:
        shared = f"{start.year:04d}-{start.month:02d}" if start.month == end.month else None
        shared = shared or f"{start.year:04d}"
    return shared, shared


def last_change(*times):
    """The latest of the given times (None ignored), as ISO 8601 UTC text."""
    latest = max((t for t in times if t is not None), default=None)
    return latest.isoformat().replace("+00:00", "Z") if latest is not None else None


def changed_at(record, *related):
    """When a record's export last changed: its own row, or any row it carries (its
    identifiers, an event's participations...), as ISO text. ExportScope's
    `updated_since` selects by the same rule."""
    times = [record.updated_at]
    for rows in related:
        times.extend(row.updated_at for row in rows)
    return last_change(*times)


def iso(day):
    return day.isoformat() if day else None


def scope_or_everything(scope):
    if scope is None:
        return ExportScope.everything()
    if not scope.is_valid():
        raise ValueError(f"An invalid export scope: {scope.errors}")
    return scope


def _visible(model, field):
    """Whether the row `field` names is one the public may see (the scope's `includes()`
    then says whether it is within the scope)."""
    return Exists(visible(model).filter(pk=OuterRef(field)))


# --- The reads, one per type --------------------------------------------------------------


# Each read prepares a queryset of one type's rows (ExportScope.batches hands it the
# rows of a batch): what the format writers follow, loaded with the rows.


def organisations(queryset):
    return (
        queryset.annotate(
            parent_slug=F("parent__slug"), parent_shown=_visible(Organisation, "parent")
        )
        .with_identifiers()
        .defer("search_text")
        .order_by("slug")
    )


def people(queryset):
    return queryset.with_identifiers().defer("search_text").order_by("slug")


def posts(queryset):
    return (
        queryset.select_related("organisation")
        .with_identifiers()
        .defer("search_text", "organisation__search_text")
        .order_by("slug")
    )


def memberships(queryset):
    return (
        queryset.select_related("person", "organisation", "post")
        .defer("person__search_text", "organisation__search_text", "post__search_text")
        .order_by("pk")
    )


def events(queryset, topics=True):
    participations = (
        visible(Participation)
        .select_related("organisation", "person", "post")
        .defer("organisation__search_text", "person__search_text", "post__search_text")
        .order_by("event", "role", "pk")
    )
    queryset = (
        queryset.annotate(
            parent_slug=F("parent__slug"),
            parent_shown=_visible(Event, "parent"),
            organiser_slug=F("organiser__slug"),
            organiser_shown=_visible(Organisation, "organiser"),
        )
        .prefetch_related(Prefetch("participations", queryset=participations))
        .with_identifiers()
        .defer("search_text")
        .order_by("start_date", "slug")
    )
    if topics:
        queryset = queryset.prefetch_related(
            Prefetch("topics", queryset=visible(Topic).order_by("slug"))
        )
    return queryset


def agreements(queryset):
    parties = (
        visible(AgreementParty)
        .select_related("organisation")
        .defer("organisation__search_text")
        .order_by("agreement", "pk")
    )
    return (
        queryset.annotate(
            signed_at_slug=F("signed_at__slug"), signed_at_shown=_visible(Event, "signed_at")
        )
        .prefetch_related(
            Prefetch("parties", queryset=parties),
            Prefetch("topics", queryset=visible(Topic).order_by("slug")),
        )
        .with_identifiers()
        .defer("search_text")
        .order_by("slug")
    )


def sources(queryset):
    return (
        queryset.annotate(
            attributed_slug=F("attributed_to__slug"),
            attributed_shown=_visible(Organisation, "attributed_to"),
        )
        .with_identifiers()
        .defer("search_text")
        .order_by("slug")
    )


# The types both formats read, in the order they write them: (model, read).
READS = {
    Organisation: organisations,
    Person: people,
    Post: posts,
    Membership: memberships,
    Event: events,
    Agreement: agreements,
    Source: sources,
}


# A citation names the record it supports by the record's own key; a join row's
# citation by the join row's key, and the record that carries the join row (its
# owner: an event carries its participations, an agreement its parties, a person
# their memberships). {model: (owner kind, owner's slug, the join row's key fields)}
CITATION_KEYS = {
    Organisation: ("organisation", "organisation__slug", ()),
    Person: ("person", "person__slug", ()),
    Post: ("post", "post__slug", ()),
    Event: ("event", "event__slug", ()),
    Agreement: ("agreement", "agreement__slug", ()),
    Participation: (
        "event",
        "participation__event__slug",
        (
            "participation__organisation__slug",
            "participation__person__slug",
            "participation__post__slug",
        ),
    ),
    AgreementParty: (
        "agreement",
        "agreementparty__agreement__slug",
        ("agreementparty__organisation__slug",),
    ),
    Membership: (
        "person",
        "membership__person__slug",
        (
            "membership__organisation__slug",
            "membership__post__slug",
            "membership__start_date",
        ),
    ),
}


def citations(scope, model):
    """The citations of `model`'s rows as dicts: `owner_kind`, `owner_slug`, `key` (the
    cited row's natural key), `source_slug`, `quote`, `translation`, `updated_at`."""
    kind, owner, key_fields = CITATION_KEYS[model]

    def prepare(queryset):
        return (
            queryset.annotate(owner_slug=F(owner), source_slug=F("source__slug"))
            .order_by("pk")
            .values(
                "pk", "owner_slug", "source_slug", "quote", "translation", "updated_at", *key_fields
            )
        )

    for row in scope.citations(model, prepare):
        row["owner_kind"] = kind
        row["key"] = (model._meta.model_name, row["owner_slug"], *(row[f] for f in key_fields))
        yield row


def citation_id(row):
    """A citation's id: what it cites (its key), the source and the quote."""
    return row_id("citation", *row["key"], row["source_slug"], row["quote"])


def quotes_of(model, pks):
    """{row id: [(source slug, source URL, quote), ...]}: the visible citations of these rows
    of `model`, in citation order. One query."""
    by_row = {}
    if not pks:
        return by_row
    rows = (
        visible(Citation)
        .filter(
            content_type__app_label=model._meta.app_label,
            content_type__model=model._meta.model_name,
            object_id__in=pks,
        )
        .order_by("object_id", "pk")
        .values_list("object_id", "source__slug", "source__url", "quote")
    )
    for object_id, slug, url, quote in rows:
        by_row.setdefault(object_id, []).append((slug, url, quote))
    return by_row
