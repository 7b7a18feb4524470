"""The source's admin page: the whole text always, every cited passage highlighted and
linked to the admin pages of the records it supports, what no record cites marked."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kb.models import Organisation, Source, Status
from tests import factories
from tests.support import _form_data

pytestmark = pytest.mark.django_db

QUERIES = 10
UNCITED = "Ces réunions ont également constitué une occasion de mettre en avant"


def change_page(client, source):
    response = client.get(reverse("admin:kb_source_change", args=[source.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_editors_see_the_whole_text_with_marks_and_what_is_not_cited(staff_client, seeded):
    source = Source.objects.get()
    assert not source.publish_full_text  # the public does not see it; editors do
    html = change_page(staff_client, source)
    assert UNCITED in html
    assert html.count("<mark>") >= 11 + 11  # in the text, and in the list of passages
    assert html.count("not cited yet") >= 10
    assert "11 cited passages" in html and "(54.1 %) are quoted" in html
    # The editable fields are there too.
    assert 'name="text"' in html and 'name="publish_full_text"' in html
    # Each passage links to the admin pages of what it supports.
    bka = Organisation.objects.get(slug="bka")
    assert f'href="{reverse("admin:kb_organisation_change", args=[bka.pk])}"' in html
    assert re.search(r'href="/admin/kb/participation/\d+/change/"', html)
    assert re.search(r'href="/admin/kb/claim/\d+/change/"', html)
    assert "Entente&#x27;s translation" in html or "Entente's translation" in html


def test_drafts_count_for_editors(staff_client, db):
    source = factories.SourceFactory(text="Une phrase. Une autre phrase. Une fin.")
    draft = factories.OrganisationFactory(status=Status.DRAFT, name_en="A draft body")
    factories.CitationFactory(source=source, record=draft, quote="Une autre phrase.")
    factories.CitationFactory(source=source, quote="Une phrase absente du texte.")
    html = change_page(staff_client, source)
    assert "<mark>Une autre phrase.</mark>" in html
    assert "A draft body" in html
    assert "Quotes not found in the text" in html
    assert "Une phrase absente du texte." in html
    assert "1 quote is not found in the text." in html


def test_the_add_page_and_saving_the_text_and_its_flag(staff_client, db):
    response = staff_client.get(reverse("admin:kb_source_add"))
    assert response.status_code == 200
    assert "Save the source first" in response.content.decode()
    source = factories.SourceFactory(text="")
    url = reverse("admin:kb_source_change", args=[source.pk])
    data = _form_data(staff_client.get(url))
    data.update(text="Un texte enfin enregistré.", publish_full_text="on")
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    source.refresh_from_db()
    assert (source.text, source.publish_full_text) == ("Un texte enfin enregistré.", True)


@pytest.mark.parametrize("rows", [3, 30])
def test_the_change_page_query_count_does_not_grow_with_citations(staff_client, db, rows):
    words = [f"Phrase {n}." for n in range(rows)]
    source = factories.SourceFactory(text="\n".join(words))  # a passage per line
    for word in words:
        factories.CitationFactory(source=source, quote=word)
        factories.CitationFactory(source=source, quote=word, record=factories.EventFactory())
        factories.CitationFactory(
            source=source, quote=word, record=factories.ParticipationFactory()
        )
    url = reverse("admin:kb_source_change", args=[source.pk])
    staff_client.get(url)
    with CaptureQueriesContext(connection) as context:
        response = staff_client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("<mark>") == 2 * rows
    # The admin's own (session, user, the source, its identifiers...), then coverage's:
    # the citations and one query per type cited (kb/domain/coverage.py).
    assert len(context.captured_queries) == QUERIES, [q["sql"] for q in context]


def test_a_source_many_records_cite_shows_some_and_counts_the_rest(staff_client, db, monkeypatch):
    monkeypatch.setattr("kb.admin.sources.SHOWN_MAX", 2)
    source = factories.SourceFactory(text="Cited once.")
    for _ in range(3):
        factories.CitationFactory(source=source, quote="Cited once.")
    for n in range(4):
        factories.CitationFactory(source=source, quote=f"Not in the text {n}.")
    html = change_page(staff_client, source)
    # The quote the text holds is kept, with two of its three records.
    assert html.count("<mark>") == 2  # in the text, and in the list of passages
    assert "and 1 more record<" in html
    assert re.findall(r"Not in the text (\d)\.", html) == ["0", "1"]
    assert "2 of 4 are shown here." in html
