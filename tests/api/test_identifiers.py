"""API v1: each record's `identifiers` in other systems, in the JSON, the CSV and the schema."""

import csv
import io

import pytest

from kb import models, registry
from tests import factories as f
from tests.api.test_contract import EXAMPLES
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

NK = "NK-2ZkYyZLKa4Mdj6NqbHPoeF"
WIKIDATA = {"scheme": "wikidata", "value": "Q7747", "url": "https://www.wikidata.org/wiki/Q7747"}
OPENSANCTIONS = {
    "scheme": "opensanctions",
    "value": NK,
    "url": f"https://www.opensanctions.org/entities/{NK}/",
}


def identify(entry, slug):
    record = entry.model.objects.get(slug=slug)
    f.IdentifierFactory(record=record, scheme="wikidata", value="Q7747")
    f.IdentifierFactory(record=record, scheme="opensanctions", value=NK)
    return record


@pytest.mark.parametrize("entry", registry.in_api(), ids=lambda e: e.api)
def test_every_type_gives_its_records_identifiers_in_list_and_detail(client, entry):
    slug = EXAMPLES[entry.api]
    before = get_json(client, f"/api/v1/{entry.api}/{slug}/")
    assert before["identifiers"] == []  # the article gives none
    identify(entry, slug)
    # In the stored order (by scheme, then value), each with its page in that system.
    expected = [OPENSANCTIONS, WIKIDATA]
    detail = get_json(client, f"/api/v1/{entry.api}/{slug}/")
    assert detail["identifiers"] == expected
    assert list(detail).index("identifiers") == list(detail).index("citations") - 1
    rows = get_json(client, f"/api/v1/{entry.api}/", data={"page_size": 200})["results"]
    assert [r["identifiers"] for r in rows if r["slug"] == slug] == [expected]
    assert all(r["identifiers"] == [] for r in rows if r["slug"] != slug)


def test_an_identifier_added_gives_a_new_etag(client):
    url = f"/api/v1/organisations/{EXAMPLES['organisations']}/"
    etag = client.get(url)["ETag"]
    identify(registry.of(models.Organisation), EXAMPLES["organisations"])
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["identifiers"] == [OPENSANCTIONS, WIKIDATA]


def test_the_csv_gives_one_identifier_per_line_of_its_cell(client):
    identify(registry.of(models.Organisation), "bka")
    response = client.get("/api/v1/organisations/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    [bka] = [row for row in rows if row["slug"] == "bka"]
    assert bka["identifiers"].splitlines() == [
        f"scheme: opensanctions, value: {NK}, url: {OPENSANCTIONS['url']}",
        f"scheme: wikidata, value: Q7747, url: {WIKIDATA['url']}",
    ]


def test_the_schema_documents_the_field(client):
    schema = get_json(client, "/api/schema/", data={"format": "json"})
    components = schema["components"]["schemas"]
    identifier = components["Identifier"]
    assert identifier["properties"]["url"]["format"] == "uri"
    scheme = identifier["properties"]["scheme"]["allOf"]
    assert scheme == [{"$ref": "#/components/schemas/IdentifierSchemeEnum"}]
    assert components["IdentifierSchemeEnum"]["enum"] == ["wikidata", "opensanctions"]
    for name in (
        "Organisation",
        "Person",
        "Post",
        "Event",
        "Agreement",
        "Topic",
        "Source",
        "Claim",
    ):
        field = components[name]["properties"]["identifiers"]
        assert field["type"] == "array", name
        assert field["items"] == {"$ref": "#/components/schemas/Identifier"}, name
        assert "Wikidata" in field["description"], name
