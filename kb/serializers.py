"""Read API v1 serializers: one per type, explicit fields, published data only.

Rules every serializer here keeps:
- it reads only what its queryset loaded: `Model.objects.published().for_listing()`
  selects or prefetches every relation below, and the prefetches already drop
  join rows whose other end is a draft, so nothing here runs a query per row;
- a foreign key to a draft record renders as null, never as the draft's slug;
- text in two languages (`name`, `statement`) is read under the language the
  view activated, with modeltranslation's fallback to the other language.
"""

from django.urls import NoReverseMatch, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
    Source,
    Status,
    Topic,
)

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


@extend_schema_field(COUNTRY_CODE)
class CountryCodeField(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return value.code or None


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


class RecordSerializer(serializers.ModelSerializer):
    """What every record has; subclasses set `url` to their detail view."""

    html_url = serializers.SerializerMethodField()
    citations = CitationSerializer(many=True, read_only=True)

    BASE_FIELDS = ["slug", "url", "html_url", "name"]

    @extend_schema_field(URL_OR_NULL)
    def get_html_url(self, obj):
        """The public page in the active language; null if the site does not show it."""
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
        return request.build_absolute_uri(reverse(view_name, kwargs={"slug": obj.slug}))


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
        return obj.region


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
        citations = obj.citations.all()  # prefetched, published sources only
        return citations[0] if citations else None

    @extend_schema_field(NULLABLE_SLUG)
    def get_source(self, obj):
        citation = self._first_citation(obj)
        return citation.source.slug if citation else None

    @extend_schema_field({"type": "string", "nullable": True})
    def get_quote(self, obj):
        citation = self._first_citation(obj)
        return citation.quote if citation else None
