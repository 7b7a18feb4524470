"""Editors manage a record's identifiers in other systems on its change form.

kb/admin/identifiers.py: a generic inline with the record's own rights, each
error on the value that causes it, history that brings identifiers back.
"""

import pytest
from django.urls import reverse
from reversion.models import Version

from kb import models
from tests import factories as f
from tests.support import _form_data, _url, member_of

pytestmark = pytest.mark.django_db

PREFIX = "kb-identifier-content_type-object_id"
NK = "NK-2ZkYyZLKa4Mdj6NqbHPoeF"


def identifier_forms(response):
    [formset] = [
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if inline.formset.prefix == PREFIX
    ]
    return formset


def form_with(client, record, *new, change=None, delete=()):
    """The record's change form as loaded, plus new (scheme, value) rows, changes and deletions.

    `change` maps a current value to a new one; `delete` lists values to remove.
    """
    url = _url(type(record), "change", record.pk)
    loaded = client.get(url)
    data = _form_data(loaded)
    existing = identifier_forms(loaded).forms
    for i, form in enumerate(existing):
        value = form.instance.value
        if value in (change or {}):
            data[f"{PREFIX}-{i}-value"] = change[value]
        if value in delete:
            data[f"{PREFIX}-{i}-DELETE"] = "on"
    for i, (scheme, value) in enumerate(new, len(existing)):
        data[f"{PREFIX}-{i}-scheme"] = scheme
        data[f"{PREFIX}-{i}-value"] = value
    data[f"{PREFIX}-TOTAL_FORMS"] = str(len(existing) + len(new))
    return url, data


def save(client, record, *new, **changes):
    url, data = form_with(client, record, *new, **changes)
    return client.post(url, data)


def values(record):
    return sorted(record.identifiers.values_list("scheme", "value"))


def value_errors(response):
    return [form.errors.get("value") for form in identifier_forms(response).forms]


def test_an_editor_adds_changes_and_removes_identifiers(client, django_user_model):
    client.force_login(member_of(django_user_model, "editor"))
    interpol = f.OrganisationFactory(name_en="INTERPOL")
    response = save(client, interpol, ("wikidata", "Q7747"), ("opensanctions", NK))
    assert response.status_code == 302
    assert values(interpol) == [("opensanctions", NK), ("wikidata", "Q7747")]
    page = client.get(_url(models.Organisation, "change", interpol.pk)).text
    assert 'href="https://www.wikidata.org/wiki/Q7747"' in page
    assert save(client, interpol, change={"Q7747": "Q1"}).status_code == 302
    assert save(client, interpol, delete=[NK]).status_code == 302
    assert values(interpol) == [("wikidata", "Q1")]
    # Every save is a revision of the record that holds its identifiers as they were.
    latest = Version.objects.get_for_object(interpol).first().revision
    assert [v.object_repr for v in latest.version_set.filter(content_type__model="identifier")] == [
        "wikidata:Q1"
    ]


def test_each_error_is_on_the_value_that_causes_it_in_both_languages(staff_client):
    f.IdentifierFactory(record=f.OrganisationFactory(name_en="BKA"), value="Q451271")
    interpol = f.OrganisationFactory()
    response = save(
        staff_client,
        interpol,
        ("wikidata", "Q7747"),
        ("wikidata", "7747"),  # not a QID
        ("wikidata", "Q7747"),  # twice
        ("wikidata", "Q451271"),  # another organisation's
    )
    assert response.status_code == 200
    assert value_errors(response) == [
        None,
        ["“7747” is not a Wikidata identifier (for example Q7747)."],
        ["This identifier is already listed above."],
        ["BKA already has this identifier."],
    ]
    assert not interpol.identifiers.exists()
    url, data = form_with(staff_client, interpol, ("wikidata", "7747"))
    french = staff_client.post(url, data, headers={"accept-language": "fr"})
    assert value_errors(french) == [
        ["«\u00a07747\u00a0» n’est pas un identifiant Wikidata (par exemple Q7747)."]
    ]
    assert "Identifiants dans d’autres systèmes" in french.text


def test_two_values_swapped_in_one_save(staff_client):
    person = f.PersonFactory()
    f.IdentifierFactory(record=person, value="Q1")
    f.IdentifierFactory(record=person, scheme="opensanctions", value="Q2")
    f.IdentifierFactory(record=person, value="Q3")
    # Q1 becomes Q3 while Q3 goes, and an OpenSanctions ID changes: no half-way clash.
    response = save(staff_client, person, change={"Q1": "Q3", "Q2": "Q4"}, delete=["Q3"])
    assert response.status_code == 302, value_errors(response)
    assert values(person) == [("opensanctions", "Q4"), ("wikidata", "Q3")]


@pytest.mark.parametrize(
    ("role", "may_edit"), [("editor", True), ("reviewer", True), ("read-only staff", False)]
)
def test_only_roles_that_may_change_the_record_may_change_its_identifiers(
    client, django_user_model, role, may_edit
):
    client.force_login(member_of(django_user_model, role))
    event = f.EventFactory()
    f.IdentifierFactory(record=event, value="Q7747")
    response = client.get(_url(models.Event, "change", event.pk))
    [inline] = [i for i in response.context["inline_admin_formsets"] if i.formset.prefix == PREFIX]
    assert (inline.has_add_permission, inline.has_delete_permission) == (may_edit, may_edit)
    assert "Q7747" in response.text  # shown to everyone who may see the record
    url, data = form_with(client, event, ("opensanctions", NK), delete=["Q7747"])
    client.post(url, data)
    expected = [("opensanctions", NK)] if may_edit else [("wikidata", "Q7747")]
    assert values(event) == expected


def test_every_record_type_but_join_rows_has_the_inline(staff_client):
    for factory in (f.TopicFactory, f.PostFactory, f.AgreementFactory, f.SourceFactory):
        record = factory()
        assert save(staff_client, record, ("wikidata", "Q42")).status_code == 302, factory
        assert values(record) == [("wikidata", "Q42")]
    participation = f.ParticipationFactory(person=None, post=None)
    response = staff_client.get(_url(models.Participation, "change", participation.pk))
    assert PREFIX not in response.text


def test_a_revert_and_a_recovery_bring_the_identifiers_back(staff_client):
    interpol = f.OrganisationFactory()
    assert save(staff_client, interpol, ("wikidata", "Q7747")).status_code == 302
    assert save(staff_client, interpol, ("opensanctions", NK), delete=["Q7747"]).status_code == 302
    first = Version.objects.get_for_object(interpol).last()
    url = reverse("admin:kb_organisation_revision", args=[interpol.pk, first.pk])
    response = staff_client.post(url, _form_data(staff_client.get(url)))
    assert response.status_code == 302
    assert values(interpol) == [("wikidata", "Q7747")]

    response = staff_client.post(_url(models.Organisation, "delete", interpol.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not models.Identifier.objects.exists()  # they go with their record
    [version] = staff_client.get(_url(models.Organisation, "recoverlist")).context["deleted"]
    url = reverse("admin:kb_organisation_recover", args=[version.pk])
    response = staff_client.post(url, _form_data(staff_client.get(url)))
    assert response.status_code == 302
    assert values(models.Organisation.objects.get(pk=interpol.pk)) == [("wikidata", "Q7747")]
