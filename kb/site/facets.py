"""A list page's facets as links: kb/filtering/facets.py counts them, this makes them links.

Each offered value links to the current query string plus its filter (minus
the page: a new filter starts at the first page); a chosen value links to
the same query without it. Plain links: they work without JavaScript.

The values' HTML is one format string each, not a template included per
value: a list of every country is 50 of them, and an include each cost a
list page more than its own rows did.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.signals import setting_changed
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from ..filtering import facets

# Paging parameters: a link that changes the rows starts again at the first page.
PAGING = ("page", "cursor")
# Values a page lists per facet: the first facets.SHOWN, the rest behind "more".
LISTED = 50

VALUE = (
    '<li class="facet-value"><a href="{url}"><span class="facet-label">{label}</span> '
    '<span class="facet-count">{count}</span></a></li>'
)
CHOSEN = (
    '<li class="facet-value selected"><span class="facet-label">'
    '<span class="visually-hidden">{chosen} </span>{label}</span> '
    '<span class="facet-count">{count}</span> <a class="facet-remove" href="{url}">{remove}'
    '<span class="visually-hidden">: {label}</span></a></li>'
)


@dataclass
class PageFacet:
    name: str
    title: str
    shown: str  # the first facets.SHOWN values, as <li> elements
    more: str  # up to LISTED in all, behind "more"
    more_count: int
    partial: bool  # more values exist than the page lists
    counted: bool  # False: too many results to count (facets.JOINED_MAX); chosen values only
    limit: str  # facets.JOINED_MAX, as the page's language writes numbers


def _items(path, base, result, values):
    """The values' <li> elements: each a link adding its filter, or removing a chosen one."""
    # The query without this facet's parameter, encoded once; each link adds its value.
    others = urlencode([(k, v) for k, v in base if k != result.name])
    start = f"{path}?{others}&" if others else f"{path}?"
    chosen = [str(v.value) for v in result.selected]
    words = {"chosen": escape(gettext("Chosen:")), "remove": escape(gettext("Remove"))}
    items = []
    for value in values:
        if value.selected:
            rest = ",".join(v for v in chosen if v != str(value.value))
            url = start + urlencode({result.name: rest}) if rest else start.rstrip("?&")
            template = CHOSEN
        else:
            url = start + urlencode({result.name: value.value})
            template = VALUE
        count = "" if value.count is None else value.count
        items.append(
            template.format(url=escape(url), label=escape(value.label), count=count, **words)
        )
    return mark_safe("".join(items))  # every part is escaped above


# (path, query string, language, data version) -> a page's facets: a repeated page
# builds none. Bounded: at most ~50 KB each (seven facets of 50 links).
_KEPT = {}
MAX_KEPT = 200


def _forget(**kwargs):
    # A test's changed setting (languages, caches) may change the facets.
    _KEPT.clear()


setting_changed.connect(_forget)


def page_facets(filterset, request, version=None, total=None):
    """The page's facets, each with its links; none while the filters are not valid.

    Kept per process under the data version with the page's address and
    language: labelling, sorting and linking every country again cost a list
    page a sixth of its time, although the counts came from the cache.
    """
    if version is None:
        return _page_facets(filterset, request, version, total)
    key = (request.path, request.META.get("QUERY_STRING", ""), get_language(), version)
    kept = _KEPT.get(key)
    if kept is None:
        kept = _page_facets(filterset, request, version, total)
        if len(_KEPT) >= MAX_KEPT:
            _KEPT.clear()
        _KEPT[key] = kept
    return kept


def _page_facets(filterset, request, version, total):
    base = [(k, v) for k, values in request.GET.lists() if k not in PAGING for v in values]
    shown = []
    # `total`: past facets.JOINED_MAX rows, the facets counted through a join are not.
    for result in facets.facet_counts(filterset, version=version, total=total):
        offered = result.offered
        if not offered and result.counted:
            continue
        listed = offered[:LISTED]
        shown.append(
            PageFacet(
                name=result.name,
                title=result.title,
                shown=_items(request.path, base, result, listed[: facets.SHOWN]),
                more=_items(request.path, base, result, listed[facets.SHOWN :]),
                more_count=len(listed[facets.SHOWN :]),
                partial=len(offered) > LISTED or (result.truncated and not result.selected),
                counted=result.counted,
                limit=number_format(facets.JOINED_MAX, force_grouping=True),
            )
        )
    return shown
