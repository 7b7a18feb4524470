"""The OpenAPI schema is the contract: it validates, and the API answers as it says.

Every path in the schema is requested on the article's data and must answer
200 with a body that the schema describes exactly (no undocumented field);
errors are checked against their documented shapes too.
"""

import copy
import json
import re

import jsonschema
import pytest
from django.core.management import call_command

from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

ASSEMBLY = "interpol-general-assembly-93"
EXAMPLES = {
    "organisations": "bka",
    "people": "abdellatif-hammouchi",
    "posts": "director-general-pole-dgsn-dgst",
    "events": f"{ASSEMBLY}-meeting-norwegian-national-police",
    "agreements": "pole-dgsn-dgst-norwegian-national-police-agreement",
    "topics": "cybercrime",
    "sources": "interpol-ga-93-hammouchi-bilaterals",
    "claims": f"{ASSEMBLY}-at-least-43-meetings",
}
# Lists with no detail path: who met whom (kb/api/connections.py).
LIST_ONLY = ["connections"]
# One object per query, no paging or CSV (kb/api/cooperation.py); other formats by path.
COOPERATION = {
    "map": [],
    "graph": ["application/gexf+xml", "application/graphml+xml"],
    "timeline": [],
}
# Streamed in an open format (kb/api/exports.py): path -> media type.
EXPORTS = {
    "/api/v1/exports/ftm/": "application/x-ndjson",
    "/api/v1/exports/popolo/": "application/json",
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def json_schema(openapi, ref):
    """A JSON Schema for one component, from OpenAPI 3.0's dialect.

    `nullable` becomes a null alternative, and objects with listed properties
    refuse any other, so an undocumented field fails validation.
    """

    def convert(node):
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: convert(value) for key, value in node.items()}
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node

    components = convert(copy.deepcopy(openapi["components"]))
    return {"components": components, "allOf": [ref]}


def response_schema(schema, path, status, media="application/json"):
    content = schema["paths"][path]["get"]["responses"][str(status)]["content"]
    return content[media]["schema"]


def concrete(path):
    if "{slug}" not in path:
        return path
    prefix = path.split("/")[3]
    return path.replace("{slug}", EXAMPLES[prefix])


def test_schema_validates_with_no_warning(tmp_path):
    # Raises on any warning or validation error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_schema_covers_every_type(schema):
    assert set(schema["paths"]) == {
        path
        for prefix in EXAMPLES
        for path in (f"/api/v1/{prefix}/", f"/api/v1/{prefix}/{{slug}}/")
    } | {f"/api/v1/{prefix}/" for prefix in [*LIST_ONLY, *COOPERATION]} | set(EXPORTS)


def test_every_path_in_the_schema_answers_200_as_documented(client, schema):
    for path, operations in schema["paths"].items():
        assert set(operations) <= {"get", "parameters"}, path  # read-only
        url = concrete(path)
        if path in EXPORTS:
            # Streamed; the Popolo document against its schema, FtM lines as declared.
            content = schema["paths"][path]["get"]["responses"]["200"]["content"]
            assert set(content) == {EXPORTS[path]}
            response = client.get(url)
            assert response.status_code == 200
            assert response["Content-Type"] == EXPORTS[path]
            data = b"".join(response.streaming_content)
            if EXPORTS[path] == "application/json":
                body = json.loads(data)
                validator = json_schema(schema, response_schema(schema, path, 200))
                jsonschema.validate(body, validator)
            continue
        body = get_json(client, url)
        jsonschema.validate(body, json_schema(schema, response_schema(schema, path, 200)))
        if path.endswith("/{slug}/"):
            continue
        name = path.split("/")[3]
        if name in COOPERATION:
            # Scoped, in French, and each other format as documented.
            scoped = get_json(client, url + f"?parent={ASSEMBLY}&lang=fr")
            jsonschema.validate(scoped, json_schema(schema, response_schema(schema, path, 200)))
            content = schema["paths"][path]["get"]["responses"]["200"]["content"]
            assert set(content) == {"application/json", *COOPERATION[name]}
            for media_type in COOPERATION[name]:
                fmt = media_type.split("/")[1].removesuffix("+xml")
                response = client.get(url, {"format": fmt})
                assert response.status_code == 200
                assert response["Content-Type"].startswith(media_type)
            continue
        # Lists: the French version, a full page and the CSV answer as documented too.
        full = get_json(client, url + "?page_size=200&lang=fr")
        jsonschema.validate(full, json_schema(schema, response_schema(schema, path, 200)))
        assert "text/csv" in schema["paths"][path]["get"]["responses"]["200"]["content"]
        csv_response = client.get(url, {"format": "csv"})
        assert csv_response.status_code == 200
        assert csv_response["Content-Type"].startswith("text/csv")


def test_every_documented_list_parameter_is_accepted(client, schema):
    for path, operations in schema["paths"].items():
        if path.endswith("/{slug}/"):
            continue
        for parameter in operations["get"]["parameters"]:
            if parameter["in"] != "query":
                continue
            response = client.get(path, {parameter["name"]: ""})
            assert response.status_code == 200, (path, parameter["name"])


def test_errors_answer_as_documented(client, schema):
    cases = [
        ("/api/v1/events/", "/api/v1/events/?region=mars", 400),
        ("/api/v1/events/", "/api/v1/events/?page=999", 404),
        ("/api/v1/events/{slug}/", "/api/v1/events/nope/", 404),
        ("/api/v1/events/{slug}/", "/api/v1/events/nope/?lang=xx", 400),
    ]
    for path, url, status in cases:
        response = client.get(url)
        assert response.status_code == status, url
        jsonschema.validate(
            response.json(), json_schema(schema, response_schema(schema, path, status))
        )
    for path in schema["paths"]:
        documented = set(schema["paths"][path]["get"]["responses"])
        assert documented >= {"200", "304", "400", "404", "405", "406", "412", "429"}, path


def test_docs_are_served_without_a_cdn(client):
    for url in ("/api/docs/", "/api/redoc/"):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "cdn." not in html and "unpkg" not in html
        assets = re.findall(r"""(?:src|href)=["']([^"']+\.(?:js|css|png))""", html)
        assert assets, url
        for asset in assets:
            assert asset.startswith("/static/"), asset
            assert client.get(asset).status_code == 200, asset


def test_schema_is_served_as_yaml_and_json(client):
    assert client.get("/api/schema/").status_code == 200
    assert get_json(client, "/api/schema/?format=json")["openapi"].startswith("3.")
