"""Cells that a spreadsheet would run as formulas are escaped on export and restored on import."""

import io

import openpyxl
import pytest

from kb import models
from kb.lib.cells import escape_cell, unescape_cell
from kb.transfer.formats import XLSX
from tests import factories as f
from tests.transfer.test_import_export import FORMATS, export_file, load, run_import

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1 23", "'+33 1 23"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'quoted'", "''quoted'"),
        ("plain", "plain"),
        ("", ""),
    ],
)
def test_escaping_round_trips(text, cell):
    assert escape_cell(text) == cell
    assert unescape_cell(cell) == text


def test_an_editors_own_leading_quote_is_kept():
    assert unescape_cell("'tis the season") == "'tis the season"
    assert unescape_cell("'") == "'"


@pytest.mark.parametrize("file_format", FORMATS, ids=lambda f: f.__name__)
def test_formula_text_is_escaped_on_export_and_restored_on_import(reviewer, file_format):
    organisation = f.OrganisationFactory(name_en="=HYPERLINK(1)", name_fr="'entre guillemets'")
    data = export_file(models.Organisation, file_format)
    if file_format is XLSX:
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row}
        assert cells["'=HYPERLINK(1)"] == "s"  # text, not a formula
        assert "''entre guillemets'" in cells
    else:
        assert "'=HYPERLINK(1)" in data and "''entre guillemets'" in data
    result = run_import(models.Organisation, load(file_format, data), reviewer)
    assert result.totals["skip"] == 1 and result.totals["update"] == 0
    organisation.refresh_from_db()
    assert organisation.name_en == "=HYPERLINK(1)"
    assert organisation.name_fr == "'entre guillemets'"
