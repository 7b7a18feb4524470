"""Compiled lists and SQLite's dates: a projection reads the columns it formats itself as
the driver gives them (Projection.unconverted), and they read as the ORM reads them."""

import pytest

from kb import models
from kb.filtering import compiled
from tests import factories
from tests.api.test_compiled import both_ways
from tests.support import _unthrottled  # noqa: F401

pytestmark = pytest.mark.django_db


def _unconverted(plan):
    """The names of a plan's columns read without a converter."""
    converted = {pos for pos, _convs, _expression in plan.converters}
    return {name for pos, name in enumerate(plan.names) if pos not in converted}


def test_dates_and_times_reach_a_projection_unconverted_but_cursor_keys(client):
    # On SQLite a compiled list hands these columns to the projection as the driver
    # reads them (Projection.unconverted): a naive UTC date-time, which the ORM's
    # converter would only have made aware before the projection formatted it. The
    # order's keys stay converted: a cursor holds them.
    from django.db import connection

    factories.EventFactory()
    compiled.SHAPES.clear()
    client.get("/api/v1/events/?page_size=1")
    client.get("/api/v1/events/?ordering=-updated_at&page_size=1")
    # Each shape's plan as compiled (not a variant sorted_by_key() may add).
    pages = {k: p for k, p in compiled.SHAPES.plans.items() if k[-1] == "page"}
    (default,) = [p for k, p in pages.items() if "ordering" not in str(k)]
    (by_update,) = [p for k, p in pages.items() if "ordering" in str(k)]
    rows = default.rows(connection, {}, 1)
    if connection.vendor == "sqlite":
        # start_date leads the events' order: converted, as a cursor key.
        assert {"end_date", "updated_at"} <= _unconverted(default)
        assert "start_date" not in _unconverted(default)
        assert "updated_at" not in _unconverted(by_update)
        assert "end_date" in _unconverted(by_update)
        assert rows[0]["updated_at"].tzinfo is None
    else:
        # PostgreSQL's driver gives aware date-times: no converter to skip.
        assert rows[0]["updated_at"].tzinfo is not None
    assert by_update.rows(connection, {}, 1)[0]["updated_at"].tzinfo is not None


# Date-times as Django writes them, and as SQL written by hand might: each must read as
# the ORM reads it (the driver parses them all, a zone included).
STORED_TIMES = [
    "2025-11-24 08:00:00",
    "2025-11-24 08:00:00.000001",
    "2025-11-24 23:59:59.999999",
    "2025-11-24T08:00:00",
    "2025-11-24 08:00:00+02:00",
    "2025-11-24 08:00:00.5",
    "2025-11-24 08:00",
]
STORED_DATES = ["2025-11-24", "2025-1-5", "2025-11-24 00:00:00", "0001-01-01"]


@pytest.mark.parametrize("stored", STORED_TIMES)
def test_a_stored_date_time_in_any_form_reads_as_the_orm_reads_it(client, monkeypatch, stored):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps date-times as timestamps, not text")
    event = factories.EventFactory()
    organisation = factories.OrganisationFactory()
    with connection.cursor() as cursor:
        for table, pk in (("kb_event", event.pk), ("kb_organisation", organisation.pk)):
            cursor.execute(f"UPDATE {table} SET updated_at = %s WHERE id = %s", [stored, pk])
    # The built list reads the column through the ORM's converters.
    for url in ("/api/v1/events/", "/api/v1/organisations/?ordering=name"):
        fast, used = both_ways(client, monkeypatch, url)
        assert used and fast.status_code == 200


@pytest.mark.parametrize("stored", STORED_DATES)
def test_a_stored_date_in_any_form_reads_as_the_orm_reads_it(client, monkeypatch, stored):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps dates as dates, not text")
    event = factories.EventFactory()
    with connection.cursor() as cursor:
        # The start first, so that the end is not before it (event_dates_in_order).
        cursor.execute(
            "UPDATE kb_event SET start_date = %s, end_date = %s WHERE id = %s",
            ["0001-01-01", stored, event.pk],
        )
    fast, used = both_ways(client, monkeypatch, "/api/v1/events/")
    assert used and fast.status_code == 200
    orm = models.Event.objects.get(pk=event.pk).end_date
    assert fast.json()["results"][0]["end_date"] == (orm and orm.isoformat())
