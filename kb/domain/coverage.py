"""How much of a source's stored text its citations cover, and where each quote sits in it.

One owner for the public source page, the admin's source page and the links
from a quote on any page to its place in the source (issue 15; the editors'
source-first entry reuses it). Quotes are matched to the text exactly.

    cover = coverage(source)               # the public's view: published records only
    cover = coverage(source, public=False)  # the editors': every record, drafts too
    cover.passages     # the cited stretches, in text order, overlapping quotes merged
    cover.gaps         # the text between them (and before the first, after the last)
    cover.not_found    # quotes the text does not contain word for word: never dropped
    cover.share        # the fraction of the text's characters that some quote covers
    cover.supported()  # every record the source supports, grouped by type

    cover = coverage(source, limit=100)    # the public page: bounded, counted in full

Reads: one query for the source's citations, then one per type of record they
cite (records selected with the ends they name), whatever the number of
citations: the records are matched to their citations in Python. With `limit`
(the public page), each quote keeps that many of the records it supports, the
quotes the text does not contain that many quotes, and each type of what the
source supports that many records; each is counted in full (`Quote.total`,
`Coverage.not_found_total`, `Group.count`), and only the records kept are
read: a query per type for the ids that count, another for those records.
Read whole, the benchmark's source, which 300,000 records cite, took 54 s and
200 MB of HTML.
"""

import hashlib
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType

from .. import registry
from ..lib.batching import batched
from ..models import AgreementParty, Citation, Membership, Participation, Post
from .records import visible_rows

IDS_PER_QUERY = 900  # under SQLite's oldest limit of parameters (999)
# What a page of a source (public or the admin's) shows of each list: the quotes the
# text lacks, the records a quote supports, the records of a type the source supports.
# Above the article's (its general quote supports 105 records); bounded for a source
# that thousands of records cite.
SHOWN_MAX = 500


def quote_anchor(quote):
    """The fragment id of a quote's passage on its source's page ("q-" and 10 hex digits).

    Made from the quote alone, so a page that shows a quote can link to its
    place in the source without reading the source's text.
    """
    return "q-" + hashlib.sha1(quote.encode("utf-8")).hexdigest()[:10]


# The record whose public page shows a row's quotes: facts (join rows) and posts have
# no page of their own. Claims keep theirs (the quality page).
_SHOWN_ON = {
    Participation: "event",
    AgreementParty: "agreement",
    Membership: "person",
    Post: "organisation",
}


def page_record(row):
    """The record whose public page shows `row` and its quotes (`row` itself if it has one)."""
    attribute = _SHOWN_ON.get(type(row))
    return getattr(row, attribute) if attribute else row


@dataclass
class Group:
    """Records of one type: the entry's heading, the model's name, the rows shown, and
    how many there are in all (`total`, when only some are shown)."""

    title: str
    kind: str
    records: list
    total: int = 0

    @property
    def count(self):
        return max(self.total, len(self.records))

    @property
    def more(self):
        """How many records of the type are not shown."""
        return self.count - len(self.records)


def _grouped(rows):
    """Rows grouped by type, types in the registry's order, each row once."""
    by_model = {}
    seen = set()
    for row in rows:
        key = (type(row), row.pk)
        if key not in seen:
            seen.add(key)
            by_model.setdefault(type(row), []).append(row)
    return [
        Group(str(entry.title), entry.name, by_model[entry.model])
        for entry in registry.TYPES
        if entry.model in by_model
    ]


@dataclass
class Quote:
    """One distinct quote of the source: where it sits in the text, and what it supports."""

    text: str
    anchor: str
    # Its first occurrence in the text; None when the text does not contain it.
    start: int | None
    translation: str
    translation_by: str
    # The records and facts whose citations give this quote, in citation order: with a
    # limit, the first of them; `total` counts them all.
    records: list = field(default_factory=list)
    total: int = 0
    # (content type id, object id) of every record it supports, in citation order.
    keys: list = field(default_factory=list, repr=False)

    @property
    def more(self):
        """How many records it supports besides those kept."""
        return self.total - len(self.records)

    @property
    def end(self):
        return None if self.start is None else self.start + len(self.text)

    @property
    def found(self):
        return self.start is not None

    @property
    def translation_by_label(self):
        """Who made the translation, in words ("Entente's translation")."""
        return Citation.TranslatedBy(self.translation_by).label

    def supports(self):
        """The records and facts it supports, grouped by type."""
        return _grouped(self.records)

    def pages(self):
        """The records whose pages show it (a fact's: its event, agreement or person),
        grouped by type, each once."""
        return _grouped(page_record(row) for row in self.records)


@dataclass
class Part:
    """A stretch of a passage, and the anchors of the quotes that begin where it does."""

    anchors: list
    text: str


