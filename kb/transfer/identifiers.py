"""The `identifiers` column of every main record's file: its identifiers in other systems.

A cell lists them as `scheme:value`, separated by semicolons
("wikidata:Q7747; opensanctions:NK-2ZkYyZLKa4Mdj6NqbHPoeF"), in any order;
an export writes them sorted, so a file read back compares equal. A row with
the column gets exactly the identifiers its cell lists (an empty cell removes
them all); a file without the column leaves them as they are. Each is checked
on its row, before anything is written: the scheme and its format
(kb/lib/identifiers.py), and that no other record of the type keeps it (a
file may move one from a record to another: the other's row lets it go).

Identifiers have no file of their own (kb/registry.py, `inline`): an editor
gives them with the record they belong to.
"""

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from ..lib import identifiers as schemes
from ..lib.batching import BATCH_SIZE, batched, in_batches
from ..models import Identifier

COLUMN = "identifiers"
SEPARATOR = ";"


def parse(cell):
    """The (scheme, value) pairs a cell lists, sorted, once each; a ValueError names bad ones."""
    pairs, problems = set(), []
    for item in str(cell or "").split(SEPARATOR):
        item = item.strip()
        if not item:
            continue
        scheme, colon, value = item.partition(":")
        scheme, value = scheme.strip().lower(), value.strip()
        if not colon or not value:
            problems.append(
                _("“%(item)s” is not scheme:value (such as wikidata:Q7747).") % {"item": item}
            )
            continue
        error = schemes.format_error(scheme, value)
        if error:
            problems.append(str(error))
            continue
        pairs.add((scheme, value))
    if problems:
        raise ValueError(" ".join(problems))
    return sorted(pairs)


def render(pairs):
    """The cell of a record's identifiers: what parse() reads back."""
    return f"{SEPARATOR} ".join(f"{scheme}:{value}" for scheme, value in sorted(pairs))


def current(record):
    """A record's identifiers as stored (prefetched by the resource's for_export)."""
    if record.pk is None:
        return []
    return [(i.scheme, i.value) for i in record.identifiers.all()]


class IdentifiersColumn:
    """Mixed into RecordResource, which declares the column: reading, checking, writing it."""

    given = "_kb_identifiers"  # the instance attribute holding a row's parsed cell

    def dehydrate_identifiers(self, record):
        return render(current(record))

    def cell(self, field, obj):
        if field.column_name != COLUMN:
            return super().cell(field, obj)
        pairs = getattr(obj, self.given, None)
        return render(current(obj) if pairs is None else pairs)

    # Before any row: what the whole file gives, and who holds it now --------

    def prime(self, rows, headers):
        super().prime(rows, headers)
        self.file_gives = {}  # slug -> the pairs its row gives (rows with a valid cell)
        self.claimants = {}  # pair -> the slugs whose rows give it, in file order
        self.holders = {}  # pair -> the slug of the record of this type holding it now
        if COLUMN not in headers:
            return
        for row in rows:
            try:
                pairs = parse(row.get(COLUMN))
            except ValueError:
                continue  # reported on its row by import_computed
            slug = self.row_key(row) or ""
            self.file_gives.setdefault(slug, pairs)
            for pair in pairs:
                slugs = self.claimants.setdefault(pair, [])
                if slug not in slugs:
                    slugs.append(slug)
        self.holders = self.holders_of(self.claimants)

    def holders_of(self, pairs):
        """{pair: slug} of the records of this type that hold any of pairs: a query per batch."""
        model = self._meta.model
        content_type = ContentType.objects.get_for_model(model)
        found = {}
        values = sorted({value for _scheme, value in pairs})
        for chunk in batched(values, BATCH_SIZE):
            rows = Identifier.objects.filter(content_type=content_type, value__in=chunk)
            for scheme, value, object_id in rows.values_list("scheme", "value", "object_id"):
                if (scheme, value) in pairs:
                    found[(scheme, value)] = object_id
        records = model._default_manager.values_list("pk", "slug")
        slugs = dict(in_batches(records, "pk", sorted(set(found.values()))))
        return {pair: slugs[object_id] for pair, object_id in found.items()}

    # A row -------------------------------------------------------------------

    def import_computed(self, field, instance, row):
        if field.column_name != COLUMN:
            return super().import_computed(field, instance, row)
        pairs = parse(row.get(COLUMN))
        slug = self.row_key(row) or ""
        problems = []
        for pair in pairs:
            named = f"{pair[0]}:{pair[1]}"
            first = self.claimants.get(pair, [slug])[0]
            holder = self.holders.get(pair)
            if first != slug:
                problems.append(
                    _("“%(identifier)s” is given to “%(record)s” on an earlier row.")
                    % {"identifier": named, "record": first}
                )
            elif holder is not None and holder != slug and not self.lets_go(holder, pair):
                problems.append(
                    _("“%(identifier)s” belongs to “%(record)s”: remove it there first.")
                    % {"identifier": named, "record": holder}
                )
        if problems:
            raise ValueError(" ".join(problems))
        setattr(instance, self.given, pairs)

    def lets_go(self, holder, pair):
        """Whether the holder's own row in this file gives up the identifier."""
        gives = self.file_gives.get(holder)
        return gives is not None and pair not in gives

    # The write (kb/transfer/write.py) ----------------------------------------

    def write_owned_rows(self, created, updated):
        """Each row's identifiers, exactly as its cell lists them; True if a new record got any.

        Every identifier a record gives up is deleted before any is added, so
        one moving from a record to another never meets the unique
        constraint half-way.
        """
        given = [obj for obj in created + updated if getattr(obj, self.given, None) is not None]
        if not given:
            return False
        content_type = ContentType.objects.get_for_model(self._meta.model)
        wanted = {obj.pk: set(getattr(obj, self.given)) for obj in given}
        stored, gone = set(), []
        for chunk in batched(sorted(wanted), BATCH_SIZE):
            rows = Identifier.objects.filter(content_type=content_type, object_id__in=chunk)
            for pk, object_id, scheme, value in rows.values_list(
                "pk", "object_id", "scheme", "value"
            ):
                if (scheme, value) in wanted[object_id]:
                    stored.add((object_id, scheme, value))
                else:
                    gone.append(pk)
        for chunk in batched(gone, BATCH_SIZE):
            Identifier.objects.filter(pk__in=chunk).delete()
        Identifier.objects.bulk_create(
            [
                Identifier(content_type=content_type, object_id=pk, scheme=scheme, value=value)
                for pk, pairs in wanted.items()
                for scheme, value in sorted(pairs)
                if (pk, scheme, value) not in stored
            ],
            batch_size=BATCH_SIZE,
        )
        return any(getattr(obj, self.given) for obj in created)
