"""organisation_names(): the organisations of a list of ids, in SQL compiled once."""

import pytest

from kb.models import Status
from kb.models.actors import organisation_names
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_names_of_the_ids_given_and_of_no_other():
    named = factories.OrganisationFactory(slug="unodc", name_en="UNODC", name_fr="ONUDC")
    english_only = factories.OrganisationFactory(slug="afripol", name_en="AFRIPOL", name_fr="")
    draft = factories.OrganisationFactory(slug="draft-body", status=Status.DRAFT)
    factories.OrganisationFactory(slug="not-asked")
    rows = organisation_names([named.pk, english_only.pk, draft.pk])
    assert sorted(rows) == sorted(
        [
            (named.pk, "unodc", "UNODC", "ONUDC"),
            (english_only.pk, "afripol", "AFRIPOL", ""),
            # The caller's ids come from rows the public may see: no status is checked here.
            (draft.pk, "draft-body", draft.name_en, draft.name_fr),
        ]
    )


def test_no_ids_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert organisation_names([]) == []
