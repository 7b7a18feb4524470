"""The admin's "Merge selected" action, its preview page, and undoing a merge from history."""

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse
from reversion.models import Version

from kb import models
from tests import factories as f
from tests.support import _form_data, _url, member_of

pytestmark = pytest.mark.django_db

MERGE_URL = reverse("admin:kb_organisation_merge")


@pytest.fixture
def reviewer(client, django_user_model):
    client.force_login(member_of(django_user_model, "reviewer"))
    return client


@pytest.fixture
def meeting():
    """Two organisations that each took part in the same meeting, each with a quote."""
    source = f.SourceFactory(slug="article")
    kept = f.OrganisationFactory(slug="italian-police", name_en="Italian police")
    dup = f.OrganisationFactory(
        slug="italy-police", name_en="Police of Italy", website="https://example.org/it"
    )
    event = f.EventFactory(slug="meeting-italy")
    a = f.ParticipationFactory(event=event, organisation=kept)
    b = f.ParticipationFactory(event=event, organisation=dup)
    f.CitationFactory(record=a, source=source, quote="« la police italienne »")
    f.CitationFactory(record=b, source=source, quote="« la police de l’Italie »")
    return kept, dup, a, b


def choose(client, ids):
    return client.post(
        _url(models.Organisation, "changelist"),
        {"action": "merge_selected", "_selected_action": [str(i) for i in ids]},
    )


