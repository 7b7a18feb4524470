"""Public list and detail pages, one pair per type (home, search and quality: kb/pages.py).

Lists filter through the type's FilterSet in kb/filters.py, the one the API
uses, so a page, its CSV download and its JSON link show the same rows.
Every queryset starts from `published()`; `for_listing()` / `for_detail()`
own the prefetching, so no page runs a query per row.
"""

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Prefetch
from django.http import QueryDict
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from . import filters
from .api_policies import CountCachingPaginator
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
from .models.base import cited_as_list, shown
from .models.indexing import filter_key


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


class ListSelect(forms.Select):
    """A drop-down for a short list of choices that reads values as the FilterSet does."""

    value_from_datadict = filters.ListWidget.value_from_datadict


def is_country_field(field):
    # Compared by value: each form works on a deep copy of the FilterSet's fields.
    return getattr(field, "choices", None) == filters.COUNTRY_CHOICES


def _label(choice):
    return choice[1]


def present(form):
    """Widgets for people, on a FilterSet's form; parsing stays the FilterSet's.

    Short choice lists become drop-downs (unless the URL asks for several
    values, which a drop-down cannot show); countries get a list of codes to
    pick from; relation filters stay text inputs, by slug.
    """
    form.label_suffix = ""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(field, filters.ChoiceListField):
            if is_country_field(field):
                widget.attrs.update(list="country-codes", autocomplete="off")
            elif len(form[name].value() or []) <= 1:
                choices = [(key, str(label)) for key, label in field.choices]
                if name == "language":
                    # Django's language names are marked for translation, not translated.
                    choices = sorted(((k, gettext(label)) for k, label in choices), key=_label)
                field.widget = ListSelect(choices=[("", _("Any")), *choices])
                # The codes the help text lists are the options themselves.
                field.help_text = form[name].help_text = ""
        elif isinstance(field, filters.SlugListField):
            widget.attrs.update(autocomplete="off", spellcheck="false", autocapitalize="none")
        elif isinstance(field, forms.DateField):
            # The browser's date picker shows the date its own way: "YYYY-MM-DD" would mislead.
            field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            field.help_text = form[name].help_text = ""
        elif name == "q":
            widget.input_type = "search"
    if "ordering" in form.fields:
        field = form.fields["ordering"]
        # django-filter adds its own "---------" first option; name it instead.
        sorts = [(key, label) for key, label in field.choices if key]
        field.widget = forms.Select(choices=[("", _("Default order")), *sorts])
    return form


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

    def get_paginator(self, queryset, per_page, **kwargs):
        # The count is cached under the page's filters, not its compiled SQL.
        key = filter_key(f"page:{self.model._meta.model_name}", self.request.GET)
        return super().get_paginator(queryset, per_page, count_key=key, **kwargs)

    def get_queryset(self):
        # A list's rows show no quotes: their citations are not read.
        return cited_as_list(self.model.objects.published().for_listing(), keep=False)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        name = self.model._meta.model_name
        context.update(
            title=self.title,
            form=present(self.filterset.form),
            rows_template=f"kb/rows/{name}.html",
            list_url=reverse(f"kb:{name}-list"),
            api=api_links(name, self.request.GET),
            # Codes to pick from, named in the page's language, when a field takes countries.
            country_codes=any(is_country_field(f) for f in self.filterset.form.fields.values()),
        )
        return context


class OrganisationList(RecordListView):
    model = Organisation
    filterset_class = filters.OrganisationFilterSet
    title = _("Organisations")


class PersonList(RecordListView):
    model = Person
    filterset_class = filters.PersonFilterSet
    title = _("People")


class EventList(RecordListView):
    model = Event
    filterset_class = filters.EventFilterSet
    title = _("Events")


class AgreementList(RecordListView):
    model = Agreement
    filterset_class = filters.AgreementFilterSet
    title = _("Agreements")


class TopicList(RecordListView):
    model = Topic
    filterset_class = filters.TopicFilterSet
    title = _("Topics")


class SourceList(RecordListView):
    model = Source
    filterset_class = filters.SourceFilterSet
    title = _("Sources")


class RecordDetailView(DetailView):
    """A published record's page; a draft's URL is a 404 like any unknown slug."""

    def get_queryset(self):
        return self.model.objects.published().for_detail()

    def get_template_names(self):
        return [f"kb/{self.model._meta.model_name}_detail.html"]


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


class PersonDetail(RecordDetailView):
    model = Person


class AgreementDetail(RecordDetailView):
    model = Agreement


class TopicDetail(RecordDetailView):
    model = Topic


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


class SourceDetail(DetailView):
    model = Source
    template_name = "kb/source_detail.html"

    def get_queryset(self):
        return Source.objects.published().select_related("attributed_to")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sections"] = citing_records(self.object)
        return context


def public_records():
    """(model, heading, queryset) for every cited type, published and shown rows only.

    Join rows are facts about their records: they show only when every end
    they name is published. Shared by the source page and the quality page.
    """
    return [
        (Organisation, _("Organisations"), Organisation.objects.published()),
        (Person, _("People"), Person.objects.published()),
        (
            Post,
            _("Posts"),
            Post.objects.published()
            .filter(organisation__status=Status.PUBLISHED)
            .select_related("organisation"),
        ),
        (Event, _("Events"), Event.objects.published()),
        (Agreement, _("Agreements"), Agreement.objects.published()),
        (Topic, _("Topics"), Topic.objects.published()),
        (Claim, _("Claims"), Claim.objects.published()),
        (
            Participation,
            _("Participations in events"),
            Participation.objects.filter(
                shown("organisation", "person", "post"), event__status=Status.PUBLISHED
            ).select_related("event", "organisation", "person", "post"),
        ),
        (
            AgreementParty,
            _("Parties to agreements"),
            AgreementParty.objects.filter(
                agreement__status=Status.PUBLISHED, organisation__status=Status.PUBLISHED
            ).select_related("agreement", "organisation"),
        ),
        (
            Membership,
            _("Memberships"),
            Membership.objects.filter(
                shown("organisation", "post"), person__status=Status.PUBLISHED
            ).select_related("person", "organisation", "post"),
        ),
    ]


def citing_records(source):
    """Every published record and fact that cites `source`, by type, with its quotes.

    Two queries per type whatever the number of citations: the records, then
    their quotes from this source.
    """
    citing = public_records()
    types = ContentType.objects.get_for_models(*(model for model, _title, _qs in citing))
    quotes = Citation.objects.filter(source=source)
    sections = []
    for model, title, queryset in citing:
        cites = quotes.filter(content_type=types[model], object_id=OuterRef("pk"))
        records = list(
            queryset.filter(Exists(cites)).prefetch_related(
                Prefetch("citations", queryset=quotes, to_attr="quotes")
            )
        )
        if records:
            sections.append({"title": title, "kind": model._meta.model_name, "records": records})
    return sections
