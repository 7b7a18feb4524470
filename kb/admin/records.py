"""The editors' admin: every record with its history, citations and translations.

Every changelist runs a fixed number of queries however many rows it shows
(tests/admin/test_admin.py pins them): a column that follows a relation is covered
by `list_select_related` or a prefetch, and foreign keys to other records use
autocomplete widgets, so no form loads a whole table into a drop-down.

The editorial workflow every page shares (import/export, roles, publication,
history compare, deletion snapshots, concurrent-save refusal) is
kb/admin/editorial.py.
"""

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter
from modeltranslation.admin import TranslationAdmin

from .. import registry
from ..models import (
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
    Topic,
)
from . import search
from .autocomplete import LoadedEnds
from .columns import clamped_column, dates_column, precision, quotes_link, updated
from .editorial import EditorialAdmin
from .identifiers import IdentifierInline
from .merge import MergeAdmin

ORGANISATION_SEARCH = ("name_en", "name_fr", "acronym")


def _kb_content_types(only_cited=False):
    entries = registry.cited() if only_cited else registry.standalone()
    names = [entry.name for entry in entries]
    return ContentType.objects.filter(app_label="kb", model__in=names)


def _admin_link(obj):
    """A link to obj's admin page, or its bare name when it has none."""
    if obj is None:
        return None
    opts = obj._meta
    try:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(obj)
    return format_html('<a href="{}">{}</a>', url, obj)


class CitationInline(LoadedEnds, GenericTabularInline):
    model = Citation
    fields = ("source", "quote", "translation", "translation_by")
    autocomplete_fields = ("source",)
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source")


class KbAdmin(EditorialAdmin):
    """History (revert, recover deleted, compare), import/export and timestamps."""

    readonly_fields = ("created_at", "updated_at")
    # Editors paste bare domains; Django 6 will assume https, so say so now.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class CitedAdmin(KbAdmin):
    """A row that sources can cite: citations inline and a count column.

    The count shows editors at a glance which rows still lack a source.
    """

    inlines = (CitationInline,)

    def get_queryset(self, request):
        # A subquery rather than a join with GROUP BY: the changelist's
        # COUNT(*) can then drop it, and select_related columns need no grouping.
        counts = (
            self.model.objects.filter(pk=OuterRef("pk"))
            .order_by()
            .values("pk")
            .annotate(n=Count("citations"))
            .values("n")
        )
        return super().get_queryset(request).annotate(citation_count=Subquery(counts))

    @admin.display(description=_("citations"), ordering="citation_count")
    def citation_count(self, obj):
        return obj.citation_count


