"""Where a merged record's old slug leads: the one rule the pages and the API ask.

A merge (kb/history/merging.py) leaves each merged slug as a SlugRedirect to
the record kept. A public URL naming such a slug answers 301 with the kept
record's URL, its query string kept, when the public may see that record;
otherwise the old URL is a 404 like any unknown slug.
"""

from ..models import SlugRedirect
from ..models.visibility import is_public


def public_target(model, slug):
    """The published record `slug` (of `model`) now redirects to, or None."""
    target = SlugRedirect.objects.target(model, slug)
    return target if target is not None and is_public(target) else None


def with_query(url, request):
    """`url` with the request's query string, as a redirect should keep it."""
    query = request.META.get("QUERY_STRING", "")
    return f"{url}?{query}" if query else url
