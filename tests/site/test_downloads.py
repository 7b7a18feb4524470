"""The downloads page and the file view: what a reader and a download tool see.

The files here are small stand-ins put in a storage of the test's own
(tests/downloads.py); tests/exports/test_bulk.py checks the real ones.
"""

import json
import re

import pytest
from django.urls import reverse
from django.utils.http import http_date
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.exports.bulk import catalogue
from kb.models import DownloadsSchedule
from kb.site.downloads import _byte_range
from tests.downloads import content_of, put_files

pytestmark = pytest.mark.django_db

CSV = "entente-csv.zip"


def file_url(name):
    return reverse("download", args=[name])


# --- The page ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "fr"])
def test_page_lists_each_file_with_its_size_date_and_digest(client, downloads_storage, language):
    rows = put_files()
    response = client.get(f"/{language}/downloads/")
    assert response.status_code == 200
    html = response.content.decode()
    for row in rows:
        assert f'href="/downloads/{row.name}"' in html
        assert row.sha256 in html
        assert row.built_at.isoformat() in html  # <time datetime=...>
    assert "https://creativecommons.org/licenses/by/4.0/" in html
    # How to cite: the site's address and the files' date.
    assert f"http://testserver/{language}/" in html
    assert rows[0].built_at.date().isoformat() in html
    words = {"en": "How to cite", "fr": "Comment citer"}
    assert words[language] in html


def test_page_before_the_first_build_says_so(client, downloads_storage):
    response = client.get("/en/downloads/")
    assert response.status_code == 200
    assert "being built for the first time" in response.content.decode()
    response = client.get("/fr/downloads/")
    assert "construits pour la première fois" in response.content.decode()


def test_page_says_an_update_is_coming(client, downloads_storage):
    put_files()
    DownloadsSchedule.objects.create(queued_for="2030-01-01T00:00:00Z")
    assert "An update is on its way." in client.get("/en/downloads/").content.decode()


def test_page_embeds_the_dataset_as_json_ld(client, downloads_storage):
    rows = put_files()
    html = client.get("/en/downloads/").content.decode()
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(found.group(1))
    assert data["@type"] == "Dataset"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    downloads = {d["name"]: d for d in data["distribution"]}
    assert set(downloads) == {row.name for row in rows}
    assert downloads[CSV]["contentUrl"] == f"http://testserver/downloads/{CSV}"
    assert downloads[CSV]["sha256"] == rows[0].sha256


def test_page_is_linked_from_every_page(client, downloads_storage):
    html = client.get("/en/").content.decode()
    assert 'href="/en/downloads/"' in html


def test_page_is_never_kept_by_the_response_cache(client, downloads_storage, settings):
    # A rebuild leaves the data version as it is: a stored page would outlive the files.
    settings.RESPONSE_CACHE = True
    client.get("/en/downloads/")
    put_files()
    response = client.get("/en/downloads/")
    assert "being built" not in response.content.decode()
    assert "X-Response-Cache" not in response


@pytest.mark.parametrize("built", [False, True], ids=["no files", "every file"])
def test_page_query_count(client, downloads_storage, built, django_assert_num_queries):
    if built:
        put_files()
    # The manifest and the schedule, on the jobs alias; nothing on the records' database.
    with (
        django_assert_num_queries(2, using="jobs"),
        django_assert_num_queries(0, using="default"),
    ):
        response = client.get("/en/downloads/")
    assert response.status_code == 200


# --- A file ----------------------------------------------------------------------------


