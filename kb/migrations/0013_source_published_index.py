"""The sources list's `year` filter and facet read published_on: an index leads with it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0012_name_order"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="source",
            index=models.Index(fields=["published_on"], name="kb_source_published"),
        ),
    ]
