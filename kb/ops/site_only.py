"""Middleware that the public pages and the admin need, and the data API does not.

The API under /api/v1/ is read-only and anonymous (no authentication classes:
config/settings.py), and chooses its language itself: `lang`, then
Accept-Language (kb/api/views.py), which it states in Content-Language. So it
reads no session, user or message, and LocaleMiddleware's activation only
cost it time and stated the wrong language (Accept-Language's, where `lang`
chose another). Each class here is Django's, skipped for those paths and
unchanged for every other; subclasses, so that the admin's checks still find
them (admin.E408-E410), and in Django's places in MIDDLEWARE. Page 1 of the
organisations at scale 100: about 0.1 of its 1.8 ms in process.

CSRF and django-axes stay as they are: their checks look for their own dotted
paths in MIDDLEWARE, and each costs a GET little.
"""

from django.contrib.auth.middleware import AuthenticationMiddleware as _Authentication
from django.contrib.messages.middleware import MessageMiddleware as _Messages
from django.contrib.sessions.middleware import SessionMiddleware as _Sessions
from django.middleware.locale import LocaleMiddleware as _Locale
from django.utils import translation
from django.utils.cache import patch_vary_headers

API_PREFIX = "/api/v1/"


def is_api(request):
    return request.path_info.startswith(API_PREFIX)


class SiteOnly:
    """Runs the middleware it is mixed into for every path but the API's."""

    def __call__(self, request):
        if is_api(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddleware(SiteOnly, _Sessions):
    pass


class LocaleMiddleware(_Locale):
    """Django's, but for the API's paths: it activates nothing there (the API chooses its
    language per request, kb/api/views.py, and states it); an API response that states
    none (the API's root, its 404) is in the default language."""

    def __call__(self, request):
        if not is_api(request):
            return super().__call__(request)
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        patch_vary_headers(response, ("Accept-Language",))
        return response


class AuthenticationMiddleware(SiteOnly, _Authentication):
    pass


class MessageMiddleware(SiteOnly, _Messages):
    pass
