"""Files an import must refuse whole or cell by cell: oversized sheets, control
characters, columns named twice. Each is refused with a message naming what
to fix, through the admin's own import page, and writes nothing."""

import io
import json
import zipfile

import openpyxl
import pytest
import tablib
from reversion.models import Version

from kb import models
from kb.transfer.formats import CSV, JSON, XLSX
from kb.transfer.resources import RESOURCES
from tests import factories as f
from tests.support import admin_import, report_errors

pytestmark = pytest.mark.django_db

FORMAT = {CSV: "0", XLSX: "1", JSON: "2"}
EXTENSION = {CSV: "csv", XLSX: "xlsx", JSON: "json"}


def upload(client, file_format, data, model=models.Organisation):
    """An editor's check of `data` through the admin (the job's page), as uploaded."""
    response = admin_import(
        client,
        model,
        data,
        file_format=FORMAT[file_format],
        name=f"upload.{EXTENSION[file_format]}",
        check_first=True,
    )
    assert response.status_code == 200
    assert "Traceback" not in response.text
    return response


def file_errors(response):
    """Why a file was refused as a whole: by the form, or on reading it."""
    if "job" not in response.context:
        return response.context["form"].errors.get("import_file", [])
    refused = response.context["report"].get("file_error")
    return [refused] if refused else []


def cell_errors(response):
    """{(row, column): [messages]} the job's report lists for a file's invalid rows."""
    assert not response.context["can_import"]  # nothing can be imported
    return report_errors(response)


def csv_text(*rows):
    return "".join(",".join(row) + "\r\n" for row in rows)


