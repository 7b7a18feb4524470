"""How the API describes itself in OpenAPI: errors, shared parameters, filter types.

Kept apart from the views so views.py reads as behaviour. Everything the
views answer, errors and 304 included, is declared here, and the schema
must pass `manage.py spectacular --validate --fail-on-warn`.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_array_type, build_parameter_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from ..filtering import fields as kb_filters
from ..filtering.facets import JOINED_MAX


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in English.")


# DRF's validation error shape: each offending parameter and its messages.
VALIDATION_ERROR = {
    "type": "object",
    "description": "Each rejected query parameter, with its messages.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}

LANGUAGE_PARAMETERS = [
    OpenApiParameter(
        "lang",
        str,
        enum=["en", "fr"],
        description=(
            "Language of `name` (and of translated text). Wins over Accept-Language; "
            "English when neither says. Any other value answers 400."
        ),
    ),
    OpenApiParameter(
        "Accept-Language",
        str,
        location=OpenApiParameter.HEADER,
        description="Used when `lang` is absent; only English and French are served.",
    ),
]

VALIDATOR_HEADERS = [
    OpenApiParameter(
        "ETag",
        str,
        location=OpenApiParameter.HEADER,
        response=[200, 304],
        description="Send it back in If-None-Match to get a 304 while nothing changed.",
    ),
    OpenApiParameter(
        "Last-Modified",
        str,
        location=OpenApiParameter.HEADER,
        response=[200, 304],
        description="The latest change to the data; send it back in If-Modified-Since.",
    ),
    OpenApiParameter(
        "Retry-After",
        int,
        location=OpenApiParameter.HEADER,
        response=[429],
        description="Seconds to wait before the next request.",
    ),
]

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv"],
    description=(
        "`csv` streams every filtered record (no paging: `page` and `page_size` are "
        "ignored) as an attachment with a header row."
    ),
)


def facets_parameter(names):
    """`facets`: which of a list's facets (kb/filtering/facets.py) to count."""
    return OpenApiParameter(
        "facets",
        build_array_type({"type": "string", "enum": list(names)}),
        style="form",
        explode=False,
        description=(
            "Facets to add to the answer, comma-separated (or the parameter repeated): "
            f"any of {', '.join(f'`{n}`' for n in names)}. Each is named after the filter "
            "parameter it adds, and gives each of that filter's values with the number of "
            "records, within the current filters, that have it: adding the value as a filter "
            "gives exactly that many. Values are listed most frequent first, at most 100 per "
            "facet (all countries). Counts are cached until the data changes. Facets over "
            "related records (`counterpart_*`, `party_*`, `topic`) are counted for lists of "
            f"at most {JOINED_MAX:,} records (`counted`). An unknown name answers 400; without the "
            "parameter no facet is counted."
        ),
        examples=[OpenApiExample("Two facets", value=",".join(names[:2]))],
    )


# The `facets` object of a list's answer, when `?facets=` names some.
FACETS = {
    "type": "object",
    "description": "Present only when `facets` names some: each requested facet, by name.",
    "additionalProperties": {
        "type": "object",
        "required": ["label", "values", "truncated", "counted"],
        "properties": {
            "label": {"type": "string", "description": "The filter's name, in `lang`."},
            "values": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["value", "label", "count", "selected"],
                    "properties": {
                        "value": {
                            "type": "string",
                            "description": "The filter value to add (a code, slug or year).",
                        },
                        "label": {"type": "string", "description": "Its name, in `lang`."},
                        "count": {
                            "type": "integer",
                            "nullable": True,
                            "description": (
                                "Records within the current filters that have it; null when "
                                "the facet is not counted."
                            ),
                        },
                        "selected": {
                            "type": "boolean",
                            "description": "The current filters choose it already.",
                        },
                    },
                },
            },
            "truncated": {
                "type": "boolean",
                "description": "More values exist than are listed (the most frequent 100).",
            },
            "counted": {
                "type": "boolean",
                "description": (
                    f"False when the list holds more than {JOINED_MAX:,} records and the facet "
                    "counts through related records (counterparts, parties, topics): `values` "
                    "then holds only the values the filters choose, uncounted. Narrow the filters."
                ),
            },
        },
    },
}

JSON = "application/json"


def _error(description):
    return OpenApiResponse(ErrorSerializer, description=description)


# Error bodies are JSON whatever format was asked for (see RecordViewSet).
COMMON_ERRORS = {
    304: OpenApiResponse(description="Not modified: the ETag or date you sent is current."),
    (405, JSON): _error("Method not allowed: the API is read-only (GET, HEAD and OPTIONS only)."),
    (406, JSON): _error("Not acceptable: ask for application/json (or text/csv on lists)."),
    412: OpenApiResponse(description="Precondition failed (If-Match / If-Unmodified-Since)."),
    (429, JSON): _error("Too many requests from this address; see Retry-After."),
}


def list_responses(serializer_class):
    return {
        (200, JSON): OpenApiResponse(
            serializer_class(many=True), description="One page of published records."
        ),
        (200, "text/csv"): OpenApiResponse(
            OpenApiTypes.STR, description="Every filtered record, one per row, with a header."
        ),
        (400, JSON): OpenApiResponse(
            VALIDATION_ERROR,
            description="A filter value, date, `facets` name or `lang` was rejected.",
            examples=[
                OpenApiExample(
                    "Unknown region",
                    value={"region": ["Unknown value: mars. Choose from: africa, asia, ..."]},
                ),
                OpenApiExample(
                    "Unknown facet",
                    value={"facets": ["Unknown facet: colour. Choose from: kind, country, ..."]},
                ),
            ],
        ),
        (404, JSON): _error("Malformed or out-of-range `page`."),
        **COMMON_ERRORS,
    }


def detail_responses(serializer_class):
    return {
        200: OpenApiResponse(serializer_class, description="The published record."),
        (400, JSON): OpenApiResponse(VALIDATION_ERROR, description="`lang` was rejected."),
        (404, JSON): _error("No published record has this slug."),
        **COMMON_ERRORS,
    }


class KbFilterExtension(DjangoFilterExtension):
    """Types kb/filtering/'s custom filters: lists of slugs or of choices.

    drf-spectacular cannot infer them (they filter by slug through relations
    or methods), and would fall back to a warning and a wrong type.
    """

    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        if not isinstance(filter_field, kb_filters.SlugFilter | kb_filters.ChoicesFilter):
            return super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        items = {"type": "string"}
        choices = self._get_explicit_filter_choices(filter_field)
        if choices and len(choices) > 20:
            # 249 country codes would drown the schema; the help text says ISO codes.
            items["pattern"] = "^[A-Za-z]{2}$"
        elif choices:
            items["enum"] = sorted(str(c) for c in choices)
        described = filter_field.extra.get("help_text") or filter_field.label
        description = _("%(what)s. Repeat the parameter or separate values by commas: any of them.")
        return [
            build_parameter_type(
                name=field_name,
                schema=build_array_type(items),
                location=OpenApiParameter.QUERY,
                description=str(description % {"what": str(described).rstrip(".")}),
                explode=False,
                style="form",
            )
        ]
