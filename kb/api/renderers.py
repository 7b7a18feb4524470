"""CSV for the API's lists: every filtered row, streamed, flattened for spreadsheets.

A list's CSV is the JSON records flattened, so the two never disagree:
- a nested object becomes one column per key (`names.en`, `subject.slug`);
- a list of values is joined with "; " (`topics`, `aliases`);
- a list of objects gives one item per line of the cell, "key: value" pairs
  joined with ", " (`participants`, `citations`);
- a cell that a spreadsheet would read as a formula gets a leading
  apostrophe: kb/lib/cells.py, the same escape as the admin's files.
"""

import csv
import dataclasses
import itertools

import orjson
from django.http import StreamingHttpResponse
from django.utils import translation
from rest_framework import renderers, serializers
from rest_framework.renderers import BaseRenderer
from rest_framework.utils import encoders

from ..lib.cells import escape_cell
from ..lib.jsontext import JSONText

# Rows per database round trip: each chunk costs the main query plus one per
# prefetch, so a download's query count grows with its length / CHUNK_SIZE,
# never with its length alone.
CHUNK_SIZE = 500


class Encoder(encoders.JSONEncoder):
    """DRF's encoder, which also writes JSON text kept by the database (lib.jsontext)."""

    def default(self, obj):
        if isinstance(obj, JSONText):
            return obj.value()
        return super().default(obj)


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON, byte for byte, written by orjson: a list page's encoding in a tenth of the time.

    DRF (with its defaults: compact, UTF-8, strict) writes json.dumps(...,
    ensure_ascii=False, separators=(",", ":")) and escapes U+2028 and U+2029
    afterwards; orjson writes the same bytes for strings, integers, booleans,
    null, lists and dicts with string keys, which is all the API's bodies
    hold (tests/api/test_renderers.py). Anything else (a datetime, a
    Decimal, a lazy translation) goes through DRF's encoder, and anything
    orjson refuses, or an indented response (`Accept: application/json;
    indent=2`), through DRF's own renderer.
    """

    OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
    encoder_class = Encoder
    _encoder = Encoder()
    # Projections hand it lists the database keeps as JSON text unparsed (lib.jsontext).
    writes_json_text = True

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}) is not None:
            return super().render(data, accepted_media_type, renderer_context)
        try:
            body = orjson.dumps(data, default=self._default, option=self.OPTIONS)
        except (orjson.JSONEncodeError, TypeError, ValueError):
            return super().render(data, accepted_media_type, renderer_context)
        # One scan for the two characters' common prefix: an events page is 120 kB.
        if b"\xe2\x80" not in body:
            return body
        return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")

    def _default(self, value):
        if isinstance(value, JSONText):
            return value.fragment()
        return self._encoder.default(value)


def as_json(value):
    """A domain result as JSON-ready dicts, keys in the dataclasses' (and serializers') order."""
    if dataclasses.is_dataclass(value):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [as_json(item) for item in value]
    if isinstance(value, dict):
        return {key: as_json(item) for key, item in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class DataclassJSONRenderer(JSONRenderer):
    """The API's JSON renderer, writing a domain result straight from its dataclasses.

    orjson writes a dataclass as an object of its fields in declaration order,
    which is its serializer's (tests/api/test_dataclass_json.py compares the
    bytes): no dict per row on the way, thousands fewer objects to build and
    for the garbage collector to scan (a map of 1,900 countries and bodies:
    28 ms of as_json() per answer). An indented answer, or one orjson refuses
    (a lazy translation, say), goes through `plain()` and the shared renderer.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if dataclasses.is_dataclass(data) and not isinstance(data, type):
            data = self._dataclass(data, accepted_media_type, renderer_context or {})
        return super().render(data, accepted_media_type, renderer_context)

    def _dataclass(self, value, accepted_media_type, renderer_context):
        if self.get_indent(accepted_media_type, renderer_context) is None:
            try:
                return orjson.Fragment(orjson.dumps(value))
            except orjson.JSONEncodeError:
                pass
        return self.plain(value)

    def plain(self, value):
        """The result as the dicts the serializer would give."""
        return as_json(value)


class CSVRenderer(BaseRenderer):
    """Declares `?format=csv` and `Accept: text/csv`; lists stream through `stream_csv`.

    `render` covers whatever else reaches it (a list of records, or a single
    one) with the same flattening.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if isinstance(data, dict):
            data = data.get("results", [data])
        columns = list(dict.fromkeys(c for record in data for c in flatten(record)))
        return "".join(csv_lines(columns, (flatten(record) for record in data))).encode()


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def columns_for(serializer):
    """The header row: the serializer's fields, nested objects spread out."""
    columns = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer):
            columns.extend(f"{name}.{sub}" for sub in field.fields)
        else:
            columns.append(name)
    return columns


def flatten(record):
    """One record's representation as {column: cell text}."""
    row = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                row[f"{key}.{sub}"] = cell(sub_value)
        else:
            row[key] = cell(value)
    return row


def cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if any(isinstance(item, dict) for item in value):
            return "\n".join(
                ", ".join(f"{k}: {v}" for k, v in item.items() if v not in (None, "", []))
                for item in value
            )
        return "; ".join(str(item) for item in value)
    return str(value)


def csv_lines(columns, rows):
    writer = csv.writer(_Echo())
    yield writer.writerow(columns)
    for row in rows:
        yield writer.writerow([escape_cell(row.get(column, "")) for column in columns])


def stream_rows(queryset, serializer):
    """Serialise every row of the queryset, CHUNK_SIZE rows per round of queries.

    `iterator(chunk_size=...)` runs the queryset's prefetches once per chunk,
    so memory stays bounded and no row triggers a query of its own.
    """
    for obj in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield flatten(serializer.to_representation(obj))


def streamed_csv(lines, language, filename, batch=200):
    """A CSV download of `lines` (csv_lines()), sent `batch` lines at a time.

    The body is produced after the view returns, outside its language
    override, so each batch is read and worded under `language` again.
    """

    def content():
        while True:
            with translation.override(language):
                chunk = "".join(itertools.islice(lines, batch))
            if not chunk:
                return
            yield chunk.encode()

    response = StreamingHttpResponse(content(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
