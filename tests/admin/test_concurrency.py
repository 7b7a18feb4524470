"""Two editors, one record: the second save is refused, showing what changed."""

import pytest
from django.test import Client

from kb import models
from tests import factories as f
from tests.support import _form_data, _url

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_client(django_user_model):
    user = django_user_model.objects.create_superuser("alice", "alice@example.org", "pw")
    client = Client()
    client.force_login(user)
    return client


def errors_of(response):
    return [str(e) for e in response.context["adminform"].form.non_field_errors()]


def test_the_second_of_two_concurrent_saves_is_refused(staff_client, other_client):
    organisation = f.OrganisationFactory(name_en="Police", acronym="P", country="FR")
    url = _url(models.Organisation, "change", organisation.pk)
    mine = _form_data(staff_client.get(url))
    theirs = _form_data(other_client.get(url))

    theirs.update(name_en="National Police", country="MA")
    assert other_client.post(url, theirs).status_code == 302

    mine["acronym"] = "DGSN"
    response = staff_client.post(url, mine)
    assert response.status_code == 200
    first, *changed = errors_of(response)
    assert "alice saved this record" in first and "Your changes were not saved" in first
    assert changed == ["Name [en]: now “National Police”", "Country: now “Morocco”"]
    organisation.refresh_from_db()
    assert (organisation.name_en, organisation.acronym) == ("National Police", "P")

    # Reloaded, the same change goes through.
    again = _form_data(staff_client.get(url))
    again["acronym"] = "DGSN"
    assert staff_client.post(url, again).status_code == 302
    organisation.refresh_from_db()
    assert (organisation.name_en, organisation.acronym) == ("National Police", "DGSN")


def test_a_concurrent_change_to_inline_rows_also_refuses(staff_client, other_client):
    event = f.EventFactory()
    url = _url(models.Event, "change", event.pk)
    mine = _form_data(staff_client.get(url))
    theirs = _form_data(other_client.get(url))
    source = f.SourceFactory()
    prefix = "kb-citation-content_type-object_id"
    theirs.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-0-source": str(source.pk),
            f"{prefix}-0-quote": "Une citation",
        }
    )
    assert other_client.post(url, theirs).status_code == 302
    assert event.citations.count() == 1

    mine["city"] = "Rabat"
    response = staff_client.post(url, mine)
    assert response.status_code == 200
    assert "its citations or join rows may have changed" in errors_of(response)[-1]


def test_a_form_without_its_token_is_refused(staff_client):
    organisation = f.OrganisationFactory()
    url = _url(models.Organisation, "change", organisation.pk)
    data = _form_data(staff_client.get(url))
    del data["concurrency_token"]
    assert staff_client.post(url, data).status_code == 200


def test_adding_a_record_needs_no_token(staff_client):
    data = _form_data(staff_client.get(_url(models.Topic, "add")))
    data.update(slug="new-topic", name_en="New topic")
    response = staff_client.post(_url(models.Topic, "add"), data)
    assert response.status_code == 302
    assert models.Topic.objects.filter(slug="new-topic").exists()
