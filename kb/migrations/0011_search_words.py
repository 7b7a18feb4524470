"""The search column's new words and form (issue 15, search): every row's `search_text` again.

The column now holds country names people type (former, everyday, official) and
demonyms in English and French, agreements' and events' kinds in both languages,
and its terms between bars with punctuation as spaces, which ranking reads
(kb/lib/text.py search_column, RecordQuerySet.ranked_search). Rows written
before this keep finding what they found, but not the new words: each is
written again. On SQLite the FTS5 triggers keep the index in step.

The rows are this migration's own (historical) models; the terms are the
models' current `search_terms()`, which read only fields these rows have.
"""

from django.db import migrations

SEARCHABLE = ("Organisation", "Person", "Post", "Topic", "Event", "Agreement", "Source", "Claim")
BATCH = 500


def rewrite(apps, schema_editor):
    from kb import models as current
    from kb.lib.text import search_column

    alias = schema_editor.connection.alias
    for name in SEARCHABLE:
        model = apps.get_model("kb", name)
        terms = getattr(current, name).search_terms
        rows = model.objects.using(alias).order_by("pk")
        last = 0
        # Batches by key, each read whole before it is written: no cursor stays open
        # over the rows being updated.
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            last = batch[-1].pk
            changed = []
            for row in batch:
                text = search_column(terms(row))
                if text != row.search_text:
                    row.search_text = text
                    changed.append(row)
            model.objects.using(alias).bulk_update(changed, ["search_text"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("kb", "0010_source_text")]

    # Backwards, the rows keep the new text: the older code finds every word in it too.
    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop, elidable=True)]
