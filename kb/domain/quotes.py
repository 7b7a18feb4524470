"""A page's quotes, each shown once, with what it supports.

A record's page used to print each fact's quote beside the fact: the pôle
DGSN-DGST's page repeated the article's general sentence 52 times, once per
meeting. A page now gathers every citation it shows into one `PageQuotes`:
each distinct quote (per source) is numbered and shown once, with a tally of
the facts on the page it supports ("participation in 52 meetings"), and each
fact links to it by number. Built from what the read plan (details.py)
already loaded: no query.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext

from ..models import Event
from .coverage import quote_anchor

# What a quote supports besides the page's own record: one phrase per kind of
# fact, counted. "count" names the number, so each language picks its plural.
SUPPORTS = {
    "post": ngettext_lazy("%(count)d post", "%(count)d posts", "count"),
    "holder": ngettext_lazy("%(count)d post holder", "%(count)d post holders", "count"),
    "member": ngettext_lazy("%(count)d member", "%(count)d members", "count"),
    "held": ngettext_lazy("%(count)d post held", "%(count)d posts held", "count"),
    "meeting": ngettext_lazy(
        "participation in %(count)d meeting", "participation in %(count)d meetings", "count"
    ),
    "event": ngettext_lazy(
        "participation in %(count)d event", "participation in %(count)d events", "count"
    ),
    "participant": ngettext_lazy("%(count)d participant", "%(count)d participants", "count"),
    "party": ngettext_lazy("%(count)d party", "%(count)d parties", "count"),
    "agreement": ngettext_lazy(
        "being a party to %(count)d agreement", "being a party to %(count)d agreements", "count"
    ),
}

# The page's own record, by model name: each language words "this" by its gender.
THIS_RECORD = {
    "organisation": _("this organisation"),
    "person": _("this person"),
    "event": _("this event"),
    "agreement": _("this agreement"),
    "topic": _("this topic"),
    "source": _("this source"),
}

RECORD = "record"  # the kind of the page's own citations


def participation_kind(event):
    """What taking part in `event` counts as: a meeting, or another event."""
    return "meeting" if event.kind in Event.MEETING_KINDS else "event"


@dataclass
class QuoteEntry:
    """One distinct quote of a page: its number, its anchor, the facts it supports."""

    number: int
    anchor: str
    citation: object  # the first Citation seen with this quote: source, quote, translation
    record_name: str  # the page's record's model name, for "this organisation"
    supported: dict = field(default_factory=dict)  # kind -> keys of the facts, in order

    @property
    def source(self):
        return self.citation.source

    @property
    def quote(self):
        return self.citation.quote

    @property
    def supports(self):
        """What it supports, in words of the active language: the record first."""
        words = []
        if RECORD in self.supported:
            words.append(THIS_RECORD[self.record_name])
        for kind, keys in self.supported.items():
            if kind != RECORD:
                words.append(SUPPORTS[kind] % {"count": len(keys)})
        return words

    @property
    def supports_text(self):
        # Translators: between the things a quote supports ("this agreement; 2 parties").
        return pgettext("list separator", "; ").join(str(words) for words in self.supports)

    def supports_count(self, kind):
        return len(self.supported.get(kind, ()))


class PageQuotes:
    """The distinct quotes of one record's page, numbered in the order they are added.

    `add(citations, kind, key)` records that each citation supports the fact
    `key` of that kind (the page's own record: kind RECORD); `entry(citation)`
    finds the quote a fact links to. Quotes are the same when their source
    and their text are.
    """

    def __init__(self, record):
        self.record_name = record._meta.model_name
        self._entries = {}
        self._anchors = set()

    def add(self, citations, kind, key=None):
        for citation in citations:
            entry = self._entries.get(self._key(citation))
            if entry is None:
                entry = self._entries[self._key(citation)] = QuoteEntry(
                    number=len(self._entries) + 1,
                    anchor=self._anchor(citation.quote),
                    citation=citation,
                    record_name=self.record_name,
                )
            entry.supported.setdefault(kind, {})[key] = None
        return self

    def add_record(self, record):
        """The record's own citations: numbered first, as the page's main evidence."""
        return self.add(record.citations.all(), RECORD)

    def entry(self, citation):
        return self._entries.get(self._key(citation))

    def __iter__(self):
        return iter(self._entries.values())

    def __len__(self):
        return len(self._entries)

    @staticmethod
    def _key(citation):
        return (citation.source_id, citation.quote)

    def _anchor(self, quote):
        # The source's page links back to `<record URL>#<quote_anchor(quote)>`: the
        # first quote with that text keeps the plain anchor. The same words from
        # another source (rare) get a suffix, as ids must be unique.
        anchor = base = quote_anchor(quote)
        suffix = 1
        while anchor in self._anchors:
            suffix += 1
            anchor = f"{base}-{suffix}"
        self._anchors.add(anchor)
        return anchor
