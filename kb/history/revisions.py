"""History written in bulk: for imports, publication and deletion snapshots.

django-reversion records a version when a registered model's post_save
fires inside `create_revision()`. The bulk paths (bulk_create, bulk_update)
send no signals, so they write the same rows themselves: one `Revision` per
record, holding the record's version and those of the rows it follows
(kb/history/registration.py), exactly what `reversion.add_to_revision` would store.

One revision per record, not one per batch: the admin's "revert" reverts a
whole revision, so a revision shared by 10,000 imported records would undo
all of them at once (manage.py seed chose the same for the same reason).
reversion's pre/post_revision_commit signals are not sent; nothing here
listens to them.
"""

import json
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from reversion.models import Revision, Version
from reversion.revisions import _get_options

from .. import registry
from ..lib.batching import BATCH_SIZE
from .registration import FOLLOW


def follow_prefetches(model, prefix=""):
    """Prefetch objects for everything a revision of `model` follows, recursively."""
    lookups = []
    for name in FOLLOW.get(model, ()):
        related = model._meta.get_field(name).related_model
        # What the followed row's __str__ reads, fetched with it: object_repr
        # then costs no query per row.
        ends = registry.of(related).ends if related in registry.MODELS else ()
        queryset = related._default_manager.select_related(*ends)
        lookups.append(Prefetch(f"{prefix}{name}", queryset=queryset))
        lookups.extend(follow_prefetches(related, prefix=f"{prefix}{name}__"))
    return lookups


def _followed(obj, seen):
    """obj and the rows it follows, as reversion's _follow_relations_recursive does."""
    if obj in seen:
        return
    seen.add(obj)
    yield obj
    for name in FOLLOW.get(type(obj), ()):
        for related in getattr(obj, name).all():
            yield from _followed(related, seen)


def _serialized(objects):
    """{id(obj): serialized_data} as reversion's json format writes it, per model in one pass.

    The python serializer over a whole batch, then json.dumps per object,
    gives the very text `serializers.serialize("json", [obj])` gives, at a
    fraction of the per-call cost.
    """
    by_model = defaultdict(list)
    for obj in objects:
        by_model[type(obj)].append(obj)
    data = {}
    for model, group in by_model.items():
        options = _get_options(model)
        if options.format != "json" or options.use_natural_foreign_keys:  # pragma: no cover
            for obj in group:
                data[id(obj)] = serializers.serialize(options.format, (obj,), fields=options.fields)
            continue
        dumped = serializers.serialize("python", group, fields=options.fields)
        for obj, item in zip(group, dumped, strict=True):
            data[id(obj)] = json.dumps([item], cls=DjangoJSONEncoder, ensure_ascii=False)
    return data


def _version_row(revision_id, obj, db, serialized_data):
    """A reversion_version row, as reversion's Version(...) would hold it."""
    options = _get_options(type(obj))
    content_type = ContentType.objects.db_manager(db).get_for_model(
        obj, for_concrete_model=options.for_concrete_model
    )
    object_id = str(getattr(obj, options.object_id_field))
    return (revision_id, object_id, content_type.pk, db, options.format, serialized_data, str(obj))


# The fields of a version row, in the order _version_row gives their values.
VERSION_FIELDS = (
    "revision",
    "object_id",
    "content_type",
    "db",
    "format",
    "serialized_data",
    "object_repr",
)


def _insert_versions(rows, db):
    """INSERT the version rows with executemany.

    They need no keys back, so a plain executemany spares bulk_create's
    model instance and SQL compilation per row (a third of the history cost).
    """
    if not rows:
        return
    connection = connections[db]
    quote = connection.ops.quote_name
    columns = [quote(Version._meta.get_field(name).column) for name in VERSION_FIELDS]
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(Version._meta.db_table), ", ".join(columns), ", ".join(["%s"] * len(columns))
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def save_revisions(objects, *, user=None, comment="", follow=True, batch_size=BATCH_SIZE):
    """Save one revision per object, with its followed rows; return the revisions.

    The objects must exist in the database. With follow=False the caller
    vouches that they follow no rows yet (records it has just created), which
    spares one query per followed relation.
    """
    objects = list(objects)
    if not objects:
        return []
    db = router.db_for_write(Revision)
    by_model = defaultdict(list)
    for obj in objects:
        by_model[type(obj)].append(obj)
    for model, group in by_model.items():
        # Versions store many-to-many values too: fetch them per batch.
        lookups = [f.name for f in model._meta.local_many_to_many]
        prefetch_related_objects(group, *lookups, *(follow_prefetches(model) if follow else ()))
    user_id = getattr(user, "pk", None)
    now = timezone.now()
    revisions = [Revision(date_created=now, user_id=user_id, comment=comment) for _ in objects]
    if connections[db].features.can_return_rows_from_bulk_insert:
        Revision.objects.using(db).bulk_create(revisions, batch_size=batch_size)
    else:  # pragma: no cover - SQLite >= 3.35 and PostgreSQL return the keys
        for revision in revisions:
            revision.save(using=db)
    members = [
        (revision, list(_followed(obj, set())) if follow else [obj])
        for revision, obj in zip(revisions, objects, strict=True)
    ]
    data = _serialized(item for _revision, items in members for item in items)
    _insert_versions(
        [
            _version_row(revision.pk, item, db, data[id(item)])
            for revision, items in members
            for item in items
        ],
        db,
    )
    return revisions


def save_snapshot(objects, *, user=None, comment=""):
    """Save one revision holding every object with the rows it follows, as they are now.

    What a merge saves before it writes (kb/history/merging.py): the records
    it keeps and deletes and every row it moves, so reverting that one
    revision (reversion's revert(delete=True), the admin's history) puts each
    of them back. Written directly, like save_revisions: reversion itself
    saves only the versions of rows that still exist when its block ends.
    """
    objects = list(objects)
    db = router.db_for_write(Revision)
    by_model = defaultdict(list)
    for obj in objects:
        by_model[type(obj)].append(obj)
    for model, group in by_model.items():
        lookups = [f.name for f in model._meta.local_many_to_many]
        prefetch_related_objects(group, *lookups, *follow_prefetches(model))
    revision = Revision.objects.using(db).create(
        date_created=timezone.now(), user_id=getattr(user, "pk", None), comment=comment
    )
    seen, items = set(), []
    for obj in objects:
        items.extend(_followed(obj, seen))
    data = _serialized(items)
    _insert_versions([_version_row(revision.pk, item, db, data[id(item)]) for item in items], db)
    return revision
