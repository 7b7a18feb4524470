"""The data model's rules: database constraints, validation, claims, publication, translation.

Database-level tests save through factories (``objects.create``), which skips
``full_clean``, so a passing test proves the database itself refuses the row.
Each refusal sits next to a control showing the nearly identical valid row is
accepted, so a test cannot pass because of some unrelated error.
"""

import datetime
import random
import string
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import translation

from kb import models
from tests import factories

pytestmark = pytest.mark.django_db

D1 = datetime.date(2025, 11, 24)
D2 = datetime.date(2025, 11, 27)
ORDER_MESSAGE = "The end date must be on or after the start date."

MAIN_FACTORIES = [
    factories.TopicFactory,
    factories.OrganisationFactory,
    factories.PersonFactory,
    factories.PostFactory,
    factories.EventFactory,
    factories.AgreementFactory,
    factories.SourceFactory,
    factories.ClaimFactory,
]


def factory_id(factory):
    return factory._meta.model.__name__


@contextmanager
def refused():
    """Expect the database to refuse what the block writes, then carry on.

    The savepoint keeps the test's transaction usable after the error
    (PostgreSQL aborts the whole transaction otherwise).
    """
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def validation_errors(obj):
    """The message_dict of obj.full_clean(), which must fail."""
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


# --- 1. Database constraints -------------------------------------------------


@pytest.mark.parametrize("factory", MAIN_FACTORIES, ids=factory_id)
def test_duplicate_slug_is_refused(factory):
    factory(slug="same-slug")
    factory(slug="other-slug")  # control: a second row with its own slug is fine
    with refused():
        factory(slug="same-slug")
    assert factory._meta.model.objects.filter(slug="same-slug").count() == 1


DATE_WINDOWS = [
    pytest.param(D1, D2, True, id="start-before-end"),
    pytest.param(D1, D1, True, id="equal-dates"),
    pytest.param(None, None, True, id="both-unknown"),
    pytest.param(D2, D1, False, id="start-after-end"),
    pytest.param(D1, None, False, id="start-only"),
    pytest.param(None, D2, False, id="end-only"),
]


@pytest.mark.parametrize(("start", "end", "accepted"), DATE_WINDOWS)
def test_event_date_window(start, end, accepted):
    if accepted:
        event = factories.EventFactory(start_date=start, end_date=end)
        event.refresh_from_db()
        assert (event.start_date, event.end_date) == (start, end)
    else:
        with refused():
            factories.EventFactory(start_date=start, end_date=end)
        assert not models.Event.objects.exists()


@pytest.mark.parametrize(("start", "end", "accepted"), DATE_WINDOWS)
def test_agreement_date_window(start, end, accepted):
    if accepted:
        agreement = factories.AgreementFactory(signed_start=start, signed_end=end)
        agreement.refresh_from_db()
        assert (agreement.signed_start, agreement.signed_end) == (start, end)
    else:
        with refused():
            factories.AgreementFactory(signed_start=start, signed_end=end)
        assert not models.Agreement.objects.exists()


@pytest.mark.parametrize(
    ("start", "end", "accepted"),
    [
        pytest.param(D1, D2, True, id="start-before-end"),
        pytest.param(D1, D1, True, id="equal-dates"),
        pytest.param(None, None, True, id="both-unknown"),
        # A membership may be open-ended or have an unknown start.
        pytest.param(D1, None, True, id="start-only"),
        pytest.param(None, D2, True, id="end-only"),
        pytest.param(D2, D1, False, id="start-after-end"),
    ],
)
def test_membership_date_window(start, end, accepted):
    if accepted:
        factories.MembershipFactory(start_date=start, end_date=end)
        assert models.Membership.objects.count() == 1
    else:
        with refused():
            factories.MembershipFactory(start_date=start, end_date=end)
        assert not models.Membership.objects.exists()


