"""Entering facts from a source's own text: the source's entry page in the admin.

`/admin/kb/source/<id>/entry/` shows the stored text, its cited passages
highlighted (kb/domain/coverage.py, drafts included), and a form. The editor
selects a passage; the page's script (kb/static/kb/admin/entry.js, a file:
the Content-Security-Policy allows no inline script) turns the selection into
character offsets in the stored text and fills the form's hidden `start` and
`end`. The editor then cites the passage for an existing record, or creates a
draft organisation, event or agreement citing it (entry_forms.py). The server
cuts the quote from the text itself (kb/domain/entry.py), shows it back for
confirmation, and writes on the second POST only: one transaction, one
revision. `?start=&end=` preselects a passage (the source page links its
stretches not cited yet here).

`entry/records/` is the record picker's search: the admin's Select2 JSON, for
any type sources cite, searched by that type's own admin.
"""

import re
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from ..domain.coverage import SHOWN_MAX, Passage, coverage
from ..models import AgreementParty, Citation, Participation
from .entry_forms import CITE, CREATES, EntryForms, citable_types

# What the picker returns per page of results (Select2 asks for the next page).
RECORDS_PER_PAGE = 20
LINE_BREAK = re.compile(r"(\r\n|\n|\r)")


@dataclass
class TextPiece:
    """A stretch of the text within one line (or a line break), where it sits in the text.

    The page's script maps a selection to offsets through each piece's
    `data-start`: a line break stored as "\\r\\n" is one character on the page.
    """

    start: int
    end: int
    text: str
    cited: bool = False
    eol: bool = False


def text_pieces(cover):
    """The whole text as pieces: cited or not, never across a line break."""
    pieces = []
    for segment in cover.segments:
        position = segment.start
        for part in LINE_BREAK.split(segment.text):
            if part:
                eol = LINE_BREAK.fullmatch(part) is not None
                cited = isinstance(segment, Passage) and not eol
                pieces.append(TextPiece(position, position + len(part), part, cited, eol))
                position += len(part)
    return pieces


def entry_url(source, start=None, end=None):
    url = reverse("admin:kb_source_entry", args=[source.pk])
    if start is not None and end is not None:
        url += "?" + urlencode({"start": start, "end": end})
    return url


class PreselectForm(forms.Form):
    """`?start=&end=`: a passage to select when the page opens."""

    start = forms.IntegerField(required=False)
    end = forms.IntegerField(required=False)


class RecordSearchForm(forms.Form):
    """The picker's query: the type (`model_name`), the words, the page."""

    model_name = forms.ChoiceField()
    term = forms.CharField(required=False)
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_name"].choices = [(name, name) for name in types]


def may(user, action, model):
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")


