"""Error responses: JSON under /api/, the site's own pages everywhere else.

Django calls these for errors no view answered itself (config/urls.py names
them): an uncaught exception (500, logged by Django first), a
SuspiciousOperation or a bad request (400), a PermissionDenied (403), and an
unmatched path (404). A client of the API reads every error as JSON, as the
API's own errors are; a reader of the site gets a page in its language.
"""

from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

API_PREFIX = "/api/"


def _api(request):
    return request.path.startswith(API_PREFIX)


def _page(request, template_name, status, fallback):
    """The site's page for an error; plain text if even that cannot be drawn.

    A 400 may come from a request the page itself cannot handle (a host not
    allowed, say), so the page is drawn inside a try.
    """
    try:
        body = loader.render_to_string(template_name, request=request)
    except Exception:  # the error page must not raise in turn
        return HttpResponse(fallback, status=status, content_type="text/plain")
    return HttpResponse(body, status=status)


def bad_request(request, exception):
    if _api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return _page(request, "400.html", 400, "Bad request")


def permission_denied(request, exception):
    if _api(request):
        return JsonResponse({"detail": "Permission denied."}, status=403)
    return _page(request, "403.html", 403, "Forbidden")


def page_not_found(request, exception):
    if _api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
