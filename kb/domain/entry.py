"""Entering facts from a source's own text: a quote is a stretch of the stored text.

The one owner of that rule, below the surfaces (the admin's entry page,
kb/admin/entry.py, calls it; so could any other). A selection is two
character offsets into `source.text`; the quote is cut from the stored text
here, never taken from what a browser sends, and nothing is normalised: the
quote is `source.text[start:end]`, typographic apostrophes, "93ᵉ" and all, so it
cannot drift from the source.

    selection = select(source, start, end)       # ValidationError if it is no passage
    cite(selection, record, user=user)           # a citation for an existing record
    create(selection, organisation, user=user)   # a new draft record citing it
    create(selection, event, user=user, participants=[(pôle, "host"), (bka, "counterpart")])
    create(selection, agreement, user=user, parties=[pôle, bka])

Each write is one transaction and one django-reversion revision ("Entered
from <source>", by the user), holding the record with its citations and join
rows: the record's history shows it and a revert undoes it whole. A created
record is a draft whoever enters it: it goes through the review gate
(kb/domain/publication.py) like any other. The facts a new record brings
(participations, parties) cite the same passage, as every fact in the data
carries its citation.

May import: `kb.models`, `kb.registry`, django-reversion; never a surface.
"""

import hashlib
from dataclasses import dataclass

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ..models import (
    Agreement,
    AgreementParty,
    Citation,
    Event,
    Participation,
    Record,
    Status,
)

# Room left under the slug's max_length (200) for a "-<n>" that makes it unique.
SLUG_STEM = 180


@dataclass(frozen=True)
class Selection:
    """A passage of a source's stored text: where it starts and ends, and the quote."""

    source: object
    start: int
    end: int
    quote: str

    @property
    def digest(self):
        """A short fingerprint of the quote: a confirmation page carries it, so a save
        made after the text changed under the editor's selection is refused."""
        return hashlib.sha1(self.quote.encode("utf-8")).hexdigest()[:16]


def select(source, start, end):
    """The passage of `source.text` from `start` to `end` (character offsets, end excluded).

    Refuses a missing, empty, reversed or out-of-range selection and one of white
    space only, with a ValidationError keyed by `start` (what the editor selected).
    The quote is the stored text's own characters, exactly.
    """
    text = source.text
    if start is None or end is None:
        raise ValidationError({"start": _("Select a passage of the text first.")})
    if not text:
        raise ValidationError({"start": _("This source has no stored text to quote from.")})
    if not 0 <= start < end <= len(text):
        raise ValidationError(
            {
                "start": _(
                    "The selection must lie within the text: from 0 to %(length)d characters, "
                    "its start before its end."
                )
                % {"length": len(text)}
            }
        )
    quote = text[start:end]
    if not quote.strip():
        raise ValidationError({"start": _("The selection holds only white space.")})
    return Selection(source, start, end, quote)


def _comment(source):
    return _("Entered from %(source)s") % {"source": source}


def _citation(selection, row, translation):
    return Citation(
        source=selection.source,
        content_type=ContentType.objects.get_for_model(type(row)),
        object_id=row.pk,
        quote=selection.quote,
        translation=translation,
        translation_by=Citation.TranslatedBy.ENTENTE if translation else "",
    )


def _save_citation(citation):
    citation.full_clean()  # the natural key and the CHECK rules, as the editor's error
    citation.save()
    return citation


def cite(selection, record, *, user, translation=""):
    """A citation of the passage for an existing record or fact; one revision.

    Refused (ValidationError) when the same quote of the same source already
    cites it. The record enters the revision too, with its citations, so its
    own history shows the entry.
    """
    with transaction.atomic(), reversion.create_revision(atomic=False):
        reversion.set_user(user)
        reversion.set_comment(_comment(selection.source))
        try:
            citation = _save_citation(_citation(selection, record, translation))
        except IntegrityError:  # a concurrent twin got there first
            raise ValidationError(_("This quote already cites this record.")) from None
        if reversion.is_registered(type(record)):
            reversion.add_to_revision(record)
    return citation


def unique_slug(model, name):
    """A slug for a new record made from its name: the name's own, or with "-2", "-3"..."""
    stem = slugify(name)[:SLUG_STEM].strip("-") or model._meta.model_name
    taken = set(model._default_manager.filter(slug__startswith=stem).values_list("slug", flat=True))
    slug, number = stem, 1
    while slug in taken:
        number += 1
        slug = f"{stem}-{number}"
    return slug


def create(selection, record, *, user, participants=(), parties=(), translation=""):
    """Save `record` (unsaved; an Organisation, an Event, an Agreement...) as a draft
    citing the passage, with its join rows each citing it too; one revision.

    participants: (organisation, role) pairs, for an Event; parties:
    organisations, for an Agreement (as signatories). The same organisation
    twice is recorded once (the first role given wins). Returns the record.
    """
    if not isinstance(record, Record) or record.pk is not None:
        raise ValueError("create() takes a new, unsaved record")
    if participants and not isinstance(record, Event):
        raise ValueError("participants belong to an event")
    if parties and not isinstance(record, Agreement):
        raise ValueError("parties belong to an agreement")
    record.status = Status.DRAFT  # the review gate: only a reviewer publishes
    with transaction.atomic(), reversion.create_revision(atomic=False):
        reversion.set_user(user)
        reversion.set_comment(_comment(selection.source))
        record.slug = unique_slug(type(record), str(record))
        record.full_clean()
        record.save()
        rows = [record]
        seen = set()
        for organisation, role in participants:
            if organisation.pk not in seen:
                seen.add(organisation.pk)
                row = Participation(event=record, organisation=organisation, role=role)
                row.full_clean()
                row.save()
                rows.append(row)
        for organisation in parties:
            if organisation.pk not in seen:
                seen.add(organisation.pk)
                row = AgreementParty(agreement=record, organisation=organisation)
                row.full_clean()
                row.save()
                rows.append(row)
        for row in rows:
            _save_citation(_citation(selection, row, translation))
        # Again, explicitly: the record's version now holds its citations and join rows.
        reversion.add_to_revision(record)
    return record
