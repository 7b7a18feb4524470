"""Pickers instead of slugs: names typed into the filters, the URL kept canonical, values
shown back as names, dates in the page's language, the suggestions endpoint, and the
downloads' language."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kb.models import Status
from tests import factories
from tests.support import search_index_reads

NORWAY_POLICE = "norwegian-national-police"
NORWAY_MEETING = "interpol-general-assembly-93-meeting-norwegian-national-police"
ASSEMBLY = "interpol-general-assembly-93"


@pytest.fixture(autouse=True)
def english():
    """A /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


def redirected_query(response):
    assert response.status_code == 302, response.status_code
    return parse_qs(urlsplit(response.url).query)


def box_value(html, name):
    """What a filter's text box shows the reader."""
    found = re.search(rf'<input type="text" name="{name}" value="([^"]*)"', html)
    return unescape(found.group(1)) if found else None


def error_of(html, name):
    found = re.search(rf'<ul class="errorlist" id="id_{name}_error"><li>([^<]*)</li>', html)
    return unescape(found.group(1)) if found else None


def slugs_listed(html, page):
    return re.findall(rf'<h3><a href="/\w\w/{page}/([-\w]+)/"', html)


# Countries by name ---------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Allemagne", "allemagne", "ALLEMAGNE", "Germany", "germany"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_country_name_redirects_to_its_code(client, seeded, typed, language):
    response = client.get(f"/{language}/organisations/", {"country": typed})
    assert redirected_query(response) == {"country": ["DE"]}
    assert response.url.startswith(f"/{language}/organisations/?")


def test_the_code_page_lists_the_country_and_shows_its_name(client, seeded):
    html = client.get("/fr/organisations/?country=DE").content.decode()
    assert slugs_listed(html, "organisations") == ["bka"]
    assert box_value(html, "country") == "Allemagne"
    english = client.get("/en/organisations/?country=DE,MA").content.decode()
    assert box_value(english, "country") == "Germany, Morocco"


def test_several_names_and_codes_redirect_to_codes_once(client, seeded):
    # Empty fields of a submitted form go in the same redirect.
    response = client.get("/en/events/", {"counterpart_country": "Norway, et", "topic": ""})
    assert redirected_query(response) == {"counterpart_country": ["NO,ET"]}


def test_an_unknown_country_is_a_400_naming_the_field_with_close_names(client, seeded):
    response = client.get("/fr/organisations/", {"country": "Allemagn"})
    assert response.status_code == 400
    message = error_of(response.content.decode(), "country")
    assert "Allemagn" in message and "Allemagne" in message
    assert box_value(response.content.decode(), "country") == "Allemagn"


def test_everyday_country_names_are_read_too(client, seeded):
    assert redirected_query(client.get("/en/organisations/", {"country": "Turkey"})) == {
        "country": ["TR"]
    }


# Records by name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed"),
    [
        ("en", "Norwegian National Police"),
        ("fr", "Police nationale norvégienne"),
        ("fr", "police nationale norvegienne"),  # accents and case aside
        ("en", "Police nationale norvégienne"),  # either language's name, on either page
    ],
)
def test_a_records_name_redirects_to_its_slug(client, seeded, language, typed):
    response = client.get(f"/{language}/events/", {"participant": typed})
    assert redirected_query(response) == {"participant": [NORWAY_POLICE]}


def test_the_slug_page_lists_its_rows_and_shows_the_name_back(client, seeded):
    for language, name in [
        ("en", "Norwegian National Police"),
        ("fr", "police nationale norvégienne"),
    ]:
        html = client.get(f"/{language}/events/?participant={NORWAY_POLICE}").content.decode()
        assert slugs_listed(html, "events") == [NORWAY_MEETING]
        assert box_value(html, "participant") == name
        # The picker sends the slug of the name shown, whatever other record shares it.
        assert f'data-picked="{{&quot;{name}&quot;: &quot;{NORWAY_POLICE}&quot;}}"' in html


def test_an_acronym_and_a_slug_mixed_redirect_to_slugs(client, seeded):
    response = client.get("/en/events/", {"participant": f"BKA, {NORWAY_POLICE}"})
    assert redirected_query(response) == {"participant": [f"bka,{NORWAY_POLICE}"]}


def test_the_one_record_a_partial_name_finds_is_taken(client, seeded):
    response = client.get("/en/organisations/", {"parent": "Peace Operations"})
    assert redirected_query(response) == {"parent": ["un-department-of-peace-operations"]}


def test_a_name_several_records_match_is_a_400_listing_them(client, seeded):
    response = client.get("/en/events/", {"participant": "police"})
    assert response.status_code == 400
    message = error_of(response.content.decode(), "participant")
    assert message.startswith("Several organisations match “police”:")
    assert message.count("(police-") >= 3  # names with their slugs, to type one


