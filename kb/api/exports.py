"""/api/v1/exports/ftm/ and /api/v1/exports/popolo/: the published data in open formats,
streamed.

The bodies are kb/exports/'s (FollowTheMoney entities, one per line; one
Popolo document), for the rows the export filters choose
(kb/filtering/exports.py: `parent`, `updated_since`). As on every read
endpoint (ReadView): `lang`, errors in JSON, a 400 naming a rejected
parameter, ETag / Last-Modified and 304 from one query before any row is
read, throttling. The licence is in each body's metadata where the format
has a place for it (Popolo's `meta`) and, for both, in a `Link: <...>;
rel="license"` header.
"""

from django.http import StreamingHttpResponse
from django.utils import translation
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import exceptions
from rest_framework.renderers import BaseRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ..exports import ftm, popolo
from ..filtering.exports import ExportFilterSet, ExportScope
from ..lib import dataset
from ..models import Event
from . import schema
from .cooperation import CooperationSchema
from .renderers import JSONRenderer
from .throttling import AnonThrottle
from .views import ReadView

# Bytes per chunk sent: FtM lines are small, a Popolo piece is a batch of objects.
CHUNK_BYTES = 64 * 1024


class NDJSONRenderer(BaseRenderer):
    """Declares the FtM export's media type; the view streams its body itself."""

    media_type = ftm.MEDIA_TYPE
    format = "ndjson"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


def streamed(pieces, language, content_type, filename):
    """A download of `pieces` (bytes), produced after the view returns: each chunk is read
    and worded under the request's language again."""
    pieces = iter(pieces)

    def content():
        while True:
            chunk = bytearray()
            with translation.override(language):
                for piece in pieces:
                    chunk += piece
                    if len(chunk) >= CHUNK_BYTES:
                        break
            if not chunk:
                return
            yield bytes(chunk)

    response = StreamingHttpResponse(content(), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Link"] = f'<{dataset.LICENCE_URL}>; rel="license"'
    return response


LICENCE_HEADER = OpenApiParameter(
    "Link",
    str,
    location=OpenApiParameter.HEADER,
    response=[200],
    description=f'The data\'s licence: `<{dataset.LICENCE_URL}>; rel="license"` (CC BY 4.0).',
)


def documented(media_type, body, description):
    """The schema of one export: its body, the filters' 400, and the common errors."""
    return extend_schema(
        parameters=[*schema.LANGUAGE_PARAMETERS, *schema.VALIDATOR_HEADERS, LICENCE_HEADER],
        responses={
            (200, media_type): OpenApiResponse(body, description=description),
            (400, schema.JSON): OpenApiResponse(
                schema.VALIDATION_ERROR,
                description="`parent`, `updated_since` or `lang` was rejected.",
                examples=[
                    OpenApiExample("Unknown event", value={"parent": ["Unknown event: nope."]})
                ],
            ),
            (404, schema.JSON): OpenApiResponse(
                schema.ErrorSerializer, description="Not found: no such path under /api/."
            ),
            **schema.COMMON_ERRORS,
        },
    )


class ExportView(ReadView, APIView):
    """An export: the filters checked, the language set, the answer conditional, the body
    streamed batch by batch."""

    throttle_classes = [AnonThrottle]
    schema = CooperationSchema()
    # For the schema only: the export filters, documented from their FilterSet.
    filter_backends = [DjangoFilterBackend]
    filterset_class = ExportFilterSet
    queryset = Event.objects.none()

    UNKNOWN_FORMAT_IS_400 = True
    name = None  # the ETag's namespace
    module = None  # kb.exports.ftm or kb.exports.popolo

    def etag_name(self):
        return f"exports-{self.name}"

    def pieces(self, scope, base_url):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        scope = ExportScope(request.query_params)
        if not scope.is_valid():
            raise exceptions.ValidationError(scope.errors)
        conditional = self.not_modified(request)
        if conditional is not None:
            return conditional
        pieces = self.pieces(scope, request.build_absolute_uri("/"))
        return streamed(pieces, self.language, self.module.MEDIA_TYPE, self.module.FILE_NAME)

    def finalize_response(self, request, response, *args, **kwargs):
        # A 406 comes before any renderer was chosen: its JSON error needs one.
        if isinstance(response, Response) and getattr(request, "accepted_renderer", None) is None:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


FTM_DESCRIPTION = (
    "FollowTheMoney entities, one JSON object per line (what `ftm` and Aleph read): "
    "organisations, people, posts, memberships, events, agreements, sources, and one "
    "`Documentation` per quote. Ids are stable across exports; `last_change` is when an "
    "entity's export last changed. The licence is in the `Link` header (rel=license)."
)


class FtMExportView(ExportView):
    """The published data as FollowTheMoney entities, streamed as line-delimited JSON."""

    name = "ftm"
    module = ftm
    renderer_classes = [NDJSONRenderer]

    @documented(ftm.MEDIA_TYPE, OpenApiTypes.STR, FTM_DESCRIPTION)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def pieces(self, scope, base_url):
        return ftm.lines(scope, base_url=base_url)


def _collection(what):
    return {
        "type": "array",
        "description": what,
        "items": {"type": "object", "additionalProperties": True},
    }


POPOLO_DOCUMENT = {
    "type": "object",
    "description": "One Popolo JSON document (popoloproject.com); objects refer to each other "
    "by id. Properties Popolo lacks are flagged with a leading `+`.",
    "properties": {
        "meta": {
            "type": "object",
            "description": "The dataset and its licence, in Dublin Core terms.",
            "properties": {
                "title": {"type": "string"},
                "description": {"type": "string"},
                "license": {"type": "string", "format": "uri"},
                "rights": {"type": "string"},
                "source": {"type": "string", "format": "uri"},
            },
            "required": ["title", "description", "license", "rights"],
        },
        "persons": _collection("Popolo persons."),
        "organizations": _collection("Popolo organizations."),
        "posts": _collection("Popolo posts, each in its organization."),
        "memberships": _collection("Popolo memberships: a person's post or organization."),
        "events": _collection("Popolo events, with `+participants`."),
    },
    "required": ["meta", "persons", "organizations", "posts", "memberships", "events"],
}


class PopoloExportView(ExportView):
    """People, organisations, posts, memberships and events as one Popolo document, streamed."""

    name = "popolo"
    module = popolo
    renderer_classes = [JSONRenderer]

    @documented(
        popolo.MEDIA_TYPE,
        POPOLO_DOCUMENT,
        "Persons, organizations, posts, memberships and events in Popolo JSON, names in the "
        "requested language, with their identifiers and citations (`sources`).",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def pieces(self, scope, base_url):
        return popolo.chunks(scope, base_url=base_url)
