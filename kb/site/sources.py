"""A source's public page, arranged: its cited passages in text order, what each supports.

The reading is kb/domain/coverage.py's (published records only). This module
only arranges it for the template, with no query: each passage with the
pages that show its quotes (a link to `<page>#<quote's anchor>`, where the
record's page gives the quote that id), the gaps between passages, the
quotes the text does not contain, and the records the source supports.

With `publish_full_text` off the gaps are marked but their text is not
sent to the browser at all; with it on the whole text is shown.
"""

from django.utils.translation import gettext_lazy as _

from ..domain.coverage import SHOWN_MAX, Passage, coverage

# Links of one type under a quote shown before they fold away (<details>).
SHOWN_UNFOLDED = 5
# A group of the list of supported records longer than this starts closed.
COLLAPSE_OVER = 25


def quote_link(record, anchor):
    """The address of `record`'s page at the quote's place (claims: their own place)."""
    url = record.get_absolute_url()
    return url if "#" in url else f"{url}#{anchor}"


def _links(quote):
    """The pages that show a quote, by type: [{title, count, folded, links: [(label, url)]}]."""
    return [
        {
            "title": group.title,
            "count": group.count,
            "folded": group.count > SHOWN_UNFOLDED,
            "links": [(str(record), quote_link(record, quote.anchor)) for record in group.records],
        }
        for group in quote.pages()
    ]


def _note(quote, translated):
    return {
        "quote": quote,
        "groups": _links(quote),
        "translation": quote.translation if translated else "",
        "translation_by": quote.translation_by_label if translated else "",
    }


def source_page(source, language):
    """The template's variables for `source`'s page in `language` (no query but coverage's)."""
    cover = coverage(source, limit=SHOWN_MAX)
    # The translations are English: an English page shows them under the original.
    translated = language == "en" and source.language != "en"
    notes = {q.anchor: _note(q, translated) for q in cover.quotes}
    passages = {
        passage.number: {
            "passage": passage,
            "notes": [notes[quote.anchor] for quote in passage.quotes],
        }
        for passage in cover.passages
    }
    context = {
        "cover": cover,
        "full_text": source.publish_full_text and bool(cover.text),
        "percent": round(cover.share * 100),
        "not_found": [{"quote": q, "notes": [notes[q.anchor]]} for q in cover.not_found],
        "supported": [
            {"group": group, "collapsed": group.count > COLLAPSE_OVER}
            for group in cover.supported()
        ],
    }
    if context["full_text"]:
        # Each passage's notes follow the paragraph it starts in.
        paragraphs, seen = [], set()
        for pieces in cover.paragraphs():
            starting, shown = [], []
            for piece in pieces:
                first = piece.passage is not None and piece.passage.number not in seen
                if first:
                    seen.add(piece.passage.number)
                    starting.append(passages[piece.passage.number])
                shown.append({"piece": piece, "first": first})
            paragraphs.append({"pieces": shown, "passages": starting})
        context["paragraphs"] = paragraphs
    else:
        context["segments"] = [
            {"passage": passages[segment.number]}
            if isinstance(segment, Passage)
            else {"gap": segment}
            for segment in cover.segments
        ]
    context["outline"] = [
        {
            "id": "text",
            "label": _("Text") if context["full_text"] else _("Cited passages"),
            "count": None if context["full_text"] else len(cover.passages) or None,
        },
        {
            "id": "supported",
            "label": _("What this source supports"),
            "count": sum(item["group"].count for item in context["supported"]) or None,
        },
        {"id": "cite", "label": _("Cite this record"), "count": None},
    ]
    return context
