"""The data model's rules: validation, claims, publication, translation.

Database constraints and on_delete rules are in tests/models/test_constraints.py.
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from kb import models
from tests import factories
from tests.support import (
    D1,
    D2,
    MAIN_FACTORIES,
    ORDER_MESSAGE,
    factory_id,
    validation_errors,
)

pytestmark = pytest.mark.django_db


# --- 2. Model validation -----------------------------------------------------


@pytest.mark.parametrize(
    "aliases",
    [[], ["DGSN"], ["DGSN", "Sûreté nationale", "المديرية العامة للأمن الوطني"]],
    ids=["empty-list", "one", "several"],
)
def test_organisation_aliases_valid(aliases):
    factories.OrganisationFactory.build(aliases=aliases).full_clean()


@pytest.mark.parametrize(
    "aliases",
    [
        pytest.param("DGSN", id="string"),
        pytest.param(["DGSN", ""], id="empty-name"),
        pytest.param(["DGSN", 3], id="number"),
        pytest.param(["DGSN", None], id="null-name"),
        pytest.param([["DGSN"]], id="nested-list"),
        pytest.param({"fr": "DGSN"}, id="dict"),
        pytest.param(None, id="null"),
    ],
)
def test_organisation_aliases_invalid(aliases):
    org = factories.OrganisationFactory.build(aliases=aliases)
    assert "aliases" in validation_errors(org)


def test_person_aliases_validated_too():
    assert "aliases" in validation_errors(factories.PersonFactory.build(aliases=["", "x"]))
    factories.PersonFactory.build(aliases=["A. Hammouchi"]).full_clean()


def test_organisation_cannot_be_its_own_parent():
    org = factories.OrganisationFactory()
    org.parent = org
    assert "parent" in validation_errors(org)
    org.parent = factories.OrganisationFactory()
    org.full_clean()  # control


def test_event_cannot_be_part_of_itself():
    event = factories.EventFactory()
    event.parent = event
    assert "parent" in validation_errors(event)
    event.parent = factories.EventFactory(kind=models.Event.Kind.GENERAL_ASSEMBLY)
    event.full_clean()  # control


def test_participation_with_another_organisations_post_fails_on_post():
    event = factories.EventFactory()
    post = factories.PostFactory()
    other_org = factories.OrganisationFactory()
    participation = models.Participation(event=event, organisation=other_org, post=post)
    assert "post" in validation_errors(participation)
    participation.organisation = post.organisation
    participation.full_clean()  # control


def test_membership_with_another_organisations_post_fails_on_post():
    person = factories.PersonFactory()
    post = factories.PostFactory()
    other_org = factories.OrganisationFactory()
    membership = models.Membership(person=person, organisation=other_org, post=post)
    assert "post" in validation_errors(membership)
    membership.organisation = post.organisation
    membership.full_clean()  # control


def test_participation_with_a_post_gets_the_posts_organisation():
    event = factories.EventFactory()
    post = factories.PostFactory()
    participation = models.Participation(event=event, post=post)
    participation.full_clean()
    assert participation.organisation == post.organisation
    participation.save()
    participation.refresh_from_db()
    assert participation.organisation_id == post.organisation_id


def test_claim_measure_requires_an_event_subject():
    claim = factories.ClaimFactory.build(subject=factories.OrganisationFactory())
    assert "subject_type" in validation_errors(claim)
    # Control: the same claim about an event is valid.
    event = factories.EventFactory(kind=models.Event.Kind.GENERAL_ASSEMBLY)
    factories.ClaimFactory.build(subject=event).full_clean()


@pytest.mark.parametrize(
    ("factory", "fields"),
    [
        (factories.EventFactory, ("start_date", "end_date")),
        (factories.AgreementFactory, ("signed_start", "signed_end")),
    ],
    ids=["Event", "Agreement"],
)
def test_date_order_message_reaches_full_clean(factory, fields):
    start, end = fields
    row = factory.build(**{start: D2, end: D1})
    errors = validation_errors(row)
    assert errors == {"__all__": [ORDER_MESSAGE]}
    row = factory.build(**{start: D1, end: None})
    assert validation_errors(row) == {"__all__": [ORDER_MESSAGE]}
    factory.build(**{start: D1, end: D1}).full_clean()  # control


def test_membership_constraints_reach_full_clean():
    membership = models.Membership(
        person=factories.PersonFactory(),
        organisation=factories.OrganisationFactory(),
        start_date=D2,
        end_date=D1,
    )
    assert validation_errors(membership) == {"__all__": [ORDER_MESSAGE]}

    saved = factories.MembershipFactory(post=None, organisation=factories.OrganisationFactory())
    duplicate = models.Membership(
        person=saved.person, organisation=saved.organisation, post=None, start_date=None
    )
    assert validation_errors(duplicate) == {"__all__": ["This membership is already recorded."]}


def test_participation_constraints_reach_full_clean():
    event = factories.EventFactory()
    nobody = models.Participation(event=event)
    assert "Name an organisation, a person or a post." in validation_errors(nobody)["__all__"]

    saved = factories.ParticipationFactory(event=event)
    duplicate = models.Participation(event=event, organisation=saved.organisation)
    assert validation_errors(duplicate) == {
        "__all__": ["This participant is already recorded for the event."]
    }


def test_citation_duplicate_reaches_full_clean():
    saved = factories.CitationFactory()
    duplicate = models.Citation(
        source_id=saved.source_id,
        content_type=saved.content_type,
        object_id=saved.object_id,
        quote=saved.quote,
    )
    assert validation_errors(duplicate) == {"__all__": ["This quote already cites this record."]}


# --- 3. Claims ---------------------------------------------------------------


def meeting_children(assembly):
    """The subject event's children and near misses; two of them count."""
    Kind = models.Event.Kind
    bilateral = factories.EventFactory(parent=assembly, kind=Kind.BILATERAL_MEETING)
    multilateral = factories.EventFactory(parent=assembly, kind=Kind.MULTILATERAL_MEETING)
    draft = factories.EventFactory(
        parent=assembly, kind=Kind.BILATERAL_MEETING, status=models.Status.DRAFT
    )
    for kind in (Kind.SIGNING, Kind.CONFERENCE, Kind.GENERAL_ASSEMBLY, Kind.OTHER):
        factories.EventFactory(parent=assembly, kind=kind)
    factories.EventFactory(parent=bilateral, kind=Kind.BILATERAL_MEETING)  # grandchild
    factories.EventFactory(parent=multilateral, kind=Kind.MULTILATERAL_MEETING)  # grandchild
    factories.EventFactory(kind=Kind.BILATERAL_MEETING)  # unrelated
    other_assembly = factories.EventFactory(kind=Kind.GENERAL_ASSEMBLY)
    factories.EventFactory(parent=other_assembly, kind=Kind.BILATERAL_MEETING)
    return draft


