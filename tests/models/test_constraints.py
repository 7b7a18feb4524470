"""Database constraints and on_delete rules: the database itself refuses bad rows.

Tests save through factories (``objects.create``), which skips ``full_clean``,
so a passing test proves the database refuses the row. Each refusal sits next
to a control showing the nearly identical valid row is accepted, so a test
cannot pass because of some unrelated error.
"""

import random
import string

import pytest
from django.db.models import ProtectedError

from kb import models
from tests import factories
from tests.support import D1, D2, MAIN_FACTORIES, factory_id, refused

pytestmark = pytest.mark.django_db


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
