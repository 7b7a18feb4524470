"""List pages through compiled plans (kb/filtering/compiled.py) show what pages built per
request show, byte for byte.

Each URL is asked three times: once to compile its shape, once through the
plan (asserting no second compile), once with compiling switched off. The
plan's rows are model instances made from its SQL, with the page queryset's
prefetches (people's memberships, events' participations, agreements'
parties): the two bodies must be equal. On the article's data with filters
of every kind in both languages, and on random records and filters
(Hypothesis); both databases run it.
"""

import re
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import models
from kb.filtering import compiled
from kb.lib.text import search_words
from kb.site import views
from tests import factories
from tests.api.test_compiled import FILTERS, plans
from tests.api.test_projections import build, graphs

pytestmark = pytest.mark.django_db

# The CSP nonce differs per response, by design.
NONCE = re.compile(rb'nonce="[^"]*"')


def both_ways(client, monkeypatch, url):
    """url's page through a compiled plan, then built per request; and whether a plan
    served it."""
    compiled.SHAPES.clear()
    client.get(url)  # compiles
    before = plans()
    with CaptureQueriesContext(connection) as fast_queries:
        fast = client.get(url)
    assert plans() == before  # no second compile: the stored plan ran
    with monkeypatch.context() as patch:
        patch.setattr(views.compiled, "listing", lambda *args, **kwargs: None)
        with CaptureQueriesContext(connection) as built_queries:
            built = client.get(url)
    assert fast.status_code == built.status_code, url
    # The same queries: the plan runs the page's prefetches, not a query per row. One
    # fewer for an empty page of a search: the plan reads the search index for a page
    # it reads, where the ORM reads it to compile a query it then finds empty.
    assert len(fast_queries) <= len(built_queries), url
    assert len(fast_queries) == len(built_queries) or "q=" in url, url
    assert NONCE.sub(b"", fast.content) == NONCE.sub(b"", built.content), url
    return fast, any(key[-1] == "page" and used for key, used in before.items())


PAGES = [
    "/en/organisations/",
    "/fr/organisations/",
    "/en/organisations/?region=europe",
    "/fr/organisations/?country=NO&country=MA&kind=police",
    "/en/organisations/?parent=pole-dgsn-dgst",
    "/en/people/",
    "/fr/people/?organisation=pole-dgsn-dgst",
    "/en/events/",
    "/fr/events/?participant=pole-dgsn-dgst&date_from=2025-11-24&date_to=2025-11-27",
    "/en/events/?parent=interpol-general-assembly-93&page=2",
    "/en/events/?topic=cybercrime&year=2025",
    "/en/agreements/",
    "/fr/agreements/?legal_status=signed",
    "/en/topics/",
    "/fr/sources/",
    # Nothing matches: the page's query runs all the same.
    "/en/events/?date_from=2099-01-01",
    # Searches: each word a parameter, the rows the index found written in per request.
    "/en/organisations/?q=police",
    "/fr/organisations/?q=de&country=MA",
    "/en/events/?q=maroc",
]


@pytest.mark.parametrize("url", PAGES)
def test_a_compiled_page_is_the_built_pages_bytes(client, monkeypatch, seeded, url):
    response, used = both_ways(client, monkeypatch, url)
    assert response.status_code == 200
    assert used, url


def test_the_compiled_rows_are_the_filters_rows(client, seeded):
    # Not only equal: the plan's SQL found what the filters say, with their relations.
    page = client.get("/en/events/?participant=pole-dgsn-dgst").content.decode()
    assert page.count('<li class="record">') == 25  # 52 meetings, 25 to a page
    assert "Norwegian" in client.get("/en/agreements/").content.decode()
    norway = client.get("/en/organisations/?country=NO").content.decode()
    assert "Norwegian National Police" in norway
    assert "Royal Moroccan" not in norway


@pytest.mark.parametrize(
    "url",
    [
        "/en/events/?date_from=not-a-date",  # a 400 with the form's errors
        "/en/events/?participant=no-such-organisation",
    ],
)
def test_a_free_value_or_bad_input_is_not_compiled(client, monkeypatch, seeded, url):
    _response, used = both_ways(client, monkeypatch, url)
    assert not used


def test_a_new_record_shows_on_a_compiled_page(client, seeded):
    url = "/en/organisations/?country=NO"
    client.get(url)
    factories.OrganisationFactory(
        country="NO", name_en="Zzz test directorate", status=models.Status.PUBLISHED
    )
    assert "Zzz test directorate" in client.get(url).content.decode()


PAGE_TYPES = {"organisations": "organisations", "events": "events", "people": None}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_random_records_and_filters_are_the_built_pages_bytes(client, monkeypatch, lang):
    @settings(
        max_examples=15,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(spec=graphs(), kind=st.sampled_from(sorted(FILTERS)), data=st.data())
    def check(spec, kind, data):
        nonlocal compiled_pages
        with transaction.atomic():
            build(spec)
            orgs = models.Organisation.objects.order_by("pk")
            published = orgs.filter(status=models.Status.PUBLISHED)
            org = (published.first() or orgs.first()).slug
            org2 = (published.last() or orgs.last()).slug
            words = [(search_words(o.name_en) or ["x"])[0] for o in (orgs.first(), orgs.last())]
            params = data.draw(FILTERS[kind])
            # Pages take one value per parameter, repeated (the API's are comma-separated).
            query = "&".join(
                f"{k}={quote(value)}"
                for k, v in sorted(params.items())
                if k != "ordering"
                for value in (
                    [v.format(word=words[0], word2=words[1])]
                    if k == "q"
                    else v.format(org=org, org2=org2).split(",")
                )
            )
            for page in (1, 2):
                url = f"/{lang}/{kind}/?page={page}&{query}"
                response, used = both_ways(client, monkeypatch, url)
                compiled_pages += used
            transaction.set_rollback(True)

    compiled_pages = 0
    check()
    assert compiled_pages >= 10  # most shapes compile: the comparison is not of one path
