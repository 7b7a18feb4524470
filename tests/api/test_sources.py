"""A source's stored text in the API and the bulk tables: given only when its publication
is allowed; and each citation's translation with who made it."""

import csv
import io

import pytest

from kb import registry
from kb.exports.bulk.tables import record_table
from kb.models import Source
from tests import factories
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = pytest.mark.django_db

ARTICLE = "interpol-ga-93-hammouchi-bilaterals"


def test_the_text_is_null_unless_it_may_be_published(client, seeded, article_text):
    detail = get_json(client, f"/api/v1/sources/{ARTICLE}/")
    (listed,) = get_json(client, "/api/v1/sources/")["results"]
    for source in (detail, listed):
        assert (source["publish_full_text"], source["text"]) == (False, None)
    Source.objects.update(publish_full_text=True)
    detail = get_json(client, f"/api/v1/sources/{ARTICLE}/")
    (listed,) = get_json(client, "/api/v1/sources/")["results"]
    for source in (detail, listed):
        assert (source["publish_full_text"], source["text"]) == (True, article_text)


def test_the_csv_leaves_an_unpublished_text_empty(client, db):
    factories.SourceFactory(slug="closed", text="Words of someone else.")
    factories.SourceFactory(slug="open", text="Words anyone may read.", publish_full_text=True)
    response = client.get("/api/v1/sources/?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    rows = {r["slug"]: r for r in csv.DictReader(io.StringIO(text))}
    assert (rows["closed"]["publish_full_text"], rows["closed"]["text"]) == ("false", "")
    assert rows["open"]["text"] == "Words anyone may read."
    assert "someone else" not in text


def test_citations_give_their_translation_and_who_made_it(client, seeded):
    bka = get_json(client, "/api/v1/organisations/bka/")
    (citation,) = bka["citations"]
    assert citation["quote"].startswith("À cela s’ajoutent ses rencontres")
    assert citation["translation"].startswith("To this are added his meetings with the leaders")
    assert citation["translation_by"] == "entente"
    # The list's rows (built from values()) say the same.
    listed = get_json(client, "/api/v1/organisations/?page_size=200")["results"]
    assert next(r for r in listed if r["slug"] == "bka")["citations"] == [citation]


def test_a_citation_without_translation_gives_nulls(client, db):
    organisation = factories.OrganisationFactory(slug="quoted")
    factories.CitationFactory(record=organisation, quote="Une phrase.")
    (citation,) = get_json(client, "/api/v1/organisations/quoted/")["citations"]
    assert (citation["translation"], citation["translation_by"]) == (None, None)


def test_the_bulk_table_of_sources_withholds_an_unpublished_text(db):
    factories.SourceFactory(slug="closed", text="Words of someone else.")
    factories.SourceFactory(slug="open", text="Words anyone may read.", publish_full_text=True)
    table = record_table(registry.of(Source))
    names = [column.name for column in table.columns]
    rows = {row[names.index("slug")]: dict(zip(names, row, strict=True)) for row in table.rows()}
    assert rows["closed"]["text"] == ""
    assert rows["closed"]["publish_full_text"] == "false"
    assert rows["open"]["text"] == "Words anyone may read."
    assert "publish_full_text" in next(c.description for c in table.columns if c.name == "text")
