"""Merging duplicate records into one, in one transaction and one revision that undoes it.

The rule every surface asks (today the admin's "Merge selected" action,
kb/admin/merge.py):

- Everything that points at a merged record moves to the kept one. What
  points at a record is read from the models' `_meta`, never listed by hand:
  reverse foreign keys (participations, parties, memberships, posts,
  children, organised events, attributed sources...), reverse many-to-many
  (a topic's events and agreements), and every generic foreign key of the
  app (citations, identifiers, claims' subjects, redirects). `relations()`
  lists them; tests/history/test_merging.py fails when a new one appears
  that the merge's test does not cover.
- A moved row that would break a unique constraint (both organisations took
  part in the same meeting) is merged into the row already there, by the same
  rule, one level down: its citations move to the kept row (an identical
  quote from the same source is kept once), its empty fields are filled from
  the duplicate, then the duplicate is deleted. Nothing is dropped.
- The kept record takes, field by field, the values chosen (`values`), keeps
  its own slug and status, gains the merged records' names among its aliases
  (where its type has aliases) and their many-to-many rows; each merged slug
  becomes a SlugRedirect to it.
- Before writing, one revision ("Merged X, Y into Z") saves the kept record,
  the merged ones and every row the merge moves or deletes, as they were.
  Reverting it (the admin's history, or Revision.revert(delete=True)) brings
  them all back; the redirects, which the kept record follows in history and
  which the revision does not hold, are deleted by that same revert.

May import: `kb.models`, `kb.registry`, `kb.lib`, and this package.
"""

import copy
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Count
from django.db.models.expressions import F
from django.utils.translation import gettext as _

from ..models import Post, Record, SlugRedirect
from .revisions import save_snapshot

# Fields a merge never takes from another record: keys, the kept record's own status
# (a merge neither publishes nor unpublishes), timestamps and derived columns.
NOT_CHOSEN = {"id", "slug", "status", "created_at", "updated_at", "search_text", "aliases"}


class MergeError(ValueError):
    """Why these records cannot be merged; nothing was written."""


@dataclass(frozen=True)
class Relation:
    """Rows of `model` that point at a record through `field` (a foreign key's name, or a
    generic foreign key's id field with its content-type field `ct_field`)."""

    model: type
    field: str
    kind: str  # "fk", "m2m" (reverse many-to-many) or "generic"
    ct_field: str = ""
    # The other fields of a unique constraint that holds `field`: two rows equal on
    # them conflict once they point at the same record.
    key: tuple = field(default=())

    @property
    def name(self):
        return f"{self.model._meta.model_name}.{self.field}"

    @property
    def label(self):
        plural = self.model._meta.verbose_name_plural
        if self.kind == "generic":
            return str(plural)
        return f"{plural} ({self.model._meta.get_field(self.field).verbose_name})"

    def rows(self, target_model, ids):
        """The rows pointing at any of `ids` (records of target_model)."""
        manager = self.model._default_manager
        if self.kind == "generic":
            content_type = ContentType.objects.get_for_model(target_model)
            return manager.filter(**{self.ct_field: content_type, f"{self.field}__in": ids})
        rows = manager.filter(**{f"{self.field}__in": ids})
        # An event with two of the merged topics is one row to move.
        return rows.distinct() if self.kind == "m2m" else rows

    def key_of(self, row):
        # By column (ids, not the related rows): no query per row.
        fields = (self.model._meta.get_field(name) for name in self.key)
        return tuple(getattr(row, f.attname) for f in fields)


def _expression_fields(expression):
    if isinstance(expression, F):
        return [expression.name]
    names = []
    for source in getattr(expression, "get_source_expressions", list)():
        names.extend(_expression_fields(source))
    return names


def unique_keys(model):
    """The field names of each unique constraint of `model` (expressions read through)."""
    keys = [tuple(together) for together in model._meta.unique_together]
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            names = list(constraint.fields)
            for expression in constraint.expressions:
                names.extend(_expression_fields(expression))
            keys.append(tuple(names))
    return keys


def _key(model, field_name):
    for names in unique_keys(model):
        if field_name in names:
            return tuple(n for n in names if n != field_name)
    return ()


def _generic_foreign_keys():
    for model in apps.get_app_config("kb").get_models():
        for private in model._meta.private_fields:
            if isinstance(private, GenericForeignKey):
                yield model, private


