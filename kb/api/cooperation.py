"""/api/v1/map/, /api/v1/graph/ and /api/v1/timeline/: cooperation seen three ways.

Each takes the scope parameters of kb/filtering/scope.py (the events' filters:
the same query string gives the same events as /api/v1/events/) and answers
what kb/domain/cooperation.py computes, the same rows the public pages' tables
show. As on the lists: `lang`, throttling, published records only, 400 naming
a rejected parameter, and ETag / Last-Modified from one query.

The graph also comes as GEXF 1.3 (Gephi) and GraphML (yEd, Cytoscape,
networkx): graph_formats.py writes them, with the standard library, and the
graph's JSON.
"""

from django.conf import settings
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ..domain import cooperation
from ..filtering.scope import CooperationScope, ScopeEventFilterSet
from ..lib import regions
from ..models import DatePrecision, Event
from . import schema
from .graph_formats import GEXFRenderer, GraphJSONRenderer, GraphMLRenderer, graph_json
from .renderers import DataclassJSONRenderer, JSONRenderer, as_json
from .throttling import AnonThrottle
from .views import ReadView

REGION_OR_BLANK = {
    "type": "string",
    "enum": [*regions.REGION_NAMES, ""],
    "description": "UN M49 region of the country; empty without one.",
}


# --- Response shapes (the schema; the views build the same keys, in the same order) -----


class CountryRowSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="ISO 3166-1 alpha-2.")
    numeric = serializers.CharField(
        help_text="ISO 3166-1 numeric, three digits (the world atlas' country ids)."
    )
    name = serializers.CharField(help_text="In the requested language.")
    region = serializers.CharField(help_text="UN M49 region slug; empty when none.")
    region_name = serializers.CharField()
    counterpart_events = serializers.IntegerField(
        help_text="Distinct events where an organisation of the country took part other than "
        "as host (a post's participation counts for the post's organisation)."
    )
    hosted_events = serializers.IntegerField(help_text="Distinct events it hosted.")
    agreements = serializers.IntegerField(help_text="Distinct agreements with a party of it.")
    total = serializers.IntegerField(help_text="counterpart_events + agreements.")
    host = serializers.BooleanField(help_text="hosted_events > 0.")


class BodyRowSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField(help_text="In the requested language.")
    counterpart_events = serializers.IntegerField()
    hosted_events = serializers.IntegerField()
    agreements = serializers.IntegerField()
    total = serializers.IntegerField()


class RegionRowSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    countries = serializers.IntegerField(help_text="Countries with counterpart_events > 0.")


class MapSerializer(serializers.Serializer):
    countries = CountryRowSerializer(many=True, help_text="By total, then name.")
    international = BodyRowSerializer(
        many=True, help_text="Organisations without a country (international bodies)."
    )
    regions = RegionRowSerializer(many=True)
    max_total = serializers.IntegerField(help_text="The largest country total.")


class NamesSerializer(serializers.Serializer):
    en = serializers.CharField(allow_null=True)
    fr = serializers.CharField(allow_null=True)


class NodeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="`organisation:<slug>` or `person:<slug>`.")
    type = serializers.ChoiceField(choices=["organisation", "person"])
    slug = serializers.CharField()
    name = serializers.CharField(help_text="In the requested language.")
    names = NamesSerializer()
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2; empty when none.")
    region = serializers.CharField(help_text="UN M49 region slug; empty when none.")
    degree = serializers.IntegerField(
        help_text="Distinct neighbours in the whole scope, before any truncation."
    )


class EdgeSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="A node id (the person, for a membership).")
    target = serializers.CharField(help_text="A node id (the organisation, for a membership).")
    kind = serializers.ChoiceField(choices=["meeting", "agreement", "membership"])
    weight = serializers.IntegerField(
        help_text="Events both took part in (meeting), agreements between them (agreement); "
        "1 for a membership."
    )
    records = serializers.ListField(
        child=serializers.CharField(),
        help_text=f"Up to {cooperation.MAX_EDGE_RECORDS} event or agreement slugs.",
    )
    total = serializers.IntegerField(help_text="How many records there are in all.")


