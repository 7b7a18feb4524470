"""The scope of the cooperation views (map, network, timeline, connections): events and
agreements chosen by the events' filters in the URL.

The events are the event list's rows for the same query string (EventFilterSet,
restricted to SCOPE_PARAMS); the agreements are those the same parameters
select through their agreement counterparts:

- participant -> party, counterpart_country -> party_country,
  counterpart_region -> party_region, topic -> topic,
  date_from/date_to -> signed_from/signed_to (AgreementFilterSet's filters);
- parent -> agreements signed at that event or at an event that is part of it;
- kind -> agreements signed at an event of that kind.

Values are checked once, by the events' form (the agreements reuse its
cleaned values), so a bad value is one error naming the URL parameter.
"""

from django.http import QueryDict

from ..models import Agreement, Event
from ..models.visibility import public
from . import filtersets as kb_filters

SCOPE_PARAMS = (
    "parent",
    "kind",
    "topic",
    "date_from",
    "date_to",
    "participant",
    "counterpart_country",
    "counterpart_region",
)

# Event parameter -> the AgreementFilterSet filter that means the same for agreements.
AGREEMENT_FILTERS = {
    "participant": "party",
    "counterpart_country": "party_country",
    "counterpart_region": "party_region",
    "topic": "topic",
    "date_from": "signed_from",
    "date_to": "signed_to",
}


class ScopeEventFilterSet(kb_filters.EventFilterSet):
    """The event list's FilterSet with the scope's parameters only (no search, venue or sort)."""

    class Meta(kb_filters.EventFilterSet.Meta):
        fields = list(SCOPE_PARAMS)


# Declared filters are inherited whatever Meta.fields says: keep the scope's, in its order.
ScopeEventFilterSet.base_filters = {
    name: ScopeEventFilterSet.base_filters[name] for name in SCOPE_PARAMS
}


def own_parameters(query, names):
    """The non-empty values of `names` in a query string (a QueryDict or a plain dict), as a
    QueryDict: a page's or an endpoint's other parameters never reach its FilterSet."""
    data = QueryDict(mutable=True)
    for name in names:
        values = query.getlist(name) if hasattr(query, "getlist") else [query.get(name)]
        values = [v for v in values if v not in (None, "")]
        if values:
            data.setlist(name, values)
    return data


class FilterSetScope:
    """A FilterSet over a query string's own parameters, checked once (`filterset`)."""

    filterset = None
    _valid = None

    @property
    def form(self):
        return self.filterset.form

    def is_valid(self):
        if self._valid is None:
            self._valid = self.filterset.is_valid()
        return self._valid

    @property
    def errors(self):
        """{URL parameter: [messages]}, empty when valid."""
        if self.is_valid():
            return {}
        return {name: [str(m) for m in messages] for name, messages in self.form.errors.items()}


class CooperationScope(FilterSetScope):
    """Published events and agreements chosen by a query string's scope parameters."""

    def __init__(self, query):
        if query is None:
            query = QueryDict()
        self.query = query
        self.data = own_parameters(query, SCOPE_PARAMS)
        self.filterset = ScopeEventFilterSet(self.data, queryset=Event.objects.published())

    @property
    def cleaned(self):
        return self.form.cleaned_data if self.is_valid() else {}

    @property
    def events(self):
        if not self.is_valid():
            return Event.objects.none()
        return self.filterset.qs

    def start_bounds(self, prefix=""):
        """The range of start dates the scope's events fall in (filtersets.start_bounds), for
        a query that reaches them through a relation and walks them in date order."""
        cleaned = self.cleaned
        return kb_filters.start_bounds(cleaned.get("date_from"), cleaned.get("date_to"), prefix)

    @property
    def agreements(self):
        if not self.is_valid():
            return Agreement.objects.none()
        cleaned = self.cleaned
        filterset = kb_filters.AgreementFilterSet(queryset=Agreement.objects.published())
        qs = Agreement.objects.published()
        for param, name in AGREEMENT_FILTERS.items():
            value = cleaned.get(param)
            if value:
                qs = filterset.filters[name].filter(qs, value)
        parents = cleaned.get("parent")
        if parents:
            # One list of events, the parents and their parts: an OR across two
            # joins made the database join every published agreement to its event
            # and that event's parent (30 ms at scale 100, against 5 ms).
            signed_at = (
                Event.objects.filter(slug__in=parents)
                .order_by()
                .values("pk")
                .union(
                    Event.objects.filter(parent__slug__in=parents).order_by().values("pk"), all=True
                )
            )
            qs = qs.filter(signed_at__in=signed_at)
        kinds = cleaned.get("kind")
        if kinds:
            qs = qs.filter(signed_at__kind__in=kinds)
        if parents or kinds:
            # Where it was signed is a fact only a published event can give.
            qs = qs.filter(public("signed_at"))
        return qs

    def query_string(self):
        """The scope's own parameters as given, urlencoded, for links and API calls."""
        return self.data.urlencode()
