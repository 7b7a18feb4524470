"""rows_for_ids(): the SQL written once, run for a list of ids (an array on PostgreSQL)."""

import pytest
from django.db import connection

from kb.db.idlists import IDS, rows_for_ids
from tests import factories

pytestmark = pytest.mark.django_db

SQL = f"SELECT id, slug FROM kb_organisation WHERE country = %s AND id IN ({IDS}) AND kind = %s"


def test_the_ids_and_the_parameters_around_them():
    french = factories.OrganisationFactory.create_batch(3, country="FR", kind="police")
    factories.OrganisationFactory(country="NO", kind="police")
    other_kind = factories.OrganisationFactory(country="FR", kind="ministry")
    asked = [org.pk for org in french[:2]] + [other_kind.pk]
    rows = rows_for_ids(connection, SQL, asked, before=["FR"], after=["police"])
    assert sorted(rows) == sorted((org.pk, org.slug) for org in french[:2])


def test_many_ids_at_once():
    orgs = factories.OrganisationFactory.create_batch(5, country="FR", kind="police")
    ids = [org.pk for org in orgs] + list(range(10**6, 10**6 + 2000))  # most match nothing
    rows = rows_for_ids(connection, SQL, ids, before=["FR"], after=["police"])
    assert sorted(pk for pk, _ in rows) == sorted(org.pk for org in orgs)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM kb_organisation WHERE id NOT IN (%(ids)s)",
        "SELECT id FROM kb_organisation WHERE id = %(ids)s",
    ],
)
def test_only_a_membership_test_is_accepted(sql):
    with pytest.raises(ValueError, match="IN"):
        rows_for_ids(connection, sql, [1])