class GraphSerializer(serializers.Serializer):
    nodes = NodeSerializer(many=True)
    edges = EdgeSerializer(many=True)
    total_nodes = serializers.IntegerField(help_text="Nodes in the whole scope.")
    omitted_nodes = serializers.IntegerField(help_text="Nodes left out past max_nodes.")
    max_nodes = serializers.IntegerField()
    total_events = serializers.IntegerField(help_text="Events in the scope.")
    omitted_events = serializers.IntegerField(
        help_text="Events the graph is not drawn from: the least recent, past max_records."
    )
    total_agreements = serializers.IntegerField(help_text="Agreements in the scope.")
    omitted_agreements = serializers.IntegerField(
        help_text="Agreements the graph is not drawn from: the least recent, past max_records."
    )
    max_records = serializers.IntegerField(
        allow_null=True,
        help_text="The graph is drawn from at most this many events, the most recent, and "
        "as many agreements (GRAPH_MAX_RECORDS).",
    )


class TimelineItemSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["event", "agreement"])
    slug = serializers.CharField()
    name = serializers.CharField(help_text="In the requested language.")
    start = serializers.DateField()
    end = serializers.DateField()
    precision = serializers.ChoiceField(
        choices=DatePrecision.choices,
        help_text="`within`: on some day of the window; the sources do not say which.",
    )
    label = serializers.CharField(help_text="The date in words, as the site writes it.")
    group = serializers.CharField()
    group_name = serializers.CharField()


class GroupRowSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    count = serializers.IntegerField()


class TimelineSerializer(serializers.Serializer):
    items = TimelineItemSerializer(
        many=True, help_text="An item in several groups (regions) is listed once in each."
    )
    groups = GroupRowSerializer(many=True)
    total = serializers.IntegerField(help_text="Events and agreements in the scope.")
    omitted = serializers.IntegerField(
        help_text="Those not listed: undated, or past the most recent TIMELINE_MAX_ITEMS."
    )


class CooperationSchema(AutoSchema):
    """Documents the scope's filters (ScopeEventFilterSet) on these single-object answers,
    which drf-spectacular would only do for lists."""

    def get_filter_backends(self):
        return getattr(self.view, "filter_backends", [])


def _scope_error(message):
    return OpenApiExample("Rejected filter", value={"date_from": [message]})


def documented(serializer, description, *, formats=None, parameters=()):
    """The schema of one cooperation endpoint: its JSON, any other format, and its errors."""
    responses = {(200, schema.JSON): OpenApiResponse(serializer, description=description)}
    for media_type, what in formats or ():
        responses[(200, media_type)] = OpenApiResponse(OpenApiTypes.STR, description=what)
    responses.update(
        {
            (400, schema.JSON): OpenApiResponse(
                schema.VALIDATION_ERROR,
                description="A scope filter, `lang` or another parameter was rejected.",
                examples=[_scope_error("Enter a valid date.")],
            ),
            (404, schema.JSON): OpenApiResponse(
                schema.ErrorSerializer, description="Not found: no such path under /api/."
            ),
            **schema.COMMON_ERRORS,
        }
    )
    return extend_schema(
        parameters=[*schema.LANGUAGE_PARAMETERS, *schema.VALIDATOR_HEADERS, *parameters],
        responses=responses,
    )


