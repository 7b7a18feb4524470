"""The file formats editors may import and export: CSV, XLSX and JSON, no others.

Every file is read here into one table: a header naming each column once,
then at most IMPORT_MAX_ROWS rows of at most IMPORT_MAX_COLUMNS cells. A
file outside those bounds is refused as a whole (`UnsafeFile`, whose message
the admin shows on the form), as soon as reading it crosses them, so the
work a file can cause is bounded by the settings and not by what it claims.

XLSX is a zip of XML. openpyxl parses the XML through defusedxml when that
is installed (a dependency of this project), which stops entity-expansion
"XML bombs"; the archive itself is checked here before any parsing, so a
small upload cannot unpack into gigabytes (a zip bomb). A sheet's declared
size (`<dimension ref="A1:XFD1048576"/>`) is not believed: openpyxl pads
every row to it, so a 1.5 KB file would read as 17 billion cells. Rows are
read as stored, each as wide as its last stored cell, and counted as read.

A column named twice would be merged silently (the last cell would win), so
it is refused: a CSV or XLSX header naming one twice, a JSON object giving
a key twice (the standard parser keeps the last; `object_pairs_hook` sees
both).
"""

import csv
import io
import json
import zipfile
from collections import Counter

import openpyxl
import tablib
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from import_export.formats import base_formats


class UnsafeFile(ValueError):
    """A file refused as a whole, before any row is imported; its message is shown to the editor."""


def _count(number):
    return number_format(number, force_grouping=True)


def check_column_names(headers):
    """Refuse a header naming a column twice (as the import reads names: stripped)."""
    names = [str(h).strip() for h in headers if h is not None and str(h).strip()]
    twice = [name for name, n in Counter(names).items() if n > 1]
    if twice:
        raise UnsafeFile(
            _("The column “%(column)s” is named more than once in the header: name each once.")
            % {"column": twice[0]}
        )


class Table:
    """A file's header and rows, refused as soon as it outgrows the import limits.

    Rows are numbered as everywhere in imports: 1 is the first row after the
    header. `fill` pads a row shorter than the header: what that format
    reads from an empty cell ("" in CSV, None in XLSX and JSON).
    """

    def __init__(self, fill):
        self.fill = fill
        self.max_rows = settings.IMPORT_MAX_ROWS
        self.max_columns = settings.IMPORT_MAX_COLUMNS
        self.headers = None
        self.rows = []
        self.read = 0  # rows read after the header, blank ones too: they cost reading

    def add(self, cells, keep=True):
        """Add one row as read (the first is the header); `keep=False` counts a blank row only."""
        cells = list(cells)
        if self.headers is None:
            self.check_width(cells, None)
            check_column_names(cells)
            self.headers = cells
            return
        self.read += 1
        if self.read > self.max_rows:
            self.refuse_length()
        self.check_width(cells, self.read)
        if not keep:
            return
        width = len(self.headers)
        if len(cells) > width:
            if any(cell not in (None, "") for cell in cells[width:]):
                raise UnsafeFile(
                    _(
                        "Row %(row)s has more values than the header has columns: "
                        "give every value a column."
                    )
                    % {"row": self.read}
                )
            del cells[width:]
        cells.extend([self.fill] * (width - len(cells)))
        self.rows.append(cells)

    def refuse_length(self):
        raise UnsafeFile(
            _(
                "This file has more than %(limit)s rows after the header (empty rows "
                "count too, up to the last one used); split it into files of at most "
                "%(limit)s rows."
            )
            % {"limit": _count(self.max_rows)}
        )

    def check_width(self, cells, row):
        if len(cells) <= self.max_columns:
            return
        limit = _count(self.max_columns)
        if row is None:
            message = _(
                "The header has %(count)s columns; at most %(limit)s columns can be imported."
            ) % {"count": _count(len(cells)), "limit": limit}
        else:
            # Empty cells count: a spreadsheet stores formatted ones, and each is read.
            message = _(
                "Row %(row)s has %(count)s cells; at most %(limit)s columns can be imported "
                "(clear the cells to the right of the last column, formatting included)."
            ) % {"row": row, "count": _count(len(cells)), "limit": limit}
        raise UnsafeFile(message)

    def dataset(self):
        if self.headers is None:
            return tablib.Dataset()
        return tablib.Dataset(*self.rows, headers=self.headers)


def _text(format_, in_stream):
    if isinstance(in_stream, bytes) and format_.encoding:
        return in_stream.decode(format_.encoding)
    return in_stream


class CSV(base_formats.CSV):
    def create_dataset(self, in_stream, delimiter=",", **kwargs):
        table = Table(fill="")
        for cells in csv.reader(io.StringIO(_text(self, in_stream)), delimiter=delimiter):
            # A line with nothing on it is no row (as tablib reads CSV); ",," is one.
            table.add(cells, keep=bool(cells))
        return table.dataset()


class XLSX(base_formats.XLSX):
    def create_dataset(self, in_stream):
        if not openpyxl.DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
            raise UnsafeFile(_("XLSX import is disabled: defusedxml is not installed."))
        try:
            archive = zipfile.ZipFile(io.BytesIO(in_stream))
        except zipfile.BadZipFile:
            raise UnsafeFile(_("This is not an XLSX file.")) from None
        unpacked = sum(info.file_size for info in archive.infolist())
        limit = settings.IMPORT_MAX_UNPACKED_BYTES
        if unpacked > limit:
            raise UnsafeFile(
                _("This XLSX file unpacks to %(size)s, more than the %(limit)s allowed.")
                % {"size": filesizeformat(unpacked), "limit": filesizeformat(limit)}
            )
        # Read-only mode streams the sheet instead of building it in memory.
        book = openpyxl.load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        try:
            sheet = book.active
            sheet.reset_dimensions()  # the declared size is the file's claim, not its content
            skip_blank = getattr(settings, "IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES", False)
            table = Table(fill=None)
            for values in sheet.iter_rows(values_only=True):
                blank = all(value is None for value in values)
                table.add(values, keep=not (skip_blank and blank))
            return table.dataset()
        finally:
            book.close()


class JSONObject(dict):
    """A parsed JSON object that remembers the keys it was given more than once."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.twice = []
        if len(self) < len(pairs):
            self.twice = [key for key, n in Counter(k for k, _v in pairs).items() if n > 1]


class JSON(base_formats.JSON):
    """A list of objects, one per row, each with the same keys (the columns)."""

    def create_dataset(self, in_stream):
        data = json.loads(_text(self, in_stream), object_pairs_hook=JSONObject)
        if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
            raise UnsafeFile(
                _('A JSON file to import is a list of objects, one per row: [{"slug": …}, …].')
            )
        table = Table(fill=None)
        if len(data) > table.max_rows:
            table.refuse_length()
        for number, row in enumerate(data, 1):
            if row.twice:
                raise UnsafeFile(
                    _("Row %(row)s gives “%(column)s” more than once: give each column once.")
                    % {"row": number, "column": row.twice[0]}
                )
            if table.headers is None:
                table.add(row.keys())
            elif row.keys() != data[0].keys():
                # tablib would read such a row by position, each value under another column.
                different = sorted(row.keys() ^ data[0].keys())
                raise UnsafeFile(
                    _(
                        "Row %(row)s does not have the same keys as row 1 (%(keys)s): "
                        "give every row the same columns."
                    )
                    % {"row": number, "keys": ", ".join(different)}
                )
            table.add([row[key] for key in data[0]])
        return table.dataset()


FORMATS = [CSV, XLSX, JSON]
