"""Comparing two versions shows every field, linked records included, by name."""

import pytest
import reversion
from django.urls import reverse
from reversion.models import Version

from tests import factories as f
from tests.support import _form_data, _url

pytestmark = pytest.mark.django_db


def save_through_admin(client, obj, **changes):
    url = _url(type(obj), "change", obj.pk)
    data = _form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def compare(client, event, a, b):
    response = client.get(
        reverse("admin:kb_event_compare", args=[event.pk]), {"a": a.pk, "b": b.pk}
    )
    assert response.status_code == 200
    return (
        {
            str(row["label"]): (row["old"], row["new"])
            for key in ("changed", "unchanged")
            for row in response.context[key]
        },
        {str(row["label"]) for row in response.context["changed"]},
        response,
    )


def test_a_change_of_organiser_and_topics_shows_with_their_names(staff_client):
    interpol = f.OrganisationFactory(name_en="INTERPOL", acronym="")
    cyber = f.TopicFactory(name_en="Cybercrime")
    terrorism = f.TopicFactory(name_en="Terrorism")
    parent = f.EventFactory(name_en="General Assembly")
    with reversion.create_revision():
        event = f.EventFactory(name_en="Meeting", parent=parent)
    save_through_admin(staff_client, event, organiser=interpol.pk, topics=[terrorism.pk, cyber.pk])
    new, old = Version.objects.get_for_object(event)

    rows, changed, response = compare(staff_client, event, old, new)
    assert changed == {"organiser", "topics"}
    assert rows["organiser"] == ("—", "INTERPOL")
    assert rows["topics"] == ("—", "Cybercrime, Terrorism")
    # An unchanged link shows its record too, not a blank.
    assert rows["parent"] == ("General Assembly", "General Assembly")
    assert "No field differs" not in response.text
    assert "<ins>INTERPOL</ins>" in response.text


def test_a_linked_record_deleted_since_is_named_by_its_key(staff_client):
    organiser = f.OrganisationFactory()
    with reversion.create_revision():
        event = f.EventFactory(organiser=organiser)
    save_through_admin(staff_client, event, organiser="")
    new, old = Version.objects.get_for_object(event)
    pk = organiser.pk
    organiser.delete()
    rows, changed, _response = compare(staff_client, event, old, new)
    assert changed == {"organiser"}
    assert rows["organiser"] == (f"#{pk} (deleted)", "—")
