"""Cells that name any citable record: a citation's record, a claim's subject.

A main record is named by its slug; a join row by its natural key, the
slugs (and a membership's start date) joined by "|", e.g.
"event-slug|organisation-slug||" for a participation with no person or post.
"""

import datetime

from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.utils.translation import gettext as _

from .. import registry
from ..lib.batching import in_batches
from ..models import Record
from .widgets import SlugCache

# How a join row is named in a file: its natural key, slugs joined by "|".
JOIN_KEYS = {entry.model: entry.key for entry in registry.join_rows()}


def citable_models():
    return {entry.name: entry.model for entry in registry.cited()}


class RecordRefs:
    """Names any citable record in a cell: its slug, or a join row's key ("a|b|c|d")."""

    def __init__(self):
        self.models = citable_models()
        self.slugs = {}
        self.joins = {}

    def render(self, obj):
        if obj is None:
            return ""
        if isinstance(obj, Record):
            return obj.slug
        parts = (getattr(obj, name) for name in JOIN_KEYS[type(obj)])
        return "|".join(
            p.slug if isinstance(p, Record) else p.isoformat() if p else "" for p in parts
        )

    def model(self, record_type):
        model = self.models.get(str(record_type or "").strip())
        if model is None:
            raise ValueError(
                _("Unknown record type “%(type)s”; use one of: %(types)s.")
                % {"type": record_type, "types": ", ".join(sorted(self.models))}
            )
        return model

    def cache(self, model):
        return self.slugs.setdefault(model, SlugCache(model))

    def prime(self, pairs):
        """Resolve every reference of a file with a few queries per kind of record."""
        by_model = {}
        for record_type, ref in pairs:
            model = self.models.get(str(record_type or "").strip())
            if model is not None:
                by_model.setdefault(model, set()).add(str(ref or "").strip())
        for model, refs in by_model.items():
            if issubclass(model, Record):
                self.cache(model).prime(refs)
            else:
                self.prime_join_rows(model, refs)

    def prime_join_rows(self, model, refs):
        names = JOIN_KEYS[model]
        split = [ref.split("|") for ref in refs if ref.count("|") == len(names) - 1]
        for i, name in enumerate(names):
            field = model._meta.get_field(name)
            if field.is_relation:
                self.cache(field.related_model).prime(parts[i] for parts in split)
        index = self.joins.setdefault(model, {})
        first = self.cache(model._meta.get_field(names[0]).related_model)
        firsts = sorted({obj.pk for obj in (first.get(p[0]) for p in split if p[0]) if obj})
        queryset = model._default_manager.select_related(
            *(n for n in names if model._meta.get_field(n).is_relation)
        )
        for obj in in_batches(queryset, names[0], firsts):
            index[self.render(obj)] = obj

    def resolve(self, record_type, ref):
        model = self.model(record_type)
        ref = str(ref or "").strip()
        if issubclass(model, Record):
            obj = self.cache(model).get(ref)
            if obj is None:
                raise self.cache(model).unknown(ref)
            return obj
        index = self.joins.setdefault(model, {})
        if ref not in index:
            index[ref] = self.find_join_row(model, ref)
        return index[ref]

    def find_join_row(self, model, ref):
        """A join row the file did not name in prime(): one query."""
        names = JOIN_KEYS[model]
        parts = ref.split("|")
        if len(parts) != len(names):
            raise ValueError(
                _("Name a %(model)s as %(key)s.")
                % {"model": model._meta.verbose_name, "key": "|".join(names)}
            )
        lookup = {}
        for name, part in zip(names, parts, strict=True):
            field = model._meta.get_field(name)
            if not part:
                lookup[f"{name}__isnull"] = True
            elif field.is_relation:
                related = self.cache(field.related_model).get(part)
                if related is None:
                    raise self.cache(field.related_model).unknown(part)
                lookup[name] = related
            else:
                try:
                    lookup[name] = datetime.date.fromisoformat(part)
                except ValueError:
                    raise ValueError(_("“%(value)s” is not a date.") % {"value": part}) from None
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            raise ValueError(
                _("No %(model)s matches “%(ref)s”.")
                % {"model": model._meta.verbose_name, "ref": ref}
            )
        return obj


def record_prefetch(lookup):
    """Fetch generic targets in one query per kind; join rows with their ends."""
    querysets = [
        model._default_manager.select_related(
            *(k for k in keys if model._meta.get_field(k).is_relation)
        )
        for model, keys in JOIN_KEYS.items()
    ]
    return GenericPrefetch(lookup, querysets)
