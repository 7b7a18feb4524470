"""The events' spans in days, indexed, so the longest is read at once; on PostgreSQL, the
function that reads it (kb/db/dates.py, LongestSpan).

Date filters bound an event's start from below with it (Event.earliest_start),
so the date index is read from there rather than from the first event. The
database builds the index over existing rows in one statement and keeps it
in step on every write, bulk and raw SQL included: nothing to backfill and
nothing else to keep in step.
"""

import kb.db.dates
from django.db import migrations, models


def install(apps, schema_editor):
    from kb.db import dates

    if schema_editor.connection.vendor == "postgresql":
        event = apps.get_model("kb", "Event")._meta
        with schema_editor.connection.cursor() as cursor:
            dates.pg_install(
                cursor,
                event.db_table,
                event.get_field("start_date").column,
                event.get_field("end_date").column,
            )


def uninstall(apps, schema_editor):
    from kb.db import dates

    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            dates.pg_uninstall(cursor, apps.get_model("kb", "Event")._meta.db_table)


class Migration(migrations.Migration):

    dependencies = [
        ('kb', '0005_jobs'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='event',
            index=models.Index(kb.db.dates.SpanDays('start_date', 'end_date'), name='kb_event_span'),
        ),
        migrations.RunPython(install, uninstall),
    ]
