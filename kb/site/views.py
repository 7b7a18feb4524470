"""Public list and detail pages, one pair per type (home, search and quality: pages.py).

Lists filter through the type's FilterSet in kb/filtering/filtersets.py, the
one the API uses, so a page, its CSV download and its JSON link show the
same rows. Every queryset starts from `published()`; `for_list_rows()` and the
detail plans of kb/domain/details.py own the prefetching, so no page runs a
query per row. The types and their URL segments come from kb/registry.py.
"""

import functools

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.http import Http404, HttpResponsePermanentRedirect, QueryDict
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.views.generic import DetailView
from django_filters.views import FilterView

from .. import registry
from ..db.version import data_version
from ..domain import details, redirects
from ..domain.citations import cited_as_list
from ..domain.paging import CountCachingPaginator
from ..exports import jsonld
from ..filtering import compiled, filtersets
from ..filtering.keys import filter_key
from ..filtering.names import canonical_query
from ..models import Source
from . import record_pages, rendering
from .facets import page_facets
from .forms import field_groups, for_people, is_country_field
from .sources import source_page


def api_links(model_name, query):
    """The API list matching a page's filters, as JSON and as a CSV download.

    None while the API has no such route, so pages hide the links instead of
    failing. The page number is dropped: the download is the whole result.
    `lang` is the page's, so the names are those the reader read (the API
    would otherwise follow the browser's Accept-Language).
    """
    try:
        url = reverse(f"v1:{model_name}-list")
    except NoReverseMatch:
        return None
    params = query.copy()
    params.pop("page", None)
    params["lang"] = translation.get_language()
    as_csv = params.copy()
    as_csv["format"] = "csv"
    return {
        "json": f"{url}?{params.urlencode()}" if params else url,
        "csv": f"{url}?{as_csv.urlencode()}",
    }


# Columns no list row shows: reading the folded search text, descriptions and
# timestamps of each row and its joined records was a fifth of a list's query
# time. A source's text is a whole article per row; aliases are JSON, decoded
# per row and per joined parent for nothing.
UNSHOWN = ("search_text", "description", "created_at", "updated_at", "text", "aliases", "website")


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

    Building the queryset (published(), for_list_rows(), its prefetches) cost
    as much as filtering it; each request takes a clone. Per language, as
    modeltranslation writes a translated field's lookups in the active one,
    and the rows come by name in that language (in_name_order()).
    """
    rows = cited_as_list(
        model.objects.published().for_list_rows().in_name_order(language), keep=False
    )
    return rows.defer(*_unshown(rows))


def _forget_listed(**kwargs):
    # A test's changed setting (the database, languages) may change the querysets.
    listed.cache_clear()


setting_changed.connect(_forget_listed)


def _as_listed(queryset):
    # A page's rows come in listed()'s order; the FilterSet's ordering, where a type
    # has one, is applied among its filters.
    return queryset


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


def tidy_query(query, form):
    """The query string a page redirects to, or None when it is tidy already: without
    empty parameters (a submitted form sends every field, filled or not), and with the
    slugs, codes and ISO dates the URL keeps where names and local dates were typed
    (kb/filtering/names.py), so that links are short and stay stable. One redirect
    for both; checking the form here costs nothing more, as the page reuses it.
    """
    tidy = without_empty_values(query)
    canonical = canonical_query(form, query if tidy is None else tidy)
    return canonical if canonical is not None else tidy


class RecordListView(FilterView):
    """A type's list: filter form, count, sorting, pages, and the API links."""

    template_name = "kb/list.html"
    paginate_by = settings.KB_PAGE_SIZE
    # Counts come from the cache, keyed by the data version: no COUNT(*) of a
    # big table per request.
    paginator_class = CountCachingPaginator
    title = None

    def get(self, request, *args, **kwargs):
        self.filterset = self.get_filterset(self.get_filterset_class())
        tidy = tidy_query(request.GET, self.filterset.form)
        if tidy is not None:
            return redirect(f"{request.path}?{tidy.urlencode()}" if tidy else request.path)
        # FilterView.get(), on the FilterSet built above.
        if not self.filterset.is_bound or self.filterset.is_valid() or not self.get_strict():
            self.object_list = self.rows()
        else:
            self.object_list = self.filterset.queryset.none()
        context = self.get_context_data(filter=self.filterset, object_list=self.object_list)
        response = self.render_to_response(context)
        if self.filterset.is_bound and not self.filterset.is_valid():
            response.status_code = 400  # the page still shows the form and its errors
        return response

    def rows(self):
        """The filtered rows: through a plan compiled once per shape of request (the
        filters used, the language) when it can be, else the FilterSet's queryset.
        The same instances either way (tests/site/test_compiled_pages.py)."""
        if not self.filterset.is_bound or self.filterset.is_valid():
            key = (self.model._meta.label, translation.get_language(), "page")
            rows = compiled.listing(key, self.filterset, _as_listed)
            if rows is not None:
                return rows
        return self.filterset.qs

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        # Before the form is validated, so its errors and fields render the same way.
        filterset.form.renderer = rendering.renderer
        for_people(filterset.form)
        return filterset

    def get_paginator(self, queryset, per_page, **kwargs):
        # The count is cached under the page's filters, not its compiled SQL.
        key = filter_key(f"page:{self.model._meta.model_name}", self.request.GET)
        return super().get_paginator(
            queryset, per_page, count_key=key, version=self.data_version, **kwargs
        )

    @functools.cached_property
    def data_version(self):
        # Read once: the count and the facets are both cached under it.
        return data_version(self.filterset.queryset.db)

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
            # Cached under the data version: a repeated page runs no facet query.
            facets=page_facets(
                self.filterset,
                self.request,
                version=self.data_version,
                total=context["paginator"].count,
            ),
        )
        return context


