"""What a worker runs: claim a job once, run its import or export, write its report.

Each job is claimed with one conditional UPDATE (queued -> running), so that
two workers handed the same job (a queue redelivering it, a retry) never
both run it. An import's write is one transaction (kb/transfer/write.py): a
job cancelled, failed or killed half-way has written nothing.
"""

import json
import logging

import tablib
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import registry
from ..lib.batching import batched
from ..models import Job
from ..transfer.formats import FORMATS, UnsafeFile
from ..transfer.resources import RESOURCES
from .progress import JobCancelled, Progress
from .workers import current_worker_id

logger = logging.getLogger(__name__)

# The errors a report keeps: enough to fix a file, not a copy of a bad one.
MAX_ERRORS = 1000
# The rows a check's preview keeps: enough to see what a file does, not a copy of it.
PREVIEW_ROWS = 100
# Rows an export reads and writes at a time.
EXPORT_BATCH = 5000
# The import page's encoding for text files: a BOM from a spreadsheet is dropped.
TEXT_ENCODING = "utf-8-sig"
# The export's, as the admin's export has always written text files.
EXPORT_ENCODING = "utf-8"


def file_format(name):
    """The format class named `name` (csv, xlsx, json)."""
    for format_class in FORMATS:
        if format_class().get_title().lower() == name:
            return format_class
    raise ValueError(name)


def model_of(job):
    return registry.named(job.resource).model


def claim(job_id):
    """The job, now this worker's, or None if another worker has it or it is over."""
    claimed = 0
    queued = Job.objects.filter(pk=job_id, state=Job.State.QUEUED)
    for kind, state in (
        (Job.Kind.IMPORT, Job.State.VALIDATING),
        (Job.Kind.EXPORT, Job.State.EXPORTING),
    ):
        claimed += queued.filter(kind=kind).update(
            state=state, worker_id=current_worker_id(), started_at=timezone.now()
        )
    if not claimed:
        return None
    return Job.objects.get(pk=job_id)


def finish(job, state, report=None, **fields):
    Job.objects.filter(pk=job.pk).update(
        state=state,
        report=report if report is not None else job.report,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
        **fields,
    )


def run(job_id):
    job = claim(job_id)
    if job is None:
        logger.info("job %s: already taken or over", job_id)
        return
    try:
        if job.cancel_requested:
            raise JobCancelled
        if job.kind == Job.Kind.IMPORT:
            state, report = run_import(job)
        else:
            state, report = run_export(job)
    except JobCancelled:
        finish(job, Job.State.CANCELLED, {**job.report, "cancelled": True})
    except Exception:
        logger.exception("job %s failed", job.pk)
        finish(job, Job.State.FAILED, {**job.report, "failed": True})
        raise
    else:
        finish(job, state, report)


# --- Imports ---------------------------------------------------------------------


def read_dataset(job):
    """The uploaded file as a dataset, or the message that refuses it whole."""
    format_class = file_format(job.file_format)
    input_format = format_class()
    if not input_format.is_binary():
        input_format.encoding = TEXT_ENCODING
    try:
        dataset = input_format.create_dataset(bytes(job.payload))
    except UnsafeFile as e:
        return None, str(e)
    except Exception as e:
        # As the import page has always put it: the file is not in that format.
        return None, _(
            "%(exc_name)s encountered while trying to read file. "
            "Ensure you have chosen the correct format for the file."
        ) % {"exc_name": type(e).__name__}
    if not dataset:
        return None, _(
            "No valid data to import. Ensure your file has the correct headers or data for import."
        )
    return dataset, None


def run_import(job):
    user = get_user_model()._default_manager.get(pk=job.user_id)
    dataset, refused = read_dataset(job)
    if refused:
        return Job.State.FAILED, {"file_error": refused}
    resource = RESOURCES[model_of(job)](progress=Progress(job))
    result = resource.import_data(
        dataset,
        dry_run=job.dry_run,
        raise_errors=False,
        use_transactions=True,
        file_name=job.file_name,
        user=user,
    )
    report = import_report(result)
    if job.dry_run and not report["errors"]:
        report["preview"] = import_preview(result)
    if report["errors"] or result.has_errors() or result.has_validation_errors():
        return Job.State.FAILED, report
    return Job.State.DONE, report


def import_report(result):
    """The result as the import page shows it: totals, and errors by row and column."""
    errors = [{"row": None, "column": None, "message": str(e.error)} for e in result.base_errors]
    for line, row_errors in result.row_errors():
        errors.extend({"row": line, "column": None, "message": str(e.error)} for e in row_errors)
    for row in result.invalid_rows:
        for column, messages in row.error_dict.items():
            for message in messages:
                errors.append(
                    {
                        "row": row.number,
                        "column": None if column == "__all__" else column,
                        "message": str(message),
                    }
                )
    totals = result.totals
    return {
        "rows": result.total_rows,
        "new": totals.get("new", 0),
        "updated": totals.get("update", 0),
        "unchanged": totals.get("skip", 0),
        "errors": errors[:MAX_ERRORS],
        "errors_total": len(errors),
        "write_lost": bool(getattr(result, "write_lost", False)),
    }


def import_preview(result):
    """A check's first new and updated rows, each cell as the import would write it
    (HTML: what changed marked up by the library's diff, its text escaped)."""
    changed = [row for row in result.valid_rows() if row.import_type in ("new", "update")]
    return {
        "headers": [str(header) for header in result.diff_headers],
        "rows": [
            {"number": row.number, "type": row.import_type, "cells": [str(c) for c in row.diff]}
            for row in changed[:PREVIEW_ROWS]
        ],
        "more": max(0, len(changed) - PREVIEW_ROWS),
    }


# --- Exports ---------------------------------------------------------------------


def run_export(job):
    """Every row named by the job's keys, in their order (the changelist's), into one file."""
    model = model_of(job)
    keys = json.loads(bytes(job.payload) or b"[]")
    resource = RESOURCES[model]()
    Job.objects.filter(pk=job.pk).update(total=len(keys))
    dataset = tablib.Dataset(headers=resource.get_export_headers())
    progress = Progress(job)
    done = 0
    for chunk in batched(keys, EXPORT_BATCH):
        position = {pk: i for i, pk in enumerate(chunk)}
        rows = resource.for_export(model._default_manager.filter(pk__in=chunk))
        for obj in sorted(rows, key=lambda obj: position[obj.pk]):
            dataset.append(resource.export_resource(obj))
        done += len(chunk)
        progress.update(validated=done)
    output = file_format(job.file_format)()
    data = output.export_data(dataset)
    if isinstance(data, str):
        data = data.encode(EXPORT_ENCODING)
    Job.objects.filter(pk=job.pk).update(result=data, result_type=output.get_content_type())
    return Job.State.DONE, {"rows": done}
