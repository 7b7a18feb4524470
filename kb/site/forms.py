"""The public pages' forms: a FilterSet's form dressed for people, and site-wide search.

Parsing stays the FilterSet's (kb/filtering/); only widgets change here.
"""

from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..filtering.fields import (
    COUNTRY_CHOICES,
    MAX_QUERY_LENGTH,
    ChoiceListField,
    ListWidget,
    SlugListField,
)


class ListSelect(forms.Select):
    """A drop-down for a short list of choices that reads values as the FilterSet does."""

    value_from_datadict = ListWidget.value_from_datadict


def is_country_field(field):
    # Compared by value: each form works on a deep copy of the FilterSet's fields.
    return getattr(field, "choices", None) == COUNTRY_CHOICES


def _label(choice):
    return choice[1]


def present(form):
    """Widgets for people, on a FilterSet's form; parsing stays the FilterSet's.

    Short choice lists become drop-downs (unless the URL asks for several
    values, which a drop-down cannot show); countries get a list of codes to
    pick from; relation filters stay text inputs, by slug.
    """
    form.label_suffix = ""
    for name in form.fields:
        present_field(form, name)
    return form


def present_field(form, name):
    """present() for one field (the form's label_suffix aside)."""
    field = form.fields[name]
    widget = field.widget
    if isinstance(field, ChoiceListField):
        if is_country_field(field):
            widget.attrs.update(list="country-codes", autocomplete="off")
        elif len(form[name].value() or []) <= 1:
            choices = [(key, str(label)) for key, label in field.choices]
            if name == "language":
                # Django's language names are marked for translation, not translated.
                choices = sorted(((k, gettext(label)) for k, label in choices), key=_label)
            field.widget = ListSelect(choices=[("", _("Any")), *choices])
            # The codes the help text lists are the options themselves.
            field.help_text = form[name].help_text = ""
    elif isinstance(field, SlugListField):
        widget.attrs.update(autocomplete="off", spellcheck="false", autocapitalize="none")
    elif isinstance(field, forms.DateField):
        # The browser's date picker shows the date its own way: "YYYY-MM-DD" would mislead.
        field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        field.help_text = form[name].help_text = ""
    elif name == "q":
        widget.input_type = "search"
    elif name == "ordering":
        # django-filter adds its own "---------" first option; name it instead.
        sorts = [(key, label) for key, label in field.choices if key]
        field.widget = forms.Select(choices=[("", _("Default order")), *sorts])


# (FilterSet, field, bound, language) -> the group's HTML: at most one entry
# per field of each list's form, in each language, bound or not.
_BLANK_GROUPS = {}


def field_groups(form, filterset_class):
    """(has errors, HTML) of each field of a FilterSet's form, presented, in order.

    A field the query does not name renders the same on every request for a
    list and language (its label, help, widget and options come from the
    FilterSet class and `present()`), so its HTML is kept from the first;
    the one or two fields a query fills, and any with errors, are presented
    and rendered.
    """
    form.label_suffix = ""
    language = translation.get_language()
    groups = []
    for name, field in form.fields.items():
        errors = form.errors.get(name)
        blank = not errors and field.widget.value_omitted_from_data(
            form.data, form.files, form.add_prefix(name)
        )
        key = (filterset_class, name, form.is_bound, language)
        html = _BLANK_GROUPS.get(key) if blank else None
        if html is None:
            present_field(form, name)
            html = form[name].as_field_group()
            if blank:
                _BLANK_GROUPS[key] = html
        groups.append((bool(errors), html))
    return groups


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        help_text=_(
            "Names in English or French, acronyms and other names; accents and case do not matter."
        ),
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
