"""History and undo: every change path records its user; revert, compare and restore work."""

import pytest
import reversion
from django.urls import reverse
from reversion.models import Version

from kb import models
from tests import factories as f
from tests.support import _form_data, _url

pytestmark = pytest.mark.django_db


def save_through_admin(client, obj, **changes):
    url = _url(type(obj), "change", obj.pk)
    data = _form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    obj.refresh_from_db()
    return obj


def delete_through_admin(client, obj):
    response = client.post(_url(type(obj), "delete", obj.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def recover_through_admin(client, model):
    """Recover the only deleted record of a model, as an editor would."""
    [version] = client.get(_url(model, "recoverlist")).context["deleted"]
    url = reverse(f"admin:kb_{model._meta.model_name}_recover", args=[version.pk])
    response = client.post(url, _form_data(client.get(url)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return model.objects.get(pk=version.object_id)


def test_a_form_save_and_an_import_and_an_action_each_record_their_user(staff_client):
    # The form and the bulk action here; imports in tests/transfer/test_import_export.py.
    topic = f.TopicFactory(status=models.Status.DRAFT)
    save_through_admin(staff_client, topic, name_en="Renamed")
    staff_client.post(
        _url(models.Topic, "changelist"),
        {"action": "publish_selected", "_selected_action": [topic.pk]},
    )
    versions = list(Version.objects.get_for_object(topic).select_related("revision__user"))
    assert [v.revision.comment for v in versions] == ["Published", "Changed Name [en]."]
    assert {v.revision.user.username for v in versions} == {"editor"}


def test_revert_restores_an_earlier_version(staff_client):
    organisation = f.OrganisationFactory(name_en="First name")
    save_through_admin(staff_client, organisation, name_en="Second name")
    save_through_admin(staff_client, organisation, name_en="Third name")
    first = Version.objects.get_for_object(organisation).last()
    assert first.field_dict["name_en"] == "Second name"
    url = reverse("admin:kb_organisation_revision", args=[organisation.pk, first.pk])
    form = staff_client.get(url)
    assert form.context["adminform"].form["name_en"].value() == "Second name"
    response = staff_client.post(url, _form_data(form))
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name_en == "Second name"
    latest = Version.objects.get_for_object(organisation).first()
    assert latest.revision.comment.startswith("Reverted to previous version")


def test_two_versions_can_be_compared(staff_client):
    with reversion.create_revision():
        event = f.EventFactory(name_en="Meeting", city="Rabat")
    save_through_admin(staff_client, event, city="Marrakech")
    save_through_admin(staff_client, event, name_en="Bilateral meeting")
    newest, _middle, oldest = Version.objects.get_for_object(event)
    history = staff_client.get(_url(models.Event, "history", event.pk))
    assert "Compare the two versions" in history.text
    compare = reverse("admin:kb_event_compare", args=[event.pk])
    response = staff_client.get(compare, {"a": newest.pk, "b": oldest.pk})
    assert response.status_code == 200
    changed = {str(row["label"]): (row["old"], row["new"]) for row in response.context["changed"]}
    assert changed == {
        "name [en]": ("Meeting", "Bilateral meeting"),
        "name": ("Meeting", "Bilateral meeting"),
        "city": ("Rabat", "Marrakech"),
    }
    assert staff_client.get(compare, {"a": newest.pk}).status_code == 404


def test_a_deleted_event_comes_back_with_its_participations_and_citations(staff_client):
    with reversion.create_revision():
        event = f.EventFactory(slug="meeting")
    # Added after the event's last revision, on their own pages or by import:
    # the snapshot taken at deletion still catches them.
    participation = f.ParticipationFactory(event=event)
    f.CitationFactory(record=event, quote="La rencontre")
    f.CitationFactory(record=participation, quote="Le participant")
    delete_through_admin(staff_client, event)
    assert not models.Participation.objects.exists() and not models.Citation.objects.exists()

    event = recover_through_admin(staff_client, models.Event)
    assert event.slug == "meeting"
    [participation] = event.participations.all()
    assert participation.citations.get().quote == "Le participant"
    assert event.citations.get().quote == "La rencontre"


def test_deleted_agreements_come_back_with_their_parties(staff_client):
    agreement = f.AgreementFactory()
    f.AgreementPartyFactory(agreement=agreement)
    f.AgreementPartyFactory(agreement=agreement)
    # The changelist's bulk delete takes the same snapshot.
    response = staff_client.post(
        _url(models.Agreement, "changelist"),
        {"action": "delete_selected", "_selected_action": [agreement.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not models.AgreementParty.objects.exists()
    agreement = recover_through_admin(staff_client, models.Agreement)
    assert agreement.parties.count() == 2


def test_a_deleted_person_comes_back_with_their_memberships(staff_client):
    person = f.PersonFactory()
    membership = f.MembershipFactory(person=person)
    f.CitationFactory(record=membership)
    delete_through_admin(staff_client, person)
    person = recover_through_admin(staff_client, models.Person)
    assert person.memberships.get().citations.count() == 1


def test_a_deletion_is_recorded_with_its_user(staff_client):
    topic = f.TopicFactory()
    delete_through_admin(staff_client, topic)
    [version] = Version.objects.get_deleted(models.Topic)
    assert (version.revision.comment, version.revision.user.username) == ("Deleted", "editor")


def test_bulk_history_stores_what_reversion_stores():
    """kb/history/revisions.py writes the very versions reversion.add_to_revision would."""
    from kb.history.revisions import save_revisions

    event = f.EventFactory()
    event.topics.add(f.TopicFactory())
    participation = f.ParticipationFactory(event=event)
    f.CitationFactory(record=event)
    f.CitationFactory(record=participation)
    with reversion.create_revision():
        reversion.add_to_revision(event)
    [bulk] = save_revisions([models.Event.objects.get(pk=event.pk)])
    ours, theirs = (
        Version.objects.get_for_object(event)[i].revision.version_set.order_by(
            "content_type", "object_id"
        )
        for i in (0, 1)
    )
    assert ours.first().revision == bulk
    fields = ("content_type", "object_id", "db", "format", "serialized_data", "object_repr")
    assert list(ours.values_list(*fields)) == list(theirs.values_list(*fields))
    assert ours.count() == 4  # the event, its participation, their two citations
