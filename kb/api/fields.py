"""The fields serializers.py builds its serializers from, and the schema of each.

Several read the stored value directly instead of through the model's
descriptor (django-countries, modeltranslation, DRF's hyperlinks): those
descriptors did per-row work that, on a list of 50 records, cost more than
the query. Each gives what the descriptor would (tests/api/test_lean_paths.py,
tests/api/).
"""

import datetime
import functools

from django.db.models import DEFERRED
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django_countries.fields import Country
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from modeltranslation.fields import NONE as MT_NONE
from modeltranslation.fields import TranslationFieldDescriptor
from modeltranslation.utils import (
    build_localized_fieldname,
    fallbacks_enabled,
    resolution_order,
)
from rest_framework import serializers

from ..lib import identifiers as schemes
from ..lib import regions
from ..models import Citation
from ..models.citations import CITED
from ..models.visibility import is_public

URL_OR_NULL = {"type": "string", "format": "uri", "nullable": True}
NULLABLE_SLUG = {"type": "string", "nullable": True, "example": "bka"}
COUNTRY_CODE = {
    "type": "string",
    "nullable": True,
    "pattern": "^[A-Z]{2}$",
    "description": "ISO 3166-1 alpha-2 code; null when none (international bodies).",
    "example": "DE",
}
REGION = {
    "type": "string",
    "nullable": True,
    "enum": [*regions.REGION_NAMES, None],
    "description": "UN M49 region derived from the country; null without a country.",
}


@extend_schema_field(NULLABLE_SLUG)
class PublishedSlugField(serializers.Field):
    """The slug of a related record, or null when that record is a draft."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return value.slug if is_public(value) else None


@extend_schema_field(URL_OR_NULL)
class OptionalURLField(serializers.Field):
    """A URL the model stores as "" when unknown: null then, as the schema says."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


@extend_schema_field(NULLABLE_SLUG)
class SlugField(serializers.Field):
    """The slug of a related record the prefetch already limited to published ones."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return value.slug


@functools.cache
def country_code(raw):
    """A stored country code as django-countries gives it (alpha-2), or None."""
    return Country(code=raw).code or None if raw else None


def raw_country(obj, name="country"):
    """The stored code of a CountryField, read without building a Country object."""
    raw = obj.__dict__.get(name, DEFERRED)
    if raw is DEFERRED:  # deferred: let the descriptor load it
        raw = getattr(obj, name).code
    return raw


@extend_schema_field(COUNTRY_CODE)
class CountryCodeField(serializers.Field):
    """The alpha-2 code, or null.

    Read from the stored value: django-countries' descriptor builds and
    normalises a Country object on every access, which a list of 50 rows
    paid for twice per row (the code and the region).
    """

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, instance):
        return raw_country(instance, self.source)

    def to_representation(self, value):
        return country_code(value)


@extend_schema_field(OpenApiTypes.STR)
class TranslatedField(serializers.Field):
    """A modeltranslation field (`name`) in the active language, with its fallbacks.

    What reading `obj.name` gives, with the descriptor's fallback order
    worked out once per language instead of on every row.
    """

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)
        self._plans = {}

    def get_attribute(self, instance):
        return instance

    def _plan(self, model):
        language = translation.get_language()
        key = (model, language, fallbacks_enabled())
        plan = self._plans.get(key)
        if plan is None:
            descriptor = model.__dict__.get(self.source)
            if not isinstance(descriptor, TranslationFieldDescriptor):
                plan = None  # not translated here: read the attribute
            else:
                undefined = descriptor.fallback_undefined
                if undefined is MT_NONE:
                    undefined = descriptor.field.get_default()
                order = resolution_order(language, descriptor.fallback_languages)
                names = [build_localized_fieldname(self.source, lang) for lang in order]
                plan = (names, undefined)
            self._plans[key] = plan
        return plan

    def to_representation(self, instance):
        plan = self._plan(type(instance))
        if plan is not None:
            names, undefined = plan
            for name in names:
                value = getattr(instance, name, None)
                if value is not None and value != undefined:
                    return value
        # Untranslated, or no language has a value: the descriptor's own answer.
        return getattr(instance, self.source)


class CitationSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    translation = serializers.CharField(
        read_only=True, allow_null=True, help_text="A translation of the quote; null when none."
    )
    translation_by = serializers.ChoiceField(
        choices=[c for c in Citation.TranslatedBy.values if c],
        read_only=True,
        allow_null=True,
        help_text=(
            "Who made the translation: entente (Entente's own) or source (the source's); "
            "null when there is none."
        ),
    )

    class Meta:
        model = Citation
        fields = ["source", "quote", "translation", "translation_by"]


def citation(source, quote, translation, translation_by):
    """A citation as CitationSerializer gives it (empty translations as null)."""
    return {
        "source": source,
        "quote": quote,
        "translation": translation or None,
        "translation_by": translation_by or None,
    }


class IdentifierSerializer(serializers.Serializer):
    """One identifier of the record in another system."""

    scheme = serializers.ChoiceField(
        choices=schemes.CHOICES, read_only=True, help_text="The other system."
    )
    value = serializers.CharField(
        read_only=True, help_text="The identifier as that system writes it (Q7747)."
    )
    url = serializers.URLField(read_only=True, help_text="The identifier's page in that system.")


def identifier(scheme, value):
    """An identifier as the API gives it (IdentifierSerializer), from its scheme and value."""
    return {"scheme": scheme, "value": value, "url": schemes.SCHEMES[scheme].url(value)}


@extend_schema_field(IdentifierSerializer(many=True))
class IdentifiersField(serializers.Field):
    """`identifiers`, from the rows `with_identifiers()` prefetched, in their stored order."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "help_text",
            "The record's identifiers in other systems (Wikidata, OpenSanctions); "
            "empty when none is known.",
        )
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return [identifier(i.scheme, i.value) for i in obj.identifiers.all()]