class RecordDetailView(DetailView):
    """A published record's page; a draft's URL is a 404 like any unknown slug.

    Its head embeds the record as schema.org JSON-LD (`linked_data`,
    kb/exports/jsonld.py), built from what the page's plan loaded. Its quotes,
    groups and sections are arranged by record_pages.py.
    """

    def get_queryset(self):
        return details.for_detail(self.model)

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            # A merged record's old slug: 301 to the record it was merged into.
            target = redirects.public_target(self.model, kwargs["slug"])
            if target is None:
                raise
            url = redirects.with_query(target.get_absolute_url(), request)
            return HttpResponsePermanentRedirect(url)

    def get_template_names(self):
        return [f"kb/{self.model._meta.model_name}_detail.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(record_pages.context(self.object))
        context["linked_data"] = self.linked_data(context)
        return context

    def linked_data(self, context):
        return jsonld.for_record(self.object, site_address(self.request))


def site_address(request):
    """The scheme and host the request came to: the JSON-LD's addresses are absolute."""
    return f"{request.scheme}://{request.get_host()}"


class SourceDetail(RecordDetailView):
    """The source's cited passages in text order (its whole text if it may be published),
    each linked to the records it supports (kb/site/sources.py)."""

    model = Source

    def get_context_data(self, **kwargs):
        page = source_page(self.object, translation.get_language())
        return super().get_context_data(**page, **kwargs)

    def linked_data(self, context):
        # What it is about: the cited records that have pages (facts, posts and claims have none).
        paged = tuple(entry.model for entry in registry.with_pages())
        about = [
            record
            for item in context["supported"]
            for record in item["group"].records
            if isinstance(record, paged)
        ]
        return jsonld.source(self.object, site_address(self.request), about=about)


DETAIL_VIEWS = {Source: SourceDetail}


def list_view(entry):
    """The list page of a registry entry, filtered by the type's FilterSet."""
    return RecordListView.as_view(
        model=entry.model, filterset_class=filtersets.for_model(entry.model), title=entry.title
    )


def detail_view(entry):
    view = DETAIL_VIEWS.get(entry.model, RecordDetailView)
    return view.as_view(model=entry.model)
