"""One consistent view of the database for a long read: the bulk files see one moment.

Reading every table one after another takes a while; a write in between
would leave a file whose rows name a record it does not hold. Within
`snapshot()` every query sees the database as it was at the first one, and
no writer waits for it:
- PostgreSQL: a REPEATABLE READ, READ ONLY transaction;
- SQLite: a deferred read transaction, which in WAL mode (config/settings.py)
  takes no lock a writer waits for. Nothing within may open a transaction
  of its own (`atomic()`): SQLite has no nested BEGIN.
Already inside a transaction (a test's), the reads share its view.
"""

from contextlib import contextmanager

from django.db import connections, transaction


@contextmanager
def snapshot(using="default"):
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    if connection.vendor != "sqlite":
        yield
        return
    # Django keeps SQLite in autocommit between its own transactions: a BEGIN of
    # ours is the one transaction until the ROLLBACK (it wrote nothing).
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ROLLBACK")
