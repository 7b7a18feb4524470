"""The network and the timeline of cooperation: who is linked to whom, and when things happened.

Each page's script draws the API's answer for the page's own query
(/api/v1/graph/, /api/v1/timeline/); the table under the picture is rendered
here from the same domain function (kb.domain.cooperation.graph() and
timeline()) for the same scope, so the picture and the table agree and the
table works without JavaScript.
"""

import functools

from django import forms
from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.dates import MONTHS, MONTHS_AP, WEEKDAYS, WEEKDAYS_ABBR
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..domain.cooperation import graph, timeline
from ..lib import regions
from . import rendering
from .scopes import api_url, read_scope, scope_form, tidy_redirect

# The tables' caps: past them the page says how many rows it left out and
# points to the downloads, which have them all.
NODE_ROWS = 500
EDGE_ROWS = 200
TIMELINE_ROWS = 100  # a page of the timeline's table

# A URL pattern the scripts fill in with a record's slug.
SLUG = "__slug__"


def plural_forms(translate):
    """A count's wording for the script: {"one": ..., "other": ...}, with %(count)s in each.

    `translate(n)` is an ngettext() call written out, so that makemessages
    finds its words. The script picks a form with Intl.PluralRules, whose
    "one" matches gettext's singular in English and French (0 and 1 in French).
    """
    return {"one": translate(1), "other": translate(2)}


@functools.lru_cache(maxsize=16)
def country_names(language):
    """{alpha-2 code: name in `language`} of every country, for the script's search and tooltip."""
    with translation.override(language):
        return {code: str(name) for code, name in countries}


def region_names():
    return {slug: str(name) for slug, name in regions.REGION_NAMES.items()}


def record_pattern(name):
    return reverse(f"kb:{name}-detail", kwargs={"slug": SLUG})


def downloads(scope, route):
    """The API's answer for the page's query, as JSON and in the other formats it offers."""
    url = api_url(route, scope)
    return {"json": url, "gexf": f"{url}&format=gexf", "graphml": f"{url}&format=graphml"}


# The network -------------------------------------------------------------------------


def network_words():
    """The network script's words and names, in the page's language."""
    return {
        "countries": country_names(translation.get_language()),
        "regions": region_names(),
        "person": gettext("Person"),
        "international": gettext("International body (no country)"),
        "degree": plural_forms(
            lambda n: ngettext("linked to %(count)s other", "linked to %(count)s others", n)
        ),
        "kinds": {
            "meeting": plural_forms(
                lambda n: ngettext("%(count)s meeting together", "%(count)s meetings together", n)
            ),
            "agreement": plural_forms(
                lambda n: ngettext("%(count)s agreement", "%(count)s agreements", n)
            ),
            "membership": plural_forms(lambda n: gettext("holds a post there")),
        },
        "matches": plural_forms(
            lambda n: ngettext("%(count)s match: %(names)s", "%(count)s matches: %(names)s", n)
        ),
        # Translators: a mark's name for screen readers: "Danish police (Denmark, Europe): ...".
        "node_label": gettext("%(name)s (%(where)s): %(degree)s"),
        # Translators: a line's tooltip, e.g. "DGSN-DGST pole – Danish police: 1 meeting together".
        "edge_label": gettext("%(ends)s: %(count)s"),
        "no_match": gettext("No organisation or person in the picture matches."),
        "omitted": plural_forms(
            lambda n: ngettext(
                "%(count)s of the %(total)s organisations and people, the least linked, is left "
                "out: the picture shows %(shown)s. The filters above narrow the network.",
                "%(count)s of the %(total)s organisations and people, the least linked, are left "
                "out: the picture shows %(shown)s. The filters above narrow the network.",
                n,
            )
        ),
        "picture": gettext("Network of organisations and people"),
        "empty": gettext("No organisation or person matches these filters."),
        "failed": gettext("The network could not be drawn. The table below has the same data."),
    }


def node_rows(nodes):
    """The nodes by degree (most linked first), with what the table shows of each."""
    ranked = sorted(nodes, key=lambda n: (-n.degree, n.name.casefold(), n.id))
    names = country_names(translation.get_language())
    rows = []
    for node in ranked:
        person = node.type == "person"
        rows.append(
            {
                "node": node,
                "url": reverse(
                    "kb:person-detail" if person else "kb:organisation-detail",
                    kwargs={"slug": node.slug},
                ),
                "type": gettext("Person") if person else gettext("Organisation"),
                "country": names.get(node.country, node.country),
                "region": regions.REGION_NAMES.get(node.region, ""),
            }
        )
    return rows


EDGE_KINDS = {
    "meeting": _("Meetings together"),
    "agreement": _("Agreements"),
    "membership": _("Post held"),
}


def edge_rows(edges, rows_by_id):
    """The edges, heaviest first, each end with its row (name and link)."""
    ranked = sorted(edges, key=lambda e: (-e.weight, e.kind, e.source, e.target))
    return [
        {
            "edge": edge,
            "source": rows_by_id.get(edge.source),
            "target": rows_by_id.get(edge.target),
            "kind": EDGE_KINDS.get(edge.kind, edge.kind),
        }
        for edge in ranked
    ]