def test_two_records_of_the_same_name_are_a_400_unless_one_is_given_by_slug(client, db):
    first = factories.OrganisationFactory(slug="twin-a", name_en="Twin police")
    factories.OrganisationFactory(slug="twin-b", name_en="Twin police")
    factories.ParticipationFactory(organisation=first)
    response = client.get("/en/events/", {"participant": "Twin police"})
    assert response.status_code == 400
    message = error_of(response.content.decode(), "participant")
    assert "Twin police (twin-a)" in message and "Twin police (twin-b)" in message
    assert client.get("/en/events/?participant=twin-a").status_code == 200


def test_an_exact_name_wins_over_longer_ones(client, db):
    factories.OrganisationFactory(slug="short", name_en="Harbour police")
    factories.OrganisationFactory(slug="longer", name_en="Harbour police academy")
    response = client.get("/en/organisations/", {"parent": "harbour police"})
    assert redirected_query(response) == {"parent": ["short"]}


def test_a_draft_is_never_named(client, db):
    factories.OrganisationFactory(slug="hidden", name_en="Hidden police", status=Status.DRAFT)
    response = client.get("/en/events/", {"participant": "Hidden police"})
    assert response.status_code == 400
    assert "Unknown organisation: Hidden police." in error_of(
        response.content.decode(), "participant"
    )


def test_topics_and_parents_take_names(client, seeded):
    response = client.get("/fr/events/", {"topic": "Cybercriminalité", "parent": "93ᵉ Assemblée"})
    assert redirected_query(response) == {"topic": ["cybercrime"], "parent": [ASSEMBLY]}


# Dates -------------------------------------------------------------------------------


def test_a_french_date_redirects_to_iso_and_shows_day_first(client, seeded):
    response = client.get("/fr/events/", {"date_from": "24/11/2025", "date_to": "2025-11-27"})
    assert redirected_query(response) == {"date_from": ["2025-11-24"], "date_to": ["2025-11-27"]}
    html = client.get(response.url).content.decode()
    assert box_value(html, "date_from") == "24/11/2025"
    assert box_value(html, "date_to") == "27/11/2025"
    assert 'placeholder="jj/mm/aaaa"' in html


def test_english_pages_write_dates_as_iso(client, seeded):
    html = client.get("/en/events/?date_from=2025-11-24").content.decode()
    assert box_value(html, "date_from") == "2025-11-24"
    assert 'placeholder="yyyy-mm-dd"' in html
    # Day-first or month-first: ambiguous in English, so not taken.
    response = client.get("/en/events/", {"date_from": "01/02/2025"})
    assert response.status_code == 400
    assert error_of(response.content.decode(), "date_from") == "Enter a valid date."


# Labels and the cooperation views ------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("page", ["organisations", "people", "events", "agreements"])
def test_labels_ask_for_no_slug_or_code(client, seeded, language, page):
    html = client.get(f"/{language}/{page}/").content.decode()
    labels = " ".join(re.findall(r"<label[^>]*>([^<]*)</label>", html))
    assert "slug" not in labels.lower() and "ISO" not in labels


def test_event_labels_in_both_languages(client, seeded):
    english = client.get("/en/events/").content.decode()
    french = client.get("/fr/events/").content.decode()
    for label in ["Participant", "Part of", "Topic", "Venue country"]:
        assert f">{label}</label>" in english
    for label in ["Participant", "Fait partie de", "Thème", "Pays du lieu"]:
        assert f">{label}</label>" in french


def test_a_cooperation_view_redirects_names_and_shows_them(client, seeded):
    response = client.get("/fr/map/", {"participant": "Police nationale norvégienne", "kind": ""})
    assert redirected_query(response) == {"participant": [NORWAY_POLICE]}
    html = client.get(response.url).content.decode()
    assert "Participant: <strong>police nationale norvégienne</strong>" in html
    assert box_value(html, "participant") == "police nationale norvégienne"
    dated = client.get("/fr/timeline/", {"date_from": "24/11/2025"})
    assert redirected_query(dated) == {"date_from": ["2025-11-24"]}
    html = client.get(dated.url).content.decode()
    assert "Du: <strong>24/11/2025</strong>" in html
    bad = client.get("/en/network/", {"counterpart_country": "Atlantis"})
    assert bad.status_code == 400
    assert "Unknown country: Atlantis" in bad.content.decode()


# Downloads' language -----------------------------------------------------------------


