"""Public detail pages link a record's identifiers in other systems ("Wikidata: Q7747")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kb import models, registry
from tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

NK = "NK-2ZkYyZLKa4Mdj6NqbHPoeF"
# A record of each type with a page, from the article's data.
RECORDS = {
    "organisation": "interpol",
    "person": "abdellatif-hammouchi",
    "event": "interpol-general-assembly-93",
    "agreement": "pole-dgsn-dgst-norwegian-national-police-agreement",
    "topic": "cybercrime",
    "source": "interpol-ga-93-hammouchi-bilaterals",
}
WIKIDATA_LINK = '<a href="https://www.wikidata.org/wiki/Q7747" rel="noopener">Wikidata: Q7747</a>'
OPENSANCTIONS_LINK = (
    f'<a href="https://www.opensanctions.org/entities/{NK}/" rel="noopener">OpenSanctions: {NK}</a>'
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def page(client, record, language="en"):
    with translation.override(language):
        url = record.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize("entry", registry.with_pages(), ids=lambda e: e.name)
def test_each_detail_page_links_the_records_identifiers(client, entry):
    record = entry.model.objects.get(slug=RECORDS[entry.name])
    assert "In other databases" not in page(client, record)  # the article gives none
    url = record.get_absolute_url()
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    f.IdentifierFactory(record=record, scheme="wikidata", value="Q7747")
    f.IdentifierFactory(record=record, scheme="opensanctions", value=NK)
    html = page(client, record)
    assert "<dt>In other databases</dt>" in html
    assert WIKIDATA_LINK in html and OPENSANCTIONS_LINK in html
    french = page(client, record, "fr")
    assert "<dt>Dans d’autres bases de données</dt>" in french and WIKIDATA_LINK in french
    # Read with the record (for_detail(): with_identifiers()), however many it has.
    with CaptureQueriesContext(connection) as given:
        client.get(url)
    assert len(given) == len(without)


def test_a_page_shows_its_own_records_identifiers_not_another_types(client):
    # A person and an organisation with the same key: the identifier is the person's.
    person = models.Person.objects.order_by("pk").first()
    organisation = models.Organisation.objects.get(pk=person.pk)
    f.IdentifierFactory(record=person, value="Q7747")
    assert WIKIDATA_LINK in page(client, person)
    assert "In other databases" not in page(client, organisation)
