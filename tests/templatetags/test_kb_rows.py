"""List rows written in Python are the row templates' HTML (kb/templatetags/kb_rows.py).

reference_rows/ holds the templates the list pages included once per row
before (named .tmpl, so makemessages leaves them out of the catalogue).
Each type's rows, from the article and from records made to reach every
branch (no country, no region, draft parents, every kind of participant,
missing dates, markup in names), render the same from both, in both
languages and under a script prefix.
"""

import datetime
from pathlib import Path

import pytest
from django.template import engines
from django.test.utils import override_script_prefix
from django.utils import translation

from kb import registry
from kb.models import (
    Agreement,
    DatePrecision,
    Event,
    Organisation,
    Participation,
    Person,
    Source,
    Status,
    Topic,
)
from kb.site.views import listed
from kb.templatetags.kb_rows import ROWS, record_rows
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

REFERENCE = Path(__file__).parent / "reference_rows"
MARKUP = '<b>"R&D"</b> l\'unité'


def records(model):
    """A list page's records of `model`, loaded as the page loads them (RecordListView)."""
    return list(listed(model, translation.get_language()).all())


def reference(model, rows):
    template = engines["django"].from_string(
        (REFERENCE / f"{model._meta.model_name}.tmpl").read_text(encoding="utf-8")
    )
    return "".join(template.render({"record": record}) for record in rows)


def make_edge_cases():
    """Records reaching each branch of each row."""
    draft = factories.OrganisationFactory(status=Status.DRAFT)
    public = factories.OrganisationFactory(name_en=MARKUP, acronym=MARKUP)
    factories.OrganisationFactory(country="", parent=public)  # international, in a public parent
    factories.OrganisationFactory(country="AQ", parent=draft, acronym="")  # in no M49 region
    factories.OrganisationFactory(kind=Organisation.Kind.UN_BODY, country="US")

    factories.PersonFactory(country="")
    alone = factories.PersonFactory(country="MA", name=MARKUP)
    factories.MembershipFactory(person=alone)
    factories.MembershipFactory(person=alone, post=None, organisation=public)
    international = factories.PersonFactory(country="")
    factories.MembershipFactory(person=international, post=None, organisation=public)

    places = [("Marrakech", "MA"), ("", "FR"), (MARKUP, ""), ("", "")]
    dates = [
        (datetime.date(2025, 11, 24), datetime.date(2025, 11, 24), DatePrecision.EXACT),
        (datetime.date(2024, 12, 30), datetime.date(2025, 1, 2), DatePrecision.EXACT),
        (datetime.date(2025, 10, 30), datetime.date(2025, 11, 2), DatePrecision.WITHIN),
        (datetime.date(2025, 3, 1), datetime.date(2025, 3, 5), DatePrecision.WITHIN),
        (None, None, DatePrecision.EXACT),
    ]
    for (city, country), (start, end, precision) in zip(places * 2, dates * 2, strict=False):
        factories.EventFactory(
            city=city, country=country, start_date=start, end_date=end, date_precision=precision
        )
    event = factories.EventFactory(name_en=MARKUP)
    post = factories.PostFactory(organisation=public)
    someone = factories.PersonFactory()
    for kwargs in [
        {"role": Participation.Role.HOST},
        {"person": someone, "post": post, "organisation": public},
        {"person": someone, "organisation": public},
        {"person": someone, "organisation": None},
        {"post": post, "organisation": public},
        {"post": post, "organisation": None},
    ]:
        factories.ParticipationFactory(event=event, **kwargs)
    # More counterparts than a row names (EventQuerySet.for_list_rows): by one, by three.
    for count in (6, 8):
        crowded = factories.EventFactory(name_en=f"Crowded {count}")
        factories.ParticipationFactory(event=crowded, role=Participation.Role.HOST)
        factories.ParticipationFactory(event=crowded, organisation=draft)  # not shown
        for _ in range(count):
            factories.ParticipationFactory(event=crowded)

    factories.AgreementFactory(title_en=MARKUP, signed_start=None, signed_end=None)
    agreement = factories.AgreementFactory(
        legal_status=Agreement.LegalStatus.IN_FORCE,
        signed_start=datetime.date(2025, 11, 26),
        signed_end=datetime.date(2025, 11, 26),
    )
    factories.AgreementPartyFactory(agreement=agreement, organisation=public)
    factories.AgreementPartyFactory(agreement=agreement)

    factories.SourceFactory(publisher="", published_on=None, language="xx", title=MARKUP)
    factories.SourceFactory(publisher=MARKUP, published_on=datetime.date(2025, 11, 28))
    factories.TopicFactory(name_en=MARKUP)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("model", [Organisation, Person, Event, Agreement, Source, Topic])
def test_rows_are_the_row_templates_html(model, language):
    make_edge_cases()
    rows = records(model)
    assert len(rows) >= 3
    with translation.override(language):
        assert record_rows(rows) == reference(model, rows)


@pytest.mark.parametrize("model", [Organisation, Event])
def test_urls_keep_the_script_prefix(model):
    make_edge_cases()
    rows = records(model)
    with override_script_prefix("/entente/"), translation.override("fr"):
        html = record_rows(rows)
        assert html == reference(model, rows)
    assert f'href="/entente/fr/{registry.of(model).page}/' in html


def test_markup_in_names_is_escaped():
    make_edge_cases()
    with translation.override("en"):
        html = record_rows(records(Organisation))
    assert "&lt;b&gt;&quot;R&amp;D&quot;&lt;/b&gt; l&#x27;unité" in html
    assert "<b>" not in html


def test_every_type_with_pages_has_a_row():
    assert {entry.model for entry in registry.with_pages()} == set(ROWS)


def test_words_are_those_of_the_language_of_each_page():
    parent = factories.OrganisationFactory()
    factories.OrganisationFactory(kind=Organisation.Kind.MINISTRY, country="MA", parent=parent)
    rows = [r for r in records(Organisation) if r.parent == parent]
    with translation.override("en"):
        english = record_rows(rows)
    with translation.override("fr"):
        french = record_rows(rows)
    assert "Ministry\n    · Morocco, Africa\n    · part of" in english
    assert "Ministère\n    · Maroc, Afrique\n    · fait partie de" in french


def test_an_event_row_names_five_counterparts_and_counts_the_others():
    host = factories.OrganisationFactory(name_en="The host")
    event = factories.EventFactory(name_en="Crowded")
    factories.ParticipationFactory(event=event, organisation=host, role=Participation.Role.HOST)
    factories.ParticipationFactory(
        event=event, organisation=factories.OrganisationFactory(status=Status.DRAFT)
    )
    met = [factories.OrganisationFactory(name_en=f"Met {i}") for i in range(8)]
    for organisation in met:
        factories.ParticipationFactory(event=event, organisation=organisation)
    single = factories.EventFactory(name_en="Six")
    for organisation in met[:6]:
        factories.ParticipationFactory(event=single, organisation=organisation)
    rows = {r.slug: r for r in records(Event)}
    with translation.override("en"):
        html = record_rows([rows[event.slug]])
    named = [o.name_en for o in met if o.name_en in html]
    assert named == [f"Met {i}" for i in range(5)]  # Meta's order: the first five
    assert "The host" not in html
    assert f'; <a href="/en/events/{event.slug}/#participants">and 3 more</a>' in html
    with translation.override("fr"):
        assert ">et 3 autres</a>" in record_rows([rows[event.slug]])
        assert ">et 1 autre</a>" in record_rows([rows[single.slug]])
