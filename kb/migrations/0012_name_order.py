"""Each language's name order (issue 15): its collations, and one index per table and language.

The lists' default order is by the name shown in the page's language under
that language's ICU collation, then id (kb/models/ordering.py). PostgreSQL
gets the collations here (provider icu, deterministic); SQLite connections
get collations of the same names from kb/db/collation.py when they open, and
the indexes below need them. Each index holds the very expression the lists
order by, behind `status` (and, for events, the start date first).
"""

from django.db import migrations, models
from django.db.models.functions import Collate

from kb.db.collation import FirstNonEmpty

# Frozen here as the migration made them (kb/db/collation.py's COLLATIONS).
COLLATIONS = {"entente_en": "en", "entente_fr": "fr"}


def create_collations(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite registers them on each connection
    for name, locale in COLLATIONS.items():
        schema_editor.execute(
            f"CREATE COLLATION IF NOT EXISTS {name} (provider = icu, locale = '{locale}')"
        )


def drop_collations(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in COLLATIONS:
        schema_editor.execute(f"DROP COLLATION IF EXISTS {name}")


def name_indexes(model_name, field, *, translated=True, leading=(), covering=()):
    """One AddIndex per language: (status, leading..., the shown name collated, id, covering...)."""
    operations = []
    for language, other in (("en", "fr"), ("fr", "en")):
        if translated:
            name = FirstNonEmpty(models.F(f"{field}_{language}"), models.F(f"{field}_{other}"))
        else:
            name = models.F(field)
        index = models.Index(
            models.F("status"),
            *(models.F(column) for column in leading),
            Collate(name, f"entente_{language}"),
            models.F("id"),
            *(models.F(column) for column in covering),
            name=f"kb_{model_name}_name_{language}",
        )
        operations.append(migrations.AddIndex(model_name=model_name, index=index))
    return operations


class Migration(migrations.Migration):
    dependencies = [("kb", "0011_search_words")]

    operations = [
        migrations.RunPython(create_collations, drop_collations, elidable=False),
        *name_indexes("agreement", "title"),
        *name_indexes("claim", "statement"),
        *name_indexes("event", "name", leading=("start_date",), covering=("end_date",)),
        *name_indexes("organisation", "name"),
        *name_indexes("person", "name", translated=False),
        *name_indexes("post", "name"),
        *name_indexes("source", "title", translated=False),
        *name_indexes("topic", "name"),
    ]