def test_claim_recorded_counts_published_meetings_directly_in_the_event():
    assembly = factories.EventFactory(kind=models.Event.Kind.GENERAL_ASSEMBLY)
    draft = meeting_children(assembly)
    claim = factories.ClaimFactory(subject=assembly)
    assert claim.recorded() == 2

    # The figure is computed, not stored: publishing the draft changes it.
    draft.status = models.Status.PUBLISHED
    draft.save()
    assert claim.recorded() == 3


def test_claim_recorded_is_zero_without_meetings():
    claim = factories.ClaimFactory()
    assert claim.recorded() == 0


def test_claim_recorded_ignores_the_claims_own_status():
    assembly = factories.EventFactory(kind=models.Event.Kind.GENERAL_ASSEMBLY)
    factories.EventFactory(parent=assembly)
    claim = factories.ClaimFactory(subject=assembly, status=models.Status.DRAFT)
    assert claim.recorded() == 1


def test_claim_recorded_rejects_an_unknown_measure():
    claim = factories.ClaimFactory.build(measure="unknown")
    with pytest.raises(ValueError, match="unknown"):
        claim.recorded()


Qualifier = models.Claim.Qualifier


@pytest.mark.parametrize(
    ("qualifier", "value", "recorded", "consistent"),
    [
        (Qualifier.EXACTLY, 5, 5, True),
        (Qualifier.EXACTLY, 5, 4, False),
        (Qualifier.EXACTLY, 5, 6, False),
        (Qualifier.EXACTLY, 0, 0, True),
        (Qualifier.AT_LEAST, 5, 5, True),
        (Qualifier.AT_LEAST, 5, 6, True),
        (Qualifier.AT_LEAST, 5, 4, False),
        (Qualifier.AT_LEAST, 0, 0, True),
        (Qualifier.AT_MOST, 5, 5, True),
        (Qualifier.AT_MOST, 5, 4, True),
        (Qualifier.AT_MOST, 5, 0, True),
        (Qualifier.AT_MOST, 5, 6, False),
        # About: 10% either way, at least 1.
        (Qualifier.ABOUT, 20, 20, True),
        (Qualifier.ABOUT, 20, 18, True),
        (Qualifier.ABOUT, 20, 22, True),
        (Qualifier.ABOUT, 20, 17, False),
        (Qualifier.ABOUT, 20, 23, False),
        (Qualifier.ABOUT, 100, 90, True),
        (Qualifier.ABOUT, 100, 110, True),
        (Qualifier.ABOUT, 100, 89, False),
        (Qualifier.ABOUT, 100, 111, False),
        (Qualifier.ABOUT, 15, 14, True),  # 10% of 15 is 1.5: a difference of 1 is within it
        (Qualifier.ABOUT, 15, 16, True),
        (Qualifier.ABOUT, 15, 13, False),  # ... and 2 is not
        (Qualifier.ABOUT, 15, 17, False),
        (Qualifier.ABOUT, 5, 4, True),  # 10% of 5 is 0.5, so the minimum of 1 applies
        (Qualifier.ABOUT, 5, 6, True),
        (Qualifier.ABOUT, 5, 3, False),
        (Qualifier.ABOUT, 5, 7, False),
        (Qualifier.ABOUT, 0, 0, True),
        (Qualifier.ABOUT, 0, 1, True),
        (Qualifier.ABOUT, 0, 2, False),
    ],
)
def test_claim_is_consistent(qualifier, value, recorded, consistent):
    claim = factories.ClaimFactory.build(qualifier=qualifier, value=value)
    assert claim.is_consistent(recorded=recorded) is consistent


