"""Public list and detail pages, one pair per type (home, search and quality: pages.py).

Lists filter through the type's FilterSet in kb/filtering/filtersets.py, the
one the API uses, so a page, its CSV download and its JSON link show the
same rows. Every queryset starts from `published()`; `for_listing()` and the
detail plans of kb/domain/details.py own the prefetching, so no page runs a
query per row. The types and their URL segments come from kb/registry.py.
"""

import functools

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.views.generic import DetailView
from django_filters.views import FilterView

from .. import registry
from ..domain import details
from ..domain.citations import cited_as_list
from ..domain.paging import CountCachingPaginator
from ..domain.records import citing_records
from ..exports import jsonld
from ..filtering import filtersets
from ..filtering.keys import filter_key
from ..models import Event, Organisation, Participation, Source
from . import rendering
from .forms import field_groups, is_country_field


def api_links(model_name, query):
    """The API list matching a page's filters, as JSON and as a CSV download.

    None while the API has no such route, so pages hide the links instead of
    failing. The page number is dropped: the download is the whole result.
    """
    try:
        url = reverse(f"v1:{model_name}-list")
    except NoReverseMatch:
        return None
    params = query.copy()
    params.pop("page", None)
    as_csv = params.copy()
    as_csv["format"] = "csv"
    return {
        "json": f"{url}?{params.urlencode()}" if params else url,
        "csv": f"{url}?{as_csv.urlencode()}",
    }


# Columns every record has and no list row shows: reading the folded search
# text, descriptions and timestamps of each row and its joined records was a
# fifth of a list's query time.
UNSHOWN = ("search_text", "description", "created_at", "updated_at")


def _unshown(queryset):
    """UNSHOWN's columns of the rows and of the records select_related() joins to them."""
    model = queryset.model
    models = [("", model)]
    joined = queryset.query.select_related
    if isinstance(joined, dict):
        models += [(f"{name}__", model._meta.get_field(name).related_model) for name in joined]
    columns = []
    for prefix, related in models:
        for name in UNSHOWN:
            try:
                related._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            columns.append(prefix + name)
    return columns


@functools.cache
def listed(model, language):
    """A list page's rows before filtering, built once per type and language.

    Building the queryset (published(), for_listing(), its prefetches) cost
    as much as filtering it; each request takes a clone. Per language, as
    modeltranslation writes a translated field's lookups in the active one.
    """
    rows = cited_as_list(model.objects.published().for_listing(), keep=False)
    return rows.defer(*_unshown(rows))


def _forget_listed(**kwargs):
    # A test's changed setting (the database, languages) may change the querysets.
    listed.cache_clear()


setting_changed.connect(_forget_listed)


def without_empty_values(query):
    """The query string minus its empty parameters, or None when it has none.

    A submitted form sends every field, filled or not; dropping the empty ones
    keeps shared and bookmarked URLs short and readable.
    """
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        filled = [v for v in values if v.strip()]
        if filled:
            kept.setlist(key, filled)
    if len(kept.urlencode()) == len(query.urlencode()):
        return None
    return kept


class RecordListView(FilterView):
    """A type's list: filter form, count, sorting, pages, and the API links."""

    template_name = "kb/list.html"
    paginate_by = settings.KB_PAGE_SIZE
    # Counts come from the cache, keyed by the data version: no COUNT(*) of a
    # big table per request.
    paginator_class = CountCachingPaginator
    title = None

    def get(self, request, *args, **kwargs):
        tidy = without_empty_values(request.GET)
        if tidy is not None:
            return redirect(f"{request.path}?{tidy.urlencode()}" if tidy else request.path)
        response = super().get(request, *args, **kwargs)
        if self.filterset.is_bound and not self.filterset.is_valid():
            response.status_code = 400  # the page still shows the form and its errors
        return response

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # Before the form is validated, so its errors and fields render the same way.
        filterset.form.renderer = rendering.renderer
        return filterset

    def get_paginator(self, queryset, per_page, **kwargs):
        # The count is cached under the page's filters, not its compiled SQL.
        key = filter_key(f"page:{self.model._meta.model_name}", self.request.GET)
        return super().get_paginator(queryset, per_page, count_key=key, **kwargs)

    def get_queryset(self):
        # A list's rows show no quotes: their citations are not read (listed()).
        return listed(self.model, translation.get_language()).all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        name = self.model._meta.model_name
        form = self.filterset.form
        context.update(
            title=self.title,
            form=form,
            field_groups=field_groups(form, type(self.filterset)),
            list_url=reverse(f"kb:{name}-list"),
            api=api_links(name, self.request.GET),
            # Codes to pick from, named in the page's language, when a field takes countries.
            country_codes=any(is_country_field(f) for f in self.filterset.form.fields.values()),
        )
        return context


class RecordDetailView(DetailView):
    """A published record's page; a draft's URL is a 404 like any unknown slug.

    Its head embeds the record as schema.org JSON-LD (`linked_data`,
    kb/exports/jsonld.py), built from what the page's plan loaded.
    """

    def get_queryset(self):
        return details.for_detail(self.model)

    def get_template_names(self):
        return [f"kb/{self.model._meta.model_name}_detail.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["linked_data"] = self.linked_data(context)
        return context

    def linked_data(self, context):
        return jsonld.for_record(self.object, site_address(self.request))


def site_address(request):
    """The scheme and host the request came to: the JSON-LD's addresses are absolute."""
    return f"{request.scheme}://{request.get_host()}"


class OrganisationDetail(RecordDetailView):
    model = Organisation

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # One entry per event: INTERPOL met the host once, through three of its posts.
        events = {}
        for participation in self.object.participations.all():
            entry = events.setdefault(
                participation.event_id,
                {"event": participation.event, "participations": [], "citations": {}},
            )
            entry["participations"].append(participation)
            for citation in participation.citations.all():
                entry["citations"].setdefault((citation.source_id, citation.quote), citation)
        for entry in events.values():
            entry["citations"] = list(entry["citations"].values())
        context["events"] = list(events.values())
        return context


class EventDetail(RecordDetailView):
    model = Event

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participations = list(self.object.participations.all())
        # In the order roles are declared (host first), not alphabetically.
        context["roles"] = [
            (label, rows)
            for role, label in Participation.Role.choices
            if (rows := [p for p in participations if p.role == role])
        ]
        return context


class SourceDetail(RecordDetailView):
    model = Source

    def get_context_data(self, **kwargs):
        return super().get_context_data(sections=citing_records(self.object), **kwargs)

    def linked_data(self, context):
        # What it is about: the cited records that have pages (facts, posts and claims have none).
        paged = tuple(entry.model for entry in registry.with_pages())
        about = [
            record
            for section in context["sections"]
            for record in section["records"]
            if isinstance(record, paged)
        ]
        return jsonld.source(self.object, site_address(self.request), about=about)


DETAIL_VIEWS = {Organisation: OrganisationDetail, Event: EventDetail, Source: SourceDetail}


def list_view(entry):
    """The list page of a registry entry, filtered by the type's FilterSet."""
    return RecordListView.as_view(
        model=entry.model, filterset_class=filtersets.for_model(entry.model), title=entry.title
    )


def detail_view(entry):
    view = DETAIL_VIEWS.get(entry.model, RecordDetailView)
    return view.as_view(model=entry.model)
