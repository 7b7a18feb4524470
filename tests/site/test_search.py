"""Site-wide search: accents and case ignored, both languages, acronyms and aliases."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kb.models import Status
from tests import factories


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


def search(client, q):
    return client.get(reverse("kb:search"), {"q": q})


def found(response):
    return set(re.findall(r'<li><a href="/en/[a-z]+/([-\w]+)/', response.content.decode()))


@pytest.mark.parametrize(
    ("q", "slug"),
    [
        ("benin", "police-bj"),
        ("Bénin", "police-bj"),
        ("BÉNIN", "police-bj"),
        ("tchad", "police-td"),  # the French name of Chad
        ("Chad", "police-td"),
        ("BKA", "bka"),
        ("bka", "bka"),
        ("Bundeskriminalamt", "bka"),  # an alias
        ("police allemande", "bka"),
        ("Naif", "naif-arab-university-for-security-sciences"),
        ("Université arabe Naif", "naif-arab-university-for-security-sciences"),
        ("norvegienne", "norwegian-national-police"),
        ("Hammouchi", "abdellatif-hammouchi"),
        ("cybercriminalité", "cybercrime"),
        ("93e assemblée", "interpol-general-assembly-93"),
    ],
)
def test_search_finds(client, seeded, q, slug):
    response = search(client, q)
    assert response.status_code == 200
    assert slug in found(response)


def test_search_groups_by_type_and_links_to_the_full_list(client, seeded):
    html = search(client, "police").content.decode()
    assert '<h3 id="group-1">Organisations (' in html
    # 38 police services and more: 20 are shown, the list has them all.
    assert 'href="/en/organisations/?q=police"' in html
    assert len(re.findall(r'<li><a href="/en/organisations/[-\w]+/"', html)) == 20


def test_search_covers_posts_on_their_organisation_page(client, seeded):
    html = search(client, "secrétaire général").content.decode()
    assert 'href="/en/organisations/interpol/#post-interpol-secretary-general"' in html


def test_empty_search_shows_the_form_only(client, seeded):
    for response in (client.get(reverse("kb:search")), search(client, "   ")):
        assert response.status_code == 200
        html = response.content.decode()
        assert '<input type="search" name="q"' in html
        assert "Results for" not in html


def test_nothing_found(client, seeded):
    html = search(client, "zzzz").content.decode()
    assert "Nothing matches “zzzz”" in html


@pytest.mark.parametrize("q", ["x" * 201, "police\x00", "\x00"])
def test_bad_query_is_a_clear_400(client, seeded, q):
    response = search(client, q)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<ul class="errorlist" id="id_q_error">' in html


def test_search_shows_published_records_only(client, db):
    factories.OrganisationFactory(name_en="Visible police", slug="visible")
    factories.OrganisationFactory(name_en="Hidden police", slug="hidden", status=Status.DRAFT)
    hidden_parent = factories.OrganisationFactory(status=Status.DRAFT)
    factories.PostFactory(name_en="Police chief", slug="chief", organisation=hidden_parent)
    slugs = found(search(client, "police"))
    assert "visible" in slugs
    assert "hidden" not in slugs
    assert "chief" not in search(client, "police").content.decode()


def test_search_query_count_is_fixed(client, db):
    for n in range(30):
        factories.OrganisationFactory(name_en=f"Police {n}")
        factories.EventFactory(name_en=f"Police meeting {n}")
        factories.PostFactory(name_en=f"Police chief {n}")
    search(client, "police")
    with CaptureQueriesContext(connection) as context:
        search(client, "police")
    # The data version, then a page for each type found: the 7 counts were
    # cached under that version by the first search.
    assert len(context.captured_queries) == 1 + 3
