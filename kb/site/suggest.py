"""The filter pickers' suggestions: /<lang>/suggest/<type>/?q=Norw, as JSON.

A relation filter's text box (kb/site/forms.py) names this URL in `data-suggest`;
kb/static/kb/picker.js turns the box into a combobox that lists what it answers:

    {"results": [{"slug": "norwegian-national-police",
                  "name": "Norwegian National Police", "hint": "Norway"}, ...]}

at most ten published records whose names hold every word typed (in either
language, accents and case aside), best first (kb/domain/suggestions.py, the
read the filters use to take a name), named in the page's language; `hint`
tells records of the same name apart (an organisation's acronym and country,
an event's start date). One query. `q` missing, blank, over 200 characters or
holding a NUL byte is a 400 naming it; an unknown type is a 404. The answers
are public pages' data, kept by the response cache like the pages.
"""

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, JsonResponse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from ..domain.suggestions import LIMIT, candidates, named_types
from ..filtering.fields import MAX_QUERY_LENGTH

TYPES = {model._meta.model_name: model for model in named_types()}


class SuggestForm(forms.Form):
    q = forms.CharField(
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        validators=[ProhibitNullCharactersValidator()],
        error_messages={"required": _("Type a few letters of a name.")},
    )


def hint(candidate):
    """What tells two records of the same name apart, in the page's language."""
    hints = candidate.hints
    parts = []
    if hints.get("acronym") and hints["acronym"] != candidate.name:
        parts.append(hints["acronym"])
    if hints.get("country"):
        parts.append(str(countries.name(hints["country"])))
    if hints.get("start_date"):
        parts.append(date_format(hints["start_date"], "DATE_FORMAT"))
    return " · ".join(parts)


def suggest(request, kind):
    model = TYPES.get(kind)
    if model is None:
        raise Http404(f"No suggestions for “{kind}”.")
    form = SuggestForm(request.GET)
    if not form.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    found = candidates(model.objects.published(), form.cleaned_data["q"], LIMIT)
    results = [{"slug": c.slug, "name": c.name, "hint": hint(c)} for c in found]
    return JsonResponse({"results": results}, json_dumps_params={"ensure_ascii": False})
