"""Read API v1 views: one read-only viewset per type of kb/registry.py.

/api/v1/<type>/ lists and /api/v1/<type>/<slug>/ details, published records
only. Filtering is kb/filtering/'s (the API's FilterSets add `updated_since`),
so a query string means the same rows here, on the pages and in the CSV.
"""

import functools
import hashlib
import json

from django.core.signals import setting_changed
from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.translation.trans_real import parse_accept_lang_header
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, viewsets
from rest_framework.response import Response

from .. import registry
from ..domain import redirects
from ..domain.citations import cited_as_list
from ..filtering import compiled, facets, sync
from ..filtering.keys import filter_key
from ..lib.text import SLUG_RE
from . import projections, renderers, schema, serializers
from .conditional import fingerprint
from .pagination import Keyset, Pagination
from .renderers import (
    CSVRenderer,
    JSONRenderer,
    columns_for,
    csv_lines,
    flatten,
    stream_rows,
    streamed_csv,
)
from .throttling import AnonThrottle

LANGUAGES = ("en", "fr")


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


class ReadView:
    """What every read endpoint does around its answer, once: the language (`lang`, then
    Accept-Language), errors (and OPTIONS' description) in JSON whatever format was
    asked for, and ETag / Last-Modified from one query on the data version.

    Mixed into DRF views before their base class. `etag_name()` and `etag_extra()` say
    what besides the request and the data shapes a body; `UNKNOWN_FORMAT_IS_400` makes an
    unknown `?format=` a 400 naming it (DRF's own answer, which the record lists keep
    as documented, is a 404).
    """

    UNKNOWN_FORMAT_IS_400 = False

    def etag_name(self):
        return self.basename

    def etag_extra(self):
        """Whatever else shapes the body (settings such as a cap), for the ETag."""
        return []

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

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except (Http404, exceptions.NotFound):
            if not self.UNKNOWN_FORMAT_IS_400:
                raise
            formats = ", ".join(r.format for r in self.get_renderers())
            raise exceptions.ValidationError(
                {"format": [f"Unknown format. Choose from: {formats}."]}
            ) from None

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON even when CSV (or GEXF) was asked for, so a client can read why.
        renderer = getattr(request, "accepted_renderer", None)
        is_error = isinstance(response, Response) and response.status_code >= 400
        as_json = is_error or request.method == "OPTIONS"
        if as_json and renderer is not None and not isinstance(renderer, JSONRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        patch_vary_headers(response, ["Accept-Language"])
        # The language the answer is in (errors about `lang` itself are in English).
        response["Content-Language"] = self.language or "en"
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
                self.etag_name(),
                request.build_absolute_uri("/"),
                sorted(request.GET.lists()),
                self.language,
                request.accepted_media_type,
                stats,
                *self.etag_extra(),
            ],
            default=str,
        )
        etag = quote_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
        self.conditional_headers = (etag, last_modified)
        return get_conditional_response(request, etag=etag, last_modified=last_modified)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, keeping its FilterSet on the view: the facets count its rows."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset


def facets_json(results):
    """FacetResults (kb/filtering/facets.py) as the API gives them: schema.FACETS."""
    return {
        result.name: {
            "label": result.title,
            "values": [
                {
                    "value": str(v.value),
                    "label": v.label,
                    "count": v.count,
                    "selected": v.selected,
                }
                for v in result.values
            ],
            "truncated": result.truncated,
            "counted": result.counted,
        }
        for result in results
    }


@functools.cache
def in_name_order(model, language):
    """A list's published rows in its default order, built once per type and language.

    Building it (published(), the sort key's annotation) took some 0.2 ms of
    every request; each request takes a clone, as the pages do (site.views.listed).
    """
    return model.objects.published().in_name_order(language)


def _forget_in_name_order(**kwargs):
    # A test's changed setting (the database, languages) may change the querysets.
    in_name_order.cache_clear()


setting_changed.connect(_forget_in_name_order)


def ordered(queryset):
    """`queryset` in its order, ended by a unique tie-breaker: pages stay stable whatever
    `ordering` says, and `cursor` pages seek on it (the name order ends in it already)."""
    if tuple(queryset.query.order_by[-1:]) != ("pk",):
        return queryset.order_by(*queryset.query.order_by, "pk")
    return queryset


