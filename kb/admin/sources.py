"""The editors' source page: its fields, and its whole text with what cites each passage.

Editors always see the full text, whether or not the public may
(`publish_full_text`): every cited passage highlighted and linked to the
admin pages of the records it supports, drafts included, and the stretches
no record cites yet marked as such. The reading is kb/domain/coverage.py's,
the same the public page makes with published records only.
"""

from django.contrib import admin
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ..domain.coverage import SHOWN_MAX, coverage
from ..models import Source
from .columns import clamped_column
from .entry import SourceEntryMixin, entry_url
from .identifiers import IdentifierInline
from .records import KbAdmin

# Records listed under a passage before they are folded away (<details>).
SHOWN_UNFOLDED = 5
# The fields shown with the rendered text rather than with the source's facts.
TEXT_FIELDS = ("publish_full_text", "cited_text", "text")


def admin_url(row):
    """The row's admin change page, or None when it has none."""
    opts = row._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    except NoReverseMatch:
        return None


@admin.register(Source)
class SourceAdmin(SourceEntryMixin, KbAdmin):
    # A source is what citations point to, so it has no citation inline itself.
    inlines = (IdentifierInline,)
    list_display = (
        clamped_column(Source, "title"),
        "kind",
        "publisher",
        "language",
        "published_on",
        clamped_column(Source, "attributed_to"),
        "publish_full_text",
        "status",
    )
    list_filter = ("status", "kind", "language", "publish_full_text")
    list_select_related = ("attributed_to",)
    search_fields = ("slug", "title", "publisher", "url")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("attributed_to",)
    readonly_fields = ("cited_text", *KbAdmin.readonly_fields)

    class Media:
        css = {"all": ["kb/admin/source.css"]}

    def get_fieldsets(self, request, obj=None):
        # The form's own fields (the concurrency token among them) first, then the
        # text with its reading, which is long.
        fields = [name for name in self.get_fields(request, obj) if name not in TEXT_FIELDS]
        return [
            (None, {"fields": fields}),
            (
                _("Text and what cites it"),
                {
                    "fields": TEXT_FIELDS,
                    "description": _(
                        "Editors always see the whole text. The public sees it only when its "
                        "publication is allowed; otherwise only the cited passages."
                    ),
                },
            ),
        ]

    @admin.display(description=_("cited passages"))
    def cited_text(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the source first: its citations are read from the database.")
        cover = coverage(obj, public=False, limit=SHOWN_MAX)
        notes = {}
        for quote in cover.quotes:
            notes[quote.anchor] = [
                {
                    "title": group.title,
                    "count": group.count,
                    "folded": group.count > SHOWN_UNFOLDED,
                    "links": [(str(row), admin_url(row)) for row in group.records],
                }
                for group in quote.supports()
            ]
        paragraphs, numbered = [], set()
        for paragraph in cover.paragraphs():
            pieces = []
            for piece in paragraph:
                passage = piece.passage
                first = passage is not None and passage.number not in numbered
                if first:
                    numbered.add(passage.number)
                # A stretch not cited yet links to the entry page with it selected
                # (white space at its ends left out).
                lead = len(piece.text) - len(piece.text.lstrip())
                trail = len(piece.text) - len(piece.text.rstrip())
                span = {"start": piece.start + lead, "end": piece.end - trail}
                pieces.append({"text": piece.text, "passage": passage, "first": first, **span})
            paragraphs.append(pieces)
        passages = [
            {
                "passage": passage,
                "quotes": [
                    {"quote": quote, "groups": notes[quote.anchor]} for quote in passage.quotes
                ],
            }
            for passage in cover.passages
        ]
        not_found = [{"quote": q, "groups": notes[q.anchor]} for q in cover.not_found]
        return render_to_string(
            "admin/kb/source_coverage.html",
            {
                "cover": cover,
                "paragraphs": paragraphs,
                "passages": passages,
                "not_found": not_found,
                "percent": round(cover.share * 100, 1),
                "entry_url": entry_url(obj),
                # The labels' language, inside the source's.
                "language": get_language(),
            },
        )