def relations(model):
    """Every relation that can point at a record of `model`, from the models' _meta."""
    found = []
    for rel in model._meta.get_fields():
        if not rel.auto_created or rel.concrete:
            continue
        if rel.one_to_one:
            raise MergeError(f"A merge does not know how to move {rel.related_model} rows.")
        if rel.one_to_many:
            name = rel.field.name
            found.append(Relation(rel.related_model, name, "fk", key=_key(rel.related_model, name)))
        elif rel.many_to_many:
            found.append(Relation(rel.related_model, rel.field.name, "m2m"))
    for other, gfk in _generic_foreign_keys():
        fk = other._meta.get_field(gfk.fk_field).name
        found.append(Relation(other, fk, "generic", ct_field=gfk.ct_field, key=_key(other, fk)))
    return found


def own_many_to_many(model):
    """The record's own many-to-many fields (an event's topics): merged as a union."""
    return [f for f in model._meta.many_to_many if not isinstance(f, GenericRelation)]


def chosen_fields(model):
    """The fields a merge asks which record to take from, in the model's order.

    Translated fields appear once per language (name_en, name_fr), as the admin
    edits them; a generic foreign key's type goes with its id (a claim's subject).
    """
    names = {f.name for f in model._meta.concrete_fields}
    paired = {g.ct_field for g in model._meta.private_fields if isinstance(g, GenericForeignKey)}
    return [
        f
        for f in model._meta.concrete_fields
        if f.editable
        and f.name not in NOT_CHOSEN
        and f.name not in paired
        and f"{f.name}_en" not in names
    ]


# --- Checks -------------------------------------------------------------------------


def fetch(model, ids, lock=False):
    """The records of `model` with these ids, in the given order; MergeError if one is
    missing or they are fewer than two."""
    ids = list(dict.fromkeys(int(pk) for pk in ids))
    if not issubclass(model, Record):
        raise MergeError(_("Only records with a slug can be merged."))
    if len(ids) < 2:
        raise MergeError(_("Select at least two records of one type to merge."))
    queryset = model._default_manager.filter(pk__in=ids)
    if lock:
        queryset = queryset.select_for_update()
    found = queryset.in_bulk()
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise MergeError(
            _("A selected record no longer exists (#%(ids)s); select the records again.")
            % {"ids": ", #".join(map(str, missing))}
        )
    records = [found[pk] for pk in ids]
    if model is Post and len({p.organisation_id for p in records}) > 1:
        raise MergeError(
            _("These posts belong to different organisations: merge the organisations first.")
        )
    return records


# --- Preview --------------------------------------------------------------------------


@dataclass
class Move:
    """What a merge does with one relation: rows moved, and conflicts merged."""

    relation: Relation
    moved: int = 0
    merged: list = field(default_factory=list)  # (duplicate row, the row it merges into)


def plan(kept, merged):
    """What merging `merged` into `kept` would move, relation by relation; writes nothing."""
    model, ids = type(kept), [r.pk for r in merged]
    moves = []
    for relation in relations(model):
        move = Move(relation)
        rows = list(relation.rows(model, ids).order_by("pk"))
        if relation.key:
            taken = {relation.key_of(r): r for r in relation.rows(model, [kept.pk])}
            for row in rows:
                there = taken.setdefault(relation.key_of(row), row)
                if there is row:
                    move.moved += 1
                else:
                    move.merged.append((row, there))
        else:
            move.moved = len(rows)
        if move.moved or move.merged:
            moves.append(move)
    return moves


def counts(model, ids):
    """[(relation, {record id: rows pointing at it})] for the relations any of `ids` has:
    one query per relation, however many records."""
    found = []
    for relation in relations(model):
        rows = relation.rows(model, ids).order_by().values_list(relation.field)
        per_record = dict(rows.annotate(n=Count("pk", distinct=True)))
        if per_record:
            found.append((relation, per_record))
    return found


# --- The merge ------------------------------------------------------------------------


def _snapshot_rows(model, records):
    """Every row the merge may change or delete, as they are now (the revision holds them)."""
    ids = [r.pk for r in records]
    rows = list(records)
    for relation in relations(model):
        rows.extend(relation.rows(model, ids))
    return rows


def _absorb(kept, duplicates):
    """Merge rows into `kept` (a row of the same model): what points at them moves to it,
    its empty fields are filled from theirs, then they are deleted."""
    model = type(kept)
    ids = [d.pk for d in duplicates]
    for relation in relations(model):
        _move(relation, model, kept, ids)
    changed = []
    for f in model._meta.concrete_fields:
        if f.primary_key or not f.editable or f.name in NOT_CHOSEN:
            continue
        if getattr(kept, f.attname) in (None, ""):
            value = next(
                (
                    getattr(d, f.attname)
                    for d in duplicates
                    if getattr(d, f.attname) not in (None, "")
                ),
                None,
            )
            if value is not None:
                setattr(kept, f.attname, value)
                changed.append(f.name)
    for duplicate in duplicates:
        duplicate.delete()
    if changed:
        kept.save(update_fields=changed)


