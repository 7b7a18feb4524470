"""The forms of the source-first entry page (kb/admin/entry.py).

`EntryForms` bundles them: the selection (two offsets into the source's
text, and what to do with the passage), then one form per action: cite it for
an existing record, or create an organisation, an event (with participants)
or an agreement (with parties). Only the chosen action's form is validated.
The quote itself is never a field: kb/domain/entry.py cuts it from the
stored text.
"""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import registry
from ..domain import entry
from ..models import Agreement, AgreementParty, Event, Organisation, Participation

CITE, ORGANISATION, EVENT, AGREEMENT = "cite", "organisation", "event", "agreement"
ACTIONS = (
    (CITE, gettext_lazy("Cite it for an existing record")),
    (ORGANISATION, gettext_lazy("Create an organisation")),
    (EVENT, gettext_lazy("Create an event")),
    (AGREEMENT, gettext_lazy("Create an agreement")),
)
# The model each creating action makes.
CREATES = {ORGANISATION: Organisation, EVENT: Event, AGREEMENT: Agreement}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def citable_types(admin_site):
    """The types an existing record can be cited as: those sources cite, with an admin."""
    return [entry for entry in registry.cited() if entry.model in admin_site._registry]


class RecordPicker(AutocompleteSelect):
    """The admin's Select2 picker over any record type, asking the entry page's own
    endpoint (which searches the type's admin) for records of `model_name`.

    The page's script changes `data-model-name` when the editor picks another type:
    the admin's autocomplete.js reads it at each search.
    """

    def __init__(self, admin_site, attrs=None):
        # The admin's widget wants a foreign key; this one's only use is its media.
        super().__init__(Participation._meta.get_field("organisation"), admin_site, attrs)
        self.model_name = ""
        self.record = None

    def get_url(self):
        return reverse(f"{self.admin_site.name}:kb_source_entry_records")

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs.update({"data-model-name": self.model_name, "data-field-name": ""})
        return attrs

    def optgroups(self, name, value, attr=None):
        options = [self.create_option(name, "", "", False, 0)]
        if self.record is not None:
            options.append(self.create_option(name, self.record.pk, str(self.record), True, 1))
        return [(None, options, 0)]


class SelectionForm(forms.Form):
    """The passage (offsets the page's script fills in) and what to do with it."""

    start = forms.IntegerField(required=False, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, widget=forms.HiddenInput)
    action = forms.ChoiceField(
        choices=ACTIONS, initial=CITE, widget=forms.RadioSelect, label=gettext_lazy("Action")
    )
    translation = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Translation"),
        help_text=gettext_lazy("Optional: your translation of the passage (Entente's)."),
    )
    # The quote's fingerprint when it was shown for confirmation (Selection.digest).
    digest = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, source, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.selection = None

    def clean(self):
        data = super().clean()
        if self.has_error("start") or self.has_error("end"):
            return data
        try:
            self.selection = entry.select(self.source, data.get("start"), data.get("end"))
        except ValidationError as error:
            self.add_error(None, error)
        return data


class CiteForm(forms.Form):
    record_type = forms.ChoiceField(label=gettext_lazy("Type"))
    # Bounded as the key column is (a larger number would be a database error).
    record = forms.IntegerField(label=gettext_lazy("Record"), min_value=1, max_value=2**63 - 1)

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.types = {entry.name: entry for entry in citable_types(admin_site)}
        self.fields["record_type"].choices = [(name, e.title) for name, e in self.types.items()]
        picker = RecordPicker(admin_site)
        picker.model_name = self["record_type"].value() or next(iter(self.types))
        self.fields["record"].widget = picker
        self.record = None

    def clean(self):
        data = super().clean()
        kind, pk = data.get("record_type"), data.get("record")
        if kind and pk is not None:
            entry_ = self.types[kind]
            rows = entry_.model._default_manager.select_related(*entry_.ends)
            self.record = rows.filter(pk=pk).first()
            if self.record is None:
                self.add_error("record", _("There is no such record: choose one in the list."))
            else:
                self.fields["record"].widget.record = self.record
        return data


def organisation_picker(admin_site, multiple=False):
    widget = AutocompleteSelectMultiple if multiple else AutocompleteSelect
    return widget(Participation._meta.get_field("organisation"), admin_site)


def picker(field, widget):
    """Give a model choice field the admin's autocomplete widget (which lists the field's
    choices, so it takes them as the field's own widget would)."""
    widget.choices = field.choices
    field.widget = widget


class NamedForm(forms.ModelForm):
    """A new record's form: its English name required, the French one optional."""

    required_names = ()

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required_names:
            self.fields[name].required = True

    def joins(self):
        """The join rows to create with the record (entry.create's keywords)."""
        return {}


class OrganisationForm(NamedForm):
    required_names = ("name_en",)

    class Meta:
        model = Organisation
        fields = ("name_en", "name_fr", "acronym", "kind", "country")
        labels = {
            "name_en": gettext_lazy("Name (English)"),
            "name_fr": gettext_lazy("Name (French)"),
        }


