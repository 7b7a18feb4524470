"""The cache key of a filtered list's count: the same rows, the same key."""

# Parameters that choose a page or a rendering of a list, not its rows (`facets`: the
# API's counts beside them, filtering.facets).
NOT_FILTERS = frozenset({"page", "page_size", "cursor", "format", "lang", "ordering", "facets"})


def filter_key(view_name, query_dict):
    """A list's count key from its view and query string.

    Paging, format, language and order do not change which rows match;
    everything else is kept as given (two spellings of a filter are two keys,
    each exact).
    """
    params = sorted((k, tuple(v)) for k, v in query_dict.lists() if k not in NOT_FILTERS)
    return (view_name, tuple(params))
