"""The import path of every kb resource: validate the whole file, then write it in bulk.

The library's default path saves row by row: a savepoint, a lookup per
foreign-key cell, a save() and its signals for every row. Its bulk mode is
fast but gives up history and row errors. This path keeps both:

1. Validate every row with the library's own `import_row` machinery (widgets,
   `full_clean`, the preview's new / update / skip classification), against
   caches primed with one query per related model, so validation costs no
   query per row. Any invalid row stops here: nothing is written.
2. Write: `bulk_create` / `bulk_update` in batches, many-to-many rows in
   bulk, the derived `search_text` computed first (save() is bypassed), then
   one reversion revision per changed record with the user and the file
   name (kb/history/revisions.py).
"""

import gc
from collections import OrderedDict
from copy import deepcopy

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.html import escape
from django.utils.translation import gettext as _
from django_countries.fields import CountryField
from import_export import resources, widgets
from import_export.exceptions import ImportError as RowImportError
from import_export.fields import Field
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result

from ..lib.batching import BATCH_SIZE, in_batches
from ..lib.cells import escape_cell, unescape_cell
from ..models import Record
from .checks import RowChecks
from .formats import check_column_names
from .widgets import (
    AliasesWidget,
    CountryWidget,
    DateWidget,
    FlagWidget,
    SlugsWidget,
    SlugWidget,
    TextWidget,
)
from .write import BulkWrite


class RowResult(resources.RowResult):
    number = None


class ImportResult(Result):
    # Set when the write lost to another one: nothing was written (write.py).
    write_lost = False

    def row_errors(self):
        # Numbered as in the file, even when blank rows were left out.
        return [(row.number, row.errors) for row in self.rows if row.errors]


class RowDiff(resources.Diff):
    """The preview's cells, read as an export would write them."""

    # The library's Diff reads both sides through `Diff._read_field_values`,
    # named by class, so an override would go unused: a new row's
    # many-to-many cells (its topics) would read from a record not saved
    # yet, and show empty, though the import writes them.
    def __init__(self, resource, instance, new):
        self.left = self._read_field_values(resource, instance)
        self.right = []
        self.new = new

    def compare_with(self, resource, instance):
        self.right = self._read_field_values(resource, instance)

    @classmethod
    def _read_field_values(cls, resource, instance):
        if instance is None:
            return ["" for _field in resource.get_import_fields()]
        return [resource.cell(field, instance) for field in resource.get_import_fields()]

    def as_html(self):
        if not self.new and self.left == self.right:
            # Unchanged: no character diff to compute.
            return [escape(value) for value in self.right]
        return super().as_html()


class NoDiff:
    """The confirm step shows no preview, so it computes none."""

    def __init__(self, *args):
        pass

    def compare_with(self, *args):
        pass

    def as_html(self):
        return []


class KeyLoader(BaseInstanceLoader):
    """Finds a row's existing record in the resource's pre-loaded table."""

    def get_instance(self, row):
        key = self.resource.row_key(row)
        return self.resource.existing.get(key) if key is not None else None


def widget_for(django_field):
    if isinstance(django_field, models.ForeignKey):
        return SlugWidget(django_field.related_model)
    if isinstance(django_field, models.ManyToManyField):
        return SlugsWidget(django_field.related_model)
    if isinstance(django_field, CountryField):
        return CountryWidget()
    if isinstance(django_field, models.JSONField):
        return AliasesWidget()
    if isinstance(django_field, models.DateField):
        return DateWidget()
    if isinstance(django_field, models.IntegerField):
        return widgets.IntegerWidget()
    if isinstance(django_field, models.BooleanField):
        return FlagWidget()
    return TextWidget()


