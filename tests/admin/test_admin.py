"""The editors' admin: every page answers, changelists are constant-query, history works."""

import re

import pytest
import reversion
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from kb import models, registry
from tests import factories as f
from tests.support import _form_data, _url, record_models

pytestmark = pytest.mark.django_db


def _cite(record):
    f.CitationFactory(record=record)
    return record


def _participation(**kwargs):
    organisation = f.OrganisationFactory()
    return f.ParticipationFactory(
        organisation=organisation,
        person=f.PersonFactory(),
        post=f.PostFactory(organisation=organisation),
        **kwargs,
    )


def _topic():
    return _cite(f.TopicFactory())


def _organisation():
    return _cite(f.OrganisationFactory(parent=f.OrganisationFactory()))


def _person():
    person = _cite(f.PersonFactory())
    f.MembershipFactory(person=person)
    return person


def _post():
    return _cite(f.PostFactory())


def _membership():
    return _cite(f.MembershipFactory())


def _event():
    event = f.EventFactory(
        parent=f.EventFactory(kind=models.Event.Kind.GENERAL_ASSEMBLY),
        organiser=f.OrganisationFactory(),
    )
    event.topics.add(f.TopicFactory())
    _cite(_participation(event=event))
    return _cite(event)


def _participation_row():
    return _cite(_participation())


def _agreement():
    agreement = f.AgreementFactory(signed_at=f.EventFactory())
    _cite(f.AgreementPartyFactory(agreement=agreement))
    return _cite(agreement)


def _agreement_party():
    return _cite(f.AgreementPartyFactory())


def _source():
    return f.SourceFactory(attributed_to=f.OrganisationFactory())


def _citation():
    # One citation per kind of record the changelist prefetches, so the
    # number of kinds (one query each) is the same at both sizes.
    for record in (_participation(), f.MembershipFactory(), f.AgreementPartyFactory()):
        f.CitationFactory(record=record)
    return f.CitationFactory(record=f.TopicFactory())


def _claim():
    claim = f.ClaimFactory()
    f.EventFactory(parent=claim.subject)
    return _cite(claim)


# model, a factory that makes one object with its relations filled in, and the
# number of queries its changelist runs at any size.
CASES = [
    (models.Topic, _topic, 7),
    (models.Organisation, _organisation, 8),
    (models.Person, _person, 8),
    (models.Post, _post, 7),
    (models.Membership, _membership, 7),
    (models.Event, _event, 8),
    (models.Participation, _participation_row, 7),
    (models.Agreement, _agreement, 7),
    (models.AgreementParty, _agreement_party, 7),
    (models.Source, _source, 8),
    (models.Citation, _citation, 12),
    (models.Claim, _claim, 8),
]
IDS = [model.__name__ for model, _, _ in CASES]


def test_every_model_is_registered():
    # Unmanaged models are the database's own bookkeeping (kb/db/); identifiers
    # are edited on their record's page (kb/admin/identifiers.py).
    kb_models = set(record_models()) - {e.model for e in registry.TYPES if e.inline}
    assert kb_models <= set(admin.site._registry)
    assert {model for model, _, _ in CASES} == kb_models


@pytest.mark.parametrize(("model", "make", "queries"), CASES, ids=IDS)
def test_pages_answer(staff_client, model, make, queries):
    obj = make()
    for url in (
        _url(model, "changelist"),
        _url(model, "add"),
        _url(model, "change", obj.pk),
        _url(model, "history", obj.pk),
        _url(model, "recoverlist"),
    ):
        assert staff_client.get(url).status_code == 200, url


@pytest.mark.parametrize(("model", "make", "queries"), CASES, ids=IDS)
def test_changelist_queries_do_not_grow_with_rows(staff_client, model, make, queries):
    url = _url(model, "changelist")
    made = 0
    counts = []
    for size in (3, 15):
        for _ in range(size - made):
            make()
        made = size
        if not counts:
            # ContentType lookups are cached per process; warm the cache so
            # the count does not depend on which tests ran before.
            staff_client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = staff_client.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count >= size
        counts.append(len(ctx.captured_queries))
    assert counts == [queries, queries], "\n".join(q["sql"] for q in ctx.captured_queries)


