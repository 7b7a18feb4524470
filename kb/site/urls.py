"""Public pages (mounted under /en/ and /fr/ by config/urls.py).

Each type with pages in kb/registry.py gets kb:<model>-list and
kb:<model>-detail, which Record.get_absolute_url() reverses.
"""

from django.urls import path

from .. import registry
from . import graphs, maps, pages, views
from .connections import connections_page
from .downloads import downloads_page
from .suggest import suggest

app_name = "kb"

urlpatterns = [
    path("", pages.home, name="home"),
    path("search/", pages.search, name="search"),
    path("quality/", pages.quality, name="quality"),
    path("downloads/", downloads_page, name="downloads"),
    path("connections/", connections_page, name="connections"),
    path("map/", maps.map_page, name="map"),
    path("network/", graphs.network, name="network"),
    path("timeline/", graphs.timeline_page, name="timeline"),
    path("suggest/<slug:kind>/", suggest, name="suggest"),
]
for entry in registry.with_pages():
    urlpatterns += [
        path(f"{entry.page}/", views.list_view(entry), name=f"{entry.name}-list"),
        path(f"{entry.page}/<slug:slug>/", views.detail_view(entry), name=f"{entry.name}-detail"),
    ]
