"""The search index, the data version and the indexes the large lists need.

- SQLite: an FTS5 trigram table per record table (`<table>_search`, over
  `search_text`, kept in step by triggers); PostgreSQL: pg_trgm and a GIN
  trigram index on each `search_text`.
- Indexes for the public lists: (status, slug) on every record table,
  (status, start_date, slug) on events, (organisation, event) on participations.
- `kb_dataversion` and the triggers that renew it on every change to a kb
  table, which keys cached counts and ETags (kb/db/).

Both are vendor-specific SQL, run by kb.db.install.install(), which a
post_migrate handler runs again to repair what a later table rebuild drops.
"""

from django.db import migrations, models


def install(apps, schema_editor):
    from kb.db import install as indexing

    indexing.install(schema_editor.connection, apps.get_app_config("kb"))


def uninstall(apps, schema_editor):
    from kb.db import install as indexing

    indexing.uninstall(schema_editor.connection, apps.get_app_config("kb"))


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0003_editorial_roles"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="agreement",
            index=models.Index(fields=["status", "slug"], name="kb_agreement_pub"),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(fields=["status", "slug"], name="kb_claim_pub"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["status", "slug"], name="kb_event_pub"),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["status", "slug"], name="kb_organisation_pub"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["status", "slug"], name="kb_person_pub"),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["status", "slug"], name="kb_post_pub"),
        ),
        migrations.AddIndex(
            model_name="source",
            index=models.Index(fields=["status", "slug"], name="kb_source_pub"),
        ),
        migrations.AddIndex(
            model_name="topic",
            index=models.Index(fields=["status", "slug"], name="kb_topic_pub"),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["status", "start_date", "slug", "end_date"], name="kb_event_pub_start"
            ),
        ),
        migrations.AddIndex(
            model_name="participation",
            index=models.Index(fields=["organisation", "event"], name="participation_org_event"),
        ),
        migrations.RunPython(install, uninstall),
    ]