def test_saving_through_the_admin_records_a_version_with_the_user(staff_client):
    organisation = f.OrganisationFactory(name_fr="Sûreté nationale")
    f.CitationFactory(record=organisation)
    url = _url(models.Organisation, "change", organisation.pk)
    data = _form_data(staff_client.get(url))
    data["name_fr"] = "Direction générale de la Sûreté nationale"

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    organisation.refresh_from_db()
    assert organisation.name_fr == "Direction générale de la Sûreté nationale"
    [version] = Version.objects.get_for_object(organisation)
    assert version.revision.user.username == "editor"
    # The revision holds the record with its citations (`follow`).
    assert version.revision.version_set.filter(content_type__model="citation").count() == 1
    history = staff_client.get(_url(models.Organisation, "history", organisation.pk))
    [action] = history.context["action_list"]
    assert action["revision"] == version.revision
    assert staff_client.get(action["url"]).status_code == 200  # the revert form


def test_a_deleted_record_can_be_recovered(staff_client):
    with reversion.create_revision():
        topic = f.TopicFactory(name_fr="Cybercriminalité")
    topic.delete()
    response = staff_client.get(_url(models.Topic, "recoverlist"))
    assert response.status_code == 200
    [version] = response.context["deleted"]
    recover = reverse("admin:kb_topic_recover", args=[version.pk])
    assert staff_client.get(recover).status_code == 200


def test_search_finds_a_record_by_its_french_name(staff_client):
    wanted = f.OrganisationFactory(name_en="National Security", name_fr="Sûreté nationale")
    f.OrganisationFactory(name_en="Interpol", name_fr="Interpol")
    response = staff_client.get(_url(models.Organisation, "changelist"), {"q": "Sûreté"})
    assert list(response.context["cl"].result_list) == [wanted]


def test_claim_page_shows_the_recorded_figure_and_verdict(staff_client):
    claim = f.ClaimFactory(value=2)
    f.EventFactory(parent=claim.subject)
    response = staff_client.get(_url(models.Claim, "change", claim.pk))
    fields = {
        field.field["name"]: field.contents()
        for fieldset in response.context["adminform"]
        for line in fieldset
        for field in line
        if field.is_readonly
    }
    assert fields["recorded_figure"] == "1"
    assert 'alt="False"' in fields["verdict"]
    assert claim.subject.name in fields["subject_link"]


def test_foreign_keys_use_autocomplete_widgets(staff_client):
    f.OrganisationFactory(name_en="Unlisted organisation")
    response = staff_client.get(_url(models.Event, "add"))
    html = response.content.decode()
    [select] = re.findall(r'<select name="organiser"[^>]*>', html)
    assert "admin-autocomplete" in select
    assert "Unlisted organisation" not in html


def test_generic_keys_offer_only_kb_models(staff_client):
    claim_form = staff_client.get(_url(models.Claim, "add")).context["adminform"].form
    subject_types = claim_form.fields["subject_type"].queryset
    assert {ct.app_label for ct in subject_types} == {"kb"}
    assert subject_types.filter(model="event").exists()

    citation_form = staff_client.get(_url(models.Citation, "add")).context["adminform"].form
    cited = {ct.model for ct in citation_form.fields["content_type"].queryset}
    assert {"organisation", "participation", "claim"} <= cited
    assert not cited & {"citation", "source"}


def test_the_admin_serves_the_articles_data(seeded, staff_client):
    response = staff_client.get(_url(models.Event, "changelist"))
    assert response.status_code == 200
    assert "93rd INTERPOL General Assembly" in response.text
    assert "53 events" in response.text
    assembly = models.Event.objects.get(slug="interpol-general-assembly-93")
    response = staff_client.get(_url(models.Event, "change", assembly.pk))
    assert "93ᵉ Assemblée générale d’INTERPOL" in response.text
    # Its first history entry comes from the fixtures.
    response = staff_client.get(_url(models.Event, "history", assembly.pk))
    assert "Loaded from fixtures/interpol-ga-93.json" in response.text


def test_search_matches_accented_aliases(seeded, staff_client):
    response = staff_client.get(
        _url(models.Organisation, "changelist"), {"q": "Université arabe Naif"}
    )
    assert "Naif Arab University for Security Sciences" in response.text
    assert "1 result" in response.text


def test_participations_list_the_latest_entered_first(staff_client, db):
    # By the primary key, which the table is read along: Meta's order (the event's
    # date) sorted every row of a large base for each page.
    first, second, third = (f.ParticipationFactory() for _ in range(3))
    response = staff_client.get(_url(models.Participation, "changelist"))
    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == [third.pk, second.pk, first.pk]
    query = str(response.context["cl"].queryset.query)
    assert 'ORDER BY "kb_participation"."id" DESC' in query
