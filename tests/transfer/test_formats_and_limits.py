"""Import formats and size limits: CSV, XLSX and JSON only, defused XML, bounded uploads."""

import io
import zipfile

import openpyxl
import pytest

from kb import models
from kb.transfer.formats import XLSX
from tests.support import _url, admin_import, report_errors

pytestmark = pytest.mark.django_db


def test_xlsx_is_parsed_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


def test_an_xlsx_zip_bomb_is_refused_unread(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (5 * 1024 * 1024))
    with pytest.raises(ValueError, match="unpacks to"):
        XLSX().create_dataset(buffer.getvalue())


def test_the_admin_offers_csv_xlsx_and_json_only(staff_client):
    response = staff_client.get(_url(models.Organisation, "import"))
    choices = [label for _value, label in response.context["form"].fields["format"].choices]
    assert choices == ["---", "csv", "xlsx", "json"]


def test_uploads_over_the_limit_are_refused(staff_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    upload = io.BytesIO(b"slug,name_en,kind\n" + b"x" * 200)
    upload.name = "big.csv"
    response = staff_client.post(
        _url(models.Organisation, "import"), {"format": "0", "import_file": upload}
    )
    assert "files of up to 100" in response.text
    assert not models.Organisation.objects.exists()


def test_the_admin_lists_each_error_by_row_and_column_without_traceback(staff_client):
    data = b"slug,name_en,kind,country\nok,Fine,police,FR\nbad,Bad country,police,XX\n"
    response = admin_import(staff_client, models.Organisation, data, name="bad.csv")
    assert response.status_code == 200
    assert "nothing was imported" in response.text
    assert "Traceback" not in response.text
    assert list(report_errors(response)) == [(2, "country")]
    assert not response.context["can_import"]
    assert response.context["job"].state == "failed"
    assert not models.Organisation.objects.exists()
