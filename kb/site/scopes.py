"""What the cooperation views (map, network, timeline, who met whom) share: their filters.

Each view reads the events' filters from its URL through CooperationScope
(kb/filtering/scope.py), shows them with kb/templates/kb/includes/scope_form.html,
and hands its script the API URL of the same query.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation

from ..filtering.scope import SCOPE_PARAMS, CooperationScope
from . import rendering
from .forms import field_groups, for_people, is_country_field, shown
from .views import tidy_query


def tidy_redirect(request, scope):
    """A redirect to the tidy URL (kb/site/views.py, tidy_query: no empty parameters;
    slugs, codes and ISO dates for names and local dates), or None when it is tidy."""
    tidy = tidy_query(request.GET, scope.form)
    if tidy is None:
        return None
    return redirect(f"{request.path}?{tidy.urlencode()}" if tidy else request.path)


def read_scope(request):
    """The request's CooperationScope, its form dressed as the list pages' forms are."""
    scope = CooperationScope(request.GET)
    # Before the form is validated, so its errors render through the same renderer.
    scope.form.renderer = rendering.renderer
    for_people(scope.form)
    return scope


def scope_form(scope, action):
    """The context scope_form.html expects (see its comment)."""
    form = scope.form
    query = form.data
    applied = []
    for name in SCOPE_PARAMS:
        values = [v for v in query.getlist(name) if v.strip()] if hasattr(query, "getlist") else []
        if values and name in form.fields:
            # As the reader reads them: names, not slugs or codes.
            show = shown(form, name)
            if show is not None:
                values = [show(v.strip()) for value in values for v in value.split(",")]
            applied.append((form.fields[name].label, ", ".join(values)))
    return {
        "form": form,
        # Every view shows the same FilterSet's form, so a field's HTML is shared between them.
        "groups": field_groups(form, type(scope.filterset)),
        "action": action,
        "applied": applied,
        "country_codes": any(is_country_field(f) for f in form.fields.values()),
    }


def api_url(route, scope):
    """An API route with the scope's filters and the page's language, for a script to fetch."""
    query = scope.query_string()
    language = f"lang={translation.get_language()}"
    return f"{reverse(route)}?{query}&{language}" if query else f"{reverse(route)}?{language}"
