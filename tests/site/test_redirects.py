"""A merged record's old page answers 301 with the kept record's; its old slug and names
still find it (the API's side: tests/api/test_redirects.py)."""

import pytest

from kb import models
from kb.history import merging
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged():
    kept = f.OrganisationFactory(slug="italian-police", name_en="Italian police")
    dup = f.OrganisationFactory(slug="polizia", name_en="Polizia di Stato", name_fr="Police d'État")
    merging.merge(models.Organisation, kept.pk, [dup.pk])
    return kept


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_old_page_answers_301_in_its_language_with_its_query(client, merged, language):
    response = client.get(f"/{language}/organisations/polizia/?tab=events")
    assert response.status_code == 301
    assert response["Location"] == f"/{language}/organisations/italian-police/?tab=events"
    assert client.get(response["Location"]).status_code == 200


def test_unknown_slugs_and_drafts_stay_404(client, merged):
    assert client.get("/en/organisations/nothing/").status_code == 404
    # A redirect to a record the public may not see says nothing of it.
    merged.status = models.Status.DRAFT
    merged.save()
    assert client.get("/en/organisations/polizia/").status_code == 404
    # Slugs redirect within their type only.
    assert client.get("/en/events/polizia/").status_code == 404


def test_search_finds_the_kept_record_by_an_old_name(client, merged):
    page = client.get("/en/search/", {"q": "Polizia di Stato"})
    assert "/en/organisations/italian-police/" in page.content.decode()


def test_a_list_filtered_by_an_old_slug_lists_the_kept_records_rows(client, merged):
    meeting = f.EventFactory(slug="meeting")
    f.ParticipationFactory(event=meeting, organisation=merged)
    # The page's canonical query names the kept record.
    response = client.get("/en/events/", {"participant": "polizia"})
    assert response["Location"] == "/en/events/?participant=italian-police"
    assert "/en/events/meeting/" in client.get(response["Location"]).content.decode()