@dataclass
class Passage:
    """A cited stretch of the text: one quote, or several that overlap or touch."""

    number: int
    start: int
    end: int
    text: str
    quotes: list  # Quote, by where they start

    @property
    def anchor(self):
        return f"passage-{self.number}"

    @property
    def parts(self):
        """The passage's text cut where each quote starts, with those quotes' anchors."""
        starts = {}
        for quote in self.quotes:
            starts.setdefault(quote.start - self.start, []).append(quote.anchor)
        cuts = sorted(starts)
        return [
            Part(starts[cut], self.text[cut:end])
            for cut, end in zip(cuts, [*cuts[1:], len(self.text)], strict=True)
        ]

    @property
    def translations(self):
        """Its quotes' translations, in text order: (translation, who made it)."""
        return [(q.translation, q.translation_by) for q in self.quotes if q.translation]


@dataclass
class Gap:
    """Text between passages that no quote covers."""

    start: int
    end: int
    text: str

    @property
    def blank(self):
        """Only white space: nothing is left out."""
        return not self.text.strip()


@dataclass
class Piece:
    """A piece of one paragraph of the whole text: inside a passage, or not."""

    text: str
    passage: Passage | None = None
    anchors: list = field(default_factory=list)
    # Where it starts in the text: the admin links a stretch not cited yet to the
    # entry page with it selected (kb/admin/entry.py).
    start: int = 0

    @property
    def end(self):
        return self.start + len(self.text)


@dataclass
class Coverage:
    source: object
    text: str
    passages: list
    gaps: list
    not_found: list  # Quote, in citation order
    quotes: list  # every Quote, found or not, in citation order
    # Without a limit, as many as the lists hold; with one, counted in full.
    not_found_total: int = 0
    supported_rows: list = field(default_factory=list)  # with a limit: up to it per type
    supported_totals: dict = field(default_factory=dict)  # model -> records supported

    @property
    def not_found_more(self):
        return self.not_found_total - len(self.not_found)

    @property
    def text_length(self):
        return len(self.text)

    @property
    def cited_length(self):
        """Characters of the text inside some quote (overlaps counted once)."""
        covered, reach = 0, 0
        for quote in sorted((q for q in self.quotes if q.found), key=lambda q: q.start):
            start = max(quote.start, reach)
            if quote.end > start:
                covered += quote.end - start
                reach = quote.end
        return covered

    @property
    def share(self):
        """The fraction of the text some quote covers (0 when no text is stored)."""
        return self.cited_length / self.text_length if self.text else 0.0

    @property
    def segments(self):
        """Passages and the gaps between them, in text order: the whole text, once."""
        return sorted([*self.passages, *self.gaps], key=lambda segment: segment.start)

    def paragraphs(self):
        """The whole text as paragraphs (its lines), each a list of Pieces.

        A passage that runs over a line break gives a piece on each line; its
        quotes' anchors go on the piece where each quote starts.
        """
        paragraphs, current = [], []
        for segment in self.segments:
            if isinstance(segment, Passage):
                parts = [(part.text, part.anchors) for part in segment.parts]
                passage = segment
            else:
                parts, passage = [(segment.text, [])], None
            position = segment.start
            for text, anchors in parts:
                lines = text.split("\n")
                for number, line in enumerate(lines):
                    if number:
                        paragraphs.append(current)
                        current = []
                        position += 1  # the line break
                    if line:
                        first = anchors if number == 0 else []
                        current.append(Piece(line, passage, first, position))
                    position += len(line)
        paragraphs.append(current)
        return [p for p in paragraphs if any(piece.text.strip() for piece in p)]

    def supported(self):
        """Every record and fact the source supports, grouped by type, each once (with a
        limit, at most that many of each type, and each type's count)."""
        groups = _grouped(self.supported_rows)
        for group in groups:
            group.total = self.supported_totals.get(type(group.records[0]), 0)
        return groups


def _joins(between):
    # Quotes that overlap, touch, or stand apart by spaces only (not a line break)
    # read as one passage: "[…]" between two sentences that follow each other
    # would hide nothing.
    return between == "" or (between.isspace() and "\n" not in between)


def locate(text, quotes):
    """Place each quote in the text; merge those that overlap or touch into passages.

    Returns (passages, gaps): together they cover the text from start to end.
    """
    found = sorted((q for q in quotes if q.found), key=lambda q: (q.start, -q.end))
    spans = []  # [start, end, quotes]
    for quote in found:
        if spans and (quote.start <= spans[-1][1] or _joins(text[spans[-1][1] : quote.start])):
            spans[-1][1] = max(spans[-1][1], quote.end)
            spans[-1][2].append(quote)
        else:
            spans.append([quote.start, quote.end, [quote]])
    passages = [
        Passage(number, start, end, text[start:end], members)
        for number, (start, end, members) in enumerate(spans, start=1)
    ]
    gaps, reach = [], 0
    for passage in passages:
        if passage.start > reach:
            gaps.append(Gap(reach, passage.start, text[reach : passage.start]))
        reach = passage.end
    if reach < len(text):
        gaps.append(Gap(reach, len(text), text[reach:]))
    return passages, gaps