class BatchResource(RowChecks, BulkWrite, resources.ModelResource):
    """Base of every kb resource: natural keys, strict cells, the batch path."""

    # Columns of the natural key, in key order (main records: the slug).
    key_columns = ("slug",)

    class Meta:
        instance_loader_class = KeyLoader
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        chunk_size = 2000

    def __init__(self, progress=None, **kwargs):
        super().__init__(**kwargs)
        # A job's progress (kb/jobs/progress.py): told the rows validated and
        # written as they go, and free to stop the import between batches by
        # raising, which rolls the write back. None: nobody is watching.
        self.progress = progress
        self.existing = {}
        self.pending_new = {}
        self._pending = []
        self._first_row_of_key = {}
        self._cell_errors = {}
        self._dry_run = False
        self._import_fields = None

    @classmethod
    def field_from_django_field(cls, field_name, django_field, readonly):
        return Field(
            attribute=field_name,
            column_name=field_name,
            widget=widget_for(django_field),
            readonly=readonly,
            default=django_field.default,  # an empty cell means the model's default
        )

    def get_export_order(self):
        return tuple(self._meta.fields)

    def get_import_order(self):
        return tuple(self._meta.fields)

    # Cells -----------------------------------------------------------------

    def export_resource(self, instance, selected_fields=None, **kwargs):
        # Every text cell, in every format, is escaped against formulas.
        cells = super().export_resource(instance, selected_fields, **kwargs)
        return [escape_cell(v) for v in cells]

    def export(self, queryset=None, **kwargs):
        if queryset is None:
            queryset = self.get_queryset()
        return super().export(queryset=self.for_export(queryset), **kwargs)

    def for_export(self, queryset):
        """Fetch what the cells read with the rows: no query per row."""
        fks = [f.attribute for f in self.fields.values() if isinstance(f.widget, SlugWidget)]
        m2m = [f.attribute for f in self.fields.values() if isinstance(f.widget, SlugsWidget)]
        return queryset.select_related(*fks).prefetch_related(*m2m)

    def cell(self, field, obj):
        """A field's value as an export writes it; the unit of change detection."""
        if isinstance(field.widget, SlugsWidget):
            chosen = getattr(obj, "_kb_m2m", {}).get(field.attribute)
            if chosen is not None:
                return field.widget.separator.join(sorted(o.slug for o in chosen))
            if obj.pk is None:
                return ""
        value = self.export_field(field, obj)
        return "" if value is None else str(value)

    # Keys ------------------------------------------------------------------

    def row_key(self, row):
        """The natural key a row names, or None when it names none (then it is new)."""
        slug = str(row.get("slug") or "").strip()
        return slug or None

    def instance_key(self, instance):
        return instance.slug or None

    def load_existing(self, rows):
        """{key: instance} for the records the file names, a query per 500 keys."""
        slugs = sorted({k for k in map(self.row_key, rows) if k})
        queryset = self.for_export(self._meta.model._default_manager.all())
        existing = {obj.slug: obj for obj in in_batches(queryset, "slug", slugs)}
        self.redirected_slugs = self.find_redirected([s for s in slugs if s not in existing])
        return existing

    def init_instance(self, row=None):
        # A new record that other rows of the file name as their parent
        # already exists, unsaved, so that those rows can point at it.
        return self.pending_new.get(self.row_key(row)) or self._meta.model()

    def prime(self, rows, headers):
        """Fill each slug cache with one query per 500 slugs, before any row."""
        for field in self.fields.values():
            if isinstance(field.widget, (SlugWidget, SlugsWidget)) and field.column_name in headers:
                values = [row.get(field.column_name) for row in rows]
                field.widget.cache.prime(field.widget.slugs_in(values))
        self.existing = self.load_existing(rows)
        self.pending_new = {}
        self_refs = [
            f.widget
            for f in self.fields.values()
            if isinstance(f.widget, SlugWidget) and f.widget.model is self._meta.model
        ]
        if self_refs:
            for key in map(self.row_key, rows):
                if key and key not in self.existing and key not in self.pending_new:
                    self.pending_new[key] = self._meta.model(slug=key)
            for widget in self_refs:
                widget.cache.objects.update(self.pending_new)
                widget.cache.missing -= self.pending_new.keys()

    # Rows ------------------------------------------------------------------

    def get_import_fields(self):
        # Asked for on every row; the answer only depends on the resource.
        if self._import_fields is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def get_diff_class(self):
        return RowDiff if self._dry_run else NoDiff

    def import_row(self, row, instance_loader, **kwargs):
        """The library's import_row for this path: no deletes, no copy of a new row.

        Same hooks and results as resources.Resource.import_row; a new row's
        "original" is an empty row, so only updates pay for a deepcopy.
        """
        row_result = self.get_row_result_class()()
        try:
            self.before_import_row(row, **kwargs)
            instance, new = self.get_or_init_instance(instance_loader, row)
            self.after_init_instance(instance, new, row, **kwargs)
            row_result.import_type = (
                row_result.IMPORT_TYPE_NEW if new else row_result.IMPORT_TYPE_UPDATE
            )
            original = None if new else deepcopy(instance)
            diff = self.get_diff_class()(self, original, new)
            errors = {}
            try:
                self.import_instance(instance, row, **kwargs)
            except ValidationError as e:
                errors = e.update_error_dict(errors)
            if self.skip_row(instance, original, row, errors):
                row_result.import_type = row_result.IMPORT_TYPE_SKIP
            else:
                self.validate_instance(instance, errors)
                self.save_instance(instance, new, row, **kwargs)
            if self._dry_run:
                # The preview names its rows; the write fills in the keys later.
                row_result.add_instance_info(instance)
            row_result.instance = instance
            diff.compare_with(self, instance)
            if not new:
                row_result.original = original
            row_result.diff = diff.as_html()
            self.after_import_row(row, row_result, **kwargs)
        except ValidationError as e:
            row_result.import_type = row_result.IMPORT_TYPE_INVALID
            row_result.validation_error = e
        except Exception as e:  # reported on its row, as the library does
            row_result.import_type = row_result.IMPORT_TYPE_ERROR
            row_result.errors.append(
                self.get_error_result_class()(e, row=row, number=kwargs["row_number"])
            )
        return row_result

    def get_row_result_class(self):
        return RowResult

    def get_result_class(self):
        return ImportResult

    def import_instance(self, instance, row, **kwargs):
        """Set each cell on the instance; errors are keyed by column."""
        errors = {}
        status_before = instance.status if isinstance(instance, Record) and instance.pk else None
        instance._kb_m2m = {}
        for field in self.get_import_fields():
            if field.readonly or field.column_name not in row:
                continue
            try:
                if isinstance(field.widget, SlugsWidget):
                    instance._kb_m2m[field.attribute] = field.clean(row)
                elif field.attribute:
                    # Field.save() for a plain attribute, without its per-cell overhead.
                    setattr(instance, field.attribute, field.clean(row))
                else:
                    self.import_computed(field, instance, row)
            except ValueError as e:
                errors[field.column_name] = [str(e)]
        self.check_status(instance, row, status_before, kwargs.get("user"), errors)
        self.check_duplicate(instance, kwargs.get("row_number"), errors)
        # A refused character is the first thing to fix in its cell (check_characters).
        errors.update(self._cell_errors.get(kwargs.get("row_number"), {}))
        if errors:
            raise ValidationError(errors)

    def import_computed(self, field, instance, row):
        """Columns without an attribute (a cited record, a claim's subject)."""

    def save_instance(self, instance, is_create, row, **kwargs):
        # Deferred: written in bulk once every row is valid.
        self._pending.append((instance, is_create))

    def save_m2m(self, instance, row, **kwargs):
        pass  # written with the instances

    # The file ---------------------------------------------------------------

    def import_data(self, dataset, dry_run=False, **kwargs):
        # The file's rows are held in memory until the write, hundreds of
        # thousands of small objects: pausing the cyclic garbage collector
        # for the duration saves its repeated full scans (about 15%). It
        # frees nothing that reference counting does not.
        paused = gc.isenabled()
        gc.disable()
        try:
            return self._import_data(dataset, dry_run=dry_run, **kwargs)
        finally:
            if paused:
                gc.enable()

    def _import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        self._dry_run = dry_run
        self._pending = []
        self._first_row_of_key = {}
        self._cell_errors = {}
        user = kwargs.get("user")
        result = self.get_result_class()()
        result.diff_headers = self.get_diff_headers()
        headers = [str(h).strip() if h is not None else "" for h in dataset.headers or []]
        rows = []
        for number, values in enumerate(dataset, 1):
            if all(v in (None, "") for v in values):
                continue  # spreadsheets keep rows that were only cleared
            cells = map(unescape_cell, values)
            row = OrderedDict(zip(headers, cells, strict=False))
            self.check_characters(number, row)
            rows.append((number, row))
        result.total_rows = len(rows)
        if collect_failed_rows:
            result.add_dataset_headers(headers)
        try:
            self.check_headers(headers)
            self.prime([row for _n, row in rows], headers)
        except Exception as e:
            self.handle_import_error(result, e, raise_errors)
            return result
        loader = self._meta.instance_loader_class(self, dataset)
        self.report_progress(total=len(rows))
        for done, (number, row) in enumerate(rows, 1):
            row_kwargs = {**kwargs, "dry_run": dry_run, "row_number": number}
            row_result = self.import_row(row, loader, **row_kwargs)
            row_result.number = number
            result.increment_row_result_total(row_result)
            self.collect(result, number, row, row_result, collect_failed_rows, raise_errors)
            if done % BATCH_SIZE == 0:
                self.report_progress(validated=done)
        self.report_progress(validated=len(rows))
        if not dry_run and not result.has_errors() and not result.has_validation_errors():
            self.write_all(result, user, kwargs.get("file_name"), raise_errors)
        return result

    def collect(self, result, number, row, row_result, collect_failed_rows, raise_errors):
        if row_result.errors:
            result.append_error_row(number, row, row_result.errors)
            if collect_failed_rows:
                result.append_failed_row(row, row_result.errors[0])
            if raise_errors:
                raise RowImportError(row_result.errors[-1].error, number=number, row=row)
        elif row_result.validation_error:
            result.append_invalid_row(number, row, row_result.validation_error)
            if collect_failed_rows:
                result.append_failed_row(row, row_result.validation_error)
            if raise_errors:
                raise RowImportError(row_result.validation_error, number=number, row=row)
        result.append_row_result(row_result)

    def report_progress(self, **counts):
        if self.progress is not None:
            self.progress.update(**counts)

    def check_headers(self, headers):
        # The formats refuse such a file as it is read; a dataset built otherwise too.
        check_column_names(headers)
        self._check_import_id_fields(headers)
        known = {f.column_name for f in self.get_import_fields()}
        unknown = [h for h in headers if h not in known]
        if unknown:
            raise ValueError(
                _("Unknown column(s): %(unknown)s. The columns are: %(known)s.")
                % {
                    "unknown": ", ".join(unknown),
                    "known": ", ".join(f.column_name for f in self.get_import_fields()),
                }
            )