def legend_regions(nodes):
    """The legend's colours: the regions in the picture, then bodies with no country, people."""
    present = {n.region for n in nodes if n.type != "person" and n.region}
    entries = [(slug, name) for slug, name in regions.REGION_NAMES.items() if slug in present]
    return {
        "regions": entries,
        "international": any(n.type != "person" and not n.country for n in nodes),
        "people": any(n.type == "person" for n in nodes),
    }


def network(request):
    scope = read_scope(request)
    tidy = tidy_redirect(request, scope)
    if tidy is not None:
        return tidy
    valid = scope.is_valid()
    context = {"scope_form": scope_form(scope, reverse("kb:network"))}
    if valid:
        found = graph(
            scope.events, scope.agreements, settings.GRAPH_MAX_NODES, settings.GRAPH_MAX_RECORDS
        )
        nodes = node_rows(found.nodes)
        by_id = {row["node"].id: row for row in nodes}
        edges = edge_rows(found.edges, by_id)
        context.update(
            graph=found,
            nodes=nodes[:NODE_ROWS],
            nodes_left_out=max(0, len(nodes) - NODE_ROWS),
            edges=edges[:EDGE_ROWS],
            edges_left_out=max(0, len(edges) - EDGE_ROWS),
            legend=legend_regions(found.nodes),
            api=api_url("v1:graph", scope),
            downloads=downloads(scope, "v1:graph"),
            organisation_url=record_pattern("organisation"),
            person_url=record_pattern("person"),
            words=network_words(),
        )
    return render(request, "kb/network.html", context, status=200 if valid else 400)


# The timeline ------------------------------------------------------------------------


class GroupForm(forms.Form):
    """How the timeline's lanes are made: the one control the timeline adds to the filters."""

    group = forms.ChoiceField(
        label=_("One lane per"),
        choices=[("region", _("Counterparts' region")), ("kind", _("Kind of event or agreement"))],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.renderer = rendering.renderer

    def chosen(self):
        return self.cleaned_data.get("group") or "region"


def d3_locale():
    """A d3 time-format locale in the page's language, from Django's own month and day names."""
    sunday_first = [6, 0, 1, 2, 3, 4, 5]
    return {
        "dateTime": "%x %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": [str(WEEKDAYS[i]) for i in sunday_first],
        "shortDays": [str(WEEKDAYS_ABBR[i]) for i in sunday_first],
        "months": [str(MONTHS[i]) for i in range(1, 13)],
        "shortMonths": [str(MONTHS_AP[i]) for i in range(1, 13)],
    }


def timeline_words():
    return {
        "locale": d3_locale(),
        "items": plural_forms(lambda n: ngettext("%(count)s item", "%(count)s items", n)),
        # Translators: an item's accessible name: its name, its date in words, its lane.
        "item_label": gettext("%(name)s: %(date)s (%(lane)s)"),
        "rows_left_out": plural_forms(
            lambda n: ngettext(
                "%(count)s item is not drawn: a lane shows at most %(rows)s rows of items at the "
                "same time. The table below lists them all.",
                "%(count)s items are not drawn: a lane shows at most %(rows)s rows of items at "
                "the same time. The table below lists them all.",
                n,
            )
        ),
        "picture": gettext("Timeline of events and agreements"),
        "empty": gettext("No dated event or agreement matches these filters."),
        "failed": gettext("The timeline could not be drawn. The table below has the same data."),
    }


def timeline_page(request):
    scope = read_scope(request)
    tidy = tidy_redirect(request, scope)
    if tidy is not None:
        return tidy
    group_form = GroupForm(request.GET)
    # Both validated, so each shows its errors.
    valid = all([scope.is_valid(), group_form.is_valid()])
    filters = scope_form(scope, reverse("kb:timeline"))
    group_html = group_form["group"].as_field_group()
    filters["groups"] = [*filters["groups"], (bool(group_form.errors), group_html)]
    chosen = group_form.cleaned_data.get("group") if group_form.is_valid() else None
    if chosen:
        field = group_form.fields["group"]
        filters["applied"] = [*filters["applied"], (field.label, dict(field.choices)[chosen])]
    context = {"scope_form": filters}
    if valid:
        group = group_form.chosen()
        found = timeline(scope.events, scope.agreements, group, settings.TIMELINE_MAX_ITEMS)
        paginator = Paginator(found.items, TIMELINE_ROWS)
        try:
            page = paginator.page(request.GET.get("page") or 1)
        except InvalidPage as error:
            raise Http404(str(error)) from error
        api = api_url("v1:timeline", scope) + f"&group={group}"
        context.update(
            timeline=found,
            group=group,
            page_obj=page,
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            api=api,
            event_url=record_pattern("event"),
            agreement_url=record_pattern("agreement"),
            words=timeline_words(),
        )
    return render(request, "kb/timeline.html", context, status=200 if valid else 400)
