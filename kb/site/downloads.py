"""The downloads page, and the bulk files it offers, served from the downloads storage.

The files are built by a worker (kb/jobs/downloads.py) and never here; a
request reads the manifest (kb/models/downloads.py) and the file's bytes.
A file is answered with:
- ETag: its sha256 (strong), and Last-Modified: when its data were read; a
  matching If-None-Match or If-Modified-Since answers 304, If-Match 412;
- Range: one range of bytes (`bytes=0-99`, `bytes=100-`, `bytes=-100`)
  answers 206 with Content-Range; a range past the end, or one that is not
  a range, answers 416; If-Range that no longer matches gets the whole
  file (200), as it changed since. Several ranges at once get the whole
  file too: the standard lets a server ignore a Range it will not serve;
- Content-Disposition: attachment, with the public name.

The manifest lives in the jobs database. When it cannot be read (never
migrated, or its server down) the page and the files answer 503 with
Retry-After, and the log names the cause, rather than a server error.
"""

import logging
import re

from django.conf import settings
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from ..exports import jsonld
from ..exports.bulk import catalogue, publish
from ..lib import dataset
from ..models import DownloadFile, DownloadsSchedule
from .views import site_address

BLOCK = 1 << 16
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
RETRY_AFTER = 300  # seconds: about what an operator needs to migrate or restart
log = logging.getLogger(__name__)


def unavailable(request, error):
    """503: the manifest cannot be read; the log says why and what fixes a missing table."""
    log.error(
        "The downloads' manifest cannot be read from the jobs database (%s): if it was "
        "never migrated, run `manage.py migrate --database jobs` (`make migrate` does).",
        error,
    )
    response = render(request, "kb/downloads_unavailable.html", status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def manifest():
    """The built files the catalogue offers, in its order, each with its catalogue entry."""
    built = {row.name: row for row in DownloadFile.objects.all()}
    return [(entry, built[entry.name]) for entry in catalogue.FILES if entry.name in built]


# Never stored by the response cache (kb/ops/responses.py): it keys pages by the
# data version, which a rebuild leaves as it is, so the page would go on showing
# the files before it.
@never_cache
@require_safe
def downloads_page(request):
    try:
        files = manifest()
        schedule = DownloadsSchedule.objects.filter(pk=1).first()
    except DatabaseError as error:
        return unavailable(request, error)
    base = site_address(request)
    described = [
        {
            "entry": entry,
            "row": row,
            "url": reverse("download", args=[entry.name]),
            "absolute_url": base + reverse("download", args=[entry.name]),
        }
        for entry, row in files
    ]
    built_at = max((row.built_at for _entry, row in files), default=None)
    home = base + reverse("kb:home")
    context = {
        "files": described,
        "built_at": built_at,
        "updating": schedule is not None and schedule.queued_for is not None,
        "licence": dataset,
        "citation": dataset.citation(home, built_at.date().isoformat()) if built_at else None,
        "linked_data": jsonld.dataset(
            [
                {
                    "name": item["entry"].name,
                    "url": item["absolute_url"],
                    "encoding_format": item["row"].media_type,
                    "content_size": item["row"].size,
                    "sha256": item["row"].sha256,
                    "date_modified": item["row"].built_at.isoformat(),
                }
                for item in described
            ],
            base,
        ),
        "rebuild_minutes": max(1, settings.DOWNLOADS_REBUILD_SECONDS // 60),
    }
    return render(request, "kb/downloads.html", context)


def _byte_range(header, size):
    """(start, end inclusive) of a single `bytes=` range; None for none or several; False if bad."""
    if not header:
        return None
    header = header.strip()
    if not header.lower().startswith("bytes="):
        return None  # a unit this server does not know: ignored
    if "," in header:
        return None  # several ranges: the whole file
    found = RANGE.match(header.replace(" ", "").lower())
    if not found:
        return False
    first, last = found.groups()
    if not first and not last:
        return False
    if not first:  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return False
        return max(0, size - length), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if end < start or start >= size:
        return False
    return start, min(end, size - 1)


def _if_range_holds(request, etag, last_modified):
    """Whether a Range may be served: no If-Range, or one that still names this copy."""
    condition = request.headers.get("If-Range")
    if not condition:
        return True
    condition = condition.strip()
    if condition.startswith(('"', "W/")):
        return condition == etag  # a strong comparison: a weak tag never matches
    since = parse_http_date_safe(condition)
    return since is not None and since == last_modified


def _part(handle, start, length):
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            block = handle.read(min(BLOCK, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block
    finally:
        handle.close()


@require_safe
def download(request, name):
    if catalogue.named(name) is None:
        raise Http404(name)
    try:
        row = DownloadFile.objects.filter(name=name).first()
    except DatabaseError as error:
        return unavailable(request, error)
    if row is None:
        raise Http404(name)
    etag = quote_etag(row.sha256)
    last_modified = int(row.built_at.timestamp())
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Accept-Ranges": "bytes",
        # A copy of a name changes with each build: shared caches revalidate.
        "Cache-Control": "public, no-cache",
    }
    conditional = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if conditional is not None:
        for header, value in headers.items():
            conditional[header] = value
        return conditional
    wanted = _byte_range(request.headers.get("Range"), row.size)
    if wanted is not None and not _if_range_holds(request, etag, last_modified):
        wanted = None
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{row.size}"
        for header, value in headers.items():
            response[header] = value
        return response
    try:
        handle = publish.storage().open(row.stored_name, "rb")
    except FileNotFoundError:  # its copy was removed by hand: as if never built
        raise Http404(name) from None
    if wanted is None:
        response = FileResponse(
            handle, as_attachment=True, filename=name, content_type=row.media_type
        )
        response["Content-Length"] = str(row.size)
    else:
        start, end = wanted
        length = end - start + 1
        response = StreamingHttpResponse(
            _part(handle, start, length), status=206, content_type=row.media_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{row.size}"
        response["Content-Length"] = str(length)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    for header, value in headers.items():
        response[header] = value
    return response
