"""Forms of the editorial workflow: a size-limited import form, and change
forms that refuse to overwrite a concurrent save."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.utils.formats import localize
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.forms import ImportForm
from reversion.models import Version

TOKEN = "concurrency_token"


class SizeLimitedImportForm(ImportForm):
    """The import form, refusing files over IMPORT_MAX_UPLOAD_BYTES before any parsing."""

    check_first = forms.BooleanField(
        required=False,
        initial=True,
        label=gettext_lazy("Check the file first"),
        help_text=gettext_lazy(
            "Write nothing yet: list what would change, or what to correct; "
            "then import it from the job's page."
        ),
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise ValidationError(
                _("This file is %(size)s; files of up to %(limit)s can be imported.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
            )
        return upload


def token_for(instance):
    return instance.updated_at.isoformat() if instance.updated_at else ""


class ConcurrencyForm(forms.ModelForm):
    """A change form that refuses a save made over someone else's.

    The form carries the record's `updated_at` as it was when the editor
    opened it (`concurrency_token`), and each field's value then (Django's
    hidden initial inputs). On save, if the row's `updated_at` has moved,
    the save is refused and the message lists the fields that changed
    meanwhile, with their current values. Inline rows are covered as far as
    saving them through this form moves the record's `updated_at` (the
    admin always saves the record too); a join row edited on its own page
    does not, and so is not detected here.
    """

    concurrency_token = forms.CharField(widget=forms.HiddenInput, required=False)

    # The admin's revert and recover pages save a chosen old version on
    # purpose, so they turn the check off (editorial.py).
    check_concurrency = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != TOKEN:
                field.show_hidden_initial = True
        if self.instance.pk:
            self.fields[TOKEN].initial = token_for(self.instance)

    def clean(self):
        cleaned_data = super().clean()
        if self.check_concurrency and self.instance.pk:
            self.refuse_stale_save()
        return cleaned_data

    def refuse_stale_save(self):
        model = type(self.instance)
        rows = model._default_manager.filter(pk=self.instance.pk)
        if connection.in_atomic_block:
            # Held until the save commits, so two saves cannot both pass.
            rows = rows.select_for_update()
        current = rows.values_list("updated_at", flat=True).first()
        loaded = self.data.get(self.add_prefix(TOKEN), "")
        if current is None or (loaded and loaded == current.isoformat()):
            return
        messages = [self.stale_summary(current)]
        messages.extend(self.changed_since_loaded())
        if len(messages) == 1:
            messages.append(
                _("No field of this form differs: its citations or join rows may have changed.")
            )
        raise ValidationError(messages, code="stale")

    def stale_summary(self, current):
        version = (
            Version.objects.get_for_object(self.instance).select_related("revision__user").first()
        )
        user = version.revision.user if version and version.revision.user_id else None
        when = localize(localtime(current))
        if user is not None:
            text = _("%(user)s saved this record at %(when)s, after you opened it.") % {
                "user": user.get_username(),
                "when": when,
            }
        else:
            text = _("This record was saved at %(when)s, after you opened it.") % {"when": when}
        return (
            text
            + " "
            + _(
                "Your changes were not saved. Reload the page to see the current version, "
                "then make your changes again. Changed meanwhile:"
            )
        )

    def changed_since_loaded(self):
        """“Field: now X (you opened Y)” for each field someone else changed."""
        lines = []
        for name, field in self.fields.items():
            if name == TOKEN:
                continue
            bound = self[name]
            loaded = self._widget_data_value(field.hidden_widget(), bound.html_initial_name)
            current = self.get_initial_for_field(field, name)
            try:
                changed = field.has_changed(current, loaded)
            except ValidationError:
                changed = True
            if changed:
                lines.append(
                    _("%(field)s: now “%(now)s”") % {"field": field.label, "now": self.shown(name)}
                )
        return lines

    def shown(self, name):
        """The record's current value of a field, as a person reads it."""
        display = getattr(self.instance, f"get_{name}_display", None)
        if display is not None:
            return display()
        value = getattr(self.instance, name, "")
        if hasattr(value, "all"):
            return ", ".join(str(v) for v in value.all()) or "—"
        return "—" if value in (None, "", []) else str(value)
