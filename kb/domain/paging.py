"""Paging whose count comes from the cache: pages and the API share it."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CountCachingPaginator(Paginator):
    """Django's paginator, counting through `cached_count()` when the rows offer it.

    `version` is the data version the caller has read already, if any;
    `count_key` a cache key cheaper than the SQL (filtering.keys.count_key()).
    """

    def __init__(self, *args, version=None, count_key=None, **kwargs):
        self.version = version
        self.count_key = count_key
        super().__init__(*args, **kwargs)

    @cached_property
    def count(self):
        cached_count = getattr(self.object_list, "cached_count", None)
        if cached_count is not None:
            return cached_count(self.version, self.count_key)
        return super().count
