import pytest

from tests.factories import OrganisationFactory


@pytest.mark.django_db
def test_published_excludes_drafts():
    from kb.models import Organisation, Status

    shown = OrganisationFactory()
    OrganisationFactory(status=Status.DRAFT)
    assert list(Organisation.objects.published()) == [shown]
