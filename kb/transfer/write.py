"""The write phase of the batch import path (engine.py).

Once every row of a file is valid, in one transaction: new records with
`bulk_create` (a parent new in the same file first), changed ones with
`bulk_update`, many-to-many rows in bulk, `search_text` computed beforehand
(save() is bypassed), then one revision per record (kb/history/revisions.py).

Two writes at once: the rows to change are locked in key order before any
is written (their many-to-many rows with them), so two imports changing the
same rows queue instead of deadlocking on PostgreSQL; SQLite queues writers
itself (config/settings.py). A write that still loses to another (a
deadlock, a serialization failure) is tried twice more, each after a pause;
if it loses every time, or waited too long for a lock, or another write
created one of its keys first, nothing is written and the result says so
(`write_lost`), for the admin to tell the editor plainly.
"""

import random
import sqlite3
import time

from django.db import DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..history.revisions import save_revisions
from ..lib.batching import BATCH_SIZE, batched
from ..models import Record
from .widgets import SlugsWidget, SlugWidget

# PostgreSQL's SQLSTATEs for a transaction that lost to another write: it was
# rolled back whole, and running it again may succeed...
RETRY = {"40P01", "40001"}  # deadlock_detected, serialization_failure
# ... or cannot: it waited too long for a lock (lock_timeout), or found a key it
# was creating already there (validation saw none, so another write made it).
LOST = {"55P03", "23505"}  # lock_not_available, unique_violation
# SQLite, which has waited for the lock already (its busy timeout): busy, a
# locked table, a unique or primary key taken.
SQLITE_LOST = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
SQLITE_KEY_TAKEN = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}


# Tries of a write that loses to another, and the pause before each new one
# (seconds, times the number of the try, jittered). Without a pause the new
# try could take its first row back before the winner, which had been
# waiting for that row, woke up to take it: the same deadlock again, seen
# on a busy CI machine.
TRIES = 3
RETRY_PAUSE = (0.1, 0.3)

# Rows written between two reports of progress (and two chances to cancel).
WRITE_BATCH = 5 * BATCH_SIZE


def conflict(error):
    """How a database error relates to another write: "retry", "lost" or None (it does not)."""
    cause = error.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code in RETRY:
        return "retry"
    if code in LOST:
        return "lost"
    number = getattr(cause, "sqlite_errorcode", None)
    if isinstance(cause, sqlite3.Error) and number is not None:
        if isinstance(error, IntegrityError):
            return "lost" if number in SQLITE_KEY_TAKEN else None
        return "lost" if number & 0xFF in SQLITE_LOST else None
    return None