class EventForm(NamedForm):
    required_names = ("name_en",)
    host = forms.ModelChoiceField(
        Organisation.objects.all(),
        required=False,
        label=gettext_lazy("Host"),
        help_text=gettext_lazy("Optional: the organisation that hosted it (role “host”)."),
    )
    participants = forms.ModelMultipleChoiceField(
        Organisation.objects.all(),
        required=False,
        label=gettext_lazy("Participants"),
    )
    role = forms.ChoiceField(
        choices=Participation.Role.choices,
        initial=Participation.Role.COUNTERPART,
        label=gettext_lazy("Their role"),
    )

    class Meta:
        model = Event
        fields = (
            "name_en",
            "name_fr",
            "kind",
            "start_date",
            "end_date",
            "date_precision",
            "parent",
        )
        labels = {
            "name_en": gettext_lazy("Name (English)"),
            "name_fr": gettext_lazy("Name (French)"),
        }
        widgets = {"start_date": DATE, "end_date": DATE}

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, admin_site=admin_site, **kwargs)
        picker(
            self.fields["parent"], AutocompleteSelect(Event._meta.get_field("parent"), admin_site)
        )
        picker(self.fields["host"], organisation_picker(admin_site))
        picker(self.fields["participants"], organisation_picker(admin_site, multiple=True))

    def joins(self):
        data = self.cleaned_data
        host = [(data["host"], Participation.Role.HOST)] if data.get("host") else []
        return {
            "participants": host + [(org, data["role"]) for org in data.get("participants", ())]
        }


class AgreementForm(NamedForm):
    required_names = ("title_en",)
    parties = forms.ModelMultipleChoiceField(
        Organisation.objects.all(),
        required=False,
        label=gettext_lazy("Parties"),
        help_text=gettext_lazy("Recorded as signatories."),
    )

    class Meta:
        model = Agreement
        fields = ("title_en", "title_fr", "kind")
        labels = {
            "title_en": gettext_lazy("Title (English)"),
            "title_fr": gettext_lazy("Title (French)"),
        }

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, admin_site=admin_site, **kwargs)
        field = AgreementParty._meta.get_field("organisation")
        picker(self.fields["parties"], AutocompleteSelectMultiple(field, admin_site))

    def joins(self):
        return {"parties": list(self.cleaned_data.get("parties", ()))}


ACTION_FORMS = {
    CITE: CiteForm,
    ORGANISATION: OrganisationForm,
    EVENT: EventForm,
    AGREEMENT: AgreementForm,
}


class EntryForms:
    """The selection form and every action's form, bound to the same POST data."""

    def __init__(self, source, admin_site, data=None, initial=None):
        self.source = source
        self.selection_form = SelectionForm(data, initial=initial, source=source)
        # A passage asked for in the address (?start=&end=): ValidationError if it is none.
        self.preselected = None
        if data is None and initial:
            self.preselected = entry.select(source, initial.get("start"), initial.get("end"))
        self.action_forms = {
            action: form_class(data, prefix=action, admin_site=admin_site)
            for action, form_class in ACTION_FORMS.items()
        }

    @property
    def action(self):
        form = self.selection_form
        if form.is_bound and form.is_valid():
            return form.cleaned_data["action"]
        return form["action"].value() or CITE

    @property
    def action_form(self):
        return self.action_forms.get(self.action)

    @property
    def selection(self):
        return self.selection_form.selection or self.preselected

    def is_valid(self):
        # Both, so the editor sees every error at once.
        selection_ok = self.selection_form.is_valid()
        action_form = self.action_forms.get(self.selection_form.data.get("action"))
        return selection_ok and action_form is not None and action_form.is_valid()

    @property
    def media(self):
        media = forms.Media()
        for form in self.action_forms.values():
            media += form.media
        return media

    def confirmed(self):
        """Whether the quote shown for confirmation is still the text's (its digest)."""
        return self.selection_form.cleaned_data.get("digest") == self.selection.digest

    def model(self):
        """The model the chosen action writes a row of (Citation's record when citing)."""
        if self.action == CITE:
            return type(self.action_form.record)
        return CREATES[self.action]

    def summary(self):
        """What the chosen action will write, as (label, value) pairs for the editor."""
        form = self.action_form
        pairs = [(_("Action"), dict(ACTIONS)[self.action])]
        for name, field in form.fields.items():
            value = form.cleaned_data.get(name)
            if value in (None, "", [], ()) or (hasattr(value, "exists") and not value.exists()):
                continue
            if name == "record":
                value = form.record
            elif name == "record_type":
                value = form.types[value].title
            elif hasattr(value, "__iter__") and not isinstance(value, str):
                value = ", ".join(str(item) for item in value)
            elif getattr(field, "choices", None) and not hasattr(value, "pk"):
                value = dict(field.choices).get(value, value)
            pairs.append((field.label, value))
        return pairs

    def write(self, user):
        """Write what the forms describe (kb/domain/entry.py); return the record."""
        translation = self.selection_form.cleaned_data["translation"]
        form = self.action_form
        if self.action == CITE:
            entry.cite(self.selection, form.record, user=user, translation=translation)
            return form.record
        joins = form.joins()
        record = form.save(commit=False)
        return entry.create(self.selection, record, user=user, translation=translation, **joins)
