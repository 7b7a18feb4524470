"""Read API v1 serializers: one per type, explicit fields, published data only.

Rules every serializer here keeps:
- it reads only what its queryset loaded: `Model.objects.published().for_listing()`
  selects or prefetches every relation below, and the prefetches already drop
  join rows whose other end is a draft, so nothing here runs a query per row;
- a foreign key to a draft record renders as null, never as the draft's slug;
- text in two languages (`name`, `statement`) is read under the language the
  view activated, with modeltranslation's fallback to the other language.
"""

import datetime
import functools

from django.db import models
from django.db.models import DEFERRED
from django.urls import NoReverseMatch, reverse
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
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from . import regions
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
    Record,
    Source,
    Status,
    Topic,
)
from .models.base import CITED

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
        return value.slug if value.status == Status.PUBLISHED else None


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

    class Meta:
        model = Citation
        fields = ["source", "quote"]


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

    Slugs hold only URL-safe characters (filters.SLUG_RE), so putting one in
    place of a placeholder gives what reverse() would; a page of 50 records
    then costs one reverse() per view, not 100.
    """
    templates = context.setdefault("_url_templates", {})
    key = (view_name, translation.get_language())
    template = templates.get(key)
    if template is None:
        path = reverse(view_name, kwargs={"slug": SLUG_MARK})
        template = templates[key] = context["request"].build_absolute_uri(path)
    return template.replace(SLUG_MARK, slug)


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
        return [{"source": c.source.slug, "quote": c.quote} for c in citations]


class UTCDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC ("...Z"), as the API always gives times.

    Naming the zone spares DRF a lookup of the active one per value; the
    site never activates another, so the output is the same.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", datetime.UTC)
        super().__init__(**kwargs)


class RecordSerializer(serializers.ModelSerializer):
    """What every record has; subclasses set `url` to their detail view."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }

    html_url = serializers.SerializerMethodField()
    name = TranslatedField()
    citations = CitationsField()

    BASE_FIELDS = ["slug", "url", "html_url", "name"]

    def to_representation(self, instance):
        """DRF's own loop, over the readable fields listed once per serializer, not per row."""
        fields = self.__dict__.get("_readable_list")
        if fields is None:
            fields = self._readable_list = list(self._readable_fields)
        row = {}
        for field in fields:
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            row[field.field_name] = None if check is None else field.to_representation(attribute)
        return row

    @extend_schema_field(URL_OR_NULL)
    def get_html_url(self, obj):
        """The public page in the active language; null if the site does not show it."""
        if type(obj).get_absolute_url is Record.get_absolute_url:
            try:
                return url_for_slug(self.context, f"kb:{obj._meta.model_name}-detail", obj.slug)
            except NoReverseMatch:
                return None
        try:
            path = obj.get_absolute_url()
        except NoReverseMatch:
            return None
        return self.context["request"].build_absolute_uri(path)


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


class OrganisationSerializer(RecordSerializer):
    url = api_url("organisation")
    names = TranslatedNamesSerializer()
    country = CountryCodeField()
    region = serializers.SerializerMethodField()
    parent = PublishedSlugField()

    class Meta:
        model = Organisation
        fields = [
            *RecordSerializer.BASE_FIELDS,
            "names",
            "acronym",
            "kind",
            "country",
            "region",
            "parent",
            "aliases",
            "citations",
            "updated_at",
        ]

    @extend_schema_field(REGION)
    def get_region(self, obj):
        # Organisation.region, from the stored code (see CountryCodeField).
        return regions.region_for(country_code(raw_country(obj)))


class MembershipSerializer(serializers.ModelSerializer):
    post = SlugField(allow_null=True)
    organisation = SlugField()

    class Meta:
        model = Membership
        fields = ["post", "organisation", "start_date", "end_date"]


class PersonSerializer(RecordSerializer):
    url = api_url("person")
    country = CountryCodeField()
    memberships = MembershipSerializer(many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            *RecordSerializer.BASE_FIELDS,
            "country",
            "memberships",
            "citations",
            "updated_at",
        ]


class PostSerializer(RecordSerializer):
    url = api_url("post")
    names = TranslatedNamesSerializer()
    organisation = PublishedSlugField()
    holders = serializers.SerializerMethodField()

    class Meta:
        model = Post
        fields = [
            *RecordSerializer.BASE_FIELDS,
            "names",
            "organisation",
            "holders",
            "citations",
            "updated_at",
        ]

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_holders(self, obj):
        """Slugs of the people who hold or held the post; empty when the source names none."""
        return list(dict.fromkeys(m.person.slug for m in obj.memberships.all()))

    @extend_schema_field(URL_OR_NULL)
    def get_html_url(self, obj):
        # The anchor lives on the organisation's page: none if that page is a draft.
        if obj.organisation.status != Status.PUBLISHED:
            return None
        return super().get_html_url(obj)


