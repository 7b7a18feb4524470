"""/api/v1/connections/: who met whom, one row per counterpart participation, JSON or CSV.

The rows are kb/domain/connections.py's, for the events the scope
parameters choose (kb/filtering/scope.py, as on the map, network and
timeline): the connections page shows the same rows from the same
functions. JSON is paged like the lists; `format=csv` streams the whole
result as flat columns, a cell per value, for a spreadsheet.
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, viewsets

from ..domain.connections import FLAT_COLUMNS, connections, flat, rows
from ..filtering.keys import filter_key
from ..filtering.scope import CooperationScope, ScopeEventFilterSet
from ..lib.batching import batched
from ..models import Event
from . import schema
from .fields import NULLABLE_SLUG
from .pagination import Pagination
from .renderers import CHUNK_SIZE, CSVRenderer, JSONRenderer, csv_lines, streamed_csv
from .throttling import AnonThrottle
from .views import ReadView


@extend_schema_field(NULLABLE_SLUG)
class RefField(serializers.Field):
    """The slug of a record a row names (person, post, organisation); null when none."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return value.slug


class OrNullField(serializers.CharField):
    """Text that is empty when the row has none (a country, a region): null then."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "ISO 3166-1 alpha-2 code; null without one (international bodies). "
        "Several hosts' distinct codes are joined with “; ”.",
        "example": "MA",
    }
)
class CountryCodeOrNull(OrNullField):
    pass


@extend_schema_field(
    {
        "type": "string",
        "nullable": True,
        "description": "UN M49 region slug; null without a country. "
        "Several hosts' distinct regions are joined with “; ”.",
        "example": "europe",
    }
)
class RegionOrNull(OrNullField):
    pass


class ConnectionEventSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="In the requested language.")
    start_date = serializers.DateField(read_only=True, allow_null=True)
    end_date = serializers.DateField(read_only=True, allow_null=True)
    date_precision = serializers.ChoiceField(
        choices=["exact", "within"],
        read_only=True,
        help_text="`within`: on some day of the window, the sources do not say which.",
    )
    dates = serializers.CharField(
        read_only=True,
        help_text="The window in words, in the requested language, as the site writes it.",
    )


class ConnectionParticipantSerializer(serializers.Serializer):
    name = serializers.CharField(
        read_only=True,
        help_text="Person, post and organisation, as named, joined with “ — ”.",
    )
    person = RefField()
    post = RefField()
    organisation = RefField()
    country = CountryCodeOrNull()
    country_name = OrNullField()
    region = RegionOrNull()
    region_name = OrNullField()


class ConnectionSideSerializer(serializers.Serializer):
    """One side of a meeting: the host(s), or the counterpart."""

    name = serializers.CharField(
        read_only=True, help_text="Several hosts' names are joined with “; ”; none: empty."
    )
    role = serializers.CharField(
        read_only=True, help_text="The participation's role (host, counterpart, observer...)."
    )
    role_name = serializers.CharField(read_only=True, help_text="The role in words.")
    country = CountryCodeOrNull()
    country_name = OrNullField()
    region = RegionOrNull()
    region_name = OrNullField()
    participants = ConnectionParticipantSerializer(many=True, read_only=True)


class ConnectionQuoteSerializer(serializers.Serializer):
    source = serializers.CharField(source="source.slug", read_only=True)
    source_title = serializers.CharField(source="source.name", read_only=True)
    language = serializers.CharField(read_only=True, help_text="The source's language.")
    quote = serializers.CharField(read_only=True, help_text="The source's exact words.")


class ConnectionSerializer(serializers.Serializer):
    """One counterpart participation in an event, with the event's host."""

    event = ConnectionEventSerializer(read_only=True)
    host = ConnectionSideSerializer(read_only=True)
    counterpart = ConnectionSideSerializer(read_only=True)
    citations = ConnectionQuoteSerializer(
        source="quotes",
        many=True,
        read_only=True,
        help_text="Every quote behind the counterpart's participation (published sources).",
    )


class ConnectionPagination(Pagination):
    """The lists' paging by page number; rows sort by the event's date, so no keyset cursor."""

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        return [p for p in parameters if p["name"] != self.cursor_query_param]


FORMATS = ("json", "csv")


@extend_schema(
    parameters=[
        *schema.LANGUAGE_PARAMETERS,
        *schema.VALIDATOR_HEADERS,
        OpenApiParameter(
            "format",
            str,
            enum=list(FORMATS),
            description=(
                "`csv` streams every row (no paging: `page` and `page_size` are ignored) "
                "as an attachment, one column per value; several quotes in a cell are "
                "separated by a blank line. Any other value answers 400."
            ),
        ),
    ],
    responses={
        **schema.list_responses(ConnectionSerializer),
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.STR,
            description="Every row, with a header: " + ", ".join(n for n, _r in FLAT_COLUMNS),
        ),
    },
)
class ConnectionViewSet(ReadView, viewsets.GenericViewSet):
    """Who met whom: one row per counterpart participation, with the event's host.

    The rows of the events the scope parameters choose (the same as the
    map, network and timeline), in event date, event and participation
    order. Each names both sides (countries, regions, roles), the event and
    its dates, and every quote behind the counterpart's participation.
    """

    serializer_class = ConnectionSerializer
    pagination_class = ConnectionPagination
    renderer_classes = [JSONRenderer, CSVRenderer]
    throttle_classes = [AnonThrottle]
    # The scope's filters, for the schema only: list() reads them through CooperationScope.
    filter_backends = [DjangoFilterBackend]
    filterset_class = ScopeEventFilterSet

    UNKNOWN_FORMAT_IS_400 = True

    def etag_name(self):
        return "connections"

    def get_queryset(self):
        # What the filters apply to (and the schema reads): the events.
        return Event.objects.published()

    def list(self, request, *args, **kwargs):
        scope = CooperationScope(request.query_params)
        if not scope.is_valid():
            raise exceptions.ValidationError(scope.errors)
        conditional = self.not_modified(request)
        if conditional is not None:
            return conditional
        participations = connections(scope.events, scope.start_bounds("event__"))
        if request.accepted_renderer.format == CSVRenderer.format:
            return self.stream_csv(participations)
        # The count is cached under the data version and the query's filters, as the lists'.
        self.paginator.data_version = self.data_version
        self.paginator.count_key = filter_key(self.basename, request.query_params)
        page = self.paginate_queryset(participations)
        serializer = self.get_serializer(rows(page), many=True)
        return self.get_paginated_response(serializer.data)

    def stream_csv(self, participations):
        """Every row, CHUNK_SIZE participations per round of queries, in the request's language.

        The body is produced after dispatch returns: each batch is read and
        worded under the request's language again.
        """

        def flat_rows():
            for chunk in batched(participations.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
                yield from (flat(row) for row in rows(chunk))

        lines = csv_lines([name for name, _read in FLAT_COLUMNS], flat_rows())
        return streamed_csv(lines, self.language, "connections.csv")
