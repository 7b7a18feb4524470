"""An index of the events' participations that holds every column the map's counts read
(event, role, organisation, post, person), so a scope's participations are read from
the index alone, in the event order the scope gives, without a row look-up each.

At scale 100 a three-year scope has 120,000 participations, scattered across the
table: reading their rows cost SQLite about twice the whole GROUP BY. PostgreSQL
can answer the same reads with index-only scans. The database builds it over
existing rows in one statement; nothing to backfill.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("kb", "0006_event_span_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="participation",
            index=models.Index(
                fields=["event", "role", "organisation", "post", "person"],
                name="participation_event_cover",
            ),
        ),
    ]
