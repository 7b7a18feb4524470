"""The API's paging and throttling policies (no views here: settings import this module)."""

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import AnonRateThrottle


class Pagination(PageNumberPagination):
    """`page` and `page_size` (50 by default, capped at 200).

    As in DRF, a malformed or out-of-range `page` answers 404, and a
    malformed `page_size` (not a positive integer) falls back to the default.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_query_description = "Page number, from 1; past the last page answers 404."
    page_size_query_description = "Records per page: 50 by default, at most 200."


class AnonThrottle(AnonRateThrottle):
    """Requests per client address, at settings.API_ANON_THROTTLE_RATE (None: unlimited).

    Read from Django's settings on each request, rather than from DRF's
    THROTTLE_RATES captured at import, so a deployment's environment and a
    test's `settings` fixture both take effect.
    """

    def get_rate(self):
        return settings.API_ANON_THROTTLE_RATE
