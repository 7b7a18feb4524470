"""An admin that fits (issue 17): Entente's own header in both languages, short list
columns, history newest first, and each participation's quotes one link away from
its event's form. The widths themselves are measured in a browser
(test_browser_admin_fit.py)."""

import datetime

import pytest
import reversion
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import override
from reversion.models import Version

from kb import models
from kb.admin.columns import CITATIONS_GROUP, date_window
from tests import factories as f
from tests.support import _url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "header", "not_shown"),
    [
        ("en", "Entente — editorial site", "Django administration"),
        ("fr", "Entente — site éditorial", "Administration de Django"),
    ],
)
def test_the_header_names_ententes_editorial_site(staff_client, language, header, not_shown):
    response = staff_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE=language)
    assert header in response.text
    assert not_shown not in response.text
    # Every page loads the stylesheet that fits it to the window.
    assert "kb/admin/admin.css" in response.text


def test_the_events_list_shows_short_dates_and_precisions(staff_client):
    f.EventFactory(
        name_en="Bilateral meeting with the delegation of the Bahamas",
        start_date=datetime.date(2025, 11, 24),
        end_date=datetime.date(2025, 11, 27),
        date_precision=models.DatePrecision.WITHIN,
    )
    response = staff_client.get(_url(models.Event, "changelist"))
    html = response.text
    table = html[html.index('<table id="result_list">') :]
    table = table[: table.index("</table>")]
    text = " ".join(strip_tags(table).split())
    assert "24–27 Nov 2025" in text
    assert "within" in text
    assert "it took place" not in text  # the sentence is the cell's title only
    # The short word, the full precision in its title; the whole name in its title.
    assert 'title="Within: it took place on some day in that window">within</span>' in table
    assert 'title="Bilateral meeting with the delegation of the Bahamas"' in table
    # The columns sort as the fields did.
    ordered = staff_client.get(_url(models.Event, "changelist"), {"o": "3"})
    assert ordered.status_code == 200


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        ((2025, 11, 24), (2025, 11, 27), "24–27 Nov 2025"),
        ((2025, 11, 30), (2025, 12, 2), "30 Nov – 2 Dec 2025"),
        ((2025, 12, 30), (2026, 1, 2), "30 Dec 2025 – 2 Jan 2026"),
        ((2025, 11, 24), (2025, 11, 24), "24 Nov 2025"),
    ],
)
def test_a_date_window_is_one_short_cell(start, end, shown):
    with override("en"):
        cell = strip_tags(date_window(datetime.date(*start), datetime.date(*end)))
    assert cell == shown


def test_history_lists_the_newest_version_first(staff_client):
    topic = f.TopicFactory(name_en="Cybercrime")
    for name in ("Cybercrime (1)", "Cybercrime (2)", "Cybercrime (3)"):
        with reversion.create_revision():
            topic.name_en = name
            topic.save()
            reversion.set_comment(name)
    # Dates that disagree with the ids: the date orders the list.
    versions = list(Version.objects.get_for_object(topic).order_by("pk"))
    now = timezone.now()
    for days, version in zip((1, 3, 2), versions, strict=True):
        version.revision.date_created = now - datetime.timedelta(days=days)
        version.revision.save()

    history = staff_client.get(_url(models.Topic, "history", topic.pk))

    comments = [action["revision"].comment for action in history.context["action_list"]]
    assert comments == ["Cybercrime (1)", "Cybercrime (3)", "Cybercrime (2)"]
    html = history.text
    # The two preselected for comparison: the newest (B) and the one before it (A).
    newest, before = (action["version"].pk for action in history.context["action_list"][:2])
    assert f'name="a" value="{before}" aria-label="Compare from" checked' in html
    assert f'name="b" value="{newest}" aria-label="Compare to" checked' in html


def test_each_participation_links_to_its_quotes_from_the_event_form(staff_client):
    event = f.EventFactory()
    cited = f.ParticipationFactory(event=event, organisation=f.OrganisationFactory())
    f.CitationFactory(record=cited, quote="« la police de l’Italie »")
    f.CitationFactory(record=cited, quote="« les chefs de police »")
    uncited = f.ParticipationFactory(event=event, organisation=f.OrganisationFactory())

    response = staff_client.get(_url(models.Event, "change", event.pk))

    html = response.text
    cited_page = _url(models.Participation, "change", cited.pk)
    uncited_page = _url(models.Participation, "change", uncited.pk)
    assert f'href="{cited_page}#{CITATIONS_GROUP}">2 quotes ›</a>' in html
    assert f'href="{uncited_page}#{CITATIONS_GROUP}">Add quotes ›</a>' in html
    # The link's target: the participation's page, with its quotes in an inline to edit.
    page = staff_client.get(cited_page)
    assert f'id="{CITATIONS_GROUP}"' in page.text
    assert "« la police de l’Italie »" in page.text


def test_the_quotes_link_is_in_french_too(staff_client):
    event = f.EventFactory()
    cited = f.ParticipationFactory(event=event, organisation=f.OrganisationFactory())
    f.CitationFactory(record=cited)
    response = staff_client.get(_url(models.Event, "change", event.pk), HTTP_ACCEPT_LANGUAGE="fr")
    assert "1 citation ›</a>" in response.text
