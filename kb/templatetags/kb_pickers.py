"""The filter pickers' words: what kb/static/kb/picker.js says, in the page's language."""

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.simple_tag
def picker_words():
    """For `json_script`: the live region's count of suggestions as Intl.PluralRules forms
    ({"one", "other"}, with %(count)s), and its other messages."""
    return {
        "count": {
            "one": ngettext("%(count)s suggestion", "%(count)s suggestions", 1),
            "other": ngettext("%(count)s suggestion", "%(count)s suggestions", 2),
        },
        "none": gettext("No suggestion: a slug works too."),
        "failed": gettext("Suggestions are not available; type a name or a slug."),
    }