def body(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_file_is_an_attachment_with_its_digest_as_etag(client, downloads_storage):
    row = put_files()[0]
    response = client.get(file_url(CSV))
    assert response.status_code == 200
    assert body(response) == content_of(CSV)
    assert response["ETag"] == f'"{row.sha256}"'
    assert response["Last-Modified"] == http_date(row.built_at.timestamp())
    assert response["Content-Disposition"] == f'attachment; filename="{CSV}"'
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Length"] == str(len(content_of(CSV)))
    assert response["Accept-Ranges"] == "bytes"


def test_head_answers_the_headers_only(client, downloads_storage):
    put_files()
    response = client.head(file_url(CSV))
    assert response.status_code == 200
    assert body(response) == b""
    assert response["Content-Length"] == str(len(content_of(CSV)))


def test_conditional_get(client, downloads_storage):
    row = put_files()[0]
    etag = f'"{row.sha256}"'
    response = client.get(file_url(CSV), HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["ETag"] == etag
    assert body(response) == b""
    since = http_date(row.built_at.timestamp())
    assert client.get(file_url(CSV), HTTP_IF_MODIFIED_SINCE=since).status_code == 304
    assert client.get(file_url(CSV), HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert client.get(file_url(CSV), HTTP_IF_MATCH='"other"').status_code == 412


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=5-", 5, None),
        ("bytes=-7", -7, None),
        ("bytes=3-10000", 3, None),
    ],
)
def test_a_range_answers_206(client, downloads_storage, header, start, end):
    put_files()
    data = content_of(CSV)
    response = client.get(file_url(CSV), HTTP_RANGE=header)
    assert response.status_code == 206
    expected = data[start : None if end is None else end + 1]
    assert body(response) == expected
    first = start % len(data)
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert response["Content-Length"] == str(len(expected))
    assert response["Content-Disposition"] == f'attachment; filename="{CSV}"'


@pytest.mark.parametrize("header", ["bytes=100000-", "bytes=9-3", "bytes=abc", "bytes=-0"])
def test_a_bad_range_answers_416(client, downloads_storage, header):
    put_files()
    response = client.get(file_url(CSV), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(content_of(CSV))}"


def test_several_ranges_or_another_unit_get_the_whole_file(client, downloads_storage):
    put_files()
    for header in ("bytes=0-1,4-5", "items=0-1"):
        response = client.get(file_url(CSV), HTTP_RANGE=header)
        assert response.status_code == 200
        assert body(response) == content_of(CSV)


def test_if_range_serves_the_range_only_for_the_same_copy(client, downloads_storage):
    row = put_files()[0]
    same = client.get(file_url(CSV), HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE=f'"{row.sha256}"')
    assert same.status_code == 206
    changed = client.get(file_url(CSV), HTTP_RANGE="bytes=0-1", HTTP_IF_RANGE='"older"')
    assert changed.status_code == 200
    assert body(changed) == content_of(CSV)


def test_unknown_or_unbuilt_files_are_404(client, downloads_storage):
    assert client.get(file_url("passwords.txt")).status_code == 404
    # In the catalogue, but never built.
    assert client.get(file_url(CSV)).status_code == 404
    assert client.get("/downloads/../db.sqlite3").status_code == 404


def test_files_are_read_only(client, downloads_storage):
    put_files()
    assert client.post(file_url(CSV)).status_code == 405


def test_each_catalogue_file_is_served(client, downloads_storage):
    put_files()
    for entry in catalogue.FILES:
        response = client.get(file_url(entry.name))
        assert response.status_code == 200
        assert response["Content-Type"] == entry.media_type
        assert body(response) == content_of(entry.name)


@settings(deadline=None, max_examples=200, derandomize=True)
@given(
    size=st.integers(min_value=1, max_value=300),
    first=st.integers(min_value=0, max_value=400),
    length=st.integers(min_value=1, max_value=400),
)
def test_a_range_is_the_bytes_it_names(size, first, length):
    data = bytes(range(256)) * 2
    data = data[:size]
    last = first + length - 1
    wanted = _byte_range(f"bytes={first}-{last}", size)
    if first >= size:
        assert wanted is False
    else:
        start, end = wanted
        assert data[start : end + 1] == data[first : last + 1]


# --- The jobs database unreadable ------------------------------------------------------


@pytest.fixture
def manifest_missing():
    """The manifest's table gone from the jobs database, as before `migrate --database
    jobs`: renamed inside the test's transaction, which puts it back."""
    from django.db import connections

    from kb.db.routing import jobs_alias
    from kb.models import DownloadFile

    connection = connections[jobs_alias(DownloadFile)]
    table = DownloadFile._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    return table


@pytest.mark.parametrize("language", ["en", "fr"])
def test_page_without_its_manifest_says_it_is_unavailable(
    client, downloads_storage, manifest_missing, language, caplog
):
    response = client.get(f"/{language}/downloads/")
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    html = response.content.decode()
    words = {"en": "not available on this server", "fr": "pas disponibles sur ce serveur"}
    assert words[language] in html
    assert "migrate --database jobs" in caplog.text


def test_file_without_its_manifest_is_unavailable(client, downloads_storage, manifest_missing):
    response = client.get(file_url(CSV))
    assert response.status_code == 503
    assert response["Retry-After"] == "300"
    # A name the catalogue does not know is still not found.
    assert client.get(file_url("nothing.zip")).status_code == 404
