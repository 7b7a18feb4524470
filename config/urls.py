"""Top-level URLs: admin, API, and the public pages under /en/ and /fr/."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path

from kb.ops import health
from kb.site import downloads


def favicon(request):
    """Browsers ask for /favicon.ico on pages that link no icon (the admin, the API's
    JSON and ReDoc): send them to the site's icon, which WhiteNoise serves. Temporary,
    so that a browser never keeps a static URL that may change."""
    return redirect(static("kb/favicon.svg"))


urlpatterns = [
    # Probes (kb/ops/health.py), outside the language prefix; also without the
    # slash, since a probe sent APPEND_SLASH's redirect would run no check.
    path("healthz/", health.liveness, name="healthz"),
    path("readyz/", health.readiness, name="readyz"),
    path("healthz", health.liveness),
    path("readyz", health.readiness),
    path("admin/", admin.site.urls),
    path("api/", include("kb.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The bulk files, one address each whatever the page's language (kb/site/downloads.py).
    path("downloads/<str:name>", downloads.download, name="download"),
    path("favicon.ico", favicon),
]

# Public pages always carry their language in the URL (/en/..., /fr/...);
# LocaleMiddleware sends "/" to the browser's language.
urlpatterns += i18n_patterns(path("", include("kb.site.urls")), prefix_default_language=True)

# Errors no view answered itself: JSON under /api/, the site's pages elsewhere.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
