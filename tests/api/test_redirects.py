"""A merged record's old slug in the API: 301 to the kept record; filters by it find it."""

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


def test_an_old_record_answers_301_with_its_query(client, merged):
    response = client.get("/api/v1/organisations/polizia/?lang=fr")
    assert response.status_code == 301
    assert response["Location"] == "/api/v1/organisations/italian-police/?lang=fr"
    assert client.get(response["Location"]).json()["slug"] == "italian-police"


def test_unknown_slugs_and_drafts_stay_404(client, merged):
    assert client.get("/api/v1/organisations/nothing/").status_code == 404
    merged.status = models.Status.DRAFT
    merged.save()
    assert client.get("/api/v1/organisations/polizia/").status_code == 404


def test_filters_and_search_find_the_kept_record_by_its_old_slug_and_names(client, merged):
    meeting = f.EventFactory(slug="meeting")
    f.ParticipationFactory(event=meeting, organisation=merged)
    rows = client.get("/api/v1/events/", {"participant": "polizia"}).json()["results"]
    assert [r["slug"] for r in rows] == ["meeting"]
    rows = client.get("/api/v1/organisations/", {"q": "Police d'État"}).json()["results"]
    assert [r["slug"] for r in rows] == ["italian-police"]
    # An unknown slug is still a 400 naming the parameter.
    response = client.get("/api/v1/events/", {"participant": "nothing"})
    assert response.status_code == 400 and "participant" in response.json()
