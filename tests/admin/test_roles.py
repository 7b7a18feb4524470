"""Roles, publication and the admin's safety: who may do what, and what the public sees."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.urls import NoReverseMatch, reverse
from reversion.models import Version

from kb import models, registry
from tests import factories as f
from tests.support import _form_data, _url, member_of, record_models

pytestmark = pytest.mark.django_db

ROLES = ("editor", "reviewer", "read-only staff")
ACTIONS = ("change", "import", "export", "publish", "delete")
ALLOWED = {
    "editor": {"change", "import", "export"},
    "reviewer": {"change", "import", "export", "publish", "delete"},
    "read-only staff": set(),
}


def test_the_migration_creates_the_groups_and_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    for action in ("import", "export"):
        assert Permission.objects.filter(codename=f"{action}_citation").exists()
    assert Permission.objects.filter(codename="publish_organisation").exists()
    assert not Permission.objects.filter(codename="publish_citation").exists()  # no status
    reviewer = set(
        Group.objects.get(name="reviewer").permissions.values_list("codename", flat=True)
    )
    assert {"publish_event", "delete_event", "import_event", "view_claim"} <= reviewer
    editor = set(Group.objects.get(name="editor").permissions.values_list("codename", flat=True))
    assert {"add_event", "change_event", "import_event", "export_event"} <= editor
    assert not {"publish_event", "delete_event"} & editor
    read_only = Group.objects.get(name="read-only staff").permissions
    assert set(read_only.values_list("codename", flat=True)) == {
        f"view_{model._meta.model_name}"
        for model in record_models()  # editors' records, not bookkeeping or jobs
        if not registry.of(model).inline  # identifiers: their record's rights
    }


def attempt(client, action, organisation):
    """Whether the admin lets the client's user do `action` to an organisation."""
    if action == "change":
        response = client.get(_url(models.Organisation, "change", organisation.pk))
        if not response.context["has_change_permission"]:
            return False
        data = _form_data(response)
        data["name_en"] = "Renamed"
        response = client.post(_url(models.Organisation, "change", organisation.pk), data)
        organisation.refresh_from_db()
        return response.status_code == 302 and organisation.name_en == "Renamed"
    if action in ("import", "export"):
        status = client.get(_url(models.Organisation, action)).status_code
        assert status in (200, 403)
        return status == 200
    if action == "publish":
        client.post(
            _url(models.Organisation, "changelist"),
            {"action": "publish_selected", "_selected_action": [organisation.pk]},
        )
        organisation.refresh_from_db()
        return organisation.status == models.Status.PUBLISHED
    if action == "delete":
        status = client.get(_url(models.Organisation, "delete", organisation.pk)).status_code
        if status == 403:
            return False
        client.post(_url(models.Organisation, "delete", organisation.pk), {"post": "yes"})
        return not models.Organisation.objects.filter(pk=organisation.pk).exists()
    raise AssertionError(action)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, django_user_model, role, action):
    client.force_login(member_of(django_user_model, role))
    organisation = f.OrganisationFactory(status=models.Status.DRAFT)
    assert attempt(client, action, organisation) is (action in ALLOWED[role])


def test_read_only_staff_can_view_but_not_change(client, django_user_model):
    client.force_login(member_of(django_user_model, "read-only staff"))
    organisation = f.OrganisationFactory()
    changelist = client.get(_url(models.Organisation, "changelist"))
    assert changelist.status_code == 200
    assert not changelist.context["has_import_permission"]
    assert not changelist.context["has_export_permission"]
    assert "publish_selected" not in changelist.text
    page = client.get(_url(models.Organisation, "change", organisation.pk))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    response = client.post(_url(models.Organisation, "change", organisation.pk), {"name_en": "x"})
    assert response.status_code == 403
    assert client.post(_url(models.Organisation, "import")).status_code == 403
    assert client.post(_url(models.Organisation, "process_import")).status_code == 403
    assert client.post(_url(models.Organisation, "export"), {"format": "0"}).status_code == 403


