"""The map of cooperation: which countries met the host, hosted, or signed agreements.

The page's table and the API's /api/v1/map/ (which the page's script draws)
both come from kb.domain.cooperation.country_counts() for the same scope, so
the picture and the table show the same numbers.
"""

import functools

from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django_countries import countries

from ..domain.cooperation import country_counts
from .scopes import api_url, read_scope, scope_form, tidy_redirect

ATLAS = "vendor/world-atlas/countries-50m.json"


@functools.lru_cache(maxsize=16)
def country_names(language):
    """{ISO numeric code: name in `language`} of every country django-countries knows.

    The map names the countries it has no data for too, so the script gets
    them all. Built once per language and process, like the country datalist.
    """
    with translation.override(language):
        return {countries.numeric(code, padded=True): str(name) for code, name in countries}


def words():
    """The script's words, in the page's language."""
    return {
        "counterpart": gettext("Meetings as counterpart"),
        "hosted": gettext("Events hosted"),
        "agreements": gettext("Agreements"),
        "total": gettext("Total"),
        "noData": gettext("No data"),
        "host": gettext("Host"),
        "legend": gettext("Meetings as counterpart plus agreements"),
        "notDrawn": gettext("Not on the map (no shape for them): "),
        "noBodies": gettext("None in this selection."),
        "failed": gettext("The map could not be drawn. The table below has the same data."),
        "zoomIn": gettext("Zoom in"),
        "zoomOut": gettext("Zoom out"),
        "reset": gettext("Whole world"),
    }


def map_context(scope):
    """What the map's template include needs: the data island and the script's URLs."""
    language = translation.get_language()
    return {
        "api": api_url("v1:map", scope),
        "atlas": static(ATLAS),
        "events_url": reverse("kb:event-list"),
        "scope_query": scope.query_string(),
        "organisation_url": reverse("kb:organisation-detail", kwargs={"slug": "__slug__"}),
        "names": country_names(language),
        "words": words(),
    }


def map_page(request):
    scope = read_scope(request)
    tidy = tidy_redirect(request, scope)
    if tidy is not None:
        return tidy
    valid = scope.is_valid()
    counts = country_counts(scope.events, scope.agreements) if valid else None
    context = {
        "scope_form": scope_form(scope, reverse("kb:map")),
        "counts": counts,
        "map": map_context(scope) if valid else None,
        "events_url": reverse("kb:event-list"),
        "scope_query": scope.query_string(),
    }
    if counts is not None:
        context["counted"] = sum(region.countries for region in counts.regions)
    return render(request, "kb/map.html", context, status=200 if valid else 400)
