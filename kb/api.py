"""Read API v1 (mounted under /api/ by config/urls.py).

/api/v1/<type>/ lists and /api/v1/<type>/<slug>/ details for eight types,
published records only; /api/schema/ is the OpenAPI schema, /api/docs/ its
Swagger UI. Filtering is kb/filters.py's, through kb/api_filters.py, so a
query string means the same rows here, on the pages and in the CSV.
"""

import datetime
import hashlib
import itertools
import json

from django.db import connections
from django.http import JsonResponse, StreamingHttpResponse
from django.urls import include, path, re_path
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, quote_etag
from django.utils.translation.trans_real import parse_accept_lang_header
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework import exceptions, routers, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from . import api_filters, api_schema, serializers
from .api_policies import AnonThrottle, Pagination
from .exports import CSVRenderer, columns_for, csv_lines, stream_rows
from .filters import SLUG_RE
from .models import (
    Agreement,
    AgreementParty,
    Citation,
    Claim,
    Event,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Source,
    Topic,
)
from .models.base import cited_as_list
from .models.indexing import VERSION_TABLE, filter_key, version_expression

LANGUAGES = ("en", "fr")

# Every table whose rows show up in some response. Their latest `updated_at`
# enters each ETag, so renaming an organisation refreshes the events that
# name it. Known limit: deleting a join row or a citation changes no
# `updated_at`; such a response stays cached until any other change.
CHANGE_TABLES = (
    Topic,
    Organisation,
    Person,
    Post,
    Membership,
    Event,
    Participation,
    Agreement,
    AgreementParty,
    Source,
    Citation,
    Claim,
)