def test_claim_is_consistent_uses_the_recorded_figure():
    assembly = factories.EventFactory(kind=models.Event.Kind.GENERAL_ASSEMBLY)
    factories.EventFactory(parent=assembly)
    factories.EventFactory(parent=assembly)
    claim = factories.ClaimFactory(subject=assembly, qualifier=Qualifier.EXACTLY, value=2)
    assert claim.is_consistent() is True
    factories.EventFactory(parent=assembly, status=models.Status.DRAFT)
    assert claim.is_consistent() is True
    factories.EventFactory(parent=assembly)
    assert claim.is_consistent() is False
    # An explicit figure overrides the computed one, including zero.
    assert claim.is_consistent(recorded=2) is True
    assert claim.is_consistent(recorded=0) is False


# --- 4. Publication ----------------------------------------------------------


@pytest.mark.parametrize("factory", MAIN_FACTORIES, ids=factory_id)
def test_published_returns_only_published_records(factory):
    model = factory._meta.model
    shown = [factory(), factory()]
    factory(status=models.Status.DRAFT)
    assert set(model.objects.published()) == set(shown)
    assert model.objects.count() == 3
    # It chains like any queryset.
    assert list(model.objects.filter(pk=shown[0].pk).published()) == [shown[0]]
    assert not model.objects.filter(status=models.Status.DRAFT).published().exists()


# --- 5. Translation ----------------------------------------------------------


@pytest.mark.parametrize("missing", ["", None], ids=["blank", "null"])
def test_french_falls_back_to_english(missing):
    org = factories.OrganisationFactory(name_en="General Directorate", name_fr=missing)
    org = models.Organisation.objects.get(pk=org.pk)
    with translation.override("fr"):
        assert org.name == "General Directorate"
        assert str(org) == "General Directorate"


def test_french_is_shown_when_set():
    org = factories.OrganisationFactory(
        name_en="General Directorate of National Security",
        name_fr="Direction générale de la Sûreté nationale",
        acronym="DGSN",
    )
    org = models.Organisation.objects.get(pk=org.pk)
    with translation.override("fr"):
        assert org.name == "Direction générale de la Sûreté nationale"
        assert str(org) == "Direction générale de la Sûreté nationale (DGSN)"
    with translation.override("en"):
        assert org.name == "General Directorate of National Security"


def test_english_falls_back_to_french():
    org = factories.OrganisationFactory(name_en="", name_fr="Sûreté nationale")
    org = models.Organisation.objects.get(pk=org.pk)
    with translation.override("en"):
        assert org.name == "Sûreté nationale"


def test_membership_with_only_a_post_gets_the_posts_organisation():
    post = factories.PostFactory()
    membership = models.Membership(person=factories.PersonFactory(), post=post)
    membership.full_clean()
    assert membership.organisation == post.organisation


def test_membership_without_post_or_organisation_is_refused():
    membership = models.Membership(person=factories.PersonFactory())
    with pytest.raises(ValidationError) as excinfo:
        membership.full_clean()
    assert "organisation" in excinfo.value.message_dict
