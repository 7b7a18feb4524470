"""Safety of the editors' admin: the login lockout (django-axes).

The admin's security headers, its Content-Security-Policy included, are the
whole site's (config/settings.py, "Security"); the client address a lockout
counts is kb/ops/clients.py's, behind DJANGO_NUM_PROXIES proxies.
"""

from axes.backends import AxesStandaloneBackend


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
