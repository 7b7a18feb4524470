"""The issue's "done when": a consumer, with the API alone, lists every counterpart of
the 93rd General Assembly grouped by the counterpart's region, with the quote behind each.

Written as an external client would: HTTP requests and JSON, following `next`
links, no knowledge of the database.
"""

from collections import defaultdict

import pytest

from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]


def fetch_all(client, url):
    """Every record of a list, page after page; also returns how many requests it took."""
    records, requests = [], 0
    while url:
        page = get_json(client, url)
        records += page["results"]
        url = page["next"]
        requests += 1
    return records, requests


def test_counterparts_of_the_assembly_by_region_with_their_quotes(client):
    # 1. The meetings held at the Assembly, with their participants and citations.
    meetings, requests = fetch_all(
        client, "/api/v1/events/?parent=interpol-general-assembly-93&page_size=200"
    )
    assert len(meetings) == 52
    # 2. Every organisation, for its region (a second request).
    organisations, more = fetch_all(client, "/api/v1/organisations/?page_size=200")
    assert requests + more == 2
    organisation = {o["slug"]: o for o in organisations}

    by_region = defaultdict(list)
    for meeting in meetings:
        counterparts = {
            p["organisation"] for p in meeting["participants"] if p["role"] == "counterpart"
        }
        assert len(counterparts) == 1, meeting["slug"]
        (counterpart,) = counterparts
        # The quote that names the counterpart: on its record and on the meeting's.
        meeting_quotes = {c["quote"] for c in meeting["citations"]}
        quotes = [
            c["quote"]
            for c in organisation[counterpart]["citations"]
            if c["quote"] in meeting_quotes
        ]
        assert quotes, meeting["slug"]
        quote = quotes[0]
        by_region[organisation[counterpart]["region"]].append((counterpart, quote))

    assert {region: len(rows) for region, rows in by_region.items()} == {
        "europe": 19,
        "africa": 15,
        "latin-america-caribbean": 5,
        "asia": 9,
        None: 4,
    }
    assert {slug for slug, _quote in by_region[None]} == {
        "interpol",
        "council-of-arab-interior-ministers",
        "naif-arab-university-for-security-sciences",
        "un-department-of-peace-operations",
    }
    bka_quote = dict(by_region["europe"])["bka"]
    assert "police allemande (BKA)" in bka_quote


def test_the_same_grouping_with_one_filtered_request_per_region(client):
    counts = {}
    for region in ("europe", "africa", "latin-america-caribbean", "asia"):
        page = get_json(
            client,
            "/api/v1/events/?parent=interpol-general-assembly-93"
            f"&counterpart_region={region}&page_size=200",
        )
        counts[region] = page["count"]
    assert counts == {"europe": 19, "africa": 15, "latin-america-caribbean": 5, "asia": 9}
