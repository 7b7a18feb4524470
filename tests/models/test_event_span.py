"""Event.earliest_start: the lower bound a date filter adds is implied, whatever wrote the dates.

The bound is a day less the longest span of any event, read from the
kb_event_span index at query time. The database keeps that index in step,
so every write path counts: save(), update(), bulk writes, raw SQL,
loaddata's raw saves, an import, a revert. Each test makes an event far
longer than the others through one path and checks that it, and every
event that ends on or after the day, is still selected with the bound.
"""

import datetime
import json

import pytest
import reversion
import tablib
from django.core import serializers
from django.db import connection
from import_export.formats.base_formats import CSV
from reversion.models import Version

from kb.models import Event, Status
from kb.transfer.resources import RESOURCES
from tests import factories

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = D(2010, 1, 1)
LONG = (D(2007, 3, 1), D(2010, 2, 1))  # began long before DAY, ends after it


def ending_from(day, bounded):
    rows = Event.objects.filter(end_date__gte=day)
    if bounded:
        rows = rows.filter(start_date__gte=Event.earliest_start(day))
    return set(rows.values_list("slug", flat=True))


def assert_bound_holds(long_slug):
    for day in (DAY, D(2009, 12, 30), D(2010, 2, 1), D(2007, 3, 1)):
        assert ending_from(day, bounded=True) == ending_from(day, bounded=False), day
    assert long_slug in ending_from(DAY, bounded=True)


@pytest.fixture
def others():
    """Short events around DAY, undated and draft ones among them."""
    for start, days in [(D(2009, 12, 30), 3), (D(2010, 1, 5), 0), (D(2009, 11, 1), 1)]:
        factories.EventFactory(start_date=start, end_date=start + datetime.timedelta(days))
    factories.EventFactory(start_date=None, end_date=None)
    factories.EventFactory(status=Status.DRAFT, start_date=D(2009, 12, 31), end_date=DAY)


def test_the_bound_is_that_day_less_the_longest_span(others):
    bound = (
        Event.objects.annotate(bound=Event.earliest_start(DAY))
        .values_list("bound", flat=True)
        .first()
    )
    assert str(bound) == "2009-12-29"  # the longest span is three days


def test_with_no_event_nothing_is_bounded_away():
    assert ending_from(DAY, bounded=True) == set()
    factories.EventFactory(start_date=None, end_date=None)
    assert ending_from(DAY, bounded=True) == set()


def test_save(others):
    event = factories.EventFactory(slug="long", start_date=LONG[0], end_date=LONG[1])
    assert_bound_holds("long")
    event.start_date = D(2001, 1, 1)
    event.save()
    assert_bound_holds("long")


def test_update(others):
    factories.EventFactory(slug="long", start_date=DAY, end_date=DAY)
    Event.objects.filter(slug="long").update(start_date=LONG[0], end_date=LONG[1])
    assert_bound_holds("long")


def test_bulk_create_and_bulk_update(others):
    (event,) = Event.objects.bulk_create(
        [Event(slug="long", name_en="Long", kind="conference", start_date=DAY, end_date=DAY)]
    )
    event.start_date, event.end_date = LONG
    Event.objects.bulk_update([event], ["start_date", "end_date"])
    assert_bound_holds("long")


def test_raw_sql(others):
    factories.EventFactory(slug="long", start_date=DAY, end_date=DAY)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Event._meta.db_table} SET start_date = %s, end_date = %s WHERE slug = %s",
            [*LONG, "long"],
        )
    assert_bound_holds("long")


def test_loaddata_raw_saves(others):
    event = factories.EventFactory(slug="long", start_date=DAY, end_date=DAY)
    data = json.loads(serializers.serialize("json", [event]))
    data[0]["fields"].update(start_date=LONG[0].isoformat(), end_date=LONG[1].isoformat())
    for obj in serializers.deserialize("json", json.dumps(data)):
        obj.save()  # save_base(raw=True), as loaddata does: no save() of ours runs
    assert_bound_holds("long")


def test_an_import(others):
    data = tablib.Dataset(headers=["slug", "name_en", "kind", "start_date", "end_date"])
    data.append(["long", "Long", "conference", LONG[0].isoformat(), LONG[1].isoformat()])
    dataset = CSV(encoding="utf-8").create_dataset(CSV().export_data(data))
    result = RESOURCES[Event]().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert_bound_holds("long")


def test_a_revert(others):
    with reversion.create_revision():
        event = factories.EventFactory(slug="long", start_date=LONG[0], end_date=LONG[1])
    event.start_date = event.end_date = DAY
    event.save()
    Version.objects.get_for_object(event).first().revision.revert()
    event.refresh_from_db()
    assert (event.start_date, event.end_date) == LONG
    assert_bound_holds("long")
