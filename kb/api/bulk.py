"""The API's JSON for the bulk downloads: every published record of each type, as /api/v1/ gives it.

The JSON zip of the downloads page (kb/exports/bulk/jsonzip.py) holds a
file per type in the API's own shape, so a client reads it with the code
that reads the API. kb/exports sits below the surfaces and cannot import
them: KbConfig.ready() hands `documents` to it.

The rows come from the lists' own paths (projections, or the serializer
for a type without one), CHUNK_SIZE records per round of queries, written
by the API's renderer; links are absolute under settings.SITE_URL, as a
request to that address would get them, names in the active language
(the build's: English; `names` holds both).
"""

from urllib.parse import urlsplit

from django.http import HttpRequest

from .. import registry
from ..domain.connections import connections, rows
from ..lib.batching import batched
from ..models import Event
from . import projections, serializers
from .connections import ConnectionSerializer
from .renderers import CHUNK_SIZE, JSONRenderer
from .views import RecordViewSet


class SiteRequest(HttpRequest):
    """A GET of the site's address, for what builds absolute links outside a request."""

    def __init__(self, base_url):
        super().__init__()
        parts = urlsplit(base_url)
        self.method = "GET"
        self.path = self.path_info = "/"
        self._base = (parts.scheme, parts.netloc)
        # What writes the records (documents()): the projections then hand it the
        # JSON the database keeps as text (lib.jsontext), unparsed.
        self.accepted_renderer = JSONRenderer()

    @property
    def scheme(self):
        return self._base[0]

    def get_host(self):
        return self._base[1]


def _records(entry, context, render):
    model = entry.model
    # The API's own order: by name in the active language (kb/models/ordering.py).
    queryset = model.objects.published().in_name_order()
    projection = projections.for_model(model)
    if projection is not None:
        project = projection(context)
        values = projection.values(queryset).iterator(chunk_size=CHUNK_SIZE)
        for chunk in batched(values, CHUNK_SIZE):
            for row in project.rows(chunk, queryset.db):
                yield render(row)
        return
    serializer = serializers.for_model(model)(context=context)
    for obj in RecordViewSet.serialized(queryset).iterator(chunk_size=CHUNK_SIZE):
        yield render(serializer.to_representation(obj))


def _connections(render):
    serializer = ConnectionSerializer()
    participations = connections(Event.objects.published())
    for chunk in batched(participations.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        for row in rows(chunk):
            yield render(serializer.to_representation(row))


def documents(base_url):
    """(name, records) per API type, then the connections: each record as JSON bytes."""
    context = {"request": SiteRequest(base_url)}
    render = JSONRenderer().render
    for entry in registry.in_api():
        yield entry.api, _records(entry, context, render)
    yield "connections", _connections(render)