class BulkWrite:
    """Mixed into BatchResource: writes the rows save_instance() set aside."""

    def write_all(self, result, user, file_name, raise_errors):
        comment = _("Imported from %(file)s") % {"file": file_name} if file_name else _("Imported")
        using = self.get_db_connection_name()
        # Only a transaction of its own can be run again: inside another, the
        # locks taken before this write stay held.
        tries = 1 if connections[using].in_atomic_block else TRIES
        for attempt in range(1, tries + 1):
            try:
                with transaction.atomic(using=using):
                    self.write(user, comment)
            except DatabaseError as e:
                kind = conflict(e)
                if kind == "retry" and attempt < tries:
                    self.unwrite()
                    time.sleep(random.uniform(*RETRY_PAUSE) * attempt)
                    continue
                result.write_lost = kind is not None
                if result.write_lost:
                    # The result keeps the error, whose message is all an editor
                    # sees; its tracebacks would keep the failed statement's
                    # cursor, and on SQLite its connection and file, open.
                    for error in (e, e.__cause__):
                        if error is not None:
                            error.__traceback__ = None
                self.handle_import_error(result, e, raise_errors)
                return
            except ValueError as e:
                self.handle_import_error(result, e, raise_errors)
                return
            break
        for row_result in result.rows:
            if row_result.instance is not None:
                row_result.object_id = row_result.instance.pk

    def unwrite(self):
        """Undo, on the instances, what a rolled-back write() set: new keys, and their copies."""
        created = [obj for obj, new in self._pending if new]
        ids = {id(obj) for obj in created}
        for obj in created:
            obj.pk = None
            obj._state.adding = True
        relations = [
            f for f in self._meta.model._meta.concrete_fields if f.is_relation and f.many_to_one
        ]
        for obj, _new in self._pending:
            for field in relations:
                parent = field.get_cached_value(obj, None)
                if parent is not None and id(parent) in ids:
                    # Its key is None again, the object kept: bulk_create copies the new key.
                    setattr(obj, field.name, parent)

    def write(self, user, comment):
        model = self._meta.model
        created = [obj for obj, new in self._pending if new]
        updated = [obj for obj, new in self._pending if not new]
        for obj in created + updated:
            if isinstance(obj, Record):
                obj.search_text = obj.build_search_text()
        updated.sort(key=lambda obj: obj.pk)
        self.lock(updated)
        written = 0
        self.report_progress(to_write=len(created) + len(updated), written=0)
        for level in self.creation_levels(created):
            # In the file's order, which the keys (and so exports) follow. Two
            # files creating the same keys in opposite orders can deadlock; the
            # one that loses is tried again and then finds its keys taken (lost).
            # A batch at a time, so that a watcher sees the rows go in and may
            # stop the write between two batches (the transaction rolls back).
            for chunk in batched(level, WRITE_BATCH):
                model._default_manager.bulk_create(chunk, batch_size=BATCH_SIZE)
                written += len(chunk)
                self.report_progress(written=written)
        if updated:
            now = timezone.now()
            for obj in updated:
                obj.updated_at = now
            fields = self.update_fields()
            for chunk in batched(updated, WRITE_BATCH):
                model._default_manager.bulk_update(chunk, fields, batch_size=BATCH_SIZE)
                written += len(chunk)
                self.report_progress(written=written)
        self.write_m2m(created, updated)
        # New records follow no rows yet, but for those their own row gave them.
        created_follow = self.write_owned_rows(created, updated)
        for obj in created + updated:
            obj._prefetched_objects_cache = {}  # stale after the write
        save_revisions(created, user=user, comment=comment, follow=created_follow)
        save_revisions(updated, user=user, comment=comment)
        # The last look at a cancel before the commit: the history took long too.
        self.report_progress(written=written)

    def lock(self, updated):
        """Lock the rows to update in key order, a batch at a time (PostgreSQL).

        bulk_update's own UPDATEs lock each batch's rows in whatever order
        their plan reads them; two imports of the same rows could then each
        hold some the other needs. NO KEY: the lock the UPDATE takes anyway,
        so rows naming these records can still be inserted meanwhile.
        """
        using = self.get_db_connection_name()
        if not connections[using].features.has_select_for_update:
            return  # SQLite: one writer at a time
        rows = self._meta.model._base_manager.using(using).order_by("pk")
        for chunk in batched([obj.pk for obj in updated]):
            list(rows.filter(pk__in=chunk).select_for_update(no_key=True).values_list("pk"))

    def creation_levels(self, created):
        """New records in insertion order: a parent new in the file goes first."""
        refs = [
            f.attribute
            for f in self.fields.values()
            if isinstance(f.widget, SlugWidget) and f.widget.model is self._meta.model
        ]
        remaining = list(created)
        while remaining:
            waiting = {id(o) for o in remaining}
            level = [
                o
                for o in remaining
                if not any(id(getattr(o, name, None)) in waiting for name in refs)
            ]
            if not level:
                raise ValueError(_("New records in this file name each other as parents."))
            # bulk_create copies a parent's new key onto its children itself.
            yield level
            done = {id(o) for o in level}
            remaining = [o for o in remaining if id(o) not in done]

    def update_fields(self):
        names = set()
        concrete = {f.name for f in self._meta.model._meta.concrete_fields}
        for field in self.get_import_fields():
            name = field.attribute
            if not name or isinstance(field.widget, SlugsWidget):
                continue
            names.add(name)
        names = {n for n in names if n in concrete}
        # The original column of a translated field follows its languages.
        names.update(n[:-3] for n in list(names) if n[-3:] in ("_en", "_fr") and n[:-3] in concrete)
        names.add("updated_at")
        if issubclass(self._meta.model, Record):
            names.add("search_text")
        return sorted(names)

    def write_owned_rows(self, created, updated):
        """Rows a record's cells give it (its identifiers); True if a new record got any."""
        return False

    def write_m2m(self, created, updated):
        for field in self.fields.values():
            if not isinstance(field.widget, SlugsWidget):
                continue
            relation = self._meta.model._meta.get_field(field.attribute)
            through = relation.remote_field.through
            source = relation.m2m_field_name() + "_id"
            target = relation.m2m_reverse_field_name() + "_id"
            objs = [o for o in created + updated if field.attribute in o._kb_m2m]
            ids = [o.pk for o in updated if field.attribute in o._kb_m2m]
            for chunk in batched(ids):
                through.objects.filter(**{f"{source}__in": chunk}).delete()
            through.objects.bulk_create(
                [
                    through(**{source: o.pk, target: related.pk})
                    for o in objs
                    for related in o._kb_m2m[field.attribute]
                ],
                batch_size=BATCH_SIZE,
            )
