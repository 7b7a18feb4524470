"""Identifiers in other systems: the database's rules and each scheme's format."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kb.lib import identifiers
from tests.factories import IdentifierFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def test_a_record_lists_its_identifiers():
    organisation = OrganisationFactory()
    IdentifierFactory(record=organisation, scheme="wikidata", value="Q7747")
    IdentifierFactory(
        record=organisation, scheme="opensanctions", value="NK-2ZkYyZLKa4Mdj6NqbHPoeF"
    )
    assert sorted(str(i) for i in organisation.identifiers.all()) == [
        "opensanctions:NK-2ZkYyZLKa4Mdj6NqbHPoeF",
        "wikidata:Q7747",
    ]
    assert organisation.identifiers.get(scheme="wikidata").url == (
        "https://www.wikidata.org/wiki/Q7747"
    )


def test_two_records_of_a_type_cannot_share_an_identifier():
    IdentifierFactory(record=OrganisationFactory(), value="Q7747")
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentifierFactory(record=OrganisationFactory(), value="Q7747")
    # A person is another type: the same QID there is another (wrong, but legal) claim.
    IdentifierFactory(record=PersonFactory(), value="Q7747")


def test_the_database_refuses_an_unknown_scheme():
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentifierFactory(scheme="isni", value="0000000121032683")


@pytest.mark.parametrize(
    ("scheme", "value"),
    [("wikidata", "7747"), ("wikidata", "Q07747"), ("wikidata", "q7747"), ("opensanctions", "NK-")],
)
def test_a_badly_formed_identifier_is_refused_with_its_scheme_named(scheme, value):
    identifier = IdentifierFactory.build(record=OrganisationFactory(), scheme=scheme, value=value)
    with pytest.raises(ValidationError) as error:
        identifier.full_clean()
    assert "value" in error.value.message_dict
    assert str(identifiers.SCHEMES[scheme].label) in error.value.message_dict["value"][0]


@pytest.mark.parametrize(
    ("scheme", "value"),
    [
        ("wikidata", "Q1422458"),
        ("opensanctions", "NK-2ZkYyZLKa4Mdj6NqbHPoeF"),
        ("opensanctions", "Q7747"),
        ("opensanctions", "gb-hmt-14196"),
    ],
)
def test_a_well_formed_identifier_passes(scheme, value):
    IdentifierFactory.build(record=OrganisationFactory(), scheme=scheme, value=value).full_clean()
