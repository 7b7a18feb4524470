"""Only reviewers publish or unpublish, on every admin write path.

Each path is tried as an editor (no `kb.publish_<model>`) and as a reviewer:
the add and change forms, reverting to an old version, recovering a deleted
record, the changelist actions and imports.
"""

import pytest
import reversion
from django.urls import reverse
from reversion.models import Version

from kb import models
from tests import factories as f
from tests.support import _form_data, _url, admin_import, member_of, report_errors, run_queued_jobs

pytestmark = pytest.mark.django_db

DRAFT, PUBLISHED = models.Status.DRAFT, models.Status.PUBLISHED
# (status the record has, status a form posts or an old version holds)
MOVES = [(DRAFT, PUBLISHED), (PUBLISHED, DRAFT)]


@pytest.fixture(params=["editor", "reviewer"])
def role(request):
    return request.param


@pytest.fixture
def user(client, django_user_model, role):
    user = member_of(django_user_model, role)
    client.force_login(user)
    return user


@pytest.fixture
def may_publish(role):
    return role == "reviewer"


def readonly_values(response):
    """{field name: shown value} of the read-only fields on an admin form page."""
    return {
        field.field["name"]: field.contents()
        for fieldset in response.context["adminform"]
        for line in fieldset
        for field in line
        if field.is_readonly
    }


def assert_status_input(response, may_publish, shown):
    """A reviewer gets a status input; anyone else sees the status, read-only."""
    assert ("status" in response.context["adminform"].form.fields) is may_publish
    if not may_publish:
        assert readonly_values(response)["status"] == shown.label


def post_form(client, url, **changes):
    """Submit the admin form at url as loaded, with changes (a crafted POST if it has
    no such input)."""
    data = _form_data(client.get(url))
    data.update(changes)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


# Add and change forms ------------------------------------------------------------------


def test_a_new_record_is_a_draft_unless_a_reviewer_publishes_it(client, user, may_publish):
    url = _url(models.Topic, "add")
    assert_status_input(client.get(url), may_publish, DRAFT)
    post_form(client, url, slug="new", name_en="New", name_fr="Nouveau", status=PUBLISHED)
    topic = models.Topic.objects.get(slug="new")
    assert topic.status == (PUBLISHED if may_publish else DRAFT)


@pytest.mark.parametrize(("now", "posted"), MOVES)
def test_a_change_form_changes_the_status_for_reviewers_only(
    client, user, may_publish, now, posted
):
    topic = f.TopicFactory(status=now, name_en="Old name")
    url = _url(models.Topic, "change", topic.pk)
    assert_status_input(client.get(url), may_publish, now)
    post_form(client, url, name_en="New name", status=posted)
    topic.refresh_from_db()
    # The content edit is saved either way; a published record stays live.
    assert topic.name_en == "New name"
    assert topic.status == (posted if may_publish else now)
    latest = Version.objects.get_for_object(topic).select_related("revision__user").first()
    assert latest.revision.user == user
    assert latest.field_dict["status"] == topic.status


# Revert and recover --------------------------------------------------------------------


@pytest.mark.parametrize(("now", "then"), MOVES)
def test_reverting_restores_the_versions_status_for_reviewers_only(
    client, user, may_publish, now, then
):
    with reversion.create_revision():
        topic = f.TopicFactory(status=then, name_en="Old name")
    with reversion.create_revision():
        topic.name_en, topic.status = "New name", now
        topic.save()
    old = Version.objects.get_for_object(topic).last()
    url = reverse("admin:kb_topic_revision", args=[topic.pk, old.pk])
    page = client.get(url)
    assert page.context["adminform"].form["name_en"].value() == "Old name"
    # The page shows the status the save will write: the version's, or the current one.
    assert_status_input(page, may_publish, now)
    if may_publish:
        assert page.context["adminform"].form["status"].value() == then
    assert ("Only reviewers may publish or unpublish" in page.text) is not may_publish
    post_form(client, url, status=then)
    topic.refresh_from_db()
    assert topic.name_en == "Old name"
    assert topic.status == (then if may_publish else now)
    latest = Version.objects.get_for_object(topic).select_related("revision__user").first()
    assert latest.revision.user == user
    assert latest.revision.comment.startswith("Reverted to previous version")