@pytest.mark.parametrize("with_post", [True, False], ids=["post", "no-post"])
@pytest.mark.parametrize("start", [D1, None], ids=["start", "no-start"])
def test_membership_natural_key_is_unique_even_with_empty_parts(with_post, start):
    """Two identical memberships are refused even when the post or start date is NULL."""
    post = factories.PostFactory()
    person = factories.PersonFactory()
    key = {
        "person": person,
        "organisation": post.organisation,
        "post": post if with_post else None,
        "start_date": start,
    }
    factories.MembershipFactory(**key)
    with refused():
        factories.MembershipFactory(**key)
    assert models.Membership.objects.count() == 1


def test_membership_natural_key_tells_empty_parts_from_set_ones():
    post = factories.PostFactory()
    person = factories.PersonFactory()
    org = post.organisation
    factories.MembershipFactory(person=person, organisation=org, post=None, start_date=None)
    # Each differs from the first in one part that is set here and NULL there.
    factories.MembershipFactory(person=person, organisation=org, post=post, start_date=None)
    factories.MembershipFactory(person=person, organisation=org, post=None, start_date=D1)
    factories.MembershipFactory(person=person, organisation=org, post=post, start_date=D1)
    # The end date is not part of the key.
    with refused():
        factories.MembershipFactory(
            person=person, organisation=org, post=post, start_date=D1, end_date=D2
        )
    assert models.Membership.objects.count() == 4


def test_participation_must_name_a_participant():
    event = factories.EventFactory()
    with refused():
        factories.ParticipationFactory(event=event, organisation=None, person=None, post=None)
    assert not models.Participation.objects.exists()
    # Controls: any one of the three is enough.
    factories.ParticipationFactory(event=event, organisation=None, person=factories.PersonFactory())
    factories.ParticipationFactory(event=event, organisation=None, post=factories.PostFactory())
    factories.ParticipationFactory(event=event)
    assert event.participations.count() == 3


def test_participation_duplicate_is_refused_with_empty_person_and_post():
    event = factories.EventFactory()
    org = factories.OrganisationFactory()
    factories.ParticipationFactory(event=event, organisation=org, person=None, post=None)
    with refused():
        factories.ParticipationFactory(
            event=event,
            organisation=org,
            person=None,
            post=None,
            role=models.Participation.Role.HOST,  # the role is not part of the key
        )
    assert event.participations.count() == 1


def test_participation_duplicate_post_only_is_refused():
    event = factories.EventFactory()
    post = factories.PostFactory()
    factories.ParticipationFactory(event=event, organisation=None, post=post)
    with refused():
        factories.ParticipationFactory(event=event, organisation=None, post=post)
    assert event.participations.count() == 1


def test_participation_same_organisation_in_other_roles_is_accepted():
    event = factories.EventFactory()
    org = factories.OrganisationFactory()
    chief = factories.PostFactory(organisation=org)
    deputy = factories.PostFactory(organisation=org)
    factories.ParticipationFactory(event=event, organisation=org)
    factories.ParticipationFactory(event=event, organisation=org, post=chief)
    factories.ParticipationFactory(event=event, organisation=org, post=deputy)
    factories.ParticipationFactory(event=event, organisation=org, person=factories.PersonFactory())
    factories.ParticipationFactory(event=factories.EventFactory(), organisation=org)
    assert event.participations.filter(organisation=org).count() == 4


def test_agreement_party_duplicate_is_refused():
    party = factories.AgreementPartyFactory()
    with refused():
        factories.AgreementPartyFactory(
            agreement=party.agreement,
            organisation=party.organisation,
            role=models.AgreementParty.Role.WITNESS,  # the role is not part of the key
        )
    # Controls: the same organisation in another agreement, another party here.
    factories.AgreementPartyFactory(organisation=party.organisation)
    factories.AgreementPartyFactory(agreement=party.agreement)
    assert party.agreement.parties.count() == 2
    assert models.AgreementParty.objects.count() == 3


def test_citation_source_is_the_foreign_key():
    """`Citation.source` must stay the source foreign key, assignable and readable."""
    source = factories.SourceFactory()
    org = factories.OrganisationFactory()
    citation = models.Citation(source=source, record=org, quote="Une citation.")
    citation.save()
    citation = models.Citation.objects.get(pk=citation.pk)
    assert citation.source == source
    assert citation.record == org
    assert list(org.citations.all()) == [citation]


