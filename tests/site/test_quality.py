"""The data-quality page: claims against the data, uncited records, vague dates."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kb.models import Event, Status
from tests import factories


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


CLAIM = "interpol-general-assembly-93-at-least-43-meetings"


def test_claim_beside_the_recorded_count_and_verdict(client, seeded, article_text):
    response = client.get(reverse("kb:quality"))
    assert response.status_code == 200
    html = response.content.decode()
    claim = html[html.index(f'id="claim-{CLAIM}"') :]
    claim = claim[: claim.index("</article>")]
    quote = "il a enchaîné pas moins de quarante-trois réunions bilatérales"
    assert quote in article_text
    assert re.search(rf'<blockquote lang="fr"><p>{quote}', claim)
    assert "at least 43" in claim
    assert re.search(r">52</a>", claim)
    assert "<strong>consistent</strong>" in claim


def test_claim_anchor_is_the_claims_url(client, seeded):
    from kb.models import Claim

    url = Claim.objects.get(slug=CLAIM).get_absolute_url()
    assert url == f"/en/quality/#claim-{CLAIM}"


def test_inconsistent_claim(client, db):
    claim = factories.ClaimFactory(value=3, qualifier="exactly")
    factories.EventFactory(parent=claim.subject)
    html = client.get(reverse("kb:quality")).content.decode()
    assert "<strong>not consistent</strong>" in html


def test_seeded_data_cite_everything(client, seeded):
    html = client.get(reverse("kb:quality")).content.decode()
    assert "Every published record cites a source." in html


def test_records_without_citation_are_listed_by_type(client, db):
    cited = factories.OrganisationFactory(slug="cited")
    factories.CitationFactory(record=cited)
    factories.OrganisationFactory(slug="uncited")
    factories.OrganisationFactory(slug="uncited-draft", status=Status.DRAFT)
    draft_source = factories.SourceFactory(status=Status.DRAFT)
    factories.CitationFactory(
        record=factories.TopicFactory(slug="only-a-draft-source"), source=draft_source
    )
    participation = factories.ParticipationFactory(organisation=cited, event__slug="meeting")
    factories.CitationFactory(record=participation.event)
    html = client.get(reverse("kb:quality")).content.decode()
    section = html[html.index('id="uncited-heading"') : html.index('id="within-heading"')]
    organisations = section[section.index("Organisations (1)") :]
    organisations = organisations[: organisations.index("</ul>")]
    assert 'href="/en/organisations/uncited/"' in organisations
    assert 'href="/en/organisations/cited/"' not in organisations
    assert "uncited-draft" not in section
    assert 'href="/en/topics/only-a-draft-source/"' in section
    assert "Participations in events (1)" in section
    assert 'href="/en/events/meeting/"' in section


def test_events_dated_within_a_window(client, seeded):
    html = client.get(reverse("kb:quality")).content.decode()
    section = html[html.index('id="within-heading"') :]
    assert "52 events took place on some day within a window" in section
    assert "between 24 and 27 November 2025" in section
    assert "93rd INTERPOL General Assembly<" not in section  # exact dates
    assert Event.objects.filter(date_precision="within").count() == 52


@pytest.mark.parametrize("rows", [3, 30])
def test_quality_query_count_is_fixed(client, db, rows):
    for _ in range(rows):
        factories.ClaimFactory()
        factories.OrganisationFactory()
        factories.ParticipationFactory()
    url = reverse("kb:quality")
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        client.get(url)
    # Claims with their figures, subjects and citations; the data version; a
    # page per type that lacks a citation; the events with vague dates. The
    # counts (one per type, one each of vague events and agreements) were cached
    # under that version by the first request; no agreement is vague, so none is read.
    assert len(context.captured_queries) == 9, [q["sql"] for q in context]


def test_agreements_dated_within_a_window_are_bounded_like_the_events(client, db, settings):
    settings.KB_QUALITY_LIMIT = 2
    for day in (1, 2, 3):
        factories.AgreementFactory(
            title_en=f"Vague agreement {day}",
            signed_start=datetime.date(2025, 1, day),
            signed_end=datetime.date(2025, 1, day + 5),
            date_precision="within",
        )
    html = client.get(reverse("kb:quality")).content.decode()
    section = html[html.index('id="within-heading"') :]
    agreements = section[section.index("Agreements") :]
    assert '<span class="count">(3)</span>' in agreements
    assert len(re.findall(r"Vague agreement \d", agreements)) == 2
    assert "The first 2 are shown." in agreements
