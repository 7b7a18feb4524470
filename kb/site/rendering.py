"""The filter forms' HTML: Django's own form templates, written in Python.

A list page's form renders each field through five to a dozen of Django's
form templates (field, label, errors, the widget, its attributes, one
include per option); the template engine's overhead on those small
templates was a fifth of the page's time. `FormRenderer` writes the same
HTML from the same contexts Django builds (the labels, attributes, values,
options and errors all still come from Django's forms), byte for byte:
tests/site/test_rendering.py compares it with Django's renderer for every
FilterSet's form, bound to valid and invalid data, in both languages.

Only the templates below, as Django 5.2 ships them, are written here; any
other template, or a field set in a fieldset, is rendered by Django.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

SELECT_OPTION = "django/forms/widgets/select_option.html"


def _text(value):
    """`{{ value }}`: localized, then escaped unless it is safe."""
    value = localize(value)
    if not isinstance(value, str):
        value = str(value)
    return conditional_escape(value)


def _as_string(value):
    """`{{ value|stringformat:'s' }}`: the filter keeps safe input safe."""
    try:
        formatted = "%s" % (str(value) if isinstance(value, tuple) else value)
    except (ValueError, TypeError):
        formatted = ""
    return formatted if isinstance(value, SafeData) else escape(formatted)


def _attrs(attrs):
    """django/forms/attrs.html and django/forms/widgets/attrs.html."""
    if not attrs:
        return ""
    html = []
    for name, value in attrs.items():
        if value is not False:
            html.append(f" {_text(name)}")
            if value is not True:
                html.append(f'="{_as_string(value)}"')
    return "".join(html)


def _field(context):
    """django/forms/field.html (no fieldset)."""
    field = context["field"]
    if field.use_fieldset:
        return None
    label = field.label_tag() if field.label else ""
    help_text = ""
    if field.help_text:
        help_id = f' id="{_text(field.auto_id)}_helptext"' if field.auto_id else ""
        # `|safe`: help texts are the app's own, and may hold markup.
        help_text = f'<div class="helptext"{help_id}>{field.help_text}</div>'
    return f"\n  {label}\n\n{help_text}\n{field.errors}\n{field}\n"


def _label(context):
    """django/forms/label.html."""
    label = _text(context["label"])
    if not context["use_tag"]:
        return label
    tag = _text(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>\n"


def _errors(context):
    """django/forms/errors/list/default.html (which includes ul.html)."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    error_id = f' id="{_text(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_text(error)}</li>" for error in errors)
    return f'<ul class="{_text(context["error_class"])}"{error_id}>{items}</ul>'


def _input(context):
    """django/forms/widgets/input.html, which text.html, search.html and date.html include."""
    widget = context["widget"]
    value = widget["value"]
    value = "" if value is None else f' value="{_as_string(value)}"'
    return (
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>\n"
    )


def _select(context):
    """django/forms/widgets/select.html, with select_option.html for each option."""
    widget = context["widget"]
    html = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            html.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            if option["template_name"] != SELECT_OPTION:
                return None
            html.append(
                f'\n  <option value="{_as_string(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
            )
        if group_name:
            html.append("\n  </optgroup>")
    html.append("\n</select>\n")
    return "".join(html)


TEMPLATES = {
    "django/forms/field.html": _field,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
    "django/forms/widgets/input.html": _input,
    "django/forms/widgets/text.html": _input,
    "django/forms/widgets/search.html": _input,
    "django/forms/widgets/date.html": _input,
    "django/forms/widgets/select.html": _select,
}


class FormRenderer(DjangoTemplates):
    """Django's default form renderer, with its commonest templates written in Python."""

    def render(self, template_name, context, request=None):
        write = TEMPLATES.get(template_name)
        html = write(context) if write is not None and request is None else None
        if html is None:
            return super().render(template_name, context, request=request)
        # As BaseRenderer.render() strips what the template engine returns.
        return html.strip()


# One per process, like Django's default renderer: its template engine is built once.
renderer = FormRenderer()
