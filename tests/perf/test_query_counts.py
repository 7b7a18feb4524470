"""Query counts stay the same as the data grows: synthesize scale 1 against scale 3.

Scale 1 is 1,000 organisations, 2,000 people, 500 events, 10,000
participations and 3,000 citations; scale 3 three times that. Each URL is
asked twice at each scale: cold (the count not cached yet), then warm.
No timings here: `make bench` measures those.
"""

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.api.pagination import Cursor, Keyset
from kb.db import search
from kb.models import Organisation

pytestmark = pytest.mark.django_db

HUB = "syn-org-0000000"
URLS = [
    "/api/v1/organisations/",
    "/api/v1/organisations/?region=europe",
    "/api/v1/organisations/?q=police+federal",
    "/api/v1/organisations/?event=syn-event-0000003",
    "/api/v1/people/",
    "/api/v1/events/",
    f"/api/v1/events/?participant={HUB}&date_from=2005-01-01&date_to=2012-12-31",
    "/api/v1/events/?counterpart_region=africa&ordering=-start_date",
    "/api/v1/events/syn-event-0000000/",  # an assembly: it has parts at any scale
    "/api/v1/agreements/?party_region=asia",
    "/api/v1/topics/",
    "/api/v1/sources/",
    "/en/",
    "/en/search/?q=police",
    "/en/organisations/?region=europe",
    "/en/people/",
    "/en/events/?participant=" + HUB,
    "/en/agreements/",
    "/en/topics/",
    "/en/sources/",
    "/en/events/syn-event-0000000/",
    "/en/organisations/syn-org-0000010/",
]


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    settings.API_ANON_THROTTLE_RATE = None


def deep_cursor_url():
    rows = Organisation.objects.published().in_name_order("en")
    row = rows[rows.count() // 2]
    name = getattr(row, Organisation.list_order.alias("en"))
    cursor = Cursor(Keyset(rows).names, [name, str(row.pk)], True, 5)
    return f"/api/v1/organisations/?cursor={cursor.encode()}"


def counts(client):
    urls = [*URLS, deep_cursor_url()]
    for url in urls:  # warms what is cached for good: content types, URL resolvers
        client.get(url)
    found = {}
    for url in urls:
        key = "deep cursor" if "cursor=" in url else url
        caches["counts"].clear()
        # And what the search index's statistics say: how many rows a search's words
        # found, which spares a page of many the index's read (search.remembered_size).
        search.forget_statistics()
        per_url = []
        for _ in range(2):  # cold, then warm
            with CaptureQueriesContext(connection) as context:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            per_url.append(len(context.captured_queries))
        found[key] = tuple(per_url)
    return found


def test_query_counts_do_not_grow_from_scale_1_to_scale_3(client):
    call_command("synthesize", "--scale", "1", verbosity=0)
    small = counts(client)
    call_command("synthesize", "--scale", "3", "--clear", verbosity=0)
    large = counts(client)
    assert large == small