def _rows(model, public):
    entry = registry.of(model)
    rows = visible_rows(model) if public else model.objects.all()
    if entry.ends:
        rows = rows.select_related(*entry.ends)
    return rows


def coverage(source, public=True, limit=None):
    """Where the source's quotes sit in its text, what each supports, and what is left.

    With public=True (the public page) only published records and facts count
    (kb/models/visibility.py): a quote that only drafts cite is not shown, nor
    counted. With public=False (the admin) every record counts. `limit`: see
    the module's docstring.
    """
    citations = list(
        Citation.objects.filter(source=source)
        .order_by("pk")
        .values_list("content_type_id", "object_id", "quote", "translation", "translation_by")
    )
    # One query per type of record cited: its records, when all may be shown (no
    # limit, or no more cited than it); else the ids of those that count, and the
    # records shown are read below.
    counted, records = {}, {}
    cited_types = {entry.model for entry in registry.cited()}
    cited_of_type = {}
    for content_type_id, object_id, *_rest in citations:
        cited_of_type.setdefault(content_type_id, set()).add(object_id)
    for content_type_id in sorted(cited_of_type):
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model not in cited_types:
            continue
        cited_ids = Citation.objects.filter(source=source, content_type_id=content_type_id)
        rows = _rows(model, public).filter(pk__in=cited_ids.values("object_id"))
        if limit is None or len(cited_of_type[content_type_id]) <= limit:
            read = {row.pk: row for row in rows}
            records.update(((content_type_id, pk), row) for pk, row in read.items())
            counted[content_type_id] = (model, set(read))
        else:
            counted[content_type_id] = (model, set(rows.values_list("pk", flat=True)))

    # Each distinct quote's citations (their places in `citations`: the first, then any
    # others) and its first translation. Numbers, not a Quote object, a list and a set for
    # each: the benchmark's source has 300,000 distinct quotes, of which a page keeps 500,
    # and the garbage collector walked all those objects again and again (3.4 s, now 0.8).
    first, others, translated = {}, {}, {}
    for place, (content_type_id, object_id, quote, translation, by) in enumerate(citations):
        if object_id not in counted.get(content_type_id, (None, ()))[1]:
            continue  # a draft, or a fact whose ends are not all published
        if quote in first:
            others.setdefault(quote, []).append(place)
        else:
            first[quote] = place
        if translation and quote not in translated:
            translated[quote] = (translation, by)

    def keys_of(quote):
        """(content type id, object id) of what the quote supports, in citation order
        (each once: citation_natural_key allows a record one citation of these words)."""
        places = [first[quote], *others.get(quote, ())]
        return [(citations[p][0], citations[p][1]) for p in places]

    # What the source supports: by quote, then in citation order; each record once.
    supported, by_type = [], {}
    for quote in first:
        for key in keys_of(quote):
            kept = by_type.setdefault(key[0], set())
            if key not in kept and (limit is None or len(kept) < limit):
                kept.add(key)
                supported.append(key)
    # The quotes the page shows: every quote found in the text, and of the others the
    # first `limit` (all of them without one), in the order they were first cited.
    text = source.text
    quotes, not_found_total = [], 0
    for quote in first:
        start = text.find(quote) if text else -1
        if start < 0:
            not_found_total += 1
            if limit is not None and not_found_total > limit:
                continue
        start = None if start < 0 else start
        translation = translated.get(quote, ("", ""))
        quotes.append(Quote(quote, quote_anchor(quote), start, *translation, keys=keys_of(quote)))
    not_found = [q for q in quotes if not q.found]
    if limit is not None:
        for quote in quotes:
            quote.total, quote.keys = len(quote.keys), quote.keys[:limit]
        # The records the quotes kept and the list of what the source supports show,
        # with their ends: one query per type and IDS_PER_QUERY of them.
        wanted = {}
        for content_type_id, object_id in [*supported, *(k for q in quotes for k in q.keys)]:
            wanted.setdefault(content_type_id, set()).add(object_id)
        for content_type_id, ids in wanted.items():
            ids -= {pk for ct, pk in records if ct == content_type_id}
            rows = _rows(counted[content_type_id][0], public)
            for batch in batched(sorted(ids), IDS_PER_QUERY):
                for row in rows.filter(pk__in=batch):
                    records[(content_type_id, row.pk)] = row
    for quote in quotes:
        quote.records = [records[key] for key in quote.keys if key in records]
        quote.total = max(quote.total, len(quote.records))
    passages, gaps = locate(text, quotes)
    return Coverage(
        source,
        text,
        passages,
        gaps,
        not_found,
        quotes,
        not_found_total=not_found_total,
        supported_rows=[records[key] for key in supported if key in records],
        supported_totals={model: len(ids) for model, ids in counted.values()},
    )
