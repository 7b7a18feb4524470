"""Read API URLs (mounted under /api/ by config/urls.py).

/api/v1/ routes one list and one detail per type of kb/registry.py;
/api/schema/ is the OpenAPI schema, /api/docs/ its Swagger UI, /api/redoc/
its ReDoc.
"""

from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework import routers

from .connections import ConnectionViewSet
from .cooperation import GraphView, MapView, TimelineView
from .exports import FtMExportView, PopoloExportView
from .views import VIEWSETS, api_not_found


# No format suffixes (/organisations.json): `?format=` is the one way, and
# slugs stay free of that ambiguity.
class Router(routers.DefaultRouter):
    include_format_suffixes = False
    # Paths beside the viewsets', listed on the API root too: {prefix: URL name}.
    extra_root = {}

    def get_api_root_view(self, api_urls=None):
        list_name = self.routes[0].name
        root = {
            prefix: list_name.format(basename=basename) for prefix, _v, basename in self.registry
        }
        root.update(self.extra_root)
        return self.APIRootView.as_view(api_root_dict=root)


router = Router()
# Basenames are the model names: reverse("v1:organisation-detail", kwargs={"slug": ...}).
for viewset in VIEWSETS:
    router.register(viewset.prefix, viewset, basename=viewset.model._meta.model_name)
# Who met whom (kb/api/connections.py): a list only, reversed as "v1:connection-list".
router.register("connections", ConnectionViewSet, basename="connection")

# Cooperation seen three ways (kb/api/cooperation.py): "v1:map", "v1:graph", "v1:timeline".
cooperation_urls = [
    path("map/", MapView.as_view(), name="map"),
    path("graph/", GraphView.as_view(), name="graph"),
    path("timeline/", TimelineView.as_view(), name="timeline"),
]
router.extra_root.update({"map": "map", "graph": "graph", "timeline": "timeline"})

# The open formats (kb/api/exports.py), streamed: "v1:export-ftm", "v1:export-popolo".
export_urls = [
    path("exports/ftm/", FtMExportView.as_view(), name="export-ftm"),
    path("exports/popolo/", PopoloExportView.as_view(), name="export-popolo"),
]
router.extra_root.update({"exports/ftm": "export-ftm", "exports/popolo": "export-popolo"})

urlpatterns = [
    path("v1/", include((router.urls + cooperation_urls + export_urls, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # Ends in a slash so that CommonMiddleware can still add a missing one.
    re_path(r"^.*/$", api_not_found),
]
