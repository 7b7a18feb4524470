"""The public pages' forms: a FilterSet's form dressed for people, and site-wide search.

Parsing stays the FilterSet's (kb/filtering/); here, a page's form takes what
people type (`for_people`: record names, dates in the page's language) and
shows its values back as people read them (names, not slugs or codes).
"""

import datetime
import json

from django import forms
from django.core.signals import setting_changed
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..domain.suggestions import named_types
from ..filtering.fields import (
    ISO_DATE,
    MAX_QUERY_LENGTH,
    ChoiceListField,
    CountryListField,
    ListWidget,
    SlugListField,
)

# A page's dates, typed and shown: day first on /fr/; ISO on /en/, the URL's own
# format, which no English reader misreads (01/02 is a different day in the UK and
# the US). (strftime format, the placeholder that spells it.) The URL stays ISO.
DAY_FORMATS = {"en": (ISO_DATE, "yyyy-mm-dd"), "fr": ("%d/%m/%Y", "jj/mm/aaaa")}
SUGGESTED = {model._meta.model_name for model in named_types()}


class ListSelect(forms.Select):
    """A drop-down for a short list of choices that reads values as the FilterSet does."""

    value_from_datadict = ListWidget.value_from_datadict


class ShownListWidget(ListWidget):
    """A list's text box that shows each value as people read it (`show`: a slug's
    record name, a code's country name); what it shows reads back as the same value."""

    def __init__(self, attrs=None, show=None):
        super().__init__(attrs)
        self.show = show

    def format_value(self, value):
        if self.show is not None and isinstance(value, list | tuple):
            value = [self.show(v) for v in value]
        return super().format_value(value)


class DayInput(forms.DateInput):
    """A day typed as text in the page's format.

    Not `type="date"`: the browser's picker writes the day in its own locale's
    order, whatever the page's language (a French page in an American browser
    asked for mm/dd/yyyy).
    """

    input_type = "text"

    def format_value(self, value):
        if isinstance(value, str):
            try:  # the URL's ISO date, shown in the page's format
                value = datetime.datetime.strptime(value, ISO_DATE).date()
            except ValueError:
                return value  # as typed, beside its error
        return super().format_value(value)


def day_format():
    """(strftime format, placeholder) of the active language's dates."""
    return DAY_FORMATS.get(translation.get_language(), DAY_FORMATS["en"])


def is_country_field(field):
    return isinstance(field, CountryListField)


def is_day_field(field):
    return isinstance(field, forms.DateField) and not isinstance(field, forms.DateTimeField)


def for_people(form):
    """Let a page's FilterSet form take what people type, before it is validated: a
    record's name for its slug, and dates in the page's format as well as ISO. The
    page then redirects to the URL of slugs, codes and ISO dates (`canonical_query`
    in kb/filtering/names.py). The API's forms stay strict."""
    formats = list(dict.fromkeys([day_format()[0], ISO_DATE]))
    for field in form.fields.values():
        if isinstance(field, SlugListField):
            field.accept_names = True
        elif is_day_field(field):
            field.input_formats = formats
    return form


def shown(form, name):
    """How a valid field's values read to people (a function of one value), or None
    when they read as typed."""
    field = form.fields[name]
    valid = name not in form.errors
    cleaned = getattr(form, "cleaned_data", {}).get(name) if valid else None
    if is_country_field(field):

        def country(value):
            code = value.strip().upper()
            return str(countries.name(code)) if code in countries else value

        return country
    if is_day_field(field):
        return DayInput(format=day_format()[0]).format_value
    if isinstance(field, SlugListField) and cleaned:
        # A name with a comma would read back as two values: its slug is shown instead.
        names = {s: n for s, n in getattr(cleaned, "names", {}).items() if n and "," not in n}
        return lambda value: names.get(value, value)
    return None


def _label(choice):
    return choice[1]


def present(form):
    """Widgets for people, on a FilterSet's form; parsing stays the FilterSet's.

    Short choice lists become drop-downs (unless the URL asks for several
    values, which a drop-down cannot show); countries get a list of names to
    pick from; relation filters are text inputs that take names, which
    kb/static/kb/picker.js makes comboboxes of; dates are text in the page's
    format. Values show as names.
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
            attrs = {**widget.attrs, "list": "country-names", "autocomplete": "off"}
            field.widget = ShownListWidget(attrs, show=shown(form, name))
            field.help_text = form[name].help_text = _(
                "A name in English or French, or an ISO code such as DE; several, separated "
                "by commas."
            )
        elif len(form[name].value() or []) <= 1:
            choices = [(key, str(label)) for key, label in field.choices]
            if name == "language":
                # Django's language names are marked for translation, not translated.
                choices = sorted(((k, gettext(label)) for k, label in choices), key=_label)
            field.widget = ListSelect(choices=[("", _("Any")), *choices])
            # The codes the help text lists are the options themselves.
            field.help_text = form[name].help_text = ""
    elif isinstance(field, SlugListField):
        attrs = {**widget.attrs, "autocomplete": "off", "spellcheck": "false"}
        kind = field.queryset.model._meta.model_name
        if kind in SUGGESTED:
            attrs["data-suggest"] = reverse("kb:suggest", kwargs={"kind": kind})
        show = shown(form, name)
        if show is not None:
            # The names shown, with their slugs: the picker sends these, so a name two
            # records share stays the record the page meant.
            slugs = getattr(form, "cleaned_data", {}).get(name) or []
            picked = {show(slug): slug for slug in slugs if show(slug) != slug}
            if picked:
                attrs["data-picked"] = json.dumps(picked, ensure_ascii=False, sort_keys=True)
        field.widget = ShownListWidget(attrs, show=show)
        # After what the filter means, if it says (the person filter: "In person, or ...").
        typed = gettext("A name or a slug; several, separated by commas.")
        meaning = str(field.help_text or "")
        field.help_text = form[name].help_text = f"{meaning} {typed}" if meaning else typed
    elif is_day_field(field):
        day, placeholder = day_format()
        field.widget = DayInput(attrs={"placeholder": placeholder}, format=day)
        field.help_text = form[name].help_text = _(
            "Write the date as %(format)s, e.g. %(example)s."
        ) % {"format": placeholder, "example": datetime.date(2025, 11, 24).strftime(day)}
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
    prefix = get_script_prefix()  # in the suggestions' URL
    groups = []
    for name in form.fields:
        errors = form.errors.get(name)
        values = None if errors else _query_values(form, name)
        key = None
        if values is not None:
            # A relation's values show as their records' names, which the data may change.
            cleaned = getattr(form, "cleaned_data", {}).get(name)  # unbound: none
            names = getattr(cleaned, "names", None)
            shows = tuple(sorted(names.items())) if names else ()
            key = (filterset_class, name, form.is_bound, language, prefix, values, shows)
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
