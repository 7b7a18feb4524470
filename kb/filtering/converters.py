"""The ORM's converters, faster where it is safe: what compiled plans (compiled.py)
convert their rows' columns with. tests/filtering/test_converters.py holds each to Django's own
answer on edge cases.
"""

import datetime
import functools
import re

import orjson
from django.conf import settings
from django.db.models import JSONField

# Named, not imported: importing a backend's module before the backend loads is circular.
SQLITE_OPERATIONS = "django.db.backends.sqlite3.operations"
# A run of digits orjson might read otherwise than json does (an integer past 64 bits).
LONG_DIGITS = re.compile(r"[0-9]{19}")


def faster(convert):
    """A converter giving what `convert` gives, in less time, or `convert` itself.

    Converting a page's rows cost half its fetch (0.16 of 0.33 ms for 50
    organisations on SQLite), in two converters: JSON (the aliases) and
    SQLite's date-times (updated_at). These read the common case as Django's
    do (0.12 ms) and hand anything else to them.
    """
    method, owner = getattr(convert, "__func__", None), getattr(convert, "__self__", None)
    if method is JSONField.from_db_value and owner.decoder is None:
        return functools.partial(_json, convert)
    if getattr(method, "__module__", None) == SQLITE_OPERATIONS and (
        method.__name__ == "convert_datetimefield_value"
    ):
        # USE_TZ read now, not per value (reading a setting costs a lazy lookup each
        # time); a changed setting clears the plans, and their converters with them.
        return functools.partial(_sqlite_datetime, convert, settings.USE_TZ)
    return convert


def unconverted(convs, connection):
    """Whether a column the ORM converts with `convs` may be read without them, by a
    caller that knows the value as SQLite's driver gives it: a date, or a naive
    date-time in UTC (Projection.unconverted; the driver parses each column Django
    declares as one, and the ORM's converter then only makes the date-time aware).
    Each converter call costs more than the parse (0.5 against 0.2 µs)."""
    if connection.vendor != "sqlite" or len(convs) != 1:
        return False
    method = getattr(convs[0], "__func__", None)
    if getattr(method, "__module__", None) != SQLITE_OPERATIONS:
        return False
    if method.__name__ == "convert_datefield_value":
        return True
    # Naive means the connection's zone: UTC here, or the reader would need telling.
    return (
        method.__name__ == "convert_datetimefield_value"
        and settings.USE_TZ
        and connection.timezone_name == "UTC"
    )


def _json(convert, value, expression, connection):
    # orjson reads valid JSON as json.loads does, but for integers past 64 bits (as
    # floats); what it refuses (NaN, a lone surrogate) json.loads may read: all go to
    # Django's converter.
    if isinstance(value, str) and not LONG_DIGITS.search(value):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            pass
    return convert(value, expression, connection)


def _sqlite_datetime(convert, use_tz, value, expression, connection):
    # Django's reads the text with fromisoformat() (parse_datetime's first try), then
    # makes it aware in the connection's zone when USE_TZ. A column the driver knows
    # as a date-time comes parsed already: Django's then only makes it aware.
    if isinstance(value, datetime.datetime):
        if use_tz and value.tzinfo is None:
            return value.replace(tzinfo=connection.timezone)
        if not use_tz or value.utcoffset() is not None:
            return value
        return convert(value, expression, connection)
    if isinstance(value, str) and use_tz:
        try:
            parsed = datetime.datetime.fromisoformat(value)
        except ValueError:
            return convert(value, expression, connection)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=connection.timezone)
        return parsed
    return convert(value, expression, connection)
