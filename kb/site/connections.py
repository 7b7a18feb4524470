"""The "who met whom" page: one table row per counterpart participation, with the host.

The rows are kb/domain/connections.py's, for the events the scope's filters
choose (kb/filtering/scope.py), paged as the lists are; the page links the
JSON and CSV of /api/v1/connections/ for the same query, which read the
same functions.
"""

from django.conf import settings
from django.core.paginator import InvalidPage
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from ..domain.connections import connections, rows
from ..domain.paging import CountCachingPaginator
from ..filtering.keys import filter_key
from .scopes import api_url, read_scope, scope_form, tidy_redirect


def connections_page(request):
    scope = read_scope(request)
    tidy = tidy_redirect(request, scope)
    if tidy is not None:
        return tidy
    context = {
        "scope_form": scope_form(scope, reverse("kb:connections")),
        "paginator": None,
        "page_obj": None,
        "rows": [],
        "api": None,
    }
    if not scope.is_valid():
        # The page still shows the form, with each error beside its field.
        return render(request, "kb/connections.html", context, status=400)
    # The count is cached under the data version and the page's filters, as the lists' are.
    paginator = CountCachingPaginator(
        connections(scope.events, scope.start_bounds("event__")),
        settings.KB_PAGE_SIZE,
        count_key=filter_key("page:connections", request.GET),
    )
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        raise Http404(str(exc)) from exc
    json_url = api_url("v1:connection-list", scope)
    context.update(
        paginator=paginator,
        page_obj=page,
        rows=rows(page.object_list),
        api={"json": json_url, "csv": f"{json_url}&format=csv"},
    )
    return render(request, "kb/connections.html", context)
