"""The ORM's converters, faster where it is safe (kb/filtering/converters.py): each gives
what Django's own gives, on edge cases, for compiled lists (kb/filtering/compiled.py)."""

import datetime

import pytest

from kb import models
from kb.filtering import converters

pytestmark = pytest.mark.django_db


def _converters(field_name):
    """The ORM's converters of an organisation column, and faster() of each."""
    from django.db import connection

    queryset = models.Organisation.objects.values(field_name)
    compiler = queryset.query.get_compiler(connection=connection)
    compiler.setup_query()
    (convs, expression) = compiler.get_converters([compiler.select[0][0]])[0]
    return [(convert, converters.faster(convert), expression) for convert in convs], connection


@pytest.mark.parametrize(
    "text",
    [
        '["a", "b"]',
        "[]",
        '{"a": 1, "a": 2}',
        "[123456789012345678901234567890]",  # past 64 bits: orjson would give a float
        "[1e400]",
        "[NaN]",
        '["\\ud800"]',  # a lone surrogate: json.loads reads it, orjson refuses
        '["é", "\\u00e9", "\\u2028"]',
        "not json",
        None,
    ],
)
def test_faster_json_gives_what_djangos_gives(text):
    pairs, connection = _converters("aliases")
    for convert, fast, expression in pairs:
        expected = convert(text, expression, connection)
        got = fast(text, expression, connection)
        assert got == expected and type(got) is type(expected)
        assert repr(got) == repr(expected)


@pytest.mark.parametrize(
    "text",
    [
        "2025-11-24 08:00:00",
        "2025-11-24 08:00:00.123456",
        "2025-11-24T08:00:00+02:00",
        "2025-11-24",
        "not a date",
        None,
        # As the driver gives a column it parses (declared datetime): naive or aware.
        datetime.datetime(2025, 11, 24, 8, 0, 0, 123456),
        datetime.datetime(2025, 11, 24, 8, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
    ],
)
def test_faster_sqlite_datetimes_give_what_djangos_give(text):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL returns date-times, which no converter parses")
    pairs, connection = _converters("updated_at")
    assert any(fast is not convert for convert, fast, _e in pairs)
    for convert, fast, expression in pairs:
        try:
            expected = convert(text, expression, connection)
        except (ValueError, TypeError, AttributeError) as exc:  # as Django fails, it fails
            with pytest.raises(type(exc)):
                fast(text, expression, connection)
            continue
        got = fast(text, expression, connection)
        assert got == expected and repr(got) == repr(expected)
