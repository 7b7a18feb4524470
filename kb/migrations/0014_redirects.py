"""Merged records' old slugs, redirecting to the record kept (kb/models/redirects.py)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("kb", "0013_source_published_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="SlugRedirect",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("old_slug", models.SlugField(db_index=False, max_length=200)),
                ("target_id", models.PositiveBigIntegerField()),
                ("revision_id", models.PositiveBigIntegerField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="contenttypes.contenttype"
                    ),
                ),
            ],
            options={
                "verbose_name": "slug redirect",
                "verbose_name_plural": "slug redirects",
                "ordering": ["content_type", "old_slug"],
                "indexes": [
                    models.Index(fields=["content_type", "target_id"], name="redirect_target")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("content_type", "old_slug"),
                        name="redirect_old_slug_unique",
                        violation_error_message="This slug already redirects to another record.",
                    )
                ],
            },
        ),
    ]
