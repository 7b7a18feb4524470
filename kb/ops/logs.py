"""Log lines as JSON, one object a line, on stderr (LOGGING in config/settings.py).

Every line has the same keys, so a log shipper needs no parsing rules:
time, level, logger, request_id, method, path, status, duration_ms and
message, each null where it does not apply; a line logged with an exception
(every 5xx: Django's `django.request` logger passes it) adds `exc_info`, the
formatted traceback.
"""

import json
import logging
import sys
from datetime import UTC, datetime

from . import context


class JsonFormatter(logging.Formatter):
    def format(self, record):
        request = context.current()
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request.request_id if request else None,
            "method": request.method if request else None,
            "path": request.path if request else None,
            # The access line passes `status`; Django's request loggers pass `status_code`.
            "status": getattr(record, "status", getattr(record, "status_code", None)),
            "duration_ms": getattr(record, "duration_ms", None),
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        # Newlines inside values (a traceback) are escaped: one event, one line.
        return json.dumps(entry, ensure_ascii=False, default=str)


class StderrHandler(logging.StreamHandler):
    """A StreamHandler on whatever sys.stderr is when a line is written.

    logging.StreamHandler binds the stream it was given at configuration
    time; this one follows sys.stderr, so a process that redirects it (a test
    capturing it, a server that reopens it) still gets every line.
    """

    def __init__(self, level=logging.NOTSET):
        logging.Handler.__init__(self, level)

    @property
    def stream(self):
        return sys.stderr
