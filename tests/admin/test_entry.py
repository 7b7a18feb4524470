"""The source's entry page in the admin (kb/admin/entry.py): select, check, save.

The server takes offsets and cuts the quote from the stored text; it shows it back
and writes on the second POST only; bad input is a form error that writes nothing."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Revision

from kb.models import (
    Agreement,
    AgreementParty,
    Citation,
    Event,
    Organisation,
    Source,
    Status,
)
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = "Première phrase.\nL’autre phrase, « citée ».\n\n  \nLa 93ᵉ Assemblée générale.\nFin."
PAGE_QUERIES = 6
RECORDS_QUERIES = 4


@pytest.fixture
def source():
    return factories.SourceFactory(text=TEXT)


def url(source):
    return reverse("admin:kb_source_entry", args=[source.pk])


def offsets(passage, text=TEXT):
    start = text.index(passage)
    return {"start": start, "end": start + len(passage)}


def check_then_save(client, source, data):
    """The two POSTs: the check (nothing written, the quote shown), then the save."""
    before = Citation.objects.count()
    response = client.post(url(source), data)
    assert response.status_code == 200
    assert response.context["confirming"], response.context["forms"].selection_form.errors
    assert Citation.objects.count() == before
    selection = response.context["selection"]
    saved = client.post(url(source), {**data, "digest": selection.digest, "_save": "1"})
    assert saved.status_code == 302, saved.context and saved.context["forms"].action_form.errors
    assert saved["Location"] == url(source)
    return selection


def errors_of(response):
    forms_ = response.context["forms"]
    return {
        "selection": forms_.selection_form.errors,
        **{name: form.errors for name, form in forms_.action_forms.items()},
    }


def test_the_source_page_links_to_the_entry_page_which_shows_the_text(staff_client, source):
    change = staff_client.get(reverse("admin:kb_source_change", args=[source.pk])).content.decode()
    assert f'href="{url(source)}"' in change and "Enter facts from the text" in change
    html = staff_client.get(url(source)).content.decode()
    assert 'id="kb-entry-text"' in html and 'src="/static/kb/admin/entry.js"' in html
    # Each piece says where it starts in the stored text.
    start = TEXT.index("L’autre phrase")
    piece = "L’autre phrase, « citée »."
    assert f'<span data-start="{start}" data-end="{start + len(piece)}">{piece}</span>' in html
    assert "Nothing selected yet." in html
    # Both pages state how much of the text is quoted, in the same words.
    figures = re.compile(r"\d+ cited passages?:\s+\d+ of \d+ characters \([\d.]+ %\) are quoted\.")
    assert figures.search(html).group() == figures.search(change).group()


def test_the_address_preselects_a_passage_and_bad_offsets_are_a_400(staff_client, source):
    where = offsets("La 93ᵉ Assemblée générale")
    response = staff_client.get(url(source), where)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'name="start" value="{where["start"]}"' in html
    assert ">La 93ᵉ Assemblée générale</blockquote>" in html
    for query, name in (({"start": "x", "end": 3}, "start"), ({"start": 3, "end": "y"}, "end")):
        response = staff_client.get(url(source), query)
        assert response.status_code == 400 and response.content.decode().startswith(name)
    response = staff_client.get(url(source), {"start": 9, "end": 2})
    assert response.status_code == 400 and b"within the text" in response.content


def test_cite_for_an_existing_record(staff_client, source):
    organisation = factories.OrganisationFactory()
    data = {
        **offsets("L’autre phrase, « citée »."),
        "action": "cite",
        "cite-record_type": "organisation",
        "cite-record": organisation.pk,
        # Whatever else the browser sends, the quote is cut from the text.
        "quote": "Une citation inventée",
    }
    check_then_save(staff_client, source, data)
    citation = Citation.objects.get()
    assert citation.quote == TEXT[data["start"] : data["end"]] == "L’autre phrase, « citée »."
    assert (citation.record, citation.source) == (organisation, source)
    revision = Revision.objects.get()
    assert revision.comment == f"Entered from {source}" and revision.user.username == "editor"
    page = staff_client.get(url(source)).content.decode()
    assert "now cites" in page and f"{organisation}" in page


def test_cite_a_fact_found_by_the_picker(staff_client, source):
    participation = factories.ParticipationFactory()
    search = reverse("admin:kb_source_entry_records")
    found = staff_client.get(
        search, {"model_name": "participation", "term": participation.organisation.name_en}
    ).json()
    assert found["results"] == [{"id": str(participation.pk), "text": str(participation)}]
    data = {
        **offsets("Fin."),
        "action": "cite",
        "cite-record_type": "participation",
        "cite-record": found["results"][0]["id"],
    }
    check_then_save(staff_client, source, data)
    assert [c.quote for c in participation.citations.all()] == ["Fin."]


def test_create_an_organisation(staff_client, source):
    data = {
        **offsets("Première phrase."),
        "action": "organisation",
        "organisation-name_en": "Polish police",
        "organisation-name_fr": "Police polonaise",
        "organisation-kind": "police",
        "organisation-country": "PL",
    }
    selection = check_then_save(staff_client, source, data)
    organisation = Organisation.objects.get()
    assert (organisation.name_en, organisation.name_fr, organisation.country.code) == (
        "Polish police",
        "Police polonaise",
        "PL",
    )
    assert organisation.status == Status.DRAFT  # a superuser's too: reviewers publish
    assert [c.quote for c in organisation.citations.all()] == [selection.quote]
    assert selection.quote == "Première phrase."
    assert Revision.objects.count() == 1


def test_create_an_event_with_participants(staff_client, source):
    host, guest, other = (factories.OrganisationFactory() for _ in range(3))
    assembly = factories.EventFactory(kind=Event.Kind.GENERAL_ASSEMBLY)
    data = {
        **offsets("La 93ᵉ Assemblée générale."),
        "action": "event",
        "event-name_en": "Bilateral meeting",
        "event-kind": "bilateral_meeting",
        "event-start_date": "2025-11-24",
        "event-end_date": "2025-11-27",
        "event-date_precision": "within",
        "event-parent": assembly.pk,
        "event-host": host.pk,
        "event-participants": [guest.pk, other.pk],
        "event-role": "counterpart",
    }
    response = staff_client.post(url(source), data)
    summary = dict(response.context["forms"].summary())
    # Listed in name order, which factory names ("… 9", "… 10") do not fix: compare as a set.
    assert set(summary["Participants"].split(", ")) == {str(guest), str(other)}
    assert summary["Host"] == host
    check_then_save(staff_client, source, data)
    event = Event.objects.get(name_en="Bilateral meeting")
    assert (event.status, event.parent, event.date_precision) == (Status.DRAFT, assembly, "within")
    roles = {(p.organisation, p.role) for p in event.participations.all()}
    assert roles == {(host, "host"), (guest, "counterpart"), (other, "counterpart")}
    quote = "La 93ᵉ Assemblée générale."
    assert Citation.objects.filter(quote=quote, source=source).count() == 4


def test_create_an_agreement_with_parties(staff_client, source):
    parties = [factories.OrganisationFactory(), factories.OrganisationFactory()]
    data = {
        **offsets("Fin."),
        "action": "agreement",
        "agreement-title_en": "A memorandum",
        "agreement-kind": "mou",
        "agreement-parties": [p.pk for p in parties],
    }
    check_then_save(staff_client, source, data)
    agreement = Agreement.objects.get()
    assert agreement.status == Status.DRAFT
    assert {p.organisation for p in AgreementParty.objects.all()} == set(parties)
    assert Citation.objects.filter(quote="Fin.").count() == 3


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        ({"start": None, "end": None}, "selection", "Select a passage of the text first."),
        ({"start": "a", "end": 3}, "selection", "Enter a whole number."),
        ({"start": 43, "end": 47}, "selection", "The selection holds only white space."),
        ({"start": 0, "end": 999}, "selection", "The selection must lie within the text"),
        ({"cite-record": 999_999}, "cite", "There is no such record"),
        ({"cite-record": ""}, "cite", "This field is required."),
        ({"cite-record": 2**70}, "cite", "less than or equal to"),
        ({"cite-record_type": "source"}, "cite", "Select a valid choice."),
    ],
)
def test_bad_input_is_a_form_error_and_writes_nothing(staff_client, source, data, where, message):
    organisation = factories.OrganisationFactory()
    post = {
        **offsets("Fin."),
        "action": "cite",
        "cite-record_type": "organisation",
        "cite-record": organisation.pk,
        **data,
    }
    post = {k: v for k, v in post.items() if v is not None}
    for extra in ({}, {"_save": "1", "digest": "x"}):
        response = staff_client.post(url(source), {**post, **extra})
        assert response.status_code == 200
        assert not response.context["confirming"]
        assert message in str(errors_of(response)[where])
    assert not Citation.objects.exists() and not Revision.objects.exists()


def test_an_invalid_new_record_is_an_error_on_its_field(staff_client, source):
    data = {
        **offsets("Fin."),
        "action": "event",
        "event-name_en": "Backwards",
        "event-kind": "bilateral_meeting",
        "event-start_date": "2025-11-27",
        "event-end_date": "2025-11-24",
        "event-date_precision": "exact",
        "event-role": "counterpart",
        "_save": "1",
    }
    response = staff_client.post(url(source), data)
    assert response.status_code == 200
    assert response.context["forms"].action_forms["event"].errors
    response = staff_client.post(url(source), {**data, "event-name_en": ""})
    assert "name_en" in response.context["forms"].action_forms["event"].errors
    assert not Event.objects.exists() and not Citation.objects.exists()


def test_citing_twice_is_refused_on_the_form(staff_client, source):
    organisation = factories.OrganisationFactory()
    data = {
        **offsets("Fin."),
        "action": "cite",
        "cite-record_type": "organisation",
        "cite-record": organisation.pk,
    }
    check_then_save(staff_client, source, data)
    selection = staff_client.post(url(source), data).context["selection"]
    response = staff_client.post(url(source), {**data, "digest": selection.digest, "_save": "1"})
    assert response.status_code == 200
    assert "This quote already cites this record." in str(errors_of(response)["cite"])
    assert Citation.objects.count() == 1


def test_a_save_after_the_text_changed_is_shown_again_not_written(staff_client, source):
    organisation = factories.OrganisationFactory()
    data = {
        **offsets("Fin."),
        "action": "cite",
        "cite-record_type": "organisation",
        "cite-record": organisation.pk,
    }
    digest = staff_client.post(url(source), data).context["selection"].digest
    Source.objects.filter(pk=source.pk).update(text="Fin. " + TEXT)
    response = staff_client.post(url(source), {**data, "digest": digest, "_save": "1"})
    assert response.status_code == 200 and response.context["confirming"]
    assert "The text changed" in response.content.decode()
    assert not Citation.objects.exists()


def member(django_user_model, *codenames, group=None):
    user = django_user_model.objects.create_user("someone", "s@example.org", "pw", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="kb", codename__in=codenames)
    )
    return user


def test_editors_may_enter_and_read_only_staff_may_not(client, django_user_model, source):
    client.force_login(member(django_user_model, group="read-only staff"))
    assert client.get(url(source)).status_code == 403
    assert (
        client.get(reverse("admin:kb_source_entry_records"), {"model_name": "event"}).status_code
        == 403
    )


def test_the_editor_role_enters_facts(client, django_user_model, source):
    user = django_user_model.objects.create_user("ed", "ed@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="editor"))
    client.force_login(user)
    assert client.get(url(source)).status_code == 200
    data = {**offsets("Fin."), "action": "organisation"}
    data.update({"organisation-name_en": "Body", "organisation-kind": "police"})
    check_then_save(client, source, data)
    assert Organisation.objects.get().status == Status.DRAFT


def test_each_action_needs_its_own_permission(client, django_user_model, source):
    # May add citations and change organisations, nothing else.
    user = member(django_user_model, "add_citation", "view_source", "change_organisation")
    client.force_login(user)
    html = client.get(url(source)).content.decode()
    assert 'name="action" value="cite"' in html
    assert 'name="action" value="organisation"' not in html
    event = factories.EventFactory()
    base = {**offsets("Fin."), "_save": "1"}
    refused = [
        {"action": "organisation", "organisation-name_en": "X", "organisation-kind": "police"},
        {"action": "cite", "cite-record_type": "event", "cite-record": event.pk},
    ]
    for data in refused:
        assert client.post(url(source), {**base, **data}).status_code == 403
    assert not Organisation.objects.exists() and not Citation.objects.exists()
    allowed = {"action": "cite", "cite-record_type": "organisation"}
    allowed["cite-record"] = factories.OrganisationFactory().pk
    check_then_save(client, source, {**offsets("Fin."), **allowed})


def test_the_picker_search_refuses_bad_parameters(staff_client):
    search = reverse("admin:kb_source_entry_records")
    for query, name in (
        ({"model_name": "source"}, "model_name"),
        ({"model_name": "event", "page": 0}, "page"),
    ):
        response = staff_client.get(search, query)
        assert response.status_code == 400 and response.json()["error"].startswith(name)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_picker_search_query_count_does_not_grow(staff_client, rows):
    for _ in range(rows):
        factories.ParticipationFactory()
    search = reverse("admin:kb_source_entry_records")
    staff_client.get(search, {"model_name": "participation"})
    with CaptureQueriesContext(connection) as context:
        response = staff_client.get(search, {"model_name": "participation", "term": "Organisation"})
    assert len(response.json()["results"]) == min(rows, 20)
    assert response.json()["pagination"]["more"] == (rows > 20)
    assert len(context.captured_queries) == RECORDS_QUERIES, [q["sql"] for q in context]


@pytest.mark.parametrize("rows", [3, 30])
def test_the_entry_page_query_count_does_not_grow_with_citations(staff_client, rows):
    words = [f"Phrase {n}." for n in range(rows)]
    source = factories.SourceFactory(text="\n".join(words))
    for word in words:
        factories.CitationFactory(source=source, quote=word)
        factories.CitationFactory(source=source, quote=word, record=factories.EventFactory())
    staff_client.get(url(source))
    with CaptureQueriesContext(connection) as context:
        response = staff_client.get(url(source))
    assert response.content.decode().count("<mark ") == rows
    assert len(context.captured_queries) == PAGE_QUERIES, [q["sql"] for q in context]


def test_the_page_in_french(staff_client, source):
    html = staff_client.get(url(source), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Saisir des faits depuis le texte" in html
    assert "Rien n’est encore sélectionné." in html


def test_the_source_page_links_each_stretch_not_cited_to_the_entry_page(staff_client, seeded):
    source = Source.objects.get()
    html = staff_client.get(reverse("admin:kb_source_change", args=[source.pk])).content.decode()
    links = re.findall(rf'href="{url(source)}\?start=(\d+)&amp;end=(\d+)"', html)
    assert len(links) >= 10
    uncited = "Ces réunions ont également constitué une occasion de mettre en avant"
    stretches = [source.text[int(start) : int(end)] for start, end in links]
    assert any(stretch.startswith(uncited) for stretch in stretches)
    # Each is a stretch of the text with no white space at its ends, and opens the page.
    assert all(stretch == stretch.strip() and stretch for stretch in stretches)
    start, end = links[0]
    assert staff_client.get(url(source), {"start": start, "end": end}).status_code == 200


def test_change_goes_back_to_the_form_with_everything_kept(staff_client, source):
    data = {
        **offsets("Fin."),
        "action": "agreement",
        "agreement-title_en": "A memorandum",
        "agreement-kind": "mou",
    }
    confirm = staff_client.post(url(source), data).content.decode()
    # The confirmation carries the data back, hidden, and the quote the server cut.
    assert '<input type="hidden" name="agreement-title_en" value="A memorandum"' in confirm
    assert 'id="kb-entry-confirmed">Fin.</blockquote>' in confirm
    response = staff_client.post(url(source), {**data, "_edit": "1"})
    assert not response.context["confirming"]
    html = response.content.decode()
    assert 'name="agreement-title_en" value="A memorandum"' in html
    assert ">Fin.</blockquote>" in html
    assert not Agreement.objects.exists()