class CooperationView(ReadView, APIView):
    """A cooperation endpoint: the scope checked, the language set, the answer conditional."""

    renderer_classes = [JSONRenderer]
    throttle_classes = [AnonThrottle]
    schema = CooperationSchema()
    # For the schema only: the scope's parameters, documented as the events list's.
    filter_backends = [DjangoFilterBackend]
    filterset_class = ScopeEventFilterSet
    queryset = Event.objects.none()
    name = None  # the path under /api/v1/, and the ETag's namespace

    UNKNOWN_FORMAT_IS_400 = True

    def etag_name(self):
        return self.name

    def etag_extra(self):
        return [self.limits()]

    def limits(self):
        """Settings that shape the answer (they are part of the ETag)."""
        return None

    def own_parameters(self):
        """This endpoint's own parameters, checked: {name: value}, or a ValidationError."""
        return {}

    def get(self, request, *args, **kwargs):
        conditional = self.not_modified(request)
        if conditional is not None:
            return conditional
        scope = CooperationScope(request.GET)
        errors = dict(scope.errors)
        try:
            options = self.own_parameters()
        except exceptions.ValidationError as exc:
            errors.update(exc.detail)
        if errors:
            raise exceptions.ValidationError(errors)
        response = Response(self.represent(self.compute(scope, **options)))
        extension = getattr(request.accepted_renderer, "extension", None)
        if extension:
            response["Content-Disposition"] = f'attachment; filename="{self.name}.{extension}"'
        return response

    def compute(self, scope, **options):
        raise NotImplementedError

    def represent(self, result):
        """The domain function's result as the JSON-ready data the renderers write."""
        return as_json(result)


MAP_DESCRIPTION = (
    "Per country, the scope's counterpart events, hosted events and agreements; "
    "organisations without a country apart."
)


class MapView(CooperationView):
    """Counts per country for the scope's events and agreements: the map's data."""

    name = "map"

    @documented(MapSerializer, MAP_DESCRIPTION)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    renderer_classes = [DataclassJSONRenderer]

    def compute(self, scope):
        return cooperation.country_counts(scope.events, scope.agreements)

    def represent(self, result):
        return result  # written from the dataclasses (DataclassJSONRenderer)


GRAPH_FORMAT = OpenApiParameter(
    "format",
    str,
    enum=["json", "gexf", "graphml"],
    description="`gexf` (GEXF 1.3, for Gephi) or `graphml`: the same graph as a file.",
)


class GraphView(CooperationView):
    """Organisations and people linked by shared events, agreements and memberships."""

    name = "graph"
    renderer_classes = [GraphJSONRenderer, GEXFRenderer, GraphMLRenderer]

    @documented(
        GraphSerializer,
        "Nodes and edges, from the scope's GRAPH_MAX_RECORDS most recent events and "
        "agreements; past GRAPH_MAX_NODES, the best-connected nodes.",
        formats=[
            (GEXFRenderer.media_type, "The same graph in GEXF 1.3."),
            (GraphMLRenderer.media_type, "The same graph in GraphML."),
        ],
        parameters=[GRAPH_FORMAT],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def limits(self):
        return [settings.GRAPH_MAX_NODES, settings.GRAPH_MAX_RECORDS]

    def compute(self, scope):
        return cooperation.graph(
            scope.events,
            scope.agreements,
            settings.GRAPH_MAX_NODES,
            settings.GRAPH_MAX_RECORDS,
        )

    def represent(self, result):
        if isinstance(self.request.accepted_renderer, GraphJSONRenderer):
            return result  # written from the dataclasses
        return graph_json(result)


TIMELINE_GROUP = OpenApiParameter(
    "group",
    str,
    enum=list(cooperation.GROUPS),
    description="`region` (the counterparts', the parties'; the default) or `kind`.",
)


class TimelineView(CooperationView):
    """The scope's dated events and agreements, grouped by region or by kind."""

    name = "timeline"

    @documented(
        TimelineSerializer,
        "Dated events and agreements, most recent TIMELINE_MAX_ITEMS, in date order.",
        parameters=[TIMELINE_GROUP],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def limits(self):
        return settings.TIMELINE_MAX_ITEMS

    def own_parameters(self):
        group = self.request.GET.get("group", "").strip().lower() or "region"
        if group not in cooperation.GROUPS:
            choices = ", ".join(cooperation.GROUPS)
            raise exceptions.ValidationError({"group": [f"Choose from: {choices}."]})
        return {"group": group}

    def compute(self, scope, group):
        return cooperation.timeline(
            scope.events, scope.agreements, group=group, limit=settings.TIMELINE_MAX_ITEMS
        )