class SourceEntryMixin:
    """The entry page and the record picker's search, on SourceAdmin (sources.py)."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("entry/records/", view(self.entry_records_view), name="kb_source_entry_records"),
            path("<path:object_id>/entry/", view(self.entry_view), name="kb_source_entry"),
            *super().get_urls(),
        ]

    def may_enter(self, request, source=None):
        """Anyone who may add citations, and see the source."""
        return may(request.user, "add", Citation) and self.has_view_permission(request, source)

    def allowed_actions(self, request):
        """The actions the user may take: citing (the right to change the record's type
        is checked once it is chosen); creating, the right to add records of that type."""
        allowed = {CITE} if citable_types(self.admin_site) else set()
        allowed |= {name for name, model in CREATES.items() if may(request.user, "add", model)}
        return allowed

    def entry_view(self, request, object_id):
        source = self.get_object(request, unquote(object_id))
        if source is None:
            raise Http404(_("There is no such source."))
        if not self.may_enter(request, source):
            raise PermissionDenied
        confirming = False
        if request.method == "POST":
            forms_ = EntryForms(source, self.admin_site, data=request.POST)
            if forms_.is_valid():
                if forms_.action not in self.allowed_actions(request):
                    raise PermissionDenied
                self.check_write_permission(request, forms_)
                if "_save" in request.POST and forms_.confirmed():
                    response = self.write(request, source, forms_)
                    if response is not None:
                        return response
                elif "_save" in request.POST:
                    messages.warning(
                        request,
                        _("The text changed since the passage was shown: check it again."),
                    )
                    confirming = True
                elif "_edit" not in request.POST:
                    confirming = True
        else:
            preselect = PreselectForm(request.GET)
            if not preselect.is_valid():
                name, errors = next(iter(preselect.errors.items()))
                return HttpResponseBadRequest(f"{name}: {' '.join(errors)}")
            initial = {k: v for k, v in preselect.cleaned_data.items() if v is not None}
            try:
                forms_ = EntryForms(source, self.admin_site, initial=initial)
            except ValidationError as error:
                return HttpResponseBadRequest(f"start, end: {' '.join(error.messages)}")
        return self.render_entry(request, source, forms_, confirming)

    def check_write_permission(self, request, forms_):
        model = forms_.model()
        user = request.user
        if forms_.action == CITE:
            if not may(user, "change", model):
                raise PermissionDenied
        elif any(forms_.action_form.joins().values()):
            join = {"event": Participation, "agreement": AgreementParty}[forms_.action]
            if not may(user, "add", join):
                raise PermissionDenied

    def write(self, request, source, forms_):
        """Write, then back to the page for the next passage; None when refused (the
        error is on the form)."""
        try:
            record = forms_.write(request.user)
        except ValidationError as error:
            form = forms_.action_form
            if hasattr(error, "error_dict") and forms_.action != CITE:
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error.messages)
            return None
        link = self.admin_link(record)
        quote = Truncator(forms_.selection.quote).chars(80)
        if forms_.action == CITE:
            message = format_html(_("“{quote}” now cites {record}."), quote=quote, record=link)
        else:
            message = format_html(
                _("Created the draft {type} {record}, citing “{quote}”."),
                type=record._meta.verbose_name,
                record=link,
                quote=quote,
            )
        messages.success(request, message)
        return HttpResponseRedirect(entry_url(source))

    @staticmethod
    def admin_link(record):
        opts = record._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
        return format_html('<a href="{}">{}</a>', url, record)

    def render_entry(self, request, source, forms_, confirming):
        # Its passages only: the records they support are not shown here.
        cover = coverage(source, public=False, limit=SHOWN_MAX)
        allowed = self.allowed_actions(request)
        action_field = forms_.selection_form.fields["action"]
        action_field.choices = [c for c in action_field.choices if c[0] in allowed]
        media = self.media + forms_.media + forms.Media(js=["kb/admin/entry.js"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Enter facts from the text"),
            "source": source,
            "original": source,
            "cover": cover,
            "percent": round(cover.share * 100, 1),
            "pieces": text_pieces(cover),
            "forms": forms_,
            "selection_form": forms_.selection_form,
            # The forms of the actions this editor may take (all of them, hidden, once
            # confirming: the data goes back as it came).
            "action_forms": forms_.action_forms
            if confirming
            else {name: form for name, form in forms_.action_forms.items() if name in allowed},
            "confirming": confirming,
            "selection": forms_.selection if confirming else None,
            "media": media,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/kb/entry/entry.html", context)

    def entry_records_view(self, request):
        """Select2's JSON for the record picker: `model_name` (a type sources cite) and
        `term`, searched by that type's admin; `page` for more."""
        types = {e.name: e for e in citable_types(self.admin_site)}
        search = RecordSearchForm(request.GET, types=types)
        if not search.is_valid():
            name, errors = next(iter(search.errors.items()))
            return JsonResponse({"error": f"{name}: {' '.join(errors)}"}, status=400)
        found = types[search.cleaned_data["model_name"]]
        model_admin = self.admin_site._registry[found.model]
        if not (self.may_enter(request) and model_admin.has_view_permission(request)):
            raise PermissionDenied
        rows = found.model._default_manager.select_related(*found.ends)
        rows, _duplicates = model_admin.get_search_results(
            request, rows, search.cleaned_data["term"]
        )
        ordering = found.model._meta.ordering or ["pk"]
        paginator = Paginator(rows.distinct().order_by(*ordering, "pk"), RECORDS_PER_PAGE)
        current = paginator.get_page(search.cleaned_data["page"] or 1)
        return JsonResponse(
            {
                "results": [{"id": str(row.pk), "text": str(row)} for row in current],
                "pagination": {"more": current.has_next()},
            }
        )
