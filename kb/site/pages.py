"""The pages across types: home, site-wide search and data quality (lists and details: views.py)."""

from django.conf import settings
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from .. import registry
from ..db.counts import cached_count
from ..db.routing import read_alias
from ..db.version import data_version
from ..domain.records import uncited_records
from ..domain.relations import related
from ..filtering.scope import CooperationScope
from ..models import (
    Agreement,
    Claim,
    DatePrecision,
    Event,
    Organisation,
    Person,
    Post,
    SearchRank,
)
from ..models.visibility import public
from .forms import SearchForm
from .maps import map_context


def page_types():
    """(model, heading, list page) of the types with pages: home counts them, search covers them."""
    return [(t.model, t.title, f"kb:{t.name}-list") for t in registry.with_pages()]


def home(request):
    version = data_version(read_alias())
    counts = [
        {
            "title": title,
            "url_name": url_name,
            "count": model.objects.published().cached_count(version),
        }
        for model, title, url_name in page_types()
    ]
    # Top-level events (the Assembly, not its 52 meetings), with how many parts each has:
    # counted by a subquery for the five shown, where a join and GROUP BY counted them
    # for every event before sorting (88 of the page's 139 ms at scale 100). Its only
    # condition is the parent, the published ones counted by a filter: with the
    # status a condition too, SQLite read the status index, every event, for each row.
    parts = (
        Event.objects.filter(parent=OuterRef("pk"))
        .order_by()
        .values("parent")
        .annotate(n=Count("pk", filter=public()))
        .values("n")
    )
    events = (
        Event.objects.published()
        .filter(Q(parent__isnull=True) | ~public("parent"))
        .annotate(parts=Coalesce(Subquery(parts, output_field=IntegerField()), 0))
        .order_by(F("start_date").desc(nulls_last=True), "slug")[:5]
    )
    events = list(events)
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
            # The latest of them on the map: its counterparts, drawn from the API.
            "latest": latest_event(events[0]) if events else None,
        },
    )


# The cooperation views, each linked from the home page for the latest event.
VIEWS = (
    ("kb:map", _("on a map")),
    ("kb:network", _("as a network")),
    ("kb:timeline", _("on a timeline")),
    ("kb:connections", _("who met whom, as a table")),
)


def latest_event(event):
    """The home page's map of an event's counterparts, and its links to the other views."""
    query = QueryDict(mutable=True)
    query["parent"] = event.slug
    scope = CooperationScope(query)
    links = [(label, f"{reverse(name)}?{scope.query_string()}") for name, label in VIEWS]
    return {"event": event, "map": map_context(scope), "links": links}


# Actors whose relations the search page shows: the best few organisations, people and
# posts found, by whole words or word starts (not "mou" inside "Hammouchi").
RELATED_ACTORS = 3
ACTOR_TYPES = (Organisation, Person, Post)


def search(request):
    """Every type at once, best matches first, a few of each with a link to the full
    filtered list; then what the best people and organisations found took part in."""
    form = SearchForm(request.GET or None)
    groups = []
    sections = []
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    elif form.is_bound and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        searched = [
            *page_types(),
            # Posts have no list page: they show on their organisation's.
            (Post, registry.of(Post).title, None),
        ]
        version = data_version(read_alias())
        for model, title, url_name in searched:
            found = model.objects.published()
            if model is Post:
                found = found.filter(public("organisation")).select_related("organisation")
            # Keyed by the words: the type and the version complete the key, and
            # a hit compiles nothing (so reads no search index).
            count = cached_count(found.search(q), version, key=("search", q))
            if count:
                ranked = found.ranked_search(q).defer("search_text")
                rows = list(ranked[: settings.KB_SEARCH_LIMIT])
                groups.append(
                    {
                        "title": title,
                        "url_name": url_name,
                        "count": count,
                        "rows": rows,
                        "model": model,
                        "key": model._meta.model_name,
                        "rank": rows[0].search_rank if rows else SearchRank.INSIDE,
                    }
                )
        # The type whose best match is best comes first; types keep their order on a tie.
        groups.sort(key=lambda group: group["rank"])
        actors = best_actors(groups)
        relations = [
            {"r": r, "events_url": events_url(r)} for r in related(actors) if not r.is_empty
        ]
        sections = [{"group": group} for group in groups]
        if relations:
            # Right below the group of the best of them: the person, then what they did.
            at = next(i for i, g in enumerate(groups) if g["model"] is type(actors[0]))
            sections.insert(at + 1, {"relations": relations})
    context = {
        "form": form,
        "q": form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else "",
        "groups": groups,
        "sections": sections,
    }
    return render(request, "kb/search.html", context, status=status)


def events_url(relation):
    """The event list filtered to every event of the relation's actor, or None (posts)."""
    query = relation.events_filter
    return f"{reverse('kb:event-list')}?{urlencode(query)}" if query else None


def best_actors(groups):
    """The RELATED_ACTORS best organisations, people and posts the search found, matched by
    whole words or word starts, best first (types in page order on a tie)."""
    rows = [
        row
        for group in groups
        if group["model"] in ACTOR_TYPES
        for row in group["rows"]
        if row.search_rank < SearchRank.INSIDE
    ]
    rows.sort(key=lambda row: row.search_rank)
    return rows[:RELATED_ACTORS]


def quality(request):
    """What the data say about themselves: checked claims, uncited records, vague dates."""
    claims = [
        {
            "claim": claim,
            "recorded": claim.recorded_value,
            "consistent": claim.is_consistent(claim.recorded_value),
        }
        # for_listing() computes every claim's figure in the same query (with_recorded()).
        for claim in Claim.objects.published().for_listing()
    ]
    within = Event.objects.published().filter(date_precision=DatePrecision.WITHIN)
    agreements_within = Agreement.objects.published().filter(date_precision=DatePrecision.WITHIN)
    limit = settings.KB_QUALITY_LIMIT
    version = data_version(read_alias())
    return render(
        request,
        "kb/quality.html",
        {
            "claims": claims,
            "uncited": uncited_records(limit, version),
            "within": {"count": cached_count(within, version), "rows": within[:limit]},
            "agreements_within": {
                "count": cached_count(agreements_within, version),
                "rows": agreements_within[:limit],
            },
            "limit": limit,
        },
    )
