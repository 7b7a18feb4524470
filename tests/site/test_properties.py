"""No input gives a 500 on the public pages: generated query strings (Hypothesis).

Every list page, in both languages, and the search page get random
parameters, known and unknown, with values a reader might type and values
only an attacker would send. Pages answer 200, a redirect that drops empty
parameters, 400 with the form's errors, or 404 for a page past the last.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import registry
from kb.filtering import filtersets
from tests.api.test_properties import queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

PAGES = {entry.page: filtersets.for_model(entry.model) for entry in registry.with_pages()}
EXTRA = ["page", "ordering", "x", "\x00", "q"]


@pytest.mark.parametrize("segment", PAGES)
def test_no_500_on_any_list_page_query(client, segment):
    parameters = sorted({*PAGES[segment].base_filters, *EXTRA})

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=queries(parameters), language=st.sampled_from(["en", "fr"]))
    def check(query, language):
        response = client.get(f"/{language}/{segment}/", query)
        assert response.status_code in {200, 302, 400, 404}, (query, response.status_code)
        if response.status_code == 302:
            # Empty values dropped: the tidy URL answers, and does not redirect again.
            tidy = client.get(response["Location"])
            assert tidy.status_code in {200, 400, 404}, (query, tidy.status_code)

    check()


def test_no_500_on_any_search(client):
    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(query=queries(["q", "page", "x"]), language=st.sampled_from(["en", "fr"]))
    def check(query, language):
        response = client.get(f"/{language}/search/", query)
        assert response.status_code in {200, 400}, (query, response.status_code)

    check()
