"""How a list reads its rows' citations."""

from django.db import models


def cited_as_list(queryset, keep=True):
    """The queryset with its top-level `citations` prefetch replaced by with_cited().

    With keep=False the citations are not read at all (pages whose rows show
    no quote).
    """
    lookups = []
    cited = False
    for lookup in queryset._prefetch_related_lookups:
        if isinstance(lookup, models.Prefetch) and lookup.prefetch_to == "citations":
            cited = keep
            continue
        lookups.append(lookup)
    queryset = queryset.prefetch_related(None).prefetch_related(*lookups)
    return queryset.with_cited() if cited else queryset