class RecordViewSet(ReadView, viewsets.ReadOnlyModelViewSet):
    """A read-only type: published records, by slug, filtered, paged, JSON or CSV.

    `?facets=kind,region` adds each named facet's values and counts to a page
    of the list (kb/filtering/facets.py); without it no facet is counted.
    """

    model = None  # set by each type, with `prefix`, its path under /api/v1/
    prefix = None
    lookup_field = "slug"
    lookup_value_regex = "[^/]+"  # checked against SLUG_RE in retrieve(): a JSON 404
    filter_backends = [FilterBackend]
    pagination_class = Pagination
    renderer_classes = [JSONRenderer, CSVRenderer]
    throttle_classes = [AnonThrottle]

    def get_queryset(self):
        # Filters and projections need nothing more; serialized() adds what serializers read.
        return self.model.objects.published()

    @staticmethod
    def serialized(queryset):
        """The rows with what their serializer reads (the CSV, and types without a projection)."""
        # The folded search column is for the database only; no record shows it.
        return cited_as_list(queryset.for_listing().with_identifiers().defer("search_text"))

    def get_renderers(self):
        # CSV is a list format; a record is JSON.
        if getattr(self, "action", None) != "list":
            return [JSONRenderer()]
        return super().get_renderers()

    def list(self, request, *args, **kwargs):
        conditional = self.not_modified(request)
        if conditional is not None:
            return conditional
        # By name in the answer's language, unless `ordering` chooses another order.
        filterset = self.valid_filterset(in_name_order(self.model, self.language).all())
        try:
            self.facet_names = facets.requested(self.model, request.query_params.getlist("facets"))
        except facets.UnknownFacet as exc:
            raise exceptions.ValidationError({"facets": [str(exc)]}) from None
        if request.accepted_renderer.format == CSVRenderer.format:
            return self.stream_csv(ordered(filterset.qs))
        self.paginator.data_version = self.data_version
        self.paginator.count_key = filter_key(self.basename, request.query_params)
        projection = projections.for_model(self.model)
        if projection is not None:
            # The rows from values(), not instances: the same JSON, at a fraction of the
            # cost; their SQL compiled once per shape of request when it can be.
            key = (self.model._meta.label, self.language)
            rows = compiled.listing(key, filterset, ordered, projection, keyset=Keyset)
            if rows is None:
                rows = projection.values(ordered(filterset.qs))
            page = self.paginate_queryset(rows)
            data = projection(self.get_serializer_context()).rows(page, filterset.queryset.db)
            return self.get_paginated_response(data)
        page = self.paginate_queryset(self.serialized(ordered(filterset.qs)))
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def valid_filterset(self, queryset):
        """The request's FilterSet over `queryset`, validated: a 400 names each bad parameter."""
        filterset = FilterBackend().get_filterset(self.request, queryset, self)
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        if getattr(self, "facet_names", None):
            # Cached under the data version the ETag read: a repeated call counts nothing.
            # Past facets.JOINED_MAX records, the facets counted through a join are not.
            results = facets.facet_counts(
                self.filterset,
                self.facet_names,
                version=self.data_version,
                total=self.paginator.count,
            )
            response.data["facets"] = facets_json(results)
        return response

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
        data = self.record_data(self.get_queryset().filter(slug=slug))
        if data is None:
            # A merged record's old slug: 301 to the record it was merged into.
            target = redirects.public_target(self.model, slug)
            if target is None:
                raise missing
            url = reverse(f"v1:{self.basename}-detail", kwargs={self.lookup_field: target.slug})
            return HttpResponsePermanentRedirect(redirects.with_query(url, request))
        if conditional is not None:
            return conditional
        return Response(data)

    def record_data(self, found):
        """The one record in `found` as the serializer gives it, or None."""
        projection = projections.for_model(self.model)
        if projection is None:
            record = self.serialized(found).first()
            return None if record is None else self.get_serializer(record).data
        rows = list(projection.values(found)[:1])
        if not rows:
            return None
        return projection(self.get_serializer_context()).rows(rows, found.db)[0]

    def stream_csv(self, queryset):
        """The whole filtered list as CSV, streamed a few hundred rows at a time.

        Through the type's projection where it has one, as the JSON pages are:
        through instances and DRF's fields, 50,000 events took some 110 s, past
        gunicorn's timeout (GUNICORN_TIMEOUT), which cut the download short.
        """
        serializer = self.get_serializer()
        projection = projections.for_model(self.model)
        if projection is None:
            records = stream_rows(self.serialized(queryset), serializer)
        else:
            records = (
                flatten(record)
                for record in projection.stream(
                    queryset, self.get_serializer_context(), renderers.CHUNK_SIZE
                )
            )
        lines = csv_lines(columns_for(serializer), records)
        return streamed_csv(lines, self.language, f"{self.prefix}.csv")


def documented(serializer_class, facet_names=()):
    """Describe both actions of a type, errors and 304 included."""
    common = [*schema.LANGUAGE_PARAMETERS, *schema.VALIDATOR_HEADERS]
    listing = [*common, schema.FORMAT_PARAMETER]
    if facet_names:
        listing.append(schema.facets_parameter(facet_names))
    return extend_schema_view(
        list=extend_schema(
            parameters=listing,
            responses=schema.list_responses(serializer_class),
        ),
        retrieve=extend_schema(
            parameters=common, responses=schema.detail_responses(serializer_class)
        ),
    )


def viewset_for(entry):
    """The read-only viewset of a registry entry: its serializer, FilterSet and description."""
    serializer_class = serializers.for_model(entry.model)
    attrs = {
        "__doc__": entry.description,
        "__module__": __name__,
        "model": entry.model,
        "prefix": entry.api,
        "serializer_class": serializer_class,
        "filterset_class": sync.for_model(entry.model),
    }
    viewset = type(f"{entry.model.__name__}ViewSet", (RecordViewSet,), attrs)
    return documented(serializer_class, facets.names_for(entry.model))(viewset)


VIEWSETS = [viewset_for(entry) for entry in registry.in_api()]


def api_not_found(request, *args, **kwargs):
    """Unknown paths under /api/ answer JSON too."""
    return JsonResponse({"detail": "Not found."}, status=404)