class RecordAdmin(MergeAdmin, CitedAdmin):
    list_filter = ("status",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (IdentifierInline, CitationInline)


# Inlines for join rows --------------------------------------------------------


class JoinRowInline(LoadedEnds, admin.TabularInline):
    """A join row in its record's form, with a link to its own page, where its
    quotes are edited (its citations inline): "2 quotes ›"."""

    extra = 0
    readonly_fields = ("quotes_link",)

    def get_fields(self, request, obj=None):
        return [*super().get_fields(request, obj), "quotes_link"]

    def get_queryset(self, request):
        # Join rows print their ends in __str__: fetch them with the row, and
        # count their citations in the same query (a subquery, as CitedAdmin).
        counts = (
            self.model.objects.filter(pk=OuterRef("pk"))
            .order_by()
            .values("pk")
            .annotate(n=Count("citations"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .select_related(*registry.of(self.model).ends)
            .annotate(quote_count=Subquery(counts))
        )

    @admin.display(description=_("quotes"))
    def quotes_link(self, obj):
        return quotes_link(obj)


class MembershipInline(JoinRowInline):
    model = Membership
    fields = ("organisation", "post", "start_date", "end_date")
    autocomplete_fields = ("organisation", "post")


class ParticipationInline(JoinRowInline):
    model = Participation
    fields = ("organisation", "person", "post", "role")
    autocomplete_fields = ("organisation", "person", "post")


class AgreementPartyInline(JoinRowInline):
    model = AgreementParty
    fields = ("organisation", "role")
    autocomplete_fields = ("organisation",)


# Main records -----------------------------------------------------------------


@admin.register(Topic)
class TopicAdmin(RecordAdmin, TranslationAdmin):
    list_display = ("name", "slug", "status", "citation_count", updated)
    search_fields = ("slug", "name_en", "name_fr")


@admin.register(Organisation)
class OrganisationAdmin(RecordAdmin, TranslationAdmin):
    list_display = (
        clamped_column(Organisation, "name"),
        "acronym",
        "kind",
        "country",
        clamped_column(Organisation, "parent"),
        "status",
        "citation_count",
        updated,
    )
    list_filter = ("status", "kind", ("country", CountryFilter))
    list_select_related = ("parent",)
    search_fields = ("slug", *ORGANISATION_SEARCH, "aliases")
    autocomplete_fields = ("parent",)


@admin.register(Person)
class PersonAdmin(RecordAdmin):
    list_display = ("name", "slug", "country", "status", "citation_count", updated)
    list_filter = ("status", ("country", CountryFilter))
    search_fields = ("slug", "name", "aliases")
    inlines = (IdentifierInline, MembershipInline, CitationInline)


@admin.register(Post)
class PostAdmin(RecordAdmin, TranslationAdmin):
    list_display = ("name", "organisation", "slug", "status", "citation_count", updated)
    list_filter = ("status", "organisation__kind")
    list_select_related = ("organisation",)
    search_fields = ("slug", "name_en", "name_fr", "organisation__acronym")
    autocomplete_fields = ("organisation",)


@admin.register(Event)
class EventAdmin(RecordAdmin, TranslationAdmin):
    # Short columns (kb/admin/columns.py): the list fits 1,280 px.
    list_display = (
        clamped_column(Event, "name"),
        "kind",
        dates_column("start_date", "end_date", _("dates")),
        precision,
        "country",
        clamped_column(Event, "parent"),
        "status",
        "citation_count",
    )
    list_filter = ("status", "kind", "date_precision", ("country", CountryFilter))
    list_select_related = ("parent", "organiser")
    search_fields = ("slug", "name_en", "name_fr", "city")
    autocomplete_fields = ("parent", "organiser", "topics")
    inlines = (IdentifierInline, ParticipationInline, CitationInline)


@admin.register(Agreement)
class AgreementAdmin(RecordAdmin, TranslationAdmin):
    list_display = (
        clamped_column(Agreement, "title"),
        "kind",
        "legal_status",
        dates_column("signed_start", "signed_end", _("signed")),
        clamped_column(Agreement, "signed_at"),
        "status",
        "citation_count",
    )
    list_filter = ("status", "kind", "legal_status", "date_precision")
    list_select_related = ("signed_at",)
    search_fields = ("slug", "title_en", "title_fr")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("signed_at", "topics")
    inlines = (IdentifierInline, AgreementPartyInline, CitationInline)


@admin.register(Claim)
class ClaimAdmin(RecordAdmin, TranslationAdmin):
    # recorded() costs a query per claim, so the figure and the verdict are on
    # the change page only and the changelist stays constant-query.
    list_display = ("statement", "qualifier", "value", "measure", "subject_link", "status")
    list_filter = ("status", "measure", "qualifier")
    list_select_related = ("subject_type",)
    search_fields = ("slug", "statement_en", "statement_fr")
    prepopulated_fields = {"slug": ("statement",)}
    readonly_fields = ("subject_link", "recorded_figure", "verdict", *KbAdmin.readonly_fields)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("subject")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "subject_type":
            kwargs["queryset"] = _kb_content_types()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("subject"))
    def subject_link(self, obj):
        return _admin_link(obj.subject) if obj.pk else None

    @admin.display(description=_("recorded figure"))
    def recorded_figure(self, obj):
        return obj.recorded() if obj.pk else None

    @admin.display(description=_("consistent with the data"), boolean=True)
    def verdict(self, obj):
        return obj.is_consistent() if obj.pk else None


# Join rows and citations ------------------------------------------------------


class JoinRowAdmin(CitedAdmin):
    """A join row: searched by its ends' names, each end in its own table (search.py)."""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*registry.of(self.model).ends)

    def get_search_results(self, request, queryset, search_term):
        search_fields = self.get_search_fields(request)
        if not (search_fields and search_term):
            return queryset, False
        # A subquery per end: no row is repeated, so no DISTINCT is needed.
        return search.through_ends(queryset, search_fields, search_term), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # Unsearched, the latest rows are read along the key at once (one query);
        # searched, the rows found are many and sorted first (search.py).
        searched = bool(request.GET.get(SEARCH_VAR, "").strip())
        paginator = search.KeysFirstPaginator if searched else self.paginator
        return paginator(queryset, per_page, orphans, allow_empty_first_page)


@admin.register(Membership)
class MembershipAdmin(JoinRowAdmin):
    list_display = (
        "person",
        clamped_column(Membership, "organisation"),
        clamped_column(Membership, "post"),
        dates_column("start_date", "end_date", _("dates")),
        "citation_count",
    )
    list_filter = ("organisation__kind",)
    search_fields = (
        "person__name",
        *(f"organisation__{f}" for f in ORGANISATION_SEARCH),
        "post__name_en",
        "post__name_fr",
    )
    autocomplete_fields = ("person", "organisation", "post")


@admin.register(Participation)
class ParticipationAdmin(JoinRowAdmin):
    list_display = (
        clamped_column(Participation, "event"),
        "role",
        clamped_column(Participation, "organisation"),
        "person",
        clamped_column(Participation, "post"),
        "citation_count",
    )
    list_filter = ("role", "event__kind")
    # The latest entered first, along the primary key: Meta's order (by the event's
    # date) sorted every participation, a million at the benchmark's scale, with its
    # citation count, for each page of the list: 4 s, against 10 ms now.
    ordering = ("-pk",)
    search_fields = (
        "event__name_en",
        "event__name_fr",
        *(f"organisation__{f}" for f in ORGANISATION_SEARCH),
        "person__name",
        "post__name_en",
        "post__name_fr",
    )
    autocomplete_fields = ("event", "organisation", "person", "post")


@admin.register(AgreementParty)
class AgreementPartyAdmin(JoinRowAdmin):
    list_display = ("agreement", "organisation", "role", "citation_count")
    list_filter = ("role",)
    search_fields = (
        "agreement__title_en",
        "agreement__title_fr",
        *(f"organisation__{f}" for f in ORGANISATION_SEARCH),
    )
    autocomplete_fields = ("agreement", "organisation")


@admin.register(Citation)
class CitationAdmin(KbAdmin):
    list_display = ("__str__", "content_type", "record_link")
    list_filter = (("content_type", admin.RelatedOnlyFieldListFilter), "source__kind")
    list_select_related = ("source", "content_type")
    search_fields = ("quote", "translation", "source__title", "source__slug")
    autocomplete_fields = ("source",)

    def get_queryset(self, request):
        # One query per kind of cited record; join rows bring their ends along.
        records = GenericPrefetch(
            "record",
            [entry.model.objects.select_related(*entry.ends) for entry in registry.join_rows()],
        )
        return super().get_queryset(request).prefetch_related(records)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "content_type":
            kwargs["queryset"] = _kb_content_types(only_cited=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("cited record"))
    def record_link(self, obj):
        return _admin_link(obj.record)
