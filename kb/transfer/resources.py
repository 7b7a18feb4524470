"""Import and export resources (django-import-export), one per model.

Columns are listed explicitly. Main records are matched on their slug, join
rows and citations on their natural key (joins.py); every
relation is given by slug. A main record's identifiers in other systems are
its file's last column, `identifiers` (identifiers.py). Each column gets a strict widget from
widgets.py by its model field's type, and every resource shares the batch
import path of engine.py.
"""

from django.contrib.contenttypes.models import ContentType
from import_export.fields import Field

from .. import registry
from ..models import Agreement, Claim, Event, Organisation, Person, Post, Source, Topic
from .engine import BatchResource
from .identifiers import COLUMN, IdentifiersColumn
from .joins import KeyedResource
from .refs import RecordRefs, record_prefetch


class RecordResource(IdentifiersColumn, BatchResource):
    """A main record, matched on its slug, with its identifiers in other systems."""

    identifiers = Field(column_name=COLUMN)

    class Meta(BatchResource.Meta):
        import_id_fields = ("slug",)

    def for_export(self, queryset):
        return super().for_export(queryset).with_identifiers()


class TopicResource(RecordResource):
    class Meta(RecordResource.Meta):
        model = Topic
        fields = (
            "slug",
            "status",
            "name_en",
            "name_fr",
            "description_en",
            "description_fr",
            "identifiers",
        )


class OrganisationResource(RecordResource):
    class Meta(RecordResource.Meta):
        model = Organisation
        fields = (
            "slug",
            "status",
            "name_en",
            "name_fr",
            "acronym",
            "kind",
            "country",
            "parent",
            "aliases",
            "website",
            "description_en",
            "description_fr",
            "identifiers",
        )


class PersonResource(RecordResource):
    class Meta(RecordResource.Meta):
        model = Person
        fields = ("slug", "status", "name", "aliases", "country", "description", "identifiers")


class PostResource(RecordResource):
    class Meta(RecordResource.Meta):
        model = Post
        fields = (
            "slug",
            "status",
            "name_en",
            "name_fr",
            "organisation",
            "description_en",
            "description_fr",
            "identifiers",
        )


class EventResource(RecordResource):
    class Meta(RecordResource.Meta):
        model = Event
        fields = (
            "slug",
            "status",
            "name_en",
            "name_fr",
            "kind",
            "parent",
            "start_date",
            "end_date",
            "date_precision",
            "city",
            "country",
            "organiser",
            "topics",
            "description_en",
            "description_fr",
            "identifiers",
        )


class AgreementResource(RecordResource):
    class Meta(RecordResource.Meta):
        model = Agreement
        fields = (
            "slug",
            "status",
            "title_en",
            "title_fr",
            "kind",
            "legal_status",
            "signed_start",
            "signed_end",
            "date_precision",
            "signed_at",
            "topics",
            "summary_en",
            "summary_fr",
            "identifiers",
        )


class SourceResource(RecordResource):
    class Meta(RecordResource.Meta):
        model = Source
        fields = (
            "slug",
            "status",
            "title",
            "kind",
            "publisher",
            "language",
            "published_on",
            "url",
            "attributed_to",
            "attribution",
            "publish_full_text",
            "text",
            "identifiers",
        )


class ClaimResource(RecordResource):
    subject_type = Field(column_name="subject_type")
    subject = Field(column_name="subject")

    class Meta(RecordResource.Meta):
        model = Claim
        fields = (
            "slug",
            "status",
            "statement_en",
            "statement_fr",
            "value",
            "qualifier",
            "measure",
            "subject_type",
            "subject",
            "identifiers",
        )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.refs = RecordRefs()

    def for_export(self, queryset):
        queryset = queryset.with_identifiers().select_related("subject_type")
        return queryset.prefetch_related(record_prefetch("subject"))

    def dehydrate_subject_type(self, claim):
        return claim.subject_type.model if claim.subject_type_id else ""

    def dehydrate_subject(self, claim):
        return self.refs.render(claim.subject) if claim.subject_type_id else ""

    def prime(self, rows, headers):
        self.refs.prime((row.get("subject_type"), row.get("subject")) for row in rows)
        super().prime(rows, headers)

    def import_computed(self, field, instance, row):
        if field.column_name == "subject_type":
            self.refs.model(row.get("subject_type"))
        elif field.column_name == "subject":
            try:
                self.refs.model(row.get("subject_type"))
            except ValueError:
                return  # reported on subject_type
            subject = self.refs.resolve(row.get("subject_type"), row.get("subject"))
            instance.subject_type = ContentType.objects.get_for_model(subject)
            instance.subject_id = subject.pk
        else:
            super().import_computed(field, instance, row)

    def update_fields(self):
        return sorted({*super().update_fields(), "subject_type", "subject_id"})

    def attribute_column(self, name):
        if name == "subject_id":
            return "subject"
        return super().attribute_column(name)

    def not_to_validate(self, errors):
        excluded = super().not_to_validate(errors)
        if {"subject_type", "subject"} & set(errors):
            excluded.update(("subject_type", "subject_id"))
        return excluded


def _resource_for(model):
    for base in (RecordResource, KeyedResource):
        for resource in base.__subclasses__():
            if resource._meta.model is model:
                return resource
    raise LookupError(f"No resource for {model!r}")


# The admin and the tests find each type's resource here. Identifiers have none:
# they travel in their record's file (the `identifiers` column).
RESOURCES = {entry.model: _resource_for(entry.model) for entry in registry.standalone()}