def workbook(*rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


SPREADSHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def handwritten_xlsx(sheet_xml):
    """An XLSX file of one sheet whose XML is given as is: what no spreadsheet program writes."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PACKAGE_NS}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS_NS}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{SPREADSHEET_NS}" xmlns:r="{RELATIONSHIPS_NS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PACKAGE_NS}"><Relationship Id="rId1" '
            f'Type="{RELATIONSHIPS_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{SPREADSHEET_NS}">{sheet_xml}</worksheet>',
    }
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return data.getvalue()


def inline(reference, text):
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def nothing_written():
    return not models.Organisation.objects.exists() and not Version.objects.exists()


# Rows and columns --------------------------------------------------------------------


def test_a_tiny_xlsx_reaching_the_last_row_and_column_is_refused_unread(staff_client):
    """1.5 KB that openpyxl would read as 1,048,576 rows of 16,384 cells each."""
    data = handwritten_xlsx(
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        f'<row r="1048576">{inline("XFD1048576", "x")}</row>'
        "</sheetData>"
    )
    assert len(data) < 1600
    [message] = file_errors(upload(staff_client, XLSX, data))
    assert "more than 200,000 rows" in message
    assert nothing_written()


def test_a_sheet_is_read_as_stored_not_as_its_dimension_claims(staff_client):
    """A wrong <dimension> on a small sheet costs nothing and changes nothing."""
    header = "".join(
        inline(f"{c}1", name) for c, name in zip("ABC", ["slug", "name_en", "kind"], strict=True)
    )
    data = handwritten_xlsx(
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        f'<row r="1">{header}</row>'
        f'<row r="2">{inline("A2", "dgsn")}{inline("B2", "DGSN")}{inline("C2", "police")}</row>'
        "</sheetData>"
    )
    response = upload(staff_client, XLSX, data)
    assert response.context["report"]["new"] == 1
    assert response.context["can_import"]


@pytest.mark.parametrize("file_format", [CSV, XLSX, JSON], ids=lambda f: f.__name__)
def test_files_over_the_row_limit_are_refused(staff_client, settings, file_format):
    settings.IMPORT_MAX_ROWS = 3
    rows = [[f"org-{i}", f"Org {i}", "police"] for i in range(4)]
    data = {
        CSV: lambda rows: csv_text(["slug", "name_en", "kind"], *rows),
        XLSX: lambda rows: workbook(["slug", "name_en", "kind"], *rows),
        JSON: lambda rows: json.dumps(
            [dict(zip(["slug", "name_en", "kind"], r, strict=True)) for r in rows]
        ),
    }[file_format]
    [message] = file_errors(upload(staff_client, file_format, data(rows)))
    assert "more than 3 rows" in message
    assert nothing_written()
    response = upload(staff_client, file_format, data(rows[:3]))
    assert response.context["report"]["new"] == 3  # the limit itself is fine


def test_a_spreadsheets_empty_rows_count_up_to_its_last_used_one(staff_client, settings):
    settings.IMPORT_MAX_ROWS = 10
    data = handwritten_xlsx(
        "<sheetData>"
        f'<row r="1">{inline("A1", "slug")}{inline("B1", "name_en")}{inline("C1", "kind")}</row>'
        f'<row r="50">{inline("A50", "far")}{inline("B50", "Far")}{inline("C50", "police")}</row>'
        "</sheetData>"
    )
    [message] = file_errors(upload(staff_client, XLSX, data))
    assert "more than 10 rows" in message


@pytest.mark.parametrize("file_format", [CSV, XLSX, JSON], ids=lambda f: f.__name__)
def test_files_over_the_column_limit_are_refused(staff_client, settings, file_format):
    settings.IMPORT_MAX_COLUMNS = 3
    headers = ["slug", "name_en", "kind", "country"]
    row = ["dgsn", "DGSN", "police", "MA"]
    data = {
        CSV: csv_text(headers, row),
        XLSX: workbook(headers, row),
        JSON: json.dumps([dict(zip(headers, row, strict=True))]),
    }[file_format]
    [message] = file_errors(upload(staff_client, file_format, data))
    assert "at most 3 columns" in message
    assert nothing_written()


def test_a_row_wider_than_the_limit_is_refused_even_if_its_extra_cells_are_empty(
    staff_client, settings
):
    """Formatted cells far to the right are stored, and would each be read."""
    settings.IMPORT_MAX_COLUMNS = 5
    data = handwritten_xlsx(
        "<sheetData>"
        f'<row r="1">{inline("A1", "slug")}{inline("B1", "name_en")}{inline("C1", "kind")}</row>'
        f'<row r="2">{inline("A2", "a")}{inline("B2", "A")}{inline("C2", "police")}'
        '<c r="XFD2" s="0"/></row>'
        "</sheetData>"
    )
    [message] = file_errors(upload(staff_client, XLSX, data))
    assert "Row 1 has 16,384 cells; at most 5 columns" in message


def test_values_beyond_the_header_are_refused(staff_client):
    data = csv_text(["slug", "name_en", "kind"], ["a", "A", "police", "stray"])
    [message] = file_errors(upload(staff_client, CSV, data))
    assert "Row 1 has more values than the header has columns" in message


def test_json_rows_are_read_by_key_and_must_all_have_the_same_keys(staff_client):
    # tablib would read the second object by position: slug "B", name "b".
    reordered = json.dumps(
        [
            {"slug": "a", "name_en": "A", "kind": "police"},
            {"name_en": "B", "kind": "police", "slug": "b"},
        ]
    )
    imported = admin_import(staff_client, models.Organisation, reordered, file_format="2")
    assert imported.context["job"].state == "done"
    organisations = models.Organisation.objects.order_by("slug")
    assert [(o.slug, o.name_en) for o in organisations] == [("a", "A"), ("b", "B")]
    missing = json.dumps([{"slug": "a", "name_en": "A", "kind": "police"}, {"slug": "b"}])
    [message] = file_errors(upload(staff_client, JSON, missing))
    assert "Row 2 does not have the same keys as row 1 (kind, name_en)" in message


def test_json_that_is_not_a_list_of_objects_is_refused(staff_client):
    [message] = file_errors(upload(staff_client, JSON, '{"slug": "a"}'))
    assert "list of objects" in message


# Control characters ------------------------------------------------------------------

ORGANISATION = ["slug", "name_en", "kind", "parent", "aliases", "description_en"]


def test_nul_and_control_characters_are_refused_on_their_row_and_column(staff_client):
    f.OrganisationFactory(slug="dgsn")
    data = csv_text(
        ORGANISATION,
        ["nul-in-name", "Police\x00 nationale", "police", "", "", ""],
        ["nul-in-a-slug", "A parent with a NUL", "police", "dg\x00sn", "", ""],
        ["bell", "Bell\x07", "police", "", "", ""],
        ["c1", "Next line\x85", "police", "", "", ""],
        ["nul-in-aliases", "Aliases", "police", "", '"[""DG\\u0000SN""]"', ""],
    )
    errors = cell_errors(upload(staff_client, CSV, data))
    assert set(errors) == {
        (1, "name_en"),
        (2, "parent"),
        (3, "name_en"),
        (4, "name_en"),
        (5, "aliases"),
    }
    assert "U+0000" in errors[(1, "name_en")][0] and "Character 7" in errors[(1, "name_en")][0]
    assert "U+0000" in errors[(2, "parent")][0]
    assert "U+0007" in errors[(3, "name_en")][0]
    assert "U+0085" in errors[(4, "name_en")][0]
    assert "DG\\u0000SN" in errors[(5, "aliases")][0]
    assert models.Organisation.objects.count() == 1


def test_long_text_keeps_tabs_and_line_breaks_and_short_text_does_not(staff_client):
    # JSON keeps every character as written (the admin reads a CSV upload back
    # in text mode, which turns each carriage return into a line feed).
    layout = {"slug": "layout", "name_en": "Layout", "description_en": "Two\tcols\nand\r\nlines"}
    rows = [
        layout,
        {"slug": "tab-in-a-name", "name_en": "Tab\tin a name", "description_en": ""},
        {"slug": "line-in-a-name", "name_en": "Line\nin a name", "description_en": ""},
        {"slug": "lone-cr", "name_en": "Lone CR", "description_en": "Old\rMac"},
    ]
    rows = [{**row, "kind": "police"} for row in rows]
    errors = cell_errors(upload(staff_client, JSON, json.dumps(rows)))
    assert set(errors) == {(2, "name_en"), (3, "name_en"), (4, "description_en")}
    assert "Character 4 is a tab" in errors[(2, "name_en")][0]
    assert "is a line break" in errors[(3, "name_en")][0]
    assert "carriage return without a line feed" in errors[(4, "description_en")][0]
    imported = admin_import(staff_client, models.Organisation, json.dumps(rows[:1]), "2")
    assert imported.context["job"].state == "done"
    organisation = models.Organisation.objects.get()
    assert organisation.description_en == "Two\tcols\nand\r\nlines"


@pytest.mark.parametrize("file_format", [XLSX, JSON], ids=lambda f: f.__name__)
def test_control_characters_are_refused_from_every_format(staff_client, file_format):
    data = {
        # XML allows DEL as a character reference (NUL it does not allow at all).
        XLSX: handwritten_xlsx(
            "<sheetData>"
            f'<row r="1">{inline("A1", "slug")}{inline("B1", "name_en")}{inline("C1", "kind")}'
            "</row>"
            f'<row r="2">{inline("A2", "a")}{inline("B2", "A&#x7f;")}{inline("C2", "police")}'
            "</row></sheetData>"
        ),
        JSON: json.dumps([{"slug": "a", "name_en": "A\u007f", "kind": "police"}]),
    }[file_format]
    errors = cell_errors(upload(staff_client, file_format, data))
    assert list(errors) == [(1, "name_en")]
    assert "Character 2 is the control character U+007F" in errors[(1, "name_en")][0]
    assert nothing_written()


def test_a_file_with_a_refused_character_writes_nothing_when_confirmed(django_user_model):
    """The write path, not only the preview: nothing reaches the database."""
    user = django_user_model.objects.create_superuser("boss", "b@example.org", "pw")
    data = CSV(encoding="utf-8").create_dataset(
        csv_text(
            ["slug", "name_en", "kind"], ["fine", "Fine", "police"], ["bad", "B\x00", "police"]
        )
    )
    result = RESOURCES[models.Organisation]().import_data(data, dry_run=False, user=user)
    assert result.has_validation_errors()
    assert nothing_written()


# Columns named twice -----------------------------------------------------------------


ORGANISATION_TWICE = ["slug", "name_en", "kind", " name_en"]


@pytest.mark.parametrize("file_format", [CSV, XLSX], ids=lambda f: f.__name__)
def test_a_header_naming_a_column_twice_is_refused(staff_client, file_format):
    headers = ORGANISATION_TWICE
    row = ["dgsn", "First", "police", "Second"]
    data = csv_text(headers, row) if file_format is CSV else workbook(headers, row)
    [message] = file_errors(upload(staff_client, file_format, data))
    assert "“name_en” is named more than once" in message
    assert nothing_written()


def test_a_json_object_giving_a_key_twice_is_refused(staff_client):
    data = (
        '[{"slug": "a", "name_en": "A", "kind": "police"},'
        ' {"slug": "b", "name_en": "First", "kind": "police", "name_en": "Second"}]'
    )
    [message] = file_errors(upload(staff_client, JSON, data))
    assert "Row 2 gives “name_en” more than once" in message
    assert nothing_written()


def test_a_dataset_naming_a_column_twice_is_refused_by_the_import_too(django_user_model):
    """Not read through the formats (a script's own dataset): the same rule, as a file error."""
    user = django_user_model.objects.create_superuser("boss", "b@example.org", "pw")
    data = tablib.Dataset(["dgsn", "First", "police", "Second"], headers=ORGANISATION_TWICE)
    result = RESOURCES[models.Organisation]().import_data(data, dry_run=False, user=user)
    [error] = result.base_errors
    assert "“name_en” is named more than once" in str(error.error)
    assert nothing_written()
