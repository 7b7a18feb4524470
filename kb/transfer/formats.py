"""The file formats editors may import and export: CSV, XLSX and JSON, no others.

XLSX is a zip of XML. openpyxl parses the XML through defusedxml when that
is installed (a dependency of this project), which stops entity-expansion
"XML bombs"; the archive itself is checked here before any parsing, so a
small upload cannot unpack into gigabytes (a zip bomb).
"""

import io
import zipfile

import openpyxl
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from import_export.formats import base_formats


class UnsafeFile(ValueError):
    """A file refused before it is parsed; its message is shown to the editor."""


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
        return super().create_dataset(in_stream)


FORMATS = [base_formats.CSV, XLSX, base_formats.JSON]
