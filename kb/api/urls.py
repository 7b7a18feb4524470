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

from .views import VIEWSETS, api_not_found


# No format suffixes (/organisations.json): `?format=` is the one way, and
# slugs stay free of that ambiguity.
class Router(routers.DefaultRouter):
    include_format_suffixes = False


router = Router()
# Basenames are the model names: reverse("v1:organisation-detail", kwargs={"slug": ...}).
for viewset in VIEWSETS:
    router.register(viewset.prefix, viewset, basename=viewset.model._meta.model_name)

urlpatterns = [
    path("v1/", include((router.urls, "v1"))),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # Ends in a slash so that CommonMiddleware can still add a missing one.
    re_path(r"^.*/$", api_not_found),
]
