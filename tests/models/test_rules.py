"""Each database rule's Python twin (kb/models/rules.py) agrees with its CHECK constraint."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kb.models.rules import rules_for
from tests import factories

pytestmark = pytest.mark.django_db

D1 = datetime.date(2025, 11, 24)
D2 = datetime.date(2025, 11, 27)
DATES = [None, D1, D2]


def constraint_refuses(instance):
    """Whether the database refuses the row (the rule's SQL side)."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        return True
    return False


def model_refuses(instance, rule):
    try:
        instance.validate_constraints()
    except ValidationError as error:
        return str(rule.message) in error.messages
    return False


@pytest.mark.parametrize(
    ("factory", "start", "end"),
    [
        (factories.EventFactory, "start_date", "end_date"),
        (factories.AgreementFactory, "signed_start", "signed_end"),
        (factories.MembershipFactory, "start_date", "end_date"),
    ],
)
def test_date_windows_agree_with_their_constraint(factory, start, end):
    for first, last in itertools.product(DATES, DATES):
        row = factory.build(**{start: first, end: last})
        if hasattr(row, "person_id"):  # a membership needs its ends saved
            row.person = factories.PersonFactory()
            row.organisation = factories.OrganisationFactory()
            row.post = None
        (rule,) = rules_for(type(row))
        python_says = bool(rule.errors(row))
        assert python_says == model_refuses(row, rule) == constraint_refuses(row), (first, last)


def test_a_participation_must_name_someone_in_python_and_in_sql():
    event = factories.EventFactory()
    organisation = factories.OrganisationFactory()
    for named in (None, organisation):
        row = factories.ParticipationFactory.build(
            event=event, organisation=named, person=None, post=None
        )
        (rule,) = rules_for(type(row))
        python_says = bool(rule.errors(row))
        assert python_says == model_refuses(row, rule) == constraint_refuses(row) == (not named)
        if python_says:
            assert list(rule.errors(row)) == ["organisation"]


def test_a_translation_says_who_made_it_in_python_and_in_sql():
    """Citation.translation and translation_by are empty together or filled together."""
    source, record = factories.SourceFactory(), factories.OrganisationFactory()
    cases = {
        ("", ""): None,
        ("The DGSN-DGST pole", "entente"): None,
        ("The DGSN-DGST pole", "source"): None,
        ("The DGSN-DGST pole", ""): "translation_by",  # a translation nobody vouches for
        ("", "entente"): "translation",  # a translator with nothing translated
    }
    for number, ((translation, by), wrong) in enumerate(cases.items()):
        row = factories.CitationFactory.build(
            source=source,
            record=record,
            quote=f"Le pôle DGSN-DGST {number}",
            translation=translation,
            translation_by=by,
        )
        rule = next(r for r in rules_for(type(row)) if r.name.startswith("citation_translation"))
        python_says = bool(rule.errors(row))
        assert python_says == model_refuses(row, rule) == constraint_refuses(row) == bool(wrong)
        if wrong:
            assert list(rule.errors(row)) == [wrong]
