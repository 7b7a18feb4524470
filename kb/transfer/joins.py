"""Resources of join rows and citations, matched on their natural keys."""

from django.contrib.contenttypes.models import ContentType
from import_export.fields import Field

from ..lib.batching import in_batches
from ..models import AgreementParty, Citation, Membership, Participation
from ..models.rules import organisation_of
from .engine import BatchResource
from .refs import JOIN_KEYS, RecordRefs, record_prefetch


class KeyedResource(BatchResource):
    """A row without a slug, matched on the natural key its constraint enforces."""

    def key_of(self, values):
        return tuple(getattr(v, "pk", v) for v in values)

    def row_key(self, row):
        try:
            values = [self.fields[column].clean(row) for column in self.key_columns]
        except (ValueError, KeyError):
            return None  # reported on its column by import_instance
        return self.key_of(values)

    def instance_key(self, instance):
        values = [self.end(instance, column) for column in self.key_columns]
        if values[0] is None:
            return None  # no key without its record (reported on its column)
        return self.key_of(values)

    @staticmethod
    def end(instance, name):
        """A key part of an instance: the related object (None if unset) or the value."""
        field = instance._meta.get_field(name)
        if field.is_relation and getattr(instance, field.attname) is None:
            return None  # reading a required relation that is unset would raise
        return getattr(instance, name)

    def load_existing(self, rows):
        keys = {k for k in map(self.row_key, rows) if k is not None}
        firsts = sorted({k[0] for k in keys if k[0] is not None})
        first = self.key_columns[0]
        queryset = self.for_export(self._meta.model._default_manager.all())
        return {self.instance_key(obj): obj for obj in in_batches(queryset, first, firsts)}


class MembershipResource(KeyedResource):
    key_columns = JOIN_KEYS[Membership]

    class Meta(BatchResource.Meta):
        model = Membership
        fields = ("person", "organisation", "post", "start_date", "end_date")
        import_id_fields = ("person", "organisation", "post", "start_date")

    def key_of(self, values):
        person, organisation, post, start = values
        # The organisation Membership.clean() fills in from the post.
        organisation_id = organisation_of(post, getattr(organisation, "pk", organisation))
        return super().key_of([person, organisation_id, post, start])


class ParticipationResource(KeyedResource):
    key_columns = JOIN_KEYS[Participation]

    class Meta(BatchResource.Meta):
        model = Participation
        fields = ("event", "organisation", "person", "post", "role")
        import_id_fields = ("event", "organisation", "person", "post")


class AgreementPartyResource(KeyedResource):
    key_columns = JOIN_KEYS[AgreementParty]

    class Meta(BatchResource.Meta):
        model = AgreementParty
        fields = ("agreement", "organisation", "role")
        import_id_fields = ("agreement", "organisation")


class CitationResource(KeyedResource):
    """A quote from a source about any record: `record_type` + `record` name it."""

    key_columns = ("record_type", "record", "source", "quote")
    record_type = Field(column_name="record_type")
    record = Field(column_name="record")

    class Meta(BatchResource.Meta):
        model = Citation
        fields = ("record_type", "record", "source", "quote", "translation", "translation_by")
        import_id_fields = ("record_type", "record", "source", "quote")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.refs = RecordRefs()

    def for_export(self, queryset):
        return queryset.select_related("source", "content_type").prefetch_related(
            record_prefetch("record")
        )

    def dehydrate_record_type(self, citation):
        return citation.content_type.model if citation.content_type_id else ""

    def dehydrate_record(self, citation):
        return self.refs.render(citation.record) if citation.content_type_id else ""

    def prime(self, rows, headers):
        self.refs.prime((row.get("record_type"), row.get("record")) for row in rows)
        super().prime(rows, headers)

    def row_key(self, row):
        try:
            record = self.refs.resolve(row.get("record_type"), row.get("record"))
            source = self.fields["source"].clean(row)
        except ValueError:
            return None
        quote = self.fields["quote"].clean(row)
        ct = ContentType.objects.get_for_model(record)
        return (ct.pk, record.pk, getattr(source, "pk", None), quote)

    def instance_key(self, citation):
        if not citation.content_type_id:
            return None
        return (citation.content_type_id, citation.object_id, citation.source_id, citation.quote)

    def load_existing(self, rows):
        by_type = {}
        for key in filter(None, map(self.row_key, rows)):
            by_type.setdefault(key[0], set()).add(key[1])
        found = {}
        queryset = self.for_export(Citation.objects.all())
        for ct_id, ids in by_type.items():
            of_type = queryset.filter(content_type_id=ct_id)
            for obj in in_batches(of_type, "object_id", sorted(ids)):
                found[self.instance_key(obj)] = obj
        return found

    def import_computed(self, field, instance, row):
        if field.column_name == "record_type":
            self.refs.model(row.get("record_type"))
        elif field.column_name == "record":
            try:
                self.refs.model(row.get("record_type"))
            except ValueError:
                return  # reported on record_type
            record = self.refs.resolve(row.get("record_type"), row.get("record"))
            instance.content_type = ContentType.objects.get_for_model(record)
            instance.object_id = record.pk

    def attribute_column(self, name):
        if name in ("content_type", "object_id"):
            return "record"
        return super().attribute_column(name)

    def not_to_validate(self, errors):
        excluded = super().not_to_validate(errors)
        if {"record_type", "record"} & set(errors):
            excluded.update(("content_type", "object_id"))
        return excluded
