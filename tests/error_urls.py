"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from django.conf.urls.i18n import i18n_patterns
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import include, path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("a forced server error")


def bad(request):
    raise SuspiciousOperation("a forced bad request")


def denied(request):
    raise PermissionDenied


FAILING = [path("_boom/", boom), path("_bad/", bad), path("_denied/", denied)]

urlpatterns = [
    path("api/v1/", include(FAILING)),
    *i18n_patterns(*FAILING, prefix_default_language=True),
    *project_urlpatterns,
]
