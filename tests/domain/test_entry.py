"""Entering facts from a source's text (kb/domain/entry.py): the quote is the stored
text between two offsets, exactly; every write is a draft, one transaction, one revision."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from reversion.models import Revision, Version

from kb.domain import entry
from kb.models import (
    Agreement,
    AgreementParty,
    Citation,
    Event,
    Organisation,
    Participation,
    Source,
    Status,
)
from tests import factories

pytestmark = pytest.mark.django_db

# Passages of the article with its typographic apostrophes, accents and "93ᵉ".
PASSAGES = (
    "La 93ᵉ Assemblée générale d’INTERPOL",
    "À la tête d’une importante délégation sécuritaire",
    "les dirigeants de la police allemande (BKA), espagnole, italienne, hongroise",
)


@pytest.fixture
def editor(django_user_model):
    return django_user_model.objects.create_user("editor", "editor@example.org", "pw")


@pytest.fixture
def source():
    return factories.SourceFactory(text="Première phrase.\nL’autre phrase, « citée ».\n\n  \nFin.")


def between(text, passage):
    start = text.index(passage)
    return start, start + len(passage)


@pytest.mark.parametrize("passage", PASSAGES)
def test_the_quote_is_the_stored_text_between_the_offsets(seeded, article_text, passage):
    source = Source.objects.get()
    start, end = between(source.text, passage)
    selection = entry.select(source, start, end)
    assert selection.quote == source.text[start:end] == passage
    # The stored text is the article's own: nothing was normalised on the way.
    assert passage in article_text
    assert (selection.start, selection.end, selection.source) == (start, end, source)


def test_nothing_is_normalised(source):
    # Line breaks, spaces and guillemets come out as stored.
    start, end = between(source.text, "phrase.\nL’autre phrase, « citée ».\n")
    assert entry.select(source, start, end).quote == "phrase.\nL’autre phrase, « citée ».\n"


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (None, None, "Select a passage of the text first."),
        (3, None, "Select a passage of the text first."),
        (5, 5, "The selection must lie within the text"),
        (8, 2, "The selection must lie within the text"),
        (-1, 4, "The selection must lie within the text"),
        (0, 10_000, "The selection must lie within the text"),
        (43, 47, "The selection holds only white space."),  # "\n\n  " between the lines
    ],
)
def test_bad_selections_are_refused_on_start(source, start, end, message):
    assert source.text[43:47] == "\n\n  "
    with pytest.raises(ValidationError) as refused:
        entry.select(source, start, end)
    assert list(refused.value.error_dict) == ["start"]
    assert refused.value.messages[0].startswith(message)


def test_a_source_without_text_has_nothing_to_quote():
    with pytest.raises(ValidationError, match="no stored text"):
        entry.select(factories.SourceFactory(text=""), 0, 1)


def test_citing_an_existing_record_is_one_revision_with_the_record(source, editor):
    organisation = factories.OrganisationFactory()
    selection = entry.select(source, *between(source.text, "L’autre phrase"))
    citation = entry.cite(selection, organisation, user=editor, translation="The other one")
    assert (citation.quote, citation.record, citation.source) == (
        "L’autre phrase",
        organisation,
        source,
    )
    assert (citation.translation, citation.translation_by) == ("The other one", "entente")
    revision = Revision.objects.get()
    assert revision.user == editor
    assert revision.comment == f"Entered from {source}"
    assert {v.object_repr for v in revision.version_set.all()} == {str(organisation), str(citation)}
    # The record's own history shows the entry.
    assert Version.objects.get_for_object(organisation).get().revision == revision


def test_the_same_quote_twice_for_a_record_is_refused(source, editor):
    organisation = factories.OrganisationFactory()
    selection = entry.select(source, *between(source.text, "Fin."))
    entry.cite(selection, organisation, user=editor)
    with pytest.raises(ValidationError, match="already cites this record"):
        entry.cite(selection, organisation, user=editor)
    assert Citation.objects.count() == 1 and Revision.objects.count() == 1


def test_a_new_organisation_is_a_draft_citing_the_passage_in_one_revision(source, editor):
    selection = entry.select(source, *between(source.text, "Première phrase."))
    new = Organisation(
        name_en="Polish police", name_fr="Police polonaise", kind="police", country="PL"
    )
    new.status = Status.PUBLISHED  # whatever it says, the review gate decides
    record = entry.create(selection, new, user=editor)
    record.refresh_from_db()
    assert record.status == Status.DRAFT
    assert record.slug == "polish-police"
    assert [c.quote for c in record.citations.all()] == ["Première phrase."]
    revision = Revision.objects.get()
    assert revision.comment == f"Entered from {source}" and revision.user == editor
    assert revision.version_set.count() == 2  # the organisation and its citation
    # Its version holds it as saved: a revert brings it back as a draft.
    assert Version.objects.get_for_object(record).get().field_dict["status"] == Status.DRAFT

    again = entry.create(
        selection, Organisation(name_en="Polish police", kind="police"), user=editor
    )
    assert again.slug == "polish-police-2"


def test_a_new_event_with_its_participants_each_citing_the_passage(source, editor):
    host, guest = factories.OrganisationFactory(), factories.OrganisationFactory()
    selection = entry.select(source, *between(source.text, "L’autre phrase, « citée »."))
    event = Event(
        name_en="A meeting",
        kind=Event.Kind.BILATERAL_MEETING,
        start_date=datetime.date(2025, 11, 24),
        end_date=datetime.date(2025, 11, 27),
        date_precision="within",
    )
    participants = [(host, "host"), (guest, "counterpart"), (host, "counterpart")]
    entry.create(selection, event, user=editor, participants=participants)
    rows = Participation.objects.filter(event=event).order_by("role")
    assert [(p.organisation, p.role) for p in rows] == [(guest, "counterpart"), (host, "host")]
    for row in [event, *rows]:
        assert [c.quote for c in row.citations.all()] == ["L’autre phrase, « citée »."]
    revision = Revision.objects.get()
    assert revision.version_set.count() == 1 + 2 + 3  # event, participations, citations


def test_a_new_agreement_with_its_parties(source, editor):
    parties = [factories.OrganisationFactory(), factories.OrganisationFactory()]
    selection = entry.select(source, *between(source.text, "Fin."))
    agreement = Agreement(title_en="A memorandum", kind=Agreement.Kind.MOU)
    entry.create(selection, agreement, user=editor, parties=parties)
    assert agreement.status == Status.DRAFT
    assert {p.organisation for p in AgreementParty.objects.filter(agreement=agreement)} == set(
        parties
    )
    assert Citation.objects.filter(quote="Fin.").count() == 3
    assert Revision.objects.count() == 1


def test_an_invalid_record_writes_nothing(source, editor):
    selection = entry.select(source, *between(source.text, "Fin."))
    event = Event(
        name_en="Backwards",
        kind=Event.Kind.BILATERAL_MEETING,
        start_date=datetime.date(2025, 11, 27),
        end_date=datetime.date(2025, 11, 24),
    )
    with pytest.raises(ValidationError):
        entry.create(
            selection, event, user=editor, participants=[(factories.OrganisationFactory(), "host")]
        )
    assert not Event.objects.exists()
    assert not Participation.objects.exists()
    assert not Citation.objects.exists()
    assert not Revision.objects.exists()


def test_create_takes_only_a_new_record_and_its_own_joins(source, editor):
    selection = entry.select(source, 0, 5)
    with pytest.raises(ValueError):
        entry.create(selection, factories.OrganisationFactory(), user=editor)
    with pytest.raises(ValueError):
        entry.create(
            selection,
            Organisation(name_en="X", kind="police"),
            user=editor,
            parties=[factories.OrganisationFactory()],
        )


def test_every_piece_of_the_coverage_knows_where_it_sits_in_the_text(seeded):
    # The source's admin page links each stretch not cited yet to the entry page by them.
    from kb.domain.coverage import coverage

    source = Source.objects.get()
    pieces = [
        piece for paragraph in coverage(source, public=False).paragraphs() for piece in paragraph
    ]
    assert len(pieces) > 20
    for piece in pieces:
        assert source.text[piece.start : piece.end] == piece.text
