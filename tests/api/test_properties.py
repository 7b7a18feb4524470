"""No input gives a 500: generated values for every parameter of every list (Hypothesis).

Values mix what a client means (valid slugs, codes, dates) with what it
should not send (NUL bytes, huge numbers, malformed dates, stray commas,
long text, repeated and empty parameters). Lists answer 200 or 400, or 404
for a bad `page` or `format`; a 400 names only parameters that were sent.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.filtering import sync as api_filters
from tests.support import _unthrottled  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

LISTS = {
    "organisations": api_filters.OrganisationFilterSet,
    "people": api_filters.PersonFilterSet,
    "posts": api_filters.PostFilterSet,
    "events": api_filters.EventFilterSet,
    "agreements": api_filters.AgreementFilterSet,
    "topics": api_filters.TopicFilterSet,
    "sources": api_filters.SourceFilterSet,
    "claims": api_filters.ClaimFilterSet,
}
PAGING = ["page", "page_size", "lang", "format", "cursor"]
# Parameters no list knows: ignored, never an error.
UNKNOWN = ["x", "q[]", "page__gt", "\x00", "é"]

SLUGS = [
    "bka",
    "interpol",
    "pole-dgsn-dgst",
    "interpol-general-assembly-93",
    "interpol-general-assembly-93-meeting-bka",
    "cybercrime",
    "abdellatif-hammouchi",
    "interpol-ga-93-hammouchi-bilaterals",
]
MEANINGFUL = [
    *SLUGS,
    *["FR", "de", "MA", "NO", "xx", "europe", "AFRICA", "asia", "mars"],
    *["police", "delegation", "bilateral_meeting", "mou", "signed", "fr", "en"],
    *["name", "-name", "slug", "-updated_at", "start_date", "title", "value"],
    *["2025-11-24", "2025-11-27T10:00:00Z", "2025-11-27T10:00:00+14:00", "0001-01-01"],
    *["9999-12-31", "99999-01-01", "2025-02-30", "2025-13-01", "0000-00-00", "1-1-1"],
    *["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-12:00", "2025-11-24T24:00"],
    *["1", "2", "0", "-1", "200", "201", str(10**100), "1e3", "1.5", "NaN", "last"],
    *["json", "csv", "xml", "", ",", ",,", " ", "%00", "null", "[]", "*"],
]
values = st.one_of(
    st.sampled_from(MEANINGFUL),
    st.lists(st.sampled_from(SLUGS + ["", " "]), max_size=4).map(",".join),
    st.text(max_size=30),  # any Unicode, NUL bytes included
    st.text(alphabet="\x00,;-+=@\t\r %'\"\\", max_size=10),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.text(alphabet="abc-", min_size=190, max_size=260),  # around the length limits
)


def queries(parameters):
    """A dict of parameter -> list of values: some parameters, some repeated."""
    return st.dictionaries(
        st.sampled_from(parameters), st.lists(values, min_size=1, max_size=3), max_size=5
    )


@pytest.mark.parametrize("prefix", LISTS)
def test_no_500_on_any_filter_value(client, prefix):
    parameters = sorted({*LISTS[prefix].base_filters, *PAGING, *UNKNOWN})

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        query=queries(parameters),
        accept_language=st.sampled_from(["", "fr", "de,fr;q=0.5", "\x7f*;q=x"]),
    )
    def check(query, accept_language):
        response = client.get(f"/api/v1/{prefix}/", query, HTTP_ACCEPT_LANGUAGE=accept_language)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        allowed = {200, 400}
        format_values = query.get("format", ["json"])
        if {"page", "cursor"} & set(query) or format_values[-1] not in ("json", "csv", ""):
            allowed.add(404)
        assert response.status_code in allowed, (query, response.status_code, body[:300])
        if response.status_code == 400:
            assert set(response.json()) <= set(query), (query, body[:300])

    check()


@pytest.mark.parametrize("prefix", LISTS)
def test_no_500_on_any_slug(client, prefix):
    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(slug=st.one_of(st.sampled_from(SLUGS), st.text(min_size=1, max_size=300)))
    def check(slug):
        from urllib.parse import quote

        response = client.get(f"/api/v1/{prefix}/{quote(slug, safe='')}/")
        assert response.status_code in {200, 301, 404}, (slug, response.status_code)

    check()