def test_bulk_publication_keeps_history(client, django_user_model):
    reviewer = member_of(django_user_model, "reviewer")
    client.force_login(reviewer)
    drafts = [f.EventFactory(status=models.Status.DRAFT) for _ in range(3)]
    already = f.EventFactory(status=models.Status.PUBLISHED)
    pks = [e.pk for e in (*drafts, already)]
    response = client.post(
        _url(models.Event, "changelist"),
        {"action": "publish_selected", "_selected_action": pks},
        follow=True,
    )
    assert "Published 3 events." in response.text
    for event in drafts:
        event.refresh_from_db()
        assert event.status == models.Status.PUBLISHED
        [version] = Version.objects.get_for_object(event)
        assert (version.revision.user, version.revision.comment) == (reviewer, "Published")
        assert version.field_dict["status"] == models.Status.PUBLISHED
    assert not Version.objects.get_for_object(already).exists()  # unchanged, not recorded
    client.post(
        _url(models.Event, "changelist"),
        {"action": "unpublish_selected", "_selected_action": [drafts[0].pk]},
    )
    drafts[0].refresh_from_db()
    assert drafts[0].status == models.Status.DRAFT
    assert Version.objects.get_for_object(drafts[0]).first().revision.comment == "Unpublished"


# Drafts stay off the public pages and out of the API -------------------------------


def _reverse_or_skip(name, **kwargs):
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        pytest.skip(f"{name} is not wired yet")


def test_drafts_are_invisible_on_the_public_site(client):
    f.OrganisationFactory(slug="published-org", name_en="Published police")
    f.OrganisationFactory(slug="draft-org", name_en="Draft police", status=models.Status.DRAFT)
    listing = client.get(_reverse_or_skip("kb:organisation-list"))
    assert listing.status_code == 200
    assert "Published police" in listing.text and "Draft police" not in listing.text
    detail = _reverse_or_skip("kb:organisation-detail", slug="draft-org")
    assert client.get(detail).status_code == 404
    published = _reverse_or_skip("kb:organisation-detail", slug="published-org")
    assert client.get(published).status_code == 200


def test_drafts_are_invisible_in_the_api(client):
    f.OrganisationFactory(slug="published-org")
    f.OrganisationFactory(slug="draft-org", status=models.Status.DRAFT)
    listing = client.get(_reverse_or_skip("v1:organisation-list"))
    assert listing.status_code == 200
    assert "published-org" in listing.text and "draft-org" not in listing.text
    assert (
        client.get(_reverse_or_skip("v1:organisation-detail", slug="draft-org")).status_code == 404
    )
    published = _reverse_or_skip("v1:organisation-detail", slug="published-org")
    assert client.get(published).status_code == 200


# Safety ----------------------------------------------------------------------------


def test_admin_login_is_locked_after_repeated_failures(client, django_user_model):
    django_user_model.objects.create_user("editor", "e@example.org", "right-pw", is_staff=True)
    login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(login, {"username": "editor", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post(login, {"username": "editor", "password": "wrong"})
    assert response.status_code == 429
    # Locked out: even the right password is refused now.
    response = client.post(login, {"username": "editor", "password": "right-pw"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_successful_login_still_works(client, django_user_model):
    django_user_model.objects.create_user("editor", "e@example.org", "right-pw", is_staff=True)
    response = client.post(reverse("admin:login"), {"username": "editor", "password": "right-pw"})
    assert response.status_code == 302
    assert client.login(username="editor", password="right-pw")  # scripts and tests too


def test_admin_pages_send_security_headers(staff_client):
    organisation = f.OrganisationFactory()
    for url in (reverse("admin:index"), _url(models.Organisation, "change", organisation.pk)):
        response = staff_client.get(url)
        assert response.status_code == 200
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("view", ["changelist", "add", "change", "history", "import", "export"])
def test_admin_pages_run_no_inline_script(staff_client, view):
    """The CSP allows only the admin's own script files: the pages must need no more."""
    event = f.EventFactory()
    args = (event.pk,) if view in ("change", "history") else ()
    html = staff_client.get(_url(models.Event, view, *args)).text
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=\"", html), "inline event handler"
