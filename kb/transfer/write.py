"""The write phase of the batch import path (engine.py).

Once every row of a file is valid, in one transaction: new records with
`bulk_create` (a parent new in the same file first), changed ones with
`bulk_update`, many-to-many rows in bulk, `search_text` computed beforehand
(save() is bypassed), then one revision per record (kb/history/revisions.py).
"""

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..history.revisions import save_revisions
from ..lib.batching import BATCH_SIZE, batched
from ..models import Record
from .widgets import SlugsWidget, SlugWidget


class BulkWrite:
    """Mixed into BatchResource: writes the rows save_instance() set aside."""

    def write_all(self, result, user, file_name, raise_errors):
        comment = _("Imported from %(file)s") % {"file": file_name} if file_name else _("Imported")
        try:
            with transaction.atomic(using=self.get_db_connection_name()):
                self.write(user, comment)
        except (DatabaseError, ValueError) as e:
            self.handle_import_error(result, e, raise_errors)
            return
        for row_result in result.rows:
            if row_result.instance is not None:
                row_result.object_id = row_result.instance.pk

    def write(self, user, comment):
        model = self._meta.model
        created = [obj for obj, new in self._pending if new]
        updated = [obj for obj, new in self._pending if not new]
        for obj in created + updated:
            if isinstance(obj, Record):
                obj.search_text = obj.build_search_text()
        for level in self.creation_levels(created):
            model._default_manager.bulk_create(level, batch_size=BATCH_SIZE)
        if updated:
            now = timezone.now()
            for obj in updated:
                obj.updated_at = now
            model._default_manager.bulk_update(updated, self.update_fields(), batch_size=BATCH_SIZE)
        self.write_m2m(created, updated)
        for obj in created + updated:
            obj._prefetched_objects_cache = {}  # stale after the write
        save_revisions(created, user=user, comment=comment, follow=False)
        save_revisions(updated, user=user, comment=comment)

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
