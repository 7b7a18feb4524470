"""The pages across types: home, site-wide search and data quality (lists and details: views.py)."""

from django import forms
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, Q
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from .filters import MAX_QUERY_LENGTH
from .models import (
    Agreement,
    Citation,
    Claim,
    DatePrecision,
    Event,
    Organisation,
    Person,
    Post,
    Source,
    Status,
    Topic,
)
from .models.indexing import cached_count, data_version
from .views import public_records

# (model, heading, list page): the types the home page counts and search covers.
TYPES = [
    (Organisation, _("Organisations"), "kb:organisation-list"),
    (Person, _("People"), "kb:person-list"),
    (Event, _("Events"), "kb:event-list"),
    (Agreement, _("Agreements"), "kb:agreement-list"),
    (Topic, _("Topics"), "kb:topic-list"),
    (Source, _("Sources"), "kb:source-list"),
]


def home(request):
    version = data_version()
    counts = [
        {
            "title": title,
            "url_name": url_name,
            "count": model.objects.published().cached_count(version),
        }
        for model, title, url_name in TYPES
    ]
    # Top-level events (the Assembly, not its 52 meetings), with how many parts each has.
    events = (
        Event.objects.published()
        .filter(Q(parent__isnull=True) | ~Q(parent__status=Status.PUBLISHED))
        .annotate(parts=Count("children", filter=Q(children__status=Status.PUBLISHED)))
        .order_by(F("start_date").desc(nulls_last=True), "slug")[:5]
    )
    agreements = (
        Agreement.objects.published()
        .for_listing()
        .order_by(F("signed_start").desc(nulls_last=True), "slug")[:5]
    )
    return render(
        request,
        "kb/home.html",
        {
            "counts": counts,
            "events": events,
            "agreements": agreements,
            "search_form": SearchForm(),
        },
    )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        help_text=_(
            "Names in English or French, acronyms and other names; accents and case do not matter."
        ),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def search(request):
    """Every type at once, a few of each, with a link to the full filtered list."""
    form = SearchForm(request.GET or None)
    groups = []
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        searched = [
            *TYPES,
            # Posts have no list page: they show on their organisation's.
            (Post, _("Posts"), None),
        ]
        version = data_version()
        for model, title, url_name in searched:
            found = model.objects.published().search(q)
            if model is Post:
                found = found.filter(organisation__status=Status.PUBLISHED).select_related(
                    "organisation"
                )
            count = cached_count(found, version)
            if count:
                rows = found[: settings.KB_SEARCH_LIMIT]
                groups.append({"title": title, "url_name": url_name, "count": count, "rows": rows})
    context = {
        "form": form,
        "q": form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else "",
        "groups": groups,
    }
    return render(request, "kb/search.html", context, status=status)


def quality(request):
    """What the data say about themselves: checked claims, uncited records, vague dates."""
    claims = [
        {
            "claim": claim,
            "recorded": claim.recorded_value,
            "consistent": claim.is_consistent(claim.recorded_value),
        }
        # with_recorded() computes every claim's figure in the same query.
        for claim in Claim.objects.published().for_listing().with_recorded()
    ]
    within = Event.objects.published().filter(date_precision=DatePrecision.WITHIN)
    agreements_within = Agreement.objects.published().filter(date_precision=DatePrecision.WITHIN)
    limit = settings.KB_QUALITY_LIMIT
    version = data_version()
    return render(
        request,
        "kb/quality.html",
        {
            "claims": claims,
            "uncited": uncited_records(limit, version),
            "within": {"count": cached_count(within, version), "rows": within[:limit]},
            "agreements_within": agreements_within,
            "limit": limit,
        },
    )


def uncited_records(limit, version=None):
    """Published records and facts that no published source cites, by type.

    One NOT EXISTS query per type (and one count, cached under the data
    version), not a query per record.
    """
    checked = public_records()
    types = ContentType.objects.get_for_models(*(model for model, _title, _qs in checked))
    sections = []
    for model, title, queryset in checked:
        cited = Citation.objects.filter(
            content_type=types[model], object_id=OuterRef("pk"), source__status=Status.PUBLISHED
        )
        rows = queryset.filter(~Exists(cited))
        count = cached_count(rows, version)
        if count:
            sections.append(
                {
                    "title": title,
                    "kind": model._meta.model_name,
                    "count": count,
                    "rows": rows[:limit],
                }
            )
    return sections
