"""Reading schema.org JSON-LD as a consumer would, for tests/exports/test_jsonld.py.

A pyld document loader that fetches nothing (the schema.org context from
schemaorg/, the site's own addresses from the test client), the vocabulary's
types and property domains, and the checks each node must pass.
"""

import csv
import functools
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from django.urls import reverse
from pyld import jsonld

SCHEMAORG = Path(__file__).resolve().parent / "schemaorg"
SCHEMA = "http://schema.org/"  # the context's @vocab: expanded IRIs are http
SITE = "http://testserver"


def _split(cell):
    return {iri.strip() for iri in cell.split(",") if iri.strip()}


@functools.cache
def vocabulary():
    """(supertypes by type, domain by property, superseded terms), from schema.org's CSV."""
    supertypes, domains, superseded = {}, {}, set()
    for name, table in (("types.csv", supertypes), ("properties.csv", domains)):
        with open(SCHEMAORG / name, newline="", encoding="utf-8") as rows:
            for row in csv.DictReader(rows):
                table[row["id"]] = _split(row.get("subTypeOf") or row.get("domainIncludes", ""))
                if row["supersededBy"]:
                    superseded.add(row["id"])
    return supertypes, domains, superseded


def with_supertypes(types):
    supertypes = vocabulary()[0]
    found, todo = set(), list(types)
    while todo:
        kind = todo.pop()
        if kind not in found:
            found.add(kind)
            todo.extend(supertypes.get(kind, ()))
    return found


@functools.cache
def schemaorg_context():
    return json.loads((SCHEMAORG / "jsonldcontext.jsonld").read_text(encoding="utf-8"))


def loader(client, pages=None):
    """pyld's document loader: schema.org's context from the vendored file, the
    site's pages from `pages` (address: HTML) or the test client, anything else
    a failure."""

    def load(url, options=None):
        if url.rstrip("/") in ("https://schema.org", "http://schema.org") or url.endswith(
            "schema.org/docs/jsonldcontext.jsonld"
        ):
            document, content_type = schemaorg_context(), "application/ld+json"
        elif pages and url in pages:
            document, content_type = pages[url], "text/html"
        else:
            address = urlsplit(url)
            assert f"{address.scheme}://{address.netloc}" == SITE, f"would fetch {url}"
            response = client.get(address.path)
            assert response.status_code == 200, url
            document, content_type = response.content.decode(), "text/html"
        return {
            "contentType": content_type,
            "contextUrl": None,
            "documentUrl": url,
            "document": document,
        }

    return load


def expand(client, url, html=None):
    """The page's JSON-LD, expanded by pyld from the page's HTML (`html`, or
    fetched): full IRIs everywhere. A term the context does not define would be
    dropped: that fails too."""
    dropped = []
    nodes = jsonld.expand(
        url,
        options={"documentLoader": loader(client, {url: html} if html else None)},
        on_property_dropped=lambda *args: dropped.append(args),
    )
    assert dropped == []
    return nodes


def problems(node, linked_by=None):
    """Types and properties that schema.org does not have, or not on that type."""
    supertypes, domains, superseded = vocabulary()
    found = []
    types = node.get("@type", [])
    for kind in types:
        if kind not in supertypes or kind in superseded:
            found.append(f"type {kind}")
    allowed = with_supertypes(types)
    for key, values in node.items():
        if key.startswith("@"):
            continue
        if key not in domains or key in superseded:
            found.append(f"property {key}")
        # A Role stands between a node and its value, with the same property (schema.org's
        # Role pattern): {"attendee": {"@type": "Role", "attendee": ...}}.
        elif not (domains[key] & allowed) and not (SCHEMA + "Role" in allowed and key == linked_by):
            found.append(f"{key} on {types}")
        for value in values:
            if isinstance(value, dict) and "@value" not in value:
                found += problems(value, key)
    return found


def addresses(node):
    """Every node address (@id) in an expanded tree, with the types said of it."""
    found = []
    if isinstance(node, dict):
        if "@id" in node:
            found.append((node["@id"], tuple(node.get("@type", ()))))
        for key, value in node.items():
            if not key.startswith("@"):
                found += addresses(value)
    elif isinstance(node, list):
        for item in node:
            found += addresses(item)
    return found


def values(node, name):
    return node.get(SCHEMA + name, [])


def text(node, name):
    return [v["@value"] for v in values(node, name)]


def ids(node, name):
    return [v["@id"] for v in values(node, name)]


def organisation_url(slug):
    return SITE + reverse("kb:organisation-detail", kwargs={"slug": slug})


def scripts(html):
    return re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
