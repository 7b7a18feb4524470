"""The open-format exports' filters (FollowTheMoney, Popolo): `parent` and `updated_since`,
and the rows of each type they choose.

- `parent` (event slugs, any of): those events and everything within them: their parts
  at any depth, the participations and what they name (organisations, people, posts),
  the agreements signed at them and their parties, the memberships of those people
  (with their posts and organisations), the posts' organisations, the events'
  organisers, the topics, and the sources cited by any of it. The set is closed:
  whatever an exported row points to is exported too, so every reference resolves.
- `updated_since` (an ISO date or date-time): of those, the rows whose export changed
  at or after it. A record's export changes with its own row, its identifiers, and the
  join rows it carries (an event's participations, an agreement's parties); a join
  row or a citation exported on its own changes with its own row. Deletions leave no
  row to date: a client that syncs this way takes a full export from time to time.

Values are checked once, by ExportFilterSet's form, as the lists' filters are
(an unknown or unpublished slug, a malformed date: a form error naming the
parameter, which the API answers as a 400). Other parameters are ignored.
"""

import django_filters as filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .. import registry
from ..db.trees import subtree
from ..domain.records import visible_rows
from ..lib.batching import BATCH_SIZE, batched
from ..models import (
    Agreement,
    AgreementParty,
    Citation,
    Event,
    Identifier,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Source,
    Topic,
)
from ..models.visibility import PUBLIC
from .fields import SlugFilter
from .scope import FilterSetScope, own_parameters
from .sync import UpdatedSinceFilter

EXPORT_PARAMS = ("parent", "updated_since")

# Citations of these types are exported: each type's own, and its join rows'.
CITED_TYPES = (
    Organisation,
    Person,
    Post,
    Event,
    Agreement,
    Participation,
    AgreementParty,
    Membership,
)


class ExportFilterSet(filters.FilterSet):
    """The export filters, checked as a form; ExportScope applies them to each type."""

    parent = SlugFilter(
        label=_("Within (event slug)"),
        model=Event,
        method="filter_nothing",
        help_text=_(
            "These events and everything within them: their parts, who took part, the "
            "agreements signed there, those people's memberships, and the sources cited."
        ),
    )
    updated_since = UpdatedSinceFilter(
        field_name="updated_at",
        method="filter_nothing",
        label=_("Updated since"),
        help_text=_(
            "Only what changed at or after this ISO 8601 date (2025-11-24) or date-time "
            "(2025-11-24T08:00:00Z), for incremental pulls; deletions are not listed."
        ),
    )

    class Meta:
        model = Event
        fields = list(EXPORT_PARAMS)

    def filter_nothing(self, qs, name, value):
        # The filters choose rows of every type (ExportScope), not events alone.
        return qs


# The rows of a type the public may see (published; join rows with every end shown).
visible = visible_rows


def _of_type(model):
    """Rows of a generic relation (citations, identifiers) that belong to `model`, by join:
    no content-type lookup of its own."""
    return Q(
        content_type__app_label=model._meta.app_label, content_type__model=model._meta.model_name
    )


