"""Installs or removes the search index, the data version and the events' participant
groups (kb/db/groups.py) over the kb tables.

Migration 0004 runs `install`; its reverse runs `uninstall`. Django's SQLite
schema editor rebuilds a table for many alterations, which drops its
triggers: `ensure_installed`, connected to post_migrate by KbConfig.ready(),
puts back whatever is missing and rebuilds that table's search index. A new
kb model gets its triggers at the next `migrate` the same way.
"""

from django.db import connections

from . import groups, search_index, version
from .routing import is_job_model


def kb_tables(app_config):
    """Every kb table, join tables included: whatever any response may show.

    Not the jobs' tables: they live in the jobs database, and their progress
    writes must not change the data version that caches are keyed by.
    """
    tables = []
    for model in app_config.get_models(include_auto_created=True):
        if is_job_model(model._meta.app_label, model._meta.model_name):
            continue
        # Reviewers' bookkeeping the public never sees (the possible duplicates,
        # kb/models/duplicates.py): recomputing it must not flush what follows the version.
        if not getattr(model, "changes_data_version", True):
            continue
        if model._meta.managed and not model._meta.proxy:
            tables.append(model._meta.db_table)
    return sorted(set(tables))


def searchable_models(app_config):
    return [
        model
        for model in app_config.get_models()
        if model._meta.managed and any(f.name == "search_text" for f in model._meta.fields)
    ]


def _sqlite_install(cursor, tables, searchable):
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    triggers = {row[0] for row in cursor.fetchall()}
    version.sqlite_install(cursor, tables)
    search_index.sqlite_install(cursor, searchable, triggers)
    groups.sqlite_install(cursor, triggers)
    # After every migration, a deploy's, and after a bulk load (`manage.py synthesize`).
    search_index.sqlite_merge(cursor, searchable)


def _sqlite_uninstall(cursor, tables, searchable):
    groups.sqlite_uninstall(cursor)
    version.sqlite_uninstall(cursor, tables)
    search_index.sqlite_uninstall(cursor, searchable)


def _pg_install(cursor, tables, searchable):
    cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    triggers = {row[0] for row in cursor.fetchall()}
    search_index.pg_install(cursor, [])  # the extension, before anything uses it
    version.pg_install(cursor, tables, triggers)
    search_index.pg_install(cursor, searchable)
    groups.pg_install(cursor, triggers)


def _pg_uninstall(cursor, tables, searchable):
    groups.pg_uninstall(cursor)
    search_index.pg_uninstall(cursor, searchable)
    version.pg_uninstall(cursor, tables)


INSTALLERS = {
    "sqlite": (_sqlite_install, _sqlite_uninstall),
    "postgresql": (_pg_install, _pg_uninstall),
}


def _run(step, connection, app_config):
    """Run the vendor's install (0) or uninstall (1) over every kb table. Other vendors: none."""
    steps = INSTALLERS.get(connection.vendor)
    if steps is None:
        return
    tables = kb_tables(app_config)
    searchable = [m._meta.db_table for m in searchable_models(app_config)]
    with connection.cursor() as cursor:
        steps[step](cursor, tables, searchable)


def install(connection, app_config):
    """Create whatever is missing: version table and triggers, search index. Idempotent."""
    _run(0, connection, app_config)


def merge_search_index(connection, app_config):
    """The search index in as few pieces as it can be, for the fastest lookups, after a
    bulk load (search_index.sqlite_merge). PostgreSQL's GIN indexes need nothing."""
    if connection.vendor == "sqlite":
        searchable = [m._meta.db_table for m in searchable_models(app_config)]
        with connection.cursor() as cursor:
            search_index.sqlite_merge(cursor, searchable)


def uninstall(connection, app_config):
    _run(1, connection, app_config)


def ensure_installed(sender, app_config, using, plan=None, **kwargs):
    """post_migrate: put back triggers a table rebuild dropped (only once 0004 has run)."""
    if app_config.label != "kb":
        return
    connection = connections[using]
    if version.VERSION_TABLE not in connection.introspection.table_names():
        return  # migrated back before 0004, or not yet there
    install(connection, app_config)
