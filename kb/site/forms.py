"""The public pages' forms: a FilterSet's form dressed for people, and site-wide search.

Parsing stays the FilterSet's (kb/filtering/); only widgets change here.
"""

from django import forms
from django.core.signals import setting_changed
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


# (FilterSet, field, bound, language, the field's values in the query) -> its group's HTML.
_GROUPS = {}
MAX_GROUPS = 2000  # free text (`q`) has values without end: all forgotten past this many


def _query_values(form, name):
    """The values the query gives a field, or None if its widget may read more than its name."""
    if isinstance(form.fields[name].widget, forms.MultiWidget):
        return None
    key = form.add_prefix(name)
    if hasattr(form.data, "getlist"):
        return tuple(form.data.getlist(key))
    return (form.data[key],) if key in form.data else ()


def field_groups(form, filterset_class):
    """(has errors, HTML) of each field of a FilterSet's form, presented, in order.

    A valid field's group depends on nothing but its FilterSet, the language,
    whether the form is bound, and the values the query gives that field:
    its label, help, widget and options come from the FilterSet class and
    present_field(). So it is kept, and a page presents and renders only the
    fields whose values were not seen before, and those with errors (which
    depend on the data as well). Most pages' fields are blank, or filled
    with a value other pages use too.
    """
    form.label_suffix = ""
    language = translation.get_language()
    groups = []
    for name in form.fields:
        errors = form.errors.get(name)
        values = None if errors else _query_values(form, name)
        key = None if values is None else (filterset_class, name, form.is_bound, language, values)
        html = _GROUPS.get(key)
        if html is None:
            present_field(form, name)
            html = form[name].as_field_group()
            if key is not None:
                if len(_GROUPS) >= MAX_GROUPS:
                    _GROUPS.clear()
                _GROUPS[key] = html
        groups.append((bool(errors), html))
    return groups


def _forget_groups(**kwargs):
    # A test's changed setting (languages, formats) may change how fields render.
    _GROUPS.clear()


setting_changed.connect(_forget_groups)


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
