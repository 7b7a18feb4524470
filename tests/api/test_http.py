"""Read API v1 over HTTP: paging, errors, conditional requests, CORS, throttling, CSV."""

import csv
import datetime
import io
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.utils.http import http_date

from kb.lib.cells import unescape_cell
from kb.models import Event, Organisation
from tests import factories
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

EVENTS = "/api/v1/events/"
ASSEMBLY = "interpol-general-assembly-93"


def read_csv(response):
    assert response.status_code == 200, response
    assert response.streaming  # the whole list, never held in memory at once
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# --- Paging --------------------------------------------------------------------


def test_default_page_is_50_with_links(client):
    page = get_json(client, EVENTS)
    assert page["count"] == 53
    assert len(page["results"]) == 50
    assert page["previous"] is None
    assert page["next"] == "http://testserver/api/v1/events/?page=2"
    last = get_json(client, page["next"])
    assert len(last["results"]) == 3
    assert (last["next"], last["previous"]) == (None, "http://testserver/api/v1/events/")


def test_pages_do_not_overlap(client):
    first = get_json(client, EVENTS + "?page_size=20&ordering=name")["results"]
    second = get_json(client, EVENTS + "?page_size=20&ordering=name&page=2")["results"]
    assert not {r["slug"] for r in first} & {r["slug"] for r in second}


def test_page_size_is_capped_at_200(client, db):
    factories.TopicFactory.create_batch(205)
    assert len(get_json(client, "/api/v1/topics/?page_size=201")["results"]) == 200
    assert len(get_json(client, "/api/v1/topics/?page_size=7")["results"]) == 7


@pytest.mark.parametrize("page_size", ["abc", "-1", "0", "1" * 100, "", "\x00", "1.5"])
def test_malformed_page_size_falls_back_to_the_default(client, page_size):
    page = get_json(client, EVENTS, data={"page_size": page_size})
    assert len(page["results"]) == 50 if page_size != "1" * 100 else 53


@pytest.mark.parametrize("page", ["abc", "0", "-1", "99999", str(10**100), "1" * 5000, "\x00"])
def test_malformed_or_out_of_range_page_answers_404_in_json(client, page):
    response = client.get(EVENTS, {"page": page})
    assert response.status_code == 404
    assert "detail" in response.json()


# --- Errors --------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [EVENTS, f"{EVENTS}{ASSEMBLY}/", "/api/v1/"])
def test_write_methods_answer_405(client, method, url):
    response = getattr(client, method)(url, data={}, content_type="application/json")
    assert response.status_code == 405
    assert "detail" in response.json()
    assert Event.objects.filter(slug=ASSEMBLY).exists()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("region=mars", "region"),
        ("country=XX", "country"),
        ("kind=party", "kind"),
        ("participant=nobody", "participant"),
        ("date_from=2025-13-01", "date_from"),
        ("date_to=99999-01-01", "date_to"),
        ("updated_since=yesterday", "updated_since"),
        ("ordering=colour", "ordering"),
        ("q=%00", "q"),
        ("country=%00", "country"),
        ("q=" + "x" * 201, "q"),
    ],
)
def test_bad_filter_values_answer_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"{EVENTS}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [parameter]


