"""Site-wide search: accents and case ignored, both languages, acronyms and aliases, the
names people give countries and kinds, best matches first, and what the people and
organisations found took part in."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kb.models import Status
from tests import factories
from tests.support import search_index_reads


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


def search(client, q):
    return client.get(reverse("kb:search"), {"q": q})


def found(response):
    return set(listed(response))


def listed(response, language="en"):
    """The slugs of the records the page lists (results and relations), in page order."""
    html = response.content.decode()
    return re.findall(rf'<li><a href="/{language}/[a-z]+/([-\w]+)/(?:#[-\w]+)?"', html)


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
    assert '<h3 id="group-organisation">Organisations (' in html
    # 38 police services and more: 20 are shown, the list has them all.
    assert 'href="/en/organisations/?q=police"' in html
    section = html.split('id="group-organisation"')[1].split("</section>")[0]
    assert len(re.findall(r'<li><a href="/en/organisations/[-\w]+/"', section)) == 20


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
    # cached under that version by the first search. Then what the three best
    # organisations took part in: none of their events or agreements, so no lists.
    # On SQLite each of the 3 pages reads the search index first.
    assert len(context.captured_queries) == 1 + 3 + 2 + search_index_reads(3)


# --- The searches on the article's data: top results, both languages ----------


def test_turkey_finds_the_turkiye_delegation_first_then_its_meeting(client, seeded):
    assert listed(search(client, "Turkey"))[:2] == [
        "delegation-tr",
        "interpol-general-assembly-93-meeting-delegation-tr",
    ]


@pytest.mark.parametrize("q", ["memorandum", "MoU", "memorandum of understanding", "protocole"])
def test_kind_words_find_the_two_mous_first(client, seeded, q):
    assert set(listed(search(client, q))[:2]) == {
        "pole-dgsn-dgst-norwegian-national-police-agreement",
        "pole-dgsn-dgst-ethiopian-federal-police-protocol",
    }


def test_hammouchi_finds_him_his_post_his_52_meetings_and_their_agreements(client, seeded):
    response = search(client, "Hammouchi")
    html = response.content.decode()
    slugs = listed(response)
    assert slugs[0] == "abdellatif-hammouchi"
    assert "interpol-ga-93-hammouchi-bilaterals" in slugs  # the source, after what he did
    related = html.split('class="search-related"')[1].split("</section>")[0]
    assert "What Abdellatif Hammouchi took part in" in related
    assert (
        'href="/en/organisations/pole-dgsn-dgst/#post-director-general-pole-dgsn-dgst"' in related
    )
    assert "<h4>52 events" in related
    assert "Bilateral meeting: 52" in related
    assert related.count('href="/en/events/interpol-general-assembly-93-meeting-') == 5
    assert 'href="/en/events/?person=abdellatif-hammouchi">See all 52 events</a>' in related
    assert "<h4>2 agreements</h4>" in related
    assert "pole-dgsn-dgst-norwegian-national-police-agreement" in related
    assert "pole-dgsn-dgst-ethiopian-federal-police-protocol" in related


def test_the_link_to_all_his_meetings_lists_the_52(client, seeded):
    response = client.get(reverse("kb:event-list"), {"person": "abdellatif-hammouchi"})
    assert response.status_code == 200
    api = client.get("/api/v1/events/", {"person": "abdellatif-hammouchi"}).json()
    assert api["count"] == 52
    assert client.get("/api/v1/events/", {"person": "nobody"}).status_code == 400


def test_mou_puts_the_mous_before_the_names_that_merely_hold_it(client, seeded):
    slugs = listed(search(client, "mou"))
    assert slugs == [
        "pole-dgsn-dgst-norwegian-national-police-agreement",
        "pole-dgsn-dgst-ethiopian-federal-police-protocol",
        "abdellatif-hammouchi",
        "interpol-ga-93-hammouchi-bilaterals",
    ]
    # A match inside a word brings no relations: "mou" is not about Hammouchi.
    assert 'class="search-related"' not in search(client, "mou").content.decode()


def test_norway_finds_the_norwegian_police_its_meeting_and_the_mou(client, seeded):
    assert listed(search(client, "Norway")) == [
        "norwegian-national-police",
        "interpol-general-assembly-93-meeting-norwegian-national-police",
        "pole-dgsn-dgst-norwegian-national-police-agreement",
    ]


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("Turquie", "delegation-tr"),
        ("turc", "delegation-tr"),
        ("Turkish", "delegation-tr"),
        ("norvégien", "norwegian-national-police"),
        ("Norwegian", "norwegian-national-police"),
        ("tchèque", "police-cz"),
        ("Czech Republic", "police-cz"),
        ("Macedonia", "police-mk"),
        ("mémorandum d'entente", "pole-dgsn-dgst-norwegian-national-police-agreement"),
    ],
)
def test_french_pages_and_other_names_find_the_same_records_first(client, seeded, q, first):
    with translation.override("fr"):
        response = client.get(reverse("kb:search"), {"q": q})
    assert listed(response, "fr")[0] == first


def test_french_page_names_the_relations_in_french(client, seeded):
    with translation.override("fr"):
        html = client.get(reverse("kb:search"), {"q": "Hammouchi"}).content.decode()
    assert "Ce à quoi Abdellatif Hammouchi a pris part" in html
    assert "52 événements" in html
    assert "Voir les 52 événements" in html
    assert "2 accords" in html


def make_world(n):
    """n police organisations, each in n meetings with n agreements signed there."""
    for _ in range(n):
        org = factories.OrganisationFactory(name_en=f"Police {_}")
        person = factories.PersonFactory(name=f"Police officer {_}")
        factories.MembershipFactory(person=person)
        for _ in range(n):
            event = factories.EventFactory(name_en="Meeting")
            factories.ParticipationFactory(event=event, organisation=org, person=person)
            factories.AgreementFactory(signed_at=event, title_en="Treaty")


@pytest.mark.parametrize("n", [4, 12])
def test_search_with_relations_reads_a_fixed_number_of_queries(client, db, n):
    make_world(n)
    search(client, "police")  # the counts are cached under the data version
    with CaptureQueriesContext(connection) as context:
        html = search(client, "police").content.decode()
    assert html.count('class="search-related"') == 3  # the three best organisations
    # Their events past the first five are a link away; agreements show on their pages.
    assert html.count(f">See all {n} events</a>") == (3 if n > 5 else 0)
    # The data version, the found organisations and people, then the relations: events' and
    # agreements' counts, the first events and agreements (a person's posts: not among them).
    assert len(context.captured_queries) == 1 + 2 + 4 + search_index_reads(2)
