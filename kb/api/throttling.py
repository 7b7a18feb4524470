"""The API's throttling (no views here: settings name this module).

The response cache (kb/ops/responses.py) counts its hits with the same
class, before any view runs (settings.RESPONSE_CACHE_THROTTLES).
"""

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle


class AnonThrottle(AnonRateThrottle):
    """Requests per client address, at settings.API_ANON_THROTTLE_RATE (None: unlimited).

    Read from Django's settings on each request, rather than from DRF's
    THROTTLE_RATES captured at import, so a deployment's environment and a
    test's `settings` fixture both take effect.
    """

    def get_rate(self):
        return settings.API_ANON_THROTTLE_RATE

    def get_cache_key(self, request, view):
        # Every API client is anonymous (the API has no authentication), and the
        # response cache asks with Django's own request, which has no `user` yet.
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allows(self, request):
        """Whether one more request from this client is allowed; counts it if so."""
        return self.allow_request(request, None)