class TranslatedNamesSerializer(serializers.Serializer):
    """`{"en": ..., "fr": ...}` from a modeltranslation field, without fallback."""

    en = serializers.CharField(allow_null=True, read_only=True)
    fr = serializers.CharField(allow_null=True, read_only=True)

    def __init__(self, field="name", **kwargs):
        self.translated_field = field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        return {
            language: getattr(instance, f"{self.translated_field}_{language}") or None
            for language in ("en", "fr")
        }


SLUG_MARK = "slug-placeholder-0"


def url_for_slug(context, view_name, slug):
    """The absolute URL of `view_name` for `slug`, reversed once per request and language.

    Slugs hold only URL-safe characters (lib.text.SLUG_RE), so putting one in
    place of a placeholder gives what reverse() would; a page of 50 records
    then costs one reverse() per view, not 100.
    """
    templates = context.setdefault("_url_templates", {})
    language = translation.get_language()
    key = (view_name, language)
    template = templates.get(key)
    if template is None:
        path = _reversed(view_name, language, get_script_prefix())
        template = templates[key] = context["request"].build_absolute_uri(path)
    return template.replace(SLUG_MARK, slug)


@functools.lru_cache(maxsize=256)
def _reversed(view_name, language, script_prefix):
    # The URLconf is fixed for the process; the path depends on the view, the
    # language (the site's paths are translated) and the script prefix only.
    # NoReverseMatch is raised each time, as reverse() would: lru_cache keeps
    # no exception.
    return reverse(view_name, kwargs={"slug": SLUG_MARK})


@extend_schema_field(CitationSerializer(many=True))
class CitationsField(serializers.Field):
    """`citations` as CitationSerializer gives them, read from the prefetched rows.

    `obj.citations.all()` builds a related manager per record before it finds
    the prefetch; reading the prefetch cache directly skips that per row.
    """

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        citations = getattr(obj, CITED, None)  # the API's lists: cited_as_list()
        if citations is None:
            citations = getattr(obj, "_prefetched_objects_cache", {}).get("citations")
        if citations is None:
            citations = obj.citations.all()
        return [
            citation(c.source.slug, c.quote, c.translation, c.translation_by) for c in citations
        ]


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC ("...Z"), as the API always gives times.

    Naming the zone spares DRF a lookup of the active one per value; the
    site never activates another, so the output is the same.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", datetime.UTC)
        super().__init__(**kwargs)


class RecordURLField(serializers.HyperlinkedIdentityField):
    """The record's API URL, bare.

    DRF's reverse() would carry the request's `?format=` into every link, so
    a CSV row would point at CSV; a record's URL is its JSON detail.
    """

    def get_url(self, obj, view_name, request, format):
        return url_for_slug(self.context, view_name, obj.slug)

    def to_representation(self, value):
        # A plain string: DRF's Hyperlink wrapper serves only its browsable API.
        return self.get_url(value, self.view_name, None, None)


def api_url(basename):
    return RecordURLField(view_name=f"v1:{basename}-detail", lookup_field="slug")
