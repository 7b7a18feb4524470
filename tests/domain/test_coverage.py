"""How much of a source's text its quotes cover (kb/domain/coverage.py): passages, gaps,
quotes not found, the share, and what each quote supports, public side and editors' side."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.domain.coverage import Gap, Passage, coverage, page_record, quote_anchor
from kb.models import Citation, Event, Participation, Source, Status
from tests import factories

pytestmark = pytest.mark.django_db

ARTICLE = "interpol-ga-93-hammouchi-bilaterals"

#           0         1         2         3         4         5         6
#           0123456789012345678901234567890123456789012345678901234567890123
TEXT = "Un début. La première phrase. La seconde phrase.\nUne fin sans citation."


def _cite(source, quote, record=None, **kwargs):
    return factories.CitationFactory(
        source=source, record=record or factories.OrganisationFactory(), quote=quote, **kwargs
    )


# --- The seed ------------------------------------------------------------------------


def test_the_seed_article_every_quote_placed(seeded, article_text):
    source = Source.objects.get(slug=ARTICLE)
    cover = coverage(source)
    assert cover.text == article_text
    assert cover.not_found == []
    assert len(cover.quotes) == 16
    assert all(q.found and article_text[q.start : q.end] == q.text for q in cover.quotes)
    # Quotes that follow each other with a space between read as one passage:
    # Europe's two sentences, Latin America's and Asia's, INTERPOL's and the
    # multilateral one, and the three on the agreements.
    assert len(cover.passages) == 11
    assert [len(p.quotes) for p in cover.passages] == [1, 1, 1, 1, 1, 2, 1, 2, 1, 2, 3]
    agreements = cover.passages[-1]
    assert agreements.text.startswith("Certaines de ces réunions ont débouché")
    assert agreements.text.endswith("à travers des programmes de formation.")
    # Passages and gaps cover the text once, in order.
    assert "".join(s.text for s in cover.segments) == article_text
    # The title line and the closing paragraph are cited by no record.
    assert cover.gaps[0].text.startswith("Assemblée générale d’INTERPOL : Abdellatif")
    assert cover.gaps[-1].text.strip().startswith("À travers cette série de rencontres")
    assert cover.cited_length == sum(len(q.text) for q in cover.quotes)  # no quote overlaps
    assert cover.share == pytest.approx(cover.cited_length / len(article_text))
    assert 0.5 < cover.share < 0.6


def test_the_seed_quotes_support_the_records_that_cite_them(seeded):
    cover = coverage(Source.objects.get(slug=ARTICLE))
    meetings_quote = next(q for q in cover.quotes if q.text.startswith("il a enchaîné"))
    supports = {group.kind: group.count for group in meetings_quote.supports()}
    # 52 meetings, each one's host participation, and the claim of "at least 43".
    assert supports == {"event": 52, "claim": 1, "participation": 52}
    # A participation is shown on its event's page: the pages are the 52 meetings.
    pages = {group.kind: group.count for group in meetings_quote.pages()}
    assert pages == {"event": 52, "claim": 1}
    topics_quote = next(q for q in cover.quotes if q.text.startswith("Les discussions"))
    assert {g.kind: g.count for g in topics_quote.supports()} == {"event": 52, "topic": 4}
    assert all(q.translation and q.translation_by == "entente" for q in cover.quotes)
    assert all(q.anchor == quote_anchor(q.text) for q in cover.quotes)
    supported = {group.kind: group.count for group in cover.supported()}
    assert supported["organisation"] == 56 and supported["event"] == 53


def test_page_record_is_the_page_that_shows_a_fact(seeded):
    participation = Participation.objects.select_related("event").first()
    assert page_record(participation) == participation.event
    event = Event.objects.first()
    assert page_record(event) is event


# --- Made-up texts -------------------------------------------------------------------


def test_overlapping_and_touching_quotes_make_one_passage():
    source = factories.SourceFactory(text=TEXT)
    _cite(source, "La première phrase.")
    _cite(source, "première phrase. La seconde")  # overlaps the first
    _cite(source, "phrase.")  # inside both: first found at 20, within the passage
    _cite(source, "Un début.")  # one space before the next: touches it
    cover = coverage(source)
    (passage,) = cover.passages
    assert (passage.start, passage.text) == (0, "Un début. La première phrase. La seconde")
    assert [q.text for q in passage.quotes] == [
        "Un début.",
        "La première phrase.",
        "première phrase. La seconde",
        "phrase.",
    ]
    # Each quote's anchor sits where it starts.
    parts = [(part.anchors, part.text) for part in passage.parts]
    assert parts[0] == ([quote_anchor("Un début.")], "Un début. ")
    assert "".join(text for _anchors, text in parts) == passage.text
    assert [gap.text for gap in cover.gaps] == [" phrase.\nUne fin sans citation."]
    # Overlaps count once.
    assert cover.cited_length == len("Un début. La première phrase. La seconde") - 1
    assert cover.share == pytest.approx(cover.cited_length / len(TEXT))


def test_a_line_break_between_quotes_is_a_gap_that_hides_nothing():
    source = factories.SourceFactory(text=TEXT)
    _cite(source, "La seconde phrase.")
    _cite(source, "Une fin sans citation.")
    cover = coverage(source)
    assert [p.text for p in cover.passages] == ["La seconde phrase.", "Une fin sans citation."]
    assert [(g.text, g.blank) for g in cover.gaps] == [
        ("Un début. La première phrase. ", False),
        ("\n", True),
    ]
    assert [type(s) for s in cover.segments] == [Gap, Passage, Gap, Passage]
    paragraphs = [
        [(piece.text, piece.passage is not None) for piece in p] for p in cover.paragraphs()
    ]
    assert paragraphs == [
        [("Un début. La première phrase. ", False), ("La seconde phrase.", True)],
        [("Une fin sans citation.", True)],
    ]


def test_quotes_not_in_the_text_are_listed_apart_never_dropped():
    source = factories.SourceFactory(text=TEXT)
    _cite(source, "La première phrase.")
    missing = _cite(source, "Une phrase que le texte ne contient pas.")
    cover = coverage(source)
    assert [q.text for q in cover.not_found] == [missing.quote]
    assert cover.not_found[0].records == [missing.record]
    assert len(cover.passages) == 1
    # Without a stored text, every quote is "not found" and nothing is covered.
    empty = factories.SourceFactory(text="")
    _cite(empty, "Une citation.")
    cover = coverage(empty)
    assert (cover.passages, cover.gaps, cover.share) == ([], [], 0.0)
    assert [q.text for q in cover.not_found] == ["Une citation."]


def test_the_public_side_counts_published_records_only_the_editors_all():
    source = factories.SourceFactory(text=TEXT)
    draft = factories.OrganisationFactory(status=Status.DRAFT)
    _cite(source, "La première phrase.", draft)
    published = _cite(source, "La seconde phrase.").record
    # A fact whose event is a draft is hidden with it.
    hidden_event = factories.EventFactory(status=Status.DRAFT)
    fact = factories.ParticipationFactory(event=hidden_event, organisation=published)
    _cite(source, "Un début.", fact)
    public = coverage(source)
    assert [q.text for q in public.quotes] == ["La seconde phrase."]
    assert [p.text for p in public.passages] == ["La seconde phrase."]
    editors = coverage(source, public=False)
    assert {q.text for q in editors.quotes} == {
        "La première phrase.",
        "La seconde phrase.",
        "Un début.",
    }
    assert editors.cited_length > public.cited_length


def test_a_quote_keeps_its_first_translation_and_who_made_it():
    source = factories.SourceFactory(text=TEXT)
    _cite(source, "La première phrase.")
    _cite(
        source,
        "La première phrase.",
        translation="The first sentence.",
        translation_by=Citation.TranslatedBy.SOURCE,
    )
    (quote,) = coverage(source).quotes
    assert (quote.translation, quote.translation_by) == ("The first sentence.", "source")
    assert quote.translation_by_label == "The source's own translation"
    assert len(quote.records) == 2


@pytest.mark.parametrize("size", [3, 30])
def test_coverage_reads_one_query_per_type_cited_whatever_the_citations(size):
    source = factories.SourceFactory(text=TEXT)
    for _ in range(size):
        _cite(source, "La première phrase.")
        _cite(source, "La seconde phrase.", factories.EventFactory())
        factories.CitationFactory(
            source=source,
            record=factories.ParticipationFactory(),
            quote="Une fin sans citation.",
        )
    coverage(source)  # the content types, cached
    with CaptureQueriesContext(connection) as queries:
        cover = coverage(source)
        # A fact's label names its ends, which came with it: no query per row.
        labels = [str(row) for group in cover.supported() for row in group.records]
    # The citations, then organisations, events and participations (with their ends).
    assert len(queries.captured_queries) == 4, [q["sql"] for q in queries]
    assert len(labels) == 3 * size
    assert {g.kind: g.count for g in cover.supported()} == {
        "organisation": size,
        "event": size,
        "participation": size,
    }


def test_a_limit_keeps_some_and_counts_all_that_count(db):
    source = factories.SourceFactory(text="")
    for status in ("published",) * 4 + ("draft",):
        record = factories.OrganisationFactory(status=status)
        factories.CitationFactory(record=record, source=source, quote="Same words.")
    whole, bounded = coverage(source), coverage(source, limit=2)
    [quote] = bounded.quotes
    assert (len(quote.records), quote.total, quote.more) == (2, 4, 2)
    assert quote.records == whole.quotes[0].records[:2]  # the first, in citation order
    [group] = bounded.supported()
    assert (len(group.records), group.count, group.more) == (2, 4, 2)
    [group] = whole.supported()
    assert (len(group.records), group.count, group.more) == (4, 4, 0)


def test_a_limit_drops_quotes_the_text_lacks_past_it_never_those_it_holds(db):
    """Found quotes all stay, whatever their place; of the others the first `limit`, in the
    order they were first cited; what the dropped ones support is still counted."""
    source = factories.SourceFactory(text="Alpha here. Beta there.")
    a, b, c, d = (factories.OrganisationFactory() for _ in range(4))
    for record, quote in [
        (a, "Alpha here."),
        (a, "not one"),
        (b, "not one"),
        (b, "not two"),
        (c, "not three"),  # dropped: the third quote the text lacks
        (d, "Beta there."),  # held by the text: kept though cited last
    ]:
        factories.CitationFactory(record=record, source=source, quote=quote)
    bounded = coverage(source, limit=2)
    assert [q.text for q in bounded.quotes] == [
        "Alpha here.",
        "not one",
        "not two",
        "Beta there.",
    ]
    assert [q.text for q in bounded.not_found] == ["not one", "not two"]
    assert bounded.not_found_total == 3
    not_one = bounded.quotes[1]
    assert (not_one.records, not_one.total) == ([a, b], 2)
    [group] = bounded.supported()
    assert (group.records, group.count) == ([a, b], 4)  # c counted, though its quote is not shown