def test_the_action_leads_to_a_preview_of_every_field_and_what_moves(reviewer, meeting):
    kept, dup, a, b = meeting
    response = choose(reviewer, [dup.pk, kept.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{MERGE_URL}?ids={kept.pk}%2C{dup.pk}"
    page = reviewer.get(response["Location"])
    assert page.status_code == 200
    assert page.context["kept"] == kept  # the oldest
    rows = {row["name"]: row for row in page.context["rows"]}
    assert "slug" not in rows and "status" not in rows
    assert [c["value"] for c in rows["name_en"]["cells"]] == ["Italian police", "Police of Italy"]
    assert [c["checked"] for c in rows["name_en"]["cells"]] == [True, False]
    # The kept record has no website: the other's is chosen, not dropped.
    assert [c["checked"] for c in rows["website"]["cells"]] == [False, True]
    counts = {row["label"]: row["counts"] for row in page.context["counts"]}
    assert counts["participations (organisation)"] == [1, 1]
    [conflict] = page.context["conflicts"]
    assert (conflict["row"], conflict["into"]) == (b, a)
    html = page.content.decode()
    assert 'name="value_website"' in html and 'name="kept"' in html
    assert "<script" not in html.split("</header>")[-1]  # no inline script (the CSP)


def test_posting_the_preview_merges_and_undo_from_history_restores(reviewer, meeting):
    kept, dup, a, b = meeting
    form = {"ids": f"{kept.pk},{dup.pk}", "kept": kept.pk, "value_website": dup.pk}
    response = reviewer.post(MERGE_URL, form, follow=True)
    assert response.redirect_chain[-1][0] == _url(models.Organisation, "change", kept.pk)
    assert "Merged “Police of Italy” into “Italian police”" in response.content.decode()
    kept.refresh_from_db()
    assert kept.website == "https://example.org/it"
    assert kept.aliases == ["Police of Italy", dup.name_fr]
    assert not models.Organisation.objects.filter(pk=dup.pk).exists()
    assert [c.quote for c in a.citations.order_by("quote")] == [
        "« la police de l’Italie »",
        "« la police italienne »",
    ]
    assert LogEntry.objects.filter(action_flag=DELETION, object_id=str(dup.pk)).exists()

    # Undo: the kept record's history holds the merge; reverting it restores everything.
    [merge_version] = [
        v for v in Version.objects.get_for_object(kept) if v.revision.comment.startswith("Merged")
    ]
    assert merge_version.revision.comment == "Merged italy-police into italian-police"
    history = reviewer.get(_url(models.Organisation, "history", kept.pk))
    assert "Merged italy-police into italian-police" in history.content.decode()
    url = reverse("admin:kb_organisation_revision", args=[kept.pk, merge_version.pk])
    assert reviewer.post(url, _form_data(reviewer.get(url))).status_code == 302
    assert models.Organisation.objects.get(pk=dup.pk).slug == "italy-police"
    assert models.Participation.objects.get(pk=b.pk).organisation_id == dup.pk
    assert [c.quote for c in b.citations.all()] == ["« la police de l’Italie »"]
    assert not models.SlugRedirect.objects.exists()
    kept.refresh_from_db()
    assert (kept.website, kept.aliases) == ("", [])


def test_editors_are_not_offered_the_merge(client, django_user_model, meeting):
    client.force_login(member_of(django_user_model, "editor"))
    changelist = client.get(_url(models.Organisation, "changelist"))
    assert "merge_selected" not in changelist.content.decode()
    kept, dup, _a, _b = meeting
    assert client.get(f"{MERGE_URL}?ids={kept.pk},{dup.pk}").status_code == 403
    assert (
        client.post(MERGE_URL, {"ids": f"{kept.pk},{dup.pk}", "kept": kept.pk}).status_code == 403
    )
    assert models.Organisation.objects.filter(pk=dup.pk).exists()


def test_one_record_is_not_a_merge(reviewer, meeting):
    kept, *_rest = meeting
    response = reviewer.get(choose(reviewer, [kept.pk])["Location"])
    assert "Select at least two records" in response.content.decode()


@pytest.mark.parametrize("ids", ["deleted", "malformed", "one"])
def test_bad_ids_are_refused_with_a_message(reviewer, meeting, ids):
    kept, dup, _a, _b = meeting
    value = {"deleted": f"{kept.pk},{dup.pk},99999", "malformed": "1,x", "one": str(kept.pk)}[ids]
    for response in (
        reviewer.get(MERGE_URL, {"ids": value}, follow=True),
        reviewer.post(MERGE_URL, {"ids": value, "kept": kept.pk}, follow=True),
    ):
        assert response.redirect_chain[-1][0] == _url(models.Organisation, "changelist")
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert models.Organisation.objects.filter(pk=dup.pk).exists()
    assert not models.SlugRedirect.objects.exists()


@pytest.mark.parametrize("bad", ["no kept", "kept outside", "value outside"])
def test_a_bad_choice_shows_the_preview_again_and_writes_nothing(reviewer, meeting, bad):
    kept, dup, _a, _b = meeting
    other = f.OrganisationFactory()
    form = {"ids": f"{kept.pk},{dup.pk}", "kept": kept.pk}
    if bad == "no kept":
        del form["kept"]
    elif bad == "kept outside":
        form["kept"] = other.pk
    else:
        form["value_website"] = other.pk
    response = reviewer.post(MERGE_URL, form)
    assert response.status_code == 400
    assert response.context["rows"]
    assert models.Organisation.objects.filter(pk=dup.pk).exists()
    assert not models.SlugRedirect.objects.exists()


def test_every_record_type_has_the_action(reviewer):
    for factory in (f.PersonFactory, f.PostFactory, f.AgreementFactory, f.TopicFactory):
        model = factory._meta.model
        factory()  # an empty list offers no actions
        response = reviewer.get(_url(model, "changelist"))
        assert 'value="merge_selected"' in response.content.decode(), model


def test_the_preview_and_its_messages_speak_french(reviewer, meeting):
    kept, dup, _a, _b = meeting
    page = reviewer.get(MERGE_URL, {"ids": f"{kept.pk},{dup.pk}"}, HTTP_ACCEPT_LANGUAGE="fr")
    html = page.content.decode()
    assert "Conserver cette fiche" in html and "Lignes qui seront fusionnées" in html
    changelist = reviewer.get(_url(models.Organisation, "changelist"), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Fusionner les organisations sélectionnés" in changelist.content.decode()
    done = reviewer.post(
        MERGE_URL,
        {"ids": f"{kept.pk},{dup.pk}", "kept": kept.pk},
        HTTP_ACCEPT_LANGUAGE="fr",
        follow=True,
    )
    assert "Leurs anciennes adresses mènent ici" in done.content.decode()


@pytest.mark.parametrize("size", [2, 4])
def test_the_previews_queries_do_not_grow_with_the_records(
    reviewer, django_assert_num_queries, size
):
    parent = f.OrganisationFactory()
    records = [f.OrganisationFactory(parent=parent) for _ in range(size)]
    for record in records:
        f.ParticipationFactory(organisation=record)
        f.CitationFactory(record=record)
    ids = ",".join(str(r.pk) for r in records)
    reviewer.get(MERGE_URL, {"ids": ids})  # the session, content types: cached from here
    with django_assert_num_queries(32):
        page = reviewer.get(MERGE_URL, {"ids": ids})
    rows = {row["label"]: row["counts"] for row in page.context["counts"]}
    assert rows["participations (organisation)"] == [1] * size
    assert rows["citations"] == [1] * size
