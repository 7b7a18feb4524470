"""The API's throttling (no views here: settings name this module)."""

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
