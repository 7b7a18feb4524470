"""Read API v1 serializers: one per type, explicit fields, published data only.

Rules every serializer here keeps:
- it reads only what its queryset loaded: `Model.objects.published().for_listing()`
  selects or prefetches every relation below (`with_identifiers()` the
  identifiers, RecordViewSet.serialized()), and the prefetches already drop
  join rows whose other end is a draft, so nothing here runs a query per row;
- a foreign key to a draft record renders as null, never as the draft's slug;
- text in two languages (`name`, `statement`) is read under the language the
  view activated, with modeltranslation's fallback to the other language.
"""

from django.db import models
from django.urls import NoReverseMatch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject

from ..lib import regions
from ..models import (
    Agreement,
    AgreementParty,
    Claim,
    Event,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Record,
    Source,
    Topic,
)
from ..models.citations import CITED
from ..models.visibility import is_public
from .fields import (
    NULLABLE_SLUG,
    REGION,
    URL_OR_NULL,
    CitationSerializer,
    CitationsField,
    CountryCodeField,
    IdentifiersField,
    OptionalURLField,
    PublishedSlugField,
    SlugField,
    TranslatedField,
    TranslatedNamesSerializer,
    UTCDateTimeField,
    api_url,
    country_code,
    raw_country,
    url_for_slug,
)


class RecordSerializer(serializers.ModelSerializer):
    """What every record has; subclasses set `url` to their detail view."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UTCDateTimeField,
    }

    html_url = serializers.SerializerMethodField()
    name = TranslatedField()
    identifiers = IdentifiersField()
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
            "identifiers",
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
            "identifiers",
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
            "identifiers",
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
        if not is_public(obj.organisation):
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
            "identifiers",
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
            "identifiers",
            "citations",
            "updated_at",
        ]


class TopicSerializer(RecordSerializer):
    url = api_url("topic")
    names = TranslatedNamesSerializer()

    class Meta:
        model = Topic
        fields = [*RecordSerializer.BASE_FIELDS, "names", "identifiers", "citations", "updated_at"]


class SourceSerializer(RecordSerializer):
    url = api_url("source")
    name = serializers.CharField(source="title", read_only=True)
    # `url` is the record's API URL, as on every type; the document's own
    # address is therefore `document_url`.
    document_url = OptionalURLField(source="url")
    attributed_to = PublishedSlugField()
    text = serializers.CharField(
        source="public_text",
        read_only=True,
        allow_null=True,
        help_text=(
            "The full text as published; null unless publish_full_text (someone else's "
            "copyrighted work is not republished)."
        ),
    )
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
            "publish_full_text",
            "text",
            "identifiers",
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
        shown = is_public(subject)
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
            "identifiers",
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


def for_model(model):
    """The serializer of a type (each RecordSerializer names its model in Meta)."""
    for serializer in RecordSerializer.__subclasses__():
        if serializer.Meta.model is model:
            return serializer
    raise LookupError(f"No serializer for {model!r}")
