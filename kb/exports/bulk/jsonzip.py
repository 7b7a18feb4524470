"""The JSON zip: a file per type, each a JSON list of records in the API's shape.

The records are the API's own (kb/api/bulk.py, handed over by
KbConfig.ready(): this package sits below the surfaces and may not import
them). `about.json` states the licence, the source and how to cite.
"""

import json
import zipfile

from django.core.exceptions import ImproperlyConfigured

from ...lib import dataset

ABOUT = "about.json"

_provider = {"documents": None}


def provide(documents):
    """Set where the records come from: `documents(base_url)` -> (name, records as bytes)."""
    _provider["documents"] = documents


def about(build, names):
    return {
        "title": dataset.TITLE,
        "description": str(dataset.DESCRIPTION),
        "license": {
            "id": dataset.LICENCE_ID,
            "name": dataset.LICENCE_NAME,
            "url": dataset.LICENCE_URL,
        },
        "source": build.base_url + "/",
        "created": build.created,
        "citation": build.citation,
        "format": (
            "Each file is a JSON list of records, as the API at /api/v1/<type>/ gives them "
            "(the OpenAPI schema at /api/schema/ describes each field)."
        ),
        "files": [f"{name}.json" for name in names],
    }


def write(path, build):
    documents = _provider["documents"]
    if documents is None:
        raise ImproperlyConfigured("No JSON records for the bulk files: kb.apps wires them.")
    names = []
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, records in documents(build.base_url):
            names.append(name)
            # Compressed as written: one record at a time, never a whole list.
            with archive.open(f"{name}.json", "w", force_zip64=True) as member:
                member.write(b"[")
                separator = b"\n"
                for record in records:
                    member.write(separator)
                    member.write(record)
                    separator = b",\n"
                member.write(b"\n]\n")
        archive.writestr(ABOUT, json.dumps(about(build, names), ensure_ascii=False, indent=2))