@pytest.mark.parametrize(
    "url",
    [
        f"{EVENTS}no-such-event/",
        f"{EVENTS}%00/",
        f"{EVENTS}{'x' * 300}/",
        f"{EVENTS}caf%C3%A9/",
        "/api/v1/no-such-type/",
        "/api/v2/events/",
    ],
)
def test_unknown_records_and_paths_answer_404_in_json(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "detail" in response.json()


def test_a_missing_trailing_slash_redirects(client):
    response = client.get("/api/v1/events")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/events/"


def test_unknown_format_answers_404(client):
    assert client.get(EVENTS + "?format=xml").status_code == 404
    # CSV is for lists; a record is JSON.
    assert client.get(f"{EVENTS}{ASSEMBLY}/?format=csv").status_code == 404


# --- Conditional requests --------------------------------------------------------


@pytest.mark.parametrize("url", [EVENTS, f"{EVENTS}{ASSEMBLY}/", EVENTS + "?format=csv"])
def test_etag_and_last_modified_give_304(client, url):
    response = client.get(url)
    assert response.status_code == 200
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"')
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified["ETag"] == etag
    assert not_modified.content == b""
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200


def test_last_modified_is_the_latest_change(client):
    Organisation.objects.filter(slug="bka").update(
        updated_at=datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    )
    response = client.get(EVENTS)
    assert response["Last-Modified"] == "Wed, 02 Jan 2030 03:04:05 GMT"


def test_a_change_gives_a_new_etag(client):
    url = f"{EVENTS}{ASSEMBLY}/"
    etag = client.get(url)["ETag"]
    # A change to a related record (the organiser's slug shows in the event).
    interpol = Organisation.objects.get(slug="interpol")
    interpol.slug = "icpo"
    interpol.save()
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["organiser"] == "icpo"
    assert response["ETag"] != etag


def test_the_etag_depends_on_the_query_and_the_language(client):
    etags = {
        client.get(EVENTS)["ETag"],
        client.get(EVENTS + "?page=2")["ETag"],
        client.get(EVENTS + "?lang=fr")["ETag"],
        client.get(EVENTS, HTTP_ACCEPT_LANGUAGE="fr")["ETag"],
        client.get(EVENTS + "?kind=general_assembly")["ETag"],
        client.get(EVENTS + "?format=csv")["ETag"],
    }
    assert len(etags) == 6


def test_errors_carry_no_validators(client):
    response = client.get(EVENTS + "?region=mars")
    assert response.status_code == 400
    assert "ETag" not in response


# --- CORS --------------------------------------------------------------------------


def test_cors_is_open_for_reading(client):
    response = client.get(EVENTS, HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        EVENTS,
        HTTP_ORIGIN="https://example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert set(preflight["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_head_is_answered_like_get(client):
    response = client.head(EVENTS)
    assert response.status_code == 200
    assert response["ETag"] == client.get(EVENTS)["ETag"]


# --- Throttling ----------------------------------------------------------------------


def test_anonymous_requests_are_throttled_at_the_configured_rate(client, settings):
    cache.clear()
    settings.API_ANON_THROTTLE_RATE = "2/minute"
    assert client.get(EVENTS).status_code == 200
    assert client.get(f"{EVENTS}{ASSEMBLY}/").status_code == 200
    response = client.get(EVENTS)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "detail" in response.json()
    # A forged X-Forwarded-For does not reset the count (no proxy is configured).
    assert client.get(EVENTS, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # Another address has its own allowance.
    assert client.get(EVENTS, REMOTE_ADDR="192.0.2.7").status_code == 200
    cache.clear()


def test_throttling_off_when_no_rate(client, settings):
    settings.API_ANON_THROTTLE_RATE = None
    assert all(client.get("/api/v1/topics/").status_code == 200 for _ in range(5))


@pytest.mark.parametrize(
    ("value", "rate"),
    [("", None), ("none", None), ("30/s", "30/s"), ("1000/minute", "1000/minute")],
)
def test_throttle_rate_comes_from_the_environment(value, rate):
    assert _settings_rate(value) == (0, repr(rate))


def test_a_malformed_throttle_rate_is_refused_at_start(tmp_path):
    returncode, output = _settings_rate("lots")
    assert returncode != 0
    assert "API_ANON_THROTTLE_RATE" in output


def _settings_rate(value):
    code = "from config import settings; print(repr(settings.API_ANON_THROTTLE_RATE))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        # Development settings: with DEBUG off the settings also want a secret key.
        env={"API_ANON_THROTTLE_RATE": value, "DJANGO_DEBUG": "true", "PATH": ""},
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, (result.stdout.strip() or result.stderr)


# --- CSV -----------------------------------------------------------------------------


def test_csv_streams_every_filtered_row_with_a_header(client):
    response = client.get(EVENTS, {"format": "csv", "parent": ASSEMBLY, "page_size": "10"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="events.csv"'
    rows = read_csv(response)
    assert len(rows) == 52  # every meeting, not one page of them
    assert list(rows[0])[:4] == ["slug", "url", "html_url", "name"]
    assert {"names.en", "names.fr", "participants", "citations"} <= set(rows[0])


def test_csv_honours_the_same_filters_as_json(client):
    query = {"counterpart_region": "africa", "ordering": "-name"}
    json_slugs = [r["slug"] for r in get_json(client, EVENTS, data=query)["results"]]
    csv_slugs = [r["slug"] for r in read_csv(client.get(EVENTS, {**query, "format": "csv"}))]
    assert csv_slugs == json_slugs
    assert len(csv_slugs) == 15


def test_csv_with_accept_header(client):
    response = client.get("/api/v1/topics/", HTTP_ACCEPT="text/csv")
    assert len(read_csv(response)) == 9


def test_csv_of_an_empty_list_is_its_header(client):
    response = client.get("/api/v1/claims/", {"format": "csv", "q": "nothing-matches"})
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith("slug,url,html_url,name,statement,subject.type")
    assert len(text.splitlines()) == 1


def test_csv_flattens_nested_values_readably(client):
    rows = read_csv(client.get(EVENTS, {"format": "csv", "participant": "bka", "lang": "fr"}))
    (meeting,) = rows
    assert (
        meeting["name"]
        == meeting["names.fr"]
        == "Réunion bilatérale avec l’Office fédéral de police criminelle"
    )
    assert meeting["parent"] == ASSEMBLY
    assert meeting["url"] == f"http://testserver{EVENTS}{ASSEMBLY}-meeting-bka/"
    assert sorted(meeting["participants"].split("\n")) == [
        "organisation: bka, role: counterpart",
        "organisation: pole-dgsn-dgst, person: abdellatif-hammouchi, "
        "post: director-general-pole-dgsn-dgst, role: host",
    ]
    assert meeting["citations"].startswith("source: interpol-ga-93-hammouchi-bilaterals, quote: ")
    bka = read_csv(client.get("/api/v1/organisations/", {"format": "csv", "q": "bka"}))[0]
    assert bka["aliases"] == "Bundeskriminalamt; police allemande; German police"
    assert (bka["parent"], bka["region"]) == ("", "europe")
    claim = read_csv(client.get("/api/v1/claims/", {"format": "csv"}))[0]
    assert (claim["subject.type"], claim["subject.slug"]) == ("event", ASSEMBLY)
    assert (claim["recorded"], claim["consistent"]) == ("52", "true")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "'", "\t", "\r"])
def test_csv_neutralises_formulas(client, db, start):
    factories.OrganisationFactory(
        slug="formula", name_en=f'{start}HYPERLINK("http://x")', aliases=[f"{start}1+1"]
    )
    row = read_csv(client.get("/api/v1/organisations/", {"format": "csv", "q": "formula"}))[0]
    assert row["name"] == f'\'{start}HYPERLINK("http://x")'
    assert row["aliases"] == f"'{start}1+1"
    # The admin's escape, so the admin's import reads the cell back exactly.
    assert unescape_cell(row["name"]) == f'{start}HYPERLINK("http://x")'


def test_csv_leaves_an_ordinary_leading_quote_escaped_once(client, db):
    factories.OrganisationFactory(slug="quoted", name_en="'tis the season")
    row = read_csv(client.get("/api/v1/organisations/", {"format": "csv", "q": "quoted"}))[0]
    assert row["name"] == "''tis the season"
    assert unescape_cell(row["name"]) == "'tis the season"


def test_csv_errors_are_json(client):
    response = client.get(EVENTS, {"format": "csv", "region": "mars"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["region"]
