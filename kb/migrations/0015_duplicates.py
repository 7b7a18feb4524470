"""Possible duplicates (kb/models/duplicates.py): the pairs reviewers look at, on the primary,
and when they were last computed, under the jobs alias (kb/db/routing.py)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("kb", "0014_redirects"),
    ]

    operations = [
        migrations.CreateModel(
            name="DuplicatesRun",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("queued_at", models.DateTimeField(blank=True, null=True)),
                ("queued_by", models.CharField(blank=True, default="", max_length=150)),
                ("started_at", models.DateTimeField(blank=True, null=True)),
                ("finished_at", models.DateTimeField(blank=True, null=True)),
                ("pairs", models.PositiveIntegerField(default=0)),
                ("comparisons", models.PositiveBigIntegerField(default=0)),
                ("seconds", models.FloatField(default=0)),
                ("error", models.TextField(blank=True, default="")),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="duplicates_run_one_row"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DuplicateCandidate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("low_id", models.PositiveBigIntegerField()),
                ("high_id", models.PositiveBigIntegerField()),
                (
                    "reasons",
                    models.CharField(
                        choices=[
                            ("alias", "Shared name or alias"),
                            ("similar", "Similar names"),
                            ("alias+similar", "Shared alias and similar names"),
                        ],
                        max_length=20,
                    ),
                ),
                ("alias", models.CharField(blank=True, default="", max_length=300)),
                ("score", models.FloatField()),
                (
                    "status",
                    models.CharField(
                        choices=[("open", "Open"), ("distinct", "Not duplicates")],
                        default="open",
                        max_length=10,
                    ),
                ),
                ("computed_at", models.DateTimeField()),
                (
                    "content_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="contenttypes.contenttype"
                    ),
                ),
            ],
            options={
                "verbose_name": "possible duplicate",
                "verbose_name_plural": "possible duplicates",
                "ordering": ["content_type", "-score", "low_id", "high_id"],
                "indexes": [
                    models.Index(
                        fields=["status", "content_type", "-score"], name="duplicate_listing"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("content_type", "low_id", "high_id"), name="duplicate_pair_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("low_id__lt", models.F("high_id"))),
                        name="duplicate_pair_ordered",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("score__gte", 0), ("score__lte", 1)),
                        name="duplicate_score_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("reasons__in", ["alias", "similar", "alias+similar"])),
                        name="duplicate_reasons_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["open", "distinct"])),
                        name="duplicate_status_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("reasons", "similar"),
                            models.Q(("alias", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="duplicate_alias_named",
                    ),
                ],
            },
        ),
    ]