def test_saving_a_version_as_new_changes_no_status_for_editors(client, user, may_publish):
    """Django's change form saves as new whenever the POST asks, save_as or not;
    on a revert page, reversion has written the old version's rows already."""
    with reversion.create_revision():
        topic = f.TopicFactory(status=PUBLISHED)
    models.Topic.objects.filter(pk=topic.pk).update(status=DRAFT)
    [old] = Version.objects.get_for_object(topic)
    url = reverse("admin:kb_topic_revision", args=[topic.pk, old.pk])
    post_form(client, url, _saveasnew="1", slug="copy")
    topic.refresh_from_db()
    assert topic.status == (PUBLISHED if may_publish else DRAFT)
    assert models.Topic.objects.get(slug="copy").status == topic.status


def delete_as_reviewer(client, django_user_model, obj):
    # Editors may not delete.
    client.force_login(member_of(django_user_model, "reviewer", "deleter"))
    response = client.post(_url(type(obj), "delete", obj.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def test_recovering_a_published_record_publishes_it_for_reviewers_only(
    client, django_user_model, role, may_publish
):
    topic = f.TopicFactory(status=PUBLISHED)
    delete_as_reviewer(client, django_user_model, topic)
    user = member_of(django_user_model, role)
    client.force_login(user)
    [version] = client.get(_url(models.Topic, "recoverlist")).context["deleted"]
    assert version.field_dict["status"] == PUBLISHED
    url = reverse("admin:kb_topic_recover", args=[version.pk])
    # A recovered record has no status now, so an editor's comes back a draft.
    assert_status_input(client.get(url), may_publish, DRAFT)
    post_form(client, url, status=PUBLISHED)
    topic = models.Topic.objects.get(pk=topic.pk)
    assert topic.status == (PUBLISHED if may_publish else DRAFT)
    assert Version.objects.get_for_object(topic).first().revision.user == user


def test_a_version_is_applied_only_through_its_own_models_pages(client, django_user_model):
    """reversion finds a version by its id alone: through another model's revert or
    recover page, an editor would apply any record's version, status and all."""
    client.force_login(member_of(django_user_model, "editor"))
    pk = 900_001
    topic = f.TopicFactory(pk=pk)
    with reversion.create_revision():
        organisation = f.OrganisationFactory(pk=pk, status=PUBLISHED)
    models.Organisation.objects.filter(pk=pk).update(status=DRAFT, name_en="Renamed")
    [version] = Version.objects.get_for_object(organisation)
    data = _form_data(client.get(_url(models.Topic, "change", topic.pk)))
    revert = reverse("admin:kb_topic_revision", args=[pk, version.pk])
    assert client.get(revert).status_code == 404
    assert client.post(revert, data).status_code == 404
    organisation.delete()
    recover = reverse("admin:kb_topic_recover", args=[version.pk])
    assert client.post(recover, data).status_code == 404
    assert not models.Organisation.objects.filter(pk=pk).exists()


# Changelist actions and imports --------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "now", "then"),
    [("publish_selected", DRAFT, PUBLISHED), ("unpublish_selected", PUBLISHED, DRAFT)],
)
def test_the_changelist_actions_are_for_reviewers_only(
    client, user, may_publish, action, now, then
):
    topic = f.TopicFactory(status=now)
    changelist = client.get(_url(models.Topic, "changelist"))
    assert (action in changelist.text) is may_publish
    client.post(
        _url(models.Topic, "changelist"), {"action": action, "_selected_action": [topic.pk]}
    )
    topic.refresh_from_db()
    assert topic.status == (then if may_publish else now)


@pytest.mark.parametrize(("now", "then"), MOVES)
def test_an_import_changes_a_status_for_reviewers_only(client, user, may_publish, now, then):
    f.TopicFactory(slug="topic", status=now, name_en="Topic", name_fr="Thème")
    data = f"slug,status,name_en,name_fr\ntopic,{then},Topic,Thème\n"
    preview = admin_import(client, models.Topic, data, name="topics.csv", check_first=True)
    if not may_publish:
        assert list(report_errors(preview)) == [(1, "status")]
        assert not preview.context["can_import"]
    else:
        assert preview.context["can_import"]
        client.post(reverse("admin:kb_job_import", args=(preview.context["job"].pk,)))
        [job] = run_queued_jobs()
        assert job.state == "done"
    assert models.Topic.objects.get(slug="topic").status == (then if may_publish else now)