def requested_language(request):
    """`?lang=` wins, then Accept-Language, then English; None for an invalid `lang`."""
    lang = request.GET.get("lang", "").strip().lower()
    if lang:
        return lang if lang in LANGUAGES else None
    for code, _quality in parse_accept_lang_header(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return "en"


FINGERPRINT_SQL = {}


def fingerprint_sql(connection):
    """One query: the data version, when it changed, and each table's latest `updated_at`.

    Written once per database: each `max(updated_at)` reads the end of an
    index, so nothing here grows with the rows a response lists.
    """
    sql = FINGERPRINT_SQL.get(connection.alias)
    if sql is None:
        qn = connection.ops.quote_name
        latest = ", ".join(
            f"(SELECT max(updated_at) FROM {qn(model._meta.db_table)})" for model in CHANGE_TABLES
        )
        sql = FINGERPRINT_SQL[connection.alias] = (
            f"SELECT ({version_expression(connection.vendor)}), changed_at, {latest} "
            f"FROM {VERSION_TABLE} WHERE id = 1"
        )
    return sql


def as_datetime(value):
    """A timestamp as the database returns it in raw SQL (text on SQLite), made aware."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, datetime.UTC)
    return value


def fingerprint():
    """The data version and when anything last changed: one query, on one row.

    Nothing here reads the rows a response lists, so its cost does not grow
    with them. The version is renewed by every change, deletions included
    (kb/models/indexing.py); the latest `updated_at` of each table (an index
    lookup) and the version's own time give Last-Modified.
    """
    connection = connections[Organisation.objects.db]
    with connection.cursor() as cursor:
        cursor.execute(fingerprint_sql(connection))
        row = cursor.fetchone()
    if row is None:
        return {"token": None, "changes": []}
    return {"token": row[0], "changes": [as_datetime(v) for v in row[1:] if v is not None]}


class RecordViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only type: published records, by slug, filtered, paged, JSON or CSV."""

    model = None  # set by each type, with `prefix`, its path under /api/v1/
    prefix = None
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"  # checked against SLUG_RE in retrieve(): a JSON 404
    filter_backends = [DjangoFilterBackend]
    pagination_class = Pagination
    renderer_classes = [JSONRenderer, CSVRenderer]
    throttle_classes = [AnonThrottle]

    def get_queryset(self):
        # The folded search column is for the database only; no record shows it.
        queryset = self.model.objects.published().for_listing().defer("search_text")
        return cited_as_list(queryset)

    def get_renderers(self):
        # CSV is a list format; a record is JSON.
        if getattr(self, "action", None) != "list":
            return [JSONRenderer()]
        return super().get_renderers()

    def dispatch(self, request, *args, **kwargs):
        # The response (CSV streaming aside, see stream_csv) is built inside
        # dispatch, so modeltranslation reads names in the requested language.
        self.language = requested_language(request)
        with translation.override(self.language or "en"):
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.language is None:
            raise exceptions.ValidationError({"lang": ["Choose en or fr."]})

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON even when CSV was asked for, so a client can read why.
        renderer = getattr(request, "accepted_renderer", None)
        is_error = isinstance(response, Response) and response.status_code >= 400
        if is_error and renderer is not None and not isinstance(renderer, JSONRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept-Language"])
        validators = getattr(self, "conditional_headers", None)
        if validators and (200 <= response.status_code < 300 or response.status_code == 304):
            etag, last_modified = validators
            response["ETag"] = etag
            if last_modified is not None:
                response["Last-Modified"] = http_date(last_modified)
        return response

    def not_modified(self, request):
        """Answer 304 (or 412) from one cheap query, before any row is read or serialised.

        The ETag covers the data version (renewed by every change) and the
        request; the version is kept for the paginator's count.
        """
        stats = fingerprint()
        self.data_version = stats["token"]
        changes = stats["changes"]
        last_modified = int(max(changes).timestamp()) if changes else None
        # Everything that shapes the body: the data's state and the request.
        key = json.dumps(
            [
                self.basename,
                request.build_absolute_uri("/"),
                sorted(request.GET.lists()),
                self.language,
                request.accepted_media_type,
                stats,
            ],
            default=str,
        )
        etag = quote_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
        self.conditional_headers = (etag, last_modified)
        return get_conditional_response(request, etag=etag, last_modified=last_modified)

    def list(self, request, *args, **kwargs):
        conditional = self.not_modified(request)
        if conditional is not None:
            return conditional
        queryset = self.filter_queryset(self.get_queryset())
        # A unique tie-breaker keeps pages stable whatever `ordering` says,
        # and lets `cursor` pages seek on it.
        ordering = queryset.query.order_by or self.model._meta.ordering
        queryset = queryset.order_by(*ordering, "pk")
        if request.accepted_renderer.format == CSVRenderer.format:
            return self.stream_csv(queryset)
        self.paginator.data_version = self.data_version
        self.paginator.count_key = filter_key(self.basename, request.query_params)
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        slug = kwargs[self.lookup_field]
        missing = exceptions.NotFound(f"No published {self.model._meta.verbose_name} “{slug}”.")
        # A malformed slug (a NUL byte, say) never reaches the database.
        if not SLUG_RE.match(slug):
            raise missing
        conditional = self.not_modified(request)
        # An ETag of this URL at this version means the record existed then, so
        # exists now; `If-None-Match: *` alone says nothing of the sort.
        if conditional is not None and request.headers.get("If-None-Match", "").strip() != "*":
            return conditional
        record = self.get_queryset().filter(slug=slug).first()
        if record is None:
            raise missing
        if conditional is not None:
            return conditional
        return Response(self.get_serializer(record).data)

    def stream_csv(self, queryset):
        """The whole filtered list as CSV, streamed a few hundred rows at a time.

        The body is produced after dispatch returns, so each batch of rows
        is serialised under the request's language again.
        """
        serializer = self.get_serializer()
        lines = csv_lines(columns_for(serializer), stream_rows(queryset, serializer))
        language = self.language

        def content():
            while True:
                with translation.override(language):
                    batch = "".join(itertools.islice(lines, 200))
                if not batch:
                    return
                yield batch.encode()

        response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.prefix}.csv"'
        return response


def documented(serializer_class):
    """Describe both actions of a type, errors and 304 included."""
    common = [*api_schema.LANGUAGE_PARAMETERS, *api_schema.VALIDATOR_HEADERS]
    return extend_schema_view(
        list=extend_schema(
            parameters=[*common, api_schema.FORMAT_PARAMETER],
            responses=api_schema.list_responses(serializer_class),
        ),
        retrieve=extend_schema(
            parameters=common, responses=api_schema.detail_responses(serializer_class)
        ),
    )


@documented(serializers.OrganisationSerializer)
class OrganisationViewSet(RecordViewSet):
    """Police forces, security services, delegations, ministries and international bodies."""

    model = Organisation
    prefix = "organisations"
    serializer_class = serializers.OrganisationSerializer
    filterset_class = api_filters.OrganisationFilterSet


@documented(serializers.PersonSerializer)
class PersonViewSet(RecordViewSet):
    """Named people, with the posts and organisations they belong to."""

    model = Person
    prefix = "people"
    serializer_class = serializers.PersonSerializer
    filterset_class = api_filters.PersonFilterSet


@documented(serializers.PostSerializer)
class PostViewSet(RecordViewSet):
    """Seats in an organisation ("the President of INTERPOL"), apart from who holds them."""

    model = Post
    prefix = "posts"
    serializer_class = serializers.PostSerializer
    filterset_class = api_filters.PostFilterSet


@documented(serializers.EventSerializer)
class EventViewSet(RecordViewSet):
    """General assemblies, meetings and signings, with who took part in which role."""

    model = Event
    prefix = "events"
    serializer_class = serializers.EventSerializer
    filterset_class = api_filters.EventFilterSet


@documented(serializers.AgreementSerializer)
class AgreementViewSet(RecordViewSet):
    """Memoranda, protocols and agreements, with their parties."""

    model = Agreement
    prefix = "agreements"
    serializer_class = serializers.AgreementSerializer
    filterset_class = api_filters.AgreementFilterSet


@documented(serializers.TopicSerializer)
class TopicViewSet(RecordViewSet):
    """Themes of cooperation."""

    model = Topic
    prefix = "topics"
    serializer_class = serializers.TopicSerializer
    filterset_class = api_filters.TopicFilterSet


@documented(serializers.SourceSerializer)
class SourceViewSet(RecordViewSet):
    """The documents facts come from; every other record cites them with a quote."""

    model = Source
    prefix = "sources"
    serializer_class = serializers.SourceSerializer
    filterset_class = api_filters.SourceFilterSet


@documented(serializers.ClaimSerializer)
class ClaimViewSet(RecordViewSet):
    """Figures sources state, checked against the data (`recorded`, `consistent`)."""

    model = Claim
    prefix = "claims"
    serializer_class = serializers.ClaimSerializer
    filterset_class = api_filters.ClaimFilterSet

    def get_queryset(self):
        # `recorded` for the whole page in the page's own query.
        return super().get_queryset().with_recorded()


def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer JSON too."""
    return JsonResponse({"detail": "Not found."}, status=404)


# No format suffixes (/organisations.json): `?format=` is the one way, and
# slugs stay free of that ambiguity.
class Router(routers.DefaultRouter):
    include_format_suffixes = False


router = Router()
# Basenames are the model names: reverse("v1:organisation-detail", kwargs={"slug": ...}).
for viewset in (
    OrganisationViewSet,
    PersonViewSet,
    PostViewSet,
    EventViewSet,
    AgreementViewSet,
    TopicViewSet,
    SourceViewSet,
    ClaimViewSet,
):
    router.register(viewset.prefix, viewset, basename=viewset.model._meta.model_name)

urlpatterns = [
    path("v1/", include((router.urls, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # Ends in a slash so that CommonMiddleware can still add a missing one.
    re_path(r"^.*/$", api_not_found),
]