class ExportScope(FilterSetScope):
    """The rows of each type that an export's query string chooses, batch by batch.

    Without `parent`, a type's rows are its visible rows, read in slug order
    by one cursor. With `parent`, the scope's keys are gathered first, type by
    type (ints only, a few queries per BATCH_SIZE keys: an SQL statement
    nesting every type's subquery in the next overflowed SQLite's parser),
    and the rows are read BATCH_SIZE keys at a time.
    """

    def __init__(self, query=None, batch_size=BATCH_SIZE):
        self.batch_size = batch_size
        self.data = own_parameters(query if query is not None else {}, EXPORT_PARAMS)
        self.filterset = ExportFilterSet(self.data, queryset=Event.objects.none())
        self._keys = None

    @classmethod
    def everything(cls):
        """Every published row: the bulk files' scope."""
        return cls()

    @property
    def parents(self):
        """The `parent` slugs as checked (with their keys, `.pks`); empty without it."""
        if not self.is_valid():
            return []
        return self.filterset.form.cleaned_data.get("parent") or []

    @property
    def since(self):
        """`updated_since` as an aware UTC datetime, or None."""
        if not self.is_valid():
            return None
        return self.filterset.form.cleaned_data.get("updated_since")

    # --- What the writers ask -----------------------------------------------------------

    def includes(self, model, pk):
        """Whether the visible row `pk` of `model` is within the scope, whatever
        `updated_since` says: what a reference may point to (an incremental pull
        refers to entities of earlier pulls). Callers check visibility themselves."""
        if pk is None:
            return False
        keys = self.keys(model)
        return keys is None or pk in keys

    def batches(self, model, prepare):
        """Lists of at most `batch_size` rows of `model` to export, each list read by
        `prepare(queryset)` (its joins and prefetches) in one round of queries."""
        if not self.is_valid():
            return
        size = self.batch_size
        keys = self.keys(model)
        if keys is None:
            queryset = prepare(self._since(model, visible(model)))
            yield from batched(queryset.iterator(chunk_size=size), size)
            return
        for chunk in batched(sorted(keys), size):
            rows = prepare(self._since(model, visible(model).filter(pk__in=chunk)))
            yield list(rows)

    def citations(self, model, prepare):
        """The citations of `model`'s rows within the scope, changed since `updated_since`
        (each is exported on its own), as rows of `prepare(queryset)`, a batch per query."""
        if not self.is_valid():
            return
        size = self.batch_size
        cited = visible(Citation).filter(_of_type(model))
        if self.since is not None:
            cited = cited.filter(updated_at__gte=self.since)
        keys = self.keys(model)
        if keys is None:
            queryset = prepare(cited.filter(object_id__in=visible(model).values("pk")))
            yield from queryset.iterator(chunk_size=size)
            return
        for chunk in batched(sorted(keys), size):
            yield from prepare(cited.filter(object_id__in=chunk))

    def keys(self, model):
        """The keys of `model`'s visible rows within `parent`; None without it (all of them)."""
        if not self.parents:
            return None
        if self._keys is None:
            self._keys = self._gather()
        if model not in self._keys:
            # What only FtM reads (the sources, the topics' keywords): gathered when asked.
            self._keys.update(self._gather_cited(self._keys))
        return self._keys[model]

    # --- updated_since ----------------------------------------------------------------

    def _since(self, model, queryset):
        """The rows whose export changed at or after `updated_since`: the row itself, its
        identifiers, or a join row it carries (an event's participations...)."""
        since = self.since
        if since is None:
            return queryset
        condition = Q(updated_at__gte=since)
        if registry.of(model).is_record:
            identifiers = Identifier.objects.filter(
                _of_type(model), object_id=OuterRef("pk"), updated_at__gte=since
            )
            condition |= Exists(identifiers)
        carried = CARRIED.get(model)
        if carried is not None:
            join_model, field = carried
            rows = visible(join_model).filter(**{field: OuterRef("pk")}, updated_at__gte=since)
            condition |= Exists(rows)
        return queryset.filter(condition)

    # --- parent -------------------------------------------------------------------------

    def _gather(self):
        """{model: frozenset of keys} of everything within the parent events."""
        tree = subtree(
            Event._meta.db_table,
            Event._meta.get_field("parent").column,
            self.parents.pks,
            "status",
            PUBLIC,
        )
        events = {}
        for pk, organiser in visible(Event).filter(pk__in=tree).values_list("pk", "organiser"):
            events[pk] = organiser
        keys = {Event: set(events)}
        organisations = {o for o in events.values() if o is not None}
        people, posts = set(), set()

        keys[Participation] = set()
        participations = visible(Participation).values_list("pk", "organisation", "person", "post")
        for pk, organisation, person, post in _rows_in(participations, "event", events):
            keys[Participation].add(pk)
            organisations.add(organisation)
            people.add(person)
            posts.add(post)
        agreements = visible(Agreement).values_list("pk", flat=True)
        keys[Agreement] = set(_rows_in(agreements, "signed_at", events))
        keys[AgreementParty] = set()
        parties = visible(AgreementParty).values_list("pk", "organisation")
        for pk, organisation in _rows_in(parties, "agreement", keys[Agreement]):
            keys[AgreementParty].add(pk)
            organisations.add(organisation)
        keys[Person] = set(_rows_in(visible(Person).values_list("pk", flat=True), "pk", people))
        keys[Membership] = set()
        memberships = visible(Membership).values_list("pk", "organisation", "post")
        for pk, organisation, post in _rows_in(memberships, "person", keys[Person]):
            keys[Membership].add(pk)
            organisations.add(organisation)
            posts.add(post)
        keys[Post] = set()
        for pk, organisation in _rows_in(
            visible(Post).values_list("pk", "organisation"), "pk", posts
        ):
            keys[Post].add(pk)
            organisations.add(organisation)
        keys[Organisation] = set(
            _rows_in(visible(Organisation).values_list("pk", flat=True), "pk", organisations)
        )
        return {
            model: frozenset(k for k in values if k is not None) for model, values in keys.items()
        }

    @staticmethod
    def _gather_cited(keys):
        """{Topic: keys, Source: keys}: the topics and the sources of what `keys` holds."""
        keys = dict(keys)
        topics = set(
            _rows_in(
                Event.topics.through.objects.values_list("topic", flat=True), "event", keys[Event]
            )
        )
        topics |= set(
            _rows_in(
                Agreement.topics.through.objects.values_list("topic", flat=True),
                "agreement",
                keys[Agreement],
            )
        )
        keys[Topic] = set(_rows_in(visible(Topic).values_list("pk", flat=True), "pk", topics))
        sources = set()
        for model in CITED_TYPES:
            cited = visible(Citation).filter(_of_type(model)).values_list("source", flat=True)
            sources |= set(_rows_in(cited, "object_id", keys[model]))
        keys[Source] = sources
        return {
            model: frozenset(k for k in keys[model] if k is not None) for model in (Topic, Source)
        }


def _rows_in(queryset, field, keys, size=BATCH_SIZE):
    """The queryset's rows whose `field` is one of `keys`, `size` keys per query."""
    keys = sorted(k for k in keys if k is not None)
    queryset = queryset.order_by()  # keys only: no order to sort them in
    for chunk in batched(keys, size):
        yield from queryset.filter(**{f"{field}__in": chunk})


# The join rows a record's export carries, and the field that names the record: a
# change to one of them is a change to the record's export.
CARRIED = {
    Event: (Participation, "event"),
    Agreement: (AgreementParty, "agreement"),
}