class ParticipantSerializer(serializers.ModelSerializer):
    organisation = SlugField(allow_null=True)
    person = SlugField(allow_null=True)
    post = SlugField(allow_null=True)

    class Meta:
        model = Participation
        fields = ["organisation", "person", "post", "role"]


class EventSerializer(RecordSerializer):
    url = api_url("event")
    names = TranslatedNamesSerializer()
    country = CountryCodeField()
    parent = PublishedSlugField()
    organiser = PublishedSlugField()
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    participants = ParticipantSerializer(source="participations", many=True, read_only=True)

    class Meta:
        model = Event
        fields = [
            *RecordSerializer.BASE_FIELDS,
            "names",
            "kind",
            "start_date",
            "end_date",
            "date_precision",
            "city",
            "country",
            "parent",
            "organiser",
            "topics",
            "participants",
            "citations",
            "updated_at",
        ]


class PartySerializer(serializers.ModelSerializer):
    organisation = SlugField()

    class Meta:
        model = AgreementParty
        fields = ["organisation", "role"]


class AgreementSerializer(RecordSerializer):
    url = api_url("agreement")
    name = serializers.CharField(source="title", read_only=True)
    names = TranslatedNamesSerializer(field="title")
    signed_at = PublishedSlugField()
    parties = PartySerializer(many=True, read_only=True)
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            *RecordSerializer.BASE_FIELDS,
            "names",
            "kind",
            "legal_status",
            "signed_start",
            "signed_end",
            "date_precision",
            "signed_at",
            "parties",
            "topics",
            "citations",
            "updated_at",
        ]


class TopicSerializer(RecordSerializer):
    url = api_url("topic")
    names = TranslatedNamesSerializer()

    class Meta:
        model = Topic
        fields = [*RecordSerializer.BASE_FIELDS, "names", "citations", "updated_at"]


class SourceSerializer(RecordSerializer):
    url = api_url("source")
    name = serializers.CharField(source="title", read_only=True)
    # `url` is the record's API URL, as on every type; the document's own
    # address is therefore `document_url`.
    document_url = serializers.URLField(source="url", read_only=True)
    attributed_to = PublishedSlugField()
    citations = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            *RecordSerializer.BASE_FIELDS,
            "title",
            "kind",
            "publisher",
            "language",
            "published_on",
            "document_url",
            "attribution",
            "attributed_to",
            "citations",
            "updated_at",
        ]

    @extend_schema_field(CitationSerializer(many=True))
    def get_citations(self, obj):
        return []  # a source cites nothing; the key is kept so every record has it


class SubjectSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text="The subject's type, e.g. event.")
    slug = serializers.CharField(read_only=True, allow_null=True)

    def to_representation(self, claim):
        subject = claim.subject
        shown = subject is not None and subject.status == Status.PUBLISHED
        return {"type": claim.subject_type.model, "slug": subject.slug if shown else None}


class ClaimSerializer(RecordSerializer):
    url = api_url("claim")
    name = serializers.CharField(source="statement", read_only=True)
    subject = SubjectSerializer(source="*", read_only=True)
    recorded = serializers.SerializerMethodField()
    consistent = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    quote = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            *RecordSerializer.BASE_FIELDS,
            "statement",
            "subject",
            "value",
            "qualifier",
            "measure",
            "recorded",
            "consistent",
            "source",
            "quote",
            "citations",
            "updated_at",
        ]

    @staticmethod
    def _recorded(obj):
        # The view annotates the whole page (ClaimQuerySet.with_recorded());
        # Claim.recorded() is the one-claim fallback.
        value = getattr(obj, "recorded_value", None)
        return obj.recorded() if value is None else value

    @extend_schema_field(OpenApiTypes.INT)
    def get_recorded(self, obj):
        return self._recorded(obj)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_consistent(self, obj):
        return obj.is_consistent(self._recorded(obj))

    @staticmethod
    def _first_citation(obj):
        citations = getattr(obj, CITED, None)  # prefetched, published sources only
        if citations is None:
            citations = obj.citations.all()
        return citations[0] if citations else None

    @extend_schema_field(NULLABLE_SLUG)
    def get_source(self, obj):
        citation = self._first_citation(obj)
        return citation.source.slug if citation else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_quote(self, obj):
        citation = self._first_citation(obj)
        return citation.quote if citation else None