def test_list_downloads_carry_the_pages_language(client, seeded):
    html = client.get("/fr/organisations/?country=DE").content.decode()
    assert 'href="/api/v1/organisations/?country=DE&amp;lang=fr&amp;format=csv"' in html
    assert 'href="/api/v1/organisations/?country=DE&amp;lang=fr"' in html
    english = client.get("/en/organisations/").content.decode()
    assert 'href="/api/v1/organisations/?lang=en&amp;format=csv"' in english


def test_the_french_csv_is_in_french(client, seeded):
    response = client.get("/api/v1/organisations/?country=DE&lang=fr&format=csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Office fédéral de police criminelle" in body


def test_cooperation_downloads_carry_the_pages_language(client, seeded):
    html = client.get(f"/fr/network/?parent={ASSEMBLY}").content.decode()
    assert f"/api/v1/graph/?parent={ASSEMBLY}&amp;lang=fr&amp;format=gexf" in html
    html = client.get(f"/fr/connections/?parent={ASSEMBLY}").content.decode()
    assert f"/api/v1/connections/?parent={ASSEMBLY}&amp;lang=fr&amp;format=csv" in html


# The suggestions ---------------------------------------------------------------------


def suggest(client, language, kind, q):
    return client.get(f"/{language}/suggest/{kind}/", {"q": q})


def test_suggestions_in_the_pages_language(client, seeded):
    english = suggest(client, "en", "organisation", "Norw").json()["results"]
    assert english[0] == {
        "slug": NORWAY_POLICE,
        "name": "Norwegian National Police",
        "hint": "Norway",
    }
    french = suggest(client, "fr", "organisation", "norvégienne").json()["results"]
    assert french[0] == {
        "slug": NORWAY_POLICE,
        "name": "police nationale norvégienne",
        "hint": "Norvège",
    }
    events = suggest(client, "fr", "event", "Assemblée").json()["results"]
    assert events[0]["name"] == "93ᵉ Assemblée générale d’INTERPOL"
    assert events[0]["hint"] == "24 novembre 2025"


def test_suggestions_rank_an_exact_acronym_first_and_stop_at_ten(client, seeded):
    results = suggest(client, "en", "organisation", "bka").json()["results"]
    assert results[0]["slug"] == "bka"
    assert results[0]["hint"] == "BKA · Germany"
    many = suggest(client, "en", "organisation", "police").json()["results"]
    assert len(many) == 10


def test_suggestions_are_published_records_only(client, db):
    factories.TopicFactory(slug="open", name_en="Maritime security")
    factories.TopicFactory(slug="draft", name_en="Maritime piracy", status=Status.DRAFT)
    results = suggest(client, "en", "topic", "maritime").json()["results"]
    assert [r["slug"] for r in results] == ["open"]
    assert results[0]["hint"] == ""


@pytest.mark.parametrize(
    "query", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "nor\x00way"}]
)
def test_bad_suggestion_queries_are_400s_naming_q(client, db, query):
    response = client.get("/en/suggest/organisation/", query)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["q"]


def test_an_unknown_type_of_suggestion_is_a_404(client, db):
    assert client.get("/en/suggest/claim/", {"q": "abc"}).status_code == 404
    assert client.get("/en/suggest/nothing/", {"q": "abc"}).status_code == 404


@pytest.mark.parametrize("rows", [3, 40])
def test_suggestions_take_one_query_and_the_index_whatever_the_rows(client, db, rows):
    for i in range(rows):
        factories.OrganisationFactory(name_en=f"Harbour police {i}", aliases=[f"HP{i}"])
    suggest(client, "en", "organisation", "harbour")  # warm caches
    with CaptureQueriesContext(connection) as context:
        response = suggest(client, "en", "organisation", "harbour")
    assert len(response.json()["results"]) == min(rows, 10)
    assert len(context.captured_queries) == 1 + search_index_reads(1)


@pytest.mark.parametrize("rows", [3, 40])
def test_a_list_filtered_by_a_slug_costs_one_query_more_than_unfiltered(client, db, rows):
    """Checking the slug (and reading its name, shown back) is one query; the rest is the
    list's own, at either size."""
    parent = factories.OrganisationFactory(slug="parent")
    for _ in range(rows):
        factories.OrganisationFactory(parent=parent)
    client.get("/en/organisations/?parent=parent")  # warm caches (counts, translations)
    client.get("/en/organisations/?region=europe")
    with CaptureQueriesContext(connection) as plain:
        client.get("/en/organisations/?region=europe")
    with CaptureQueriesContext(connection) as filtered:
        response = client.get("/en/organisations/?parent=parent")
    assert response.status_code == 200
    assert len(filtered.captured_queries) == len(plain.captured_queries) + 1
