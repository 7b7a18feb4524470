"""The benchmark's HTTP floor: bare views that return each case's rows with values()
(the lists the database keeps for each event and organisation, as the app reads them,
kept_lists()).

Served beside the app by the same gunicorn (tests/perf/urls.py), through the
same middleware, so the gap between a case and its floor is what the app's
own work costs: filtering, validation, serialisation, ETags and counts.
They read the same rows as the app and nothing more: no validation, no
conditional GET, no language, no counts; in the app's order, by name in
English (the lists' sort key, kb/models/ordering.py). Never part of the app.
"""

import datetime

from django.db.models import Exists, OuterRef, Q
from django.http import JsonResponse

from kb.lib import regions
from kb.models import Event, Organisation, Participation, Status
from kb.models.relation_rows import kept_lists

ORG_FIELDS = (
    "id",
    "slug",
    "name_en",
    "name_fr",
    "acronym",
    "kind",
    "country",
    "parent__slug",
    "aliases",
    "updated_at",
)
EVENT_FIELDS = (
    "id",
    "slug",
    "name_en",
    "name_fr",
    "kind",
    "start_date",
    "end_date",
    "date_precision",
    "city",
    "country",
    "parent__slug",
    "organiser__slug",
    "updated_at",
)


def _size(request, default=50):
    return int(request.GET.get("size", default))


def _with_kept_lists(model, rows):
    # The app's read (kb/api/projections.py): the lists the database keeps for each row.
    found = kept_lists(model, [row["id"] for row in rows])
    for row in rows:
        for column, by_record in found.items():
            row[column] = by_record.get(row["id"], [])
    return rows


def _published_organisations():
    return Organisation.objects.filter(status=Status.PUBLISHED).in_name_order("en")


def organisations_in_region(request):
    rows = _published_organisations().filter(
        country__in=regions.countries_in(request.GET.get("region", "europe"))
    )
    rows = list(rows.values(*ORG_FIELDS)[: _size(request)])
    return JsonResponse({"results": _with_kept_lists(Organisation, rows)})


def organisations_page(request):
    """Page 1, or the page after the row (`after`: its name, `after_id`: its key): keyset,
    as the app's cursor, the name's range included so the index seeks there."""
    rows = _published_organisations()
    if "after" in request.GET:
        key, name = Organisation.list_order.alias("en"), request.GET["after"]
        after = Q(**{f"{key}__gt": name}) | Q(**{key: name, "pk__gt": request.GET["after_id"]})
        rows = rows.filter(after, **{f"{key}__gte": name})
    rows = list(rows.values(*ORG_FIELDS)[: _size(request)])
    return JsonResponse({"results": _with_kept_lists(Organisation, rows)})


def organisations_search(request):
    rows = _published_organisations().search(request.GET.get("q", ""))
    rows = list(rows.values(*ORG_FIELDS)[: _size(request)])
    return JsonResponse({"results": _with_kept_lists(Organisation, rows)})


def events_of_participant(request):
    """As the app: the organisation by key (its slug is read first, as the app checks it),
    probed per event in the lists' order (by date, then name), the start bounded below
    (Event.earliest_start)."""
    organisation = Organisation.objects.values_list("pk", flat=True).get(
        slug=request.GET["participant"]
    )
    date_from = datetime.date.fromisoformat(request.GET["date_from"])
    took_part = Participation.objects.filter(event=OuterRef("pk"), organisation=organisation)
    rows = (
        Event.objects.filter(
            Exists(took_part),
            status=Status.PUBLISHED,
            end_date__gte=date_from,
            start_date__gte=Event.earliest_start(date_from),
            start_date__lte=request.GET["date_to"],
        )
        .in_name_order("en")
        .values(*EVENT_FIELDS)[: _size(request)]
    )
    return JsonResponse({"results": _with_kept_lists(Event, list(rows))})


def event_detail(request, slug):
    row = Event.objects.filter(status=Status.PUBLISHED, slug=slug).values(*EVENT_FIELDS).get()
    return JsonResponse(_with_kept_lists(Event, [row])[0])