def _move(relation, model, kept, ids):
    """Point the relation's rows from the records `ids` at `kept`, merging conflicts."""
    rows = relation.rows(model, ids)
    if relation.kind == "m2m":
        for row in rows:
            manager = getattr(row, relation.field)
            manager.add(kept)
            manager.remove(*ids)
        return
    attname = relation.model._meta.get_field(relation.field).attname
    if not relation.key:
        rows.update(**{attname: kept.pk})
        return
    taken = {relation.key_of(r): r for r in relation.rows(model, [kept.pk])}
    for row in rows.order_by("pk"):
        there = taken.setdefault(relation.key_of(row), row)
        if there is row:
            relation.model._default_manager.filter(pk=row.pk).update(**{attname: kept.pk})
            setattr(row, attname, kept.pk)
        else:
            _absorb(there, [row])


def merged_names(kept, records):
    """The names (every language) and acronyms of `records` (the merged ones, and the kept
    one as it was) that the kept record no longer bears: its new aliases, so search
    finds it by them and no name is lost."""
    names = []
    fields = [f for f in ("name", "name_en", "name_fr", "acronym") if hasattr(kept, f)]
    have = {getattr(kept, f) for f in fields} | set(kept.aliases)
    for record in records:
        for name in [*(getattr(record, f) for f in fields), *record.aliases]:
            if name and name not in have:
                have.add(name)
                names.append(name)
    return names


@dataclass
class MergeResult:
    kept: Record
    merged_slugs: list
    revision: object
    moves: list


def merge(model, kept_id, merged_ids, values=None, user=None):
    """Merge the records `merged_ids` of `model` into `kept_id`, taking each field in
    `values` ({field name: id of the record to take it from}) and the kept record's own
    value for the rest. One transaction, one revision; MergeError on bad input."""
    merged_ids = [pk for pk in dict.fromkeys(int(pk) for pk in merged_ids) if pk != int(kept_id)]
    with transaction.atomic():
        records = fetch(model, [kept_id, *merged_ids], lock=True)
        kept, merged = records[0], records[1:]
        before = copy.copy(kept)
        by_id = {r.pk: r for r in records}
        choices = {}
        for name, source in (values or {}).items():
            if name not in {f.name for f in chosen_fields(model)}:
                raise MergeError(_("“%(field)s” is not a field to choose.") % {"field": name})
            if int(source) not in by_id:
                raise MergeError(_("Choose each value from one of the records merged."))
            choices[name] = by_id[int(source)]
        moves = plan(kept, merged)
        comment = _("Merged %(merged)s into %(kept)s") % {
            "merged": ", ".join(r.slug for r in merged),
            "kept": kept.slug,
        }
        revision = save_snapshot(_snapshot_rows(model, records), user=user, comment=comment)
        for name, source in choices.items():
            f = model._meta.get_field(name)
            setattr(kept, f.attname, getattr(source, f.attname))
            for g in model._meta.private_fields:
                if isinstance(g, GenericForeignKey) and g.fk_field == name:
                    setattr(kept, f"{g.ct_field}_id", getattr(source, f"{g.ct_field}_id"))
        if hasattr(kept, "aliases"):
            kept.aliases = [*kept.aliases, *merged_names(kept, [before, *merged])]
        ids = [r.pk for r in merged]
        for relation in relations(model):
            _move(relation, model, kept, ids)
        for f in own_many_to_many(model):
            getattr(kept, f.name).add(*{o for r in merged for o in getattr(r, f.name).all()})
        for f in model._meta.concrete_fields:
            # A pointer to a merged record now means the kept one; to itself, nothing.
            pointer = getattr(kept, f.attname) if f.is_relation else None
            if f.related_model is model and pointer in {kept.pk, *ids}:
                setattr(kept, f.attname, None)
        kept.save()
        content_type = ContentType.objects.get_for_model(model)
        SlugRedirect.objects.bulk_create(
            SlugRedirect(
                content_type=content_type,
                old_slug=r.slug,
                target_id=kept.pk,
                revision_id=revision.pk,
            )
            for r in merged
        )
        model._default_manager.filter(pk__in=ids).delete()
    return MergeResult(kept, [r.slug for r in merged], revision, moves)
