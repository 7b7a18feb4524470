"""Safety of the editors' admin: login lockout (django-axes) and security headers."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes's lockout check, for logins that come with a request.

    Every login through a page (the admin's included) passes its request,
    so is counted and locked out after AXES_FAILURE_LIMIT failures. A
    login without one (a script, `Client.login()` in tests) has no client
    address to count against, and axes would refuse it outright.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class AdminSecurityHeadersMiddleware:
    """A Content-Security-Policy on admin pages.

    Django 5.2 has no CSP of its own (SecurityMiddleware and
    XFrameOptionsMiddleware send the other usual headers everywhere). The
    admin loads only its own scripts, so scripts are limited to 'self';
    styles also allow inline ones, which its widgets (Select2) write.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = settings.ADMIN_URL_PREFIX
        self.policy = settings.ADMIN_CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.prefix):
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