def test_citation_with_empty_quote_is_refused():
    with refused():
        factories.CitationFactory(quote="")
    assert not models.Citation.objects.exists()


def test_citation_duplicate_is_refused():
    source = factories.SourceFactory()
    org = factories.OrganisationFactory()
    quote = "Le directeur général de la Sûreté nationale s’est entretenu…"
    factories.CitationFactory(source=source, record=org, quote=quote)
    with refused():
        factories.CitationFactory(source=source, record=org, quote=quote, translation="Other")
    assert org.citations.count() == 1


def test_citation_same_quote_elsewhere_is_accepted():
    source = factories.SourceFactory()
    org = factories.OrganisationFactory()
    quote = "Une phrase qui étaye plusieurs faits."
    factories.CitationFactory(source=source, record=org, quote=quote)
    # Another record of the same model, a record of another model with the same pk
    # value, and another source: each is a distinct citation.
    other_org = factories.OrganisationFactory()
    factories.CitationFactory(source=source, record=other_org, quote=quote)
    same_pk_event = factories.EventFactory(id=org.pk)
    factories.CitationFactory(source=source, record=same_pk_event, quote=quote)
    factories.CitationFactory(source=factories.SourceFactory(), record=org, quote=quote)
    assert models.Citation.objects.filter(quote=quote).count() == 4
    assert org.citations.count() == 2


def test_citation_accepts_a_long_quote():
    """A quote is copied whole, however long; the natural key must not cap its length."""
    rng = random.Random(93)  # incompressible text, as a long quote is for an index
    quote = "".join(rng.choice(string.ascii_letters + " ") for _ in range(10_000))
    source = factories.SourceFactory()
    org = factories.OrganisationFactory()
    factories.CitationFactory(source=source, record=org, quote=quote)
    assert models.Citation.objects.get().quote == quote
    with refused():
        factories.CitationFactory(source=source, record=org, quote=quote)


# --- on_delete ---------------------------------------------------------------


def test_deleting_a_participating_organisation_is_refused():
    participation = factories.ParticipationFactory()
    with pytest.raises(ProtectedError):
        participation.organisation.delete()
    assert models.Organisation.objects.filter(pk=participation.organisation_id).exists()
    assert models.Participation.objects.filter(pk=participation.pk).exists()
    # Control: an organisation nothing refers to can be deleted.
    loner = factories.OrganisationFactory()
    loner.delete()
    assert not models.Organisation.objects.filter(pk=loner.pk).exists()


def test_deleting_an_event_deletes_its_participations_and_citations():
    event = factories.EventFactory()
    org = factories.OrganisationFactory()
    participation = factories.ParticipationFactory(event=event, organisation=org)
    factories.CitationFactory(record=event)
    factories.CitationFactory(record=event)
    factories.CitationFactory(record=participation)
    # Controls: rows that belong to something else.
    other_event = factories.EventFactory()
    other_participation = factories.ParticipationFactory(event=other_event, organisation=org)
    kept_on_other_event = factories.CitationFactory(record=other_event)
    kept_on_org = factories.CitationFactory(record=org)
    # A citation of another model's row whose pk equals the event's.
    kept_same_pk = factories.CitationFactory(record=factories.TopicFactory(id=event.pk))

    event.delete()

    assert not models.Participation.objects.filter(event_id=event.pk).exists()
    assert list(models.Participation.objects.all()) == [other_participation]
    assert set(models.Citation.objects.all()) == {kept_on_other_event, kept_on_org, kept_same_pk}
    assert models.Organisation.objects.filter(pk=org.pk).exists()


def test_deleting_a_cited_source_is_refused():
    citation = factories.CitationFactory()
    source = models.Source.objects.get(pk=citation.source_id)
    with pytest.raises(ProtectedError):
        source.delete()
    assert models.Source.objects.filter(pk=source.pk).exists()
    assert models.Citation.objects.filter(pk=citation.pk).exists()
    # Control: an uncited source can be deleted.
    uncited = factories.SourceFactory()
    uncited.delete()
    assert not models.Source.objects.filter(pk=uncited.pk).exists()


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
