"""Row rules of the batch import path (engine.py), each error on its column.

`full_clean` runs without its per-row queries; what it would have checked
with them is checked here in Python: uniqueness by natural key within the
file, required relations, and the database's CHECK constraints (each from
its rule in kb/models/rules.py, never restated here).
"""

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from ..domain.publication import can_publish
from ..lib.batching import batched
from ..models import Record, SlugRedirect, Status
from ..models.base import slug_redirects_message
from ..models.rules import rules_for
from .widgets import refused_character


class RowChecks:
    """Mixed into BatchResource: validation of one row, and change detection."""

    # The slugs of the file's new records that redirect (load_existing reads them).
    redirected_slugs = frozenset()

    def find_redirected(self, slugs):
        """Those of `slugs` (the file's new ones) that redirect: one query, none if empty."""
        if not slugs or not issubclass(self._meta.model, Record):
            return frozenset()
        redirects = SlugRedirect.objects.of_model(self._meta.model)
        found = set()
        for chunk in batched(slugs):
            found.update(redirects.filter(old_slug__in=chunk).values_list("old_slug", flat=True))
        return frozenset(found)

    def check_characters(self, number, row):
        """Cells holding a character no text may hold (widgets.refused_character).

        Checked on the row as read, before any cell reaches a query (PostgreSQL
        refuses a NUL even in a lookup, so a slug holding one would fail the
        whole file without naming its row). Such a cell is then read as empty,
        and import_instance reports its error on its column.
        """
        long_text = self.long_text_columns()
        for column, value in row.items():
            if isinstance(value, str) and (reason := refused_character(value, column in long_text)):
                self._cell_errors.setdefault(number, {})[column] = [reason]
                row[column] = ""

    def long_text_columns(self):
        """Columns of TextFields, whose text may hold tabs and line breaks (computed once)."""
        if getattr(self, "_long_text", None) is None:
            model = self._meta.model
            columns = set()
            for field in self.fields.values():
                try:
                    model_field = model._meta.get_field(field.attribute or "")
                except FieldDoesNotExist:
                    continue  # a computed column (a cited record): short text
                if isinstance(model_field, models.TextField):
                    columns.add(field.column_name)
            self._long_text = frozenset(columns)
        return self._long_text

    def check_status(self, instance, row, before, user, errors):
        """Only reviewers (publish permission) may change a status by import."""
        if not isinstance(instance, Record) or "status" not in row:
            return
        after = instance.status
        changed = after != before if before is not None else after != Status.DRAFT
        if changed and not can_publish(user, self._meta.model):
            errors["status"] = [
                _(
                    "Only reviewers may change the publication status by import: "
                    "leave it as “%(status)s”."
                )
                % {"status": before or Status.DRAFT}
            ]

    def check_duplicate(self, instance, number, errors):
        key = self.instance_key(instance)
        if key is None:
            return
        first = self._first_row_of_key.setdefault(key, number)
        if first != number:
            errors.setdefault(self.key_columns[0], []).append(
                _("Row %(first)s has the same key (%(columns)s).")
                % {"first": first, "columns": ", ".join(self.key_columns)}
            )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors or original is None or original.pk is None:
            return False
        return all(
            self.cell(field, instance) == self.cell(field, original)
            for field in self.get_import_fields()
            if field.column_name in row
        )

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """full_clean without its per-row queries, then the constraints in Python.

        Foreign keys were resolved by the primed widgets (so their existence
        check would only repeat a query per cell), uniqueness holds by
        matching on the natural key plus check_duplicate, and the CHECK
        constraints are restated by check_row so each error names a column.
        """
        errors = {col: list(msgs) for col, msgs in (import_validation_errors or {}).items()}
        model_errors = {}
        reported = self.not_to_validate(errors)
        exclude = reported | self.never_validated()
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as e:
            model_errors = e.update_error_dict(model_errors)
        self.check_required_relations(instance, model_errors, reported)
        self.check_row(instance, model_errors)
        for name, messages in model_errors.items():
            column = self.attribute_column(name)
            if column in errors:
                continue  # the cell's own error says it better
            errors.setdefault(column, []).extend(
                m for error in messages for m in getattr(error, "messages", [error])
            )
        if errors:
            raise ValidationError(errors)

    def never_validated(self):
        """Fields full_clean need not check on any row of this resource (computed once).

        Relations, resolved by the primed widgets; cells their widget has
        already checked (a country code against the list of countries, which
        full_clean would walk for every row); translated originals.
        """
        if getattr(self, "_never_validated", None) is None:
            model = self._meta.model
            self._never_validated = frozenset(
                [f.name for f in model._meta.concrete_fields if f.is_relation]
                + [f.attribute for f in self.fields.values() if getattr(f.widget, "validates", 0)]
                + self.translated_originals()
            )
        return self._never_validated

    def translated_originals(self):
        """Optional fields whose languages are columns: validating those is enough.

        (`description` reads `description_en` or `_fr`, so checking it again
        costs a translation lookup per row and finds nothing new.)
        """
        model = self._meta.model
        return [
            f.name
            for f in model._meta.concrete_fields
            if f.blank and f"{f.name}_en" in self.fields and f"{f.name}_fr" in self.fields
        ]

    def not_to_validate(self, errors):
        """Model fields whose cells already have an error: one message per cell."""
        return {self.column_attribute(col) for col in errors}

    def check_required_relations(self, instance, errors, reported):
        """A required relation left empty (full_clean skips relations here)."""
        if getattr(self, "_required_relations", None) is None:
            self._required_relations = [
                f for f in self._meta.model._meta.concrete_fields if f.is_relation and not f.blank
            ]
        for field in self._required_relations:
            if (
                field.name not in reported
                and getattr(instance, field.attname) is None
                and getattr(instance, field.name, None) is None  # not an unsaved parent
            ):
                errors.setdefault(field.name, []).append(_("This field is required."))

    def check_row(self, instance, errors):
        """Rules the database enforces with CHECK constraints, per column."""
        for rule in rules_for(self._meta.model):
            for name, messages in rule.errors(instance).items():
                errors.setdefault(name, []).extend(messages)
        self.check_slug_free(instance, errors)

    def check_slug_free(self, instance, errors):
        """A new record may not take a merged record's old slug (Record.validate_unique's
        rule), from the redirects load_existing read for the whole file."""
        if instance.pk is None and getattr(instance, "slug", "") in self.redirected_slugs:
            errors.setdefault("slug", []).append(str(slug_redirects_message(instance.slug)))

    def column_attribute(self, column):
        field = self.fields.get(column)
        return field.attribute if field and field.attribute else column

    def attribute_column(self, name):
        """The column to report a model field's error in."""
        if name == NON_FIELD_ERRORS:
            return name
        for field in self.fields.values():
            if field.attribute == name:
                return field.column_name
        for column in (f"{name}_en", f"{name}_id"):  # a translated field, say name -> name_en
            if column in self.fields:
                return column
        return name
