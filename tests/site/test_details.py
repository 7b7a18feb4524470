"""Readable record pages (issue 15): each quote once with what it supports, long lists
grouped and collapsed, "On this page", full titles, freshness, quotes linked to their
place in the source, attribution, translations; and each page's query count at two sizes
(the browser's view of them: test_browser_details.py)."""

import datetime
import html as htmlib
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from kb.domain.coverage import quote_anchor
from kb.domain.grouping import COLLAPSE_OVER, GROUP_OVER
from kb.models import Agreement, Citation, Event, Organisation, Participation, Person, Source
from tests import factories

POLE = "pole-dgsn-dgst"
NORWAY_AGREEMENT = "pole-dgsn-dgst-norwegian-national-police-agreement"
GENERAL = "il a enchaîné pas moins de quarante-trois réunions bilatérales"
NORWAY = "Un accord a notamment été conclu avec la police nationale norvégienne"
TEMPLATES = Path(__file__).resolve().parents[2] / "kb" / "templates"


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


def page(client, model, slug, language="en"):
    with translation.override(language):
        url = reverse(f"kb:{model}-detail", kwargs={"slug": slug})
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def text_of(html):
    """The page's text as a reader sees it: tags dropped, entities decoded."""
    return htmlib.unescape(re.sub(r"<[^>]+>", "", html))


def supports_line(html, quote):
    """The "This quote supports: ..." line of the figure that shows `quote`."""
    figure = re.search(
        rf'<figure class="quote" id="{quote_anchor(quote)}">(.*?)</figure>', html, re.S
    )
    assert figure, f"no figure for {quote!r}"
    line = re.search(r'<p class="supports">(.*?)</p>', figure.group(1), re.S)
    return text_of(line.group(1)).strip()


def full_quote(start):
    return Citation.objects.filter(quote__startswith=start).values_list("quote", flat=True)[0]


# Each quote once, with what it supports ----------------------------------------------


def test_the_pole_page_shows_its_general_quote_once_with_what_it_supports(client, seeded):
    html = page(client, "organisation", POLE)
    assert html.count(GENERAL) == 1
    quote = full_quote(GENERAL)
    assert "participation in 52 meetings" in supports_line(html, quote)
    # Each of the 52 meetings links to it instead of repeating it.
    assert html.count(f'href="#{quote_anchor(quote)}"') == 52

    french = page(client, "organisation", POLE, "fr")
    assert french.count(GENERAL) == 1
    assert "la participation à 52 réunions" in supports_line(french, quote)


def test_the_norway_quote_appears_once_on_the_agreement_page(client, seeded):
    html = page(client, "agreement", NORWAY_AGREEMENT)
    assert html.count(NORWAY) == 1
    assert (
        supports_line(html, full_quote(NORWAY)) == "This quote supports: this agreement; 2 parties"
    )
    french = page(client, "agreement", NORWAY_AGREEMENT, "fr")
    assert supports_line(french, full_quote(NORWAY)) == (
        "Cette citation étaye : cet accord ; 2 parties"
    )


def test_no_quote_appears_twice_on_any_record_page(client, seeded):
    quotes = set(Citation.objects.values_list("quote", flat=True))
    for model in (Organisation, Person, Event, Agreement):
        for slug in model.objects.published().values_list("slug", flat=True):
            html = page(client, model._meta.model_name, slug)
            for quote in quotes:
                assert html.count(htmlib.escape(quote, quote=False)) <= 1, (slug, quote[:40])


def test_a_quote_supporting_one_fact_of_each_kind_counts_each_in_words(client, db):
    organisation = factories.OrganisationFactory()
    source = factories.SourceFactory()
    quote = "Une seule phrase pour tout."
    factories.CitationFactory(record=organisation, source=source, quote=quote)
    for _ in range(3):
        participation = factories.ParticipationFactory(organisation=organisation)
        factories.CitationFactory(record=participation, source=source, quote=quote)
    party = factories.AgreementPartyFactory(organisation=organisation)
    factories.CitationFactory(record=party, source=source, quote=quote)
    html = page(client, "organisation", organisation.slug)
    assert html.count(quote) == 1
    assert supports_line(html, quote) == (
        "This quote supports: this organisation; participation in 3 meetings; "
        "being a party to 1 agreement"
    )
    assert supports_line(page(client, "organisation", organisation.slug, "fr"), quote) == (
        "Cette citation étaye : cette organisation ; la participation à 3 réunions ; "
        "sa qualité de partie à 1 accord"
    )


# Long lists grouped and collapsed ----------------------------------------------------


def groups(html):
    """(label, count, open) of each group of the page's grouped lists."""
    return [
        (text_of(label).strip(), int(count), " open" in attrs)
        for attrs, label, count in re.findall(
            r'<details class="group"([^>]*)>\s*<summary>(.*?) <span class="count">\((\d+)\)</span>',
            html,
            re.S,
        )
    ]


def test_the_pole_meetings_are_grouped_by_region_and_collapsed(client, seeded):
    found = groups(page(client, "organisation", POLE))
    assert found == [
        ("Europe", 19, False),
        ("Africa", 15, False),
        ("Asia", 9, False),
        ("Latin America and the Caribbean", 5, False),
        ("International bodies (no country)", 4, False),
    ]
    hammouchi = groups(page(client, "person", "abdellatif-hammouchi"))
    assert [(label, n) for label, n, _open in hammouchi] == [(label, n) for label, n, _o in found]
    french = groups(page(client, "organisation", POLE, "fr"))
    assert french[0] == ("Europe", 19, False) and french[1] == ("Afrique", 15, False)


def test_the_assembly_parts_are_grouped_by_their_counterparts_region(client, seeded):
    found = groups(page(client, "event", "interpol-general-assembly-93"))
    assert sum(n for _label, n, _open in found) == 52
    assert ("Europe", 19, False) in found


def test_a_short_list_is_flat_and_a_middling_one_grouped_open(client, db):
    host = factories.OrganisationFactory(country="MA")

    def meetings(n, country):
        for _ in range(n):
            event = factories.EventFactory()
            factories.ParticipationFactory(event=event, organisation=host, role="host")
            factories.ParticipationFactory(
                event=event, organisation=factories.OrganisationFactory(country=country)
            )

    meetings(GROUP_OVER, "DE")
    assert groups(page(client, "organisation", host.slug)) == []  # short: as it is
    meetings(5, "SN")
    assert groups(page(client, "organisation", host.slug)) == [
        ("Europe", GROUP_OVER, True),
        ("Africa", 5, True),
    ]
    meetings(COLLAPSE_OVER - GROUP_OVER - 5 + 1, "SN")
    assert groups(page(client, "organisation", host.slug)) == [
        ("Africa", COLLAPSE_OVER - GROUP_OVER + 1, False),
        ("Europe", GROUP_OVER, False),
    ]


def test_a_long_list_no_way_splits_is_one_collapsed_group(client, db):
    topic = factories.TopicFactory()
    for _ in range(COLLAPSE_OVER + 1):
        event = factories.EventFactory()
        event.topics.add(topic)
        factories.ParticipationFactory(event=event, organisation=factories.OrganisationFactory())
    assert groups(page(client, "topic", topic.slug)) == [
        ("Bilateral meeting", COLLAPSE_OVER + 1, False)  # its kind: the first way
    ]


# On this page ------------------------------------------------------------------------


def outline(html):
    nav = re.search(r'<nav class="on-this-page".*?</nav>', html, re.S)
    return re.findall(r'<a href="#([\w-]+)">', nav.group(0)) if nav else []


@pytest.mark.parametrize(
    ("model", "slug", "sections"),
    [
        ("organisation", POLE, ["posts", "events", "agreements", "sources", "cite"]),
        ("person", "abdellatif-hammouchi", ["posts", "events", "sources", "cite"]),
        ("event", "interpol-general-assembly-93", ["parts", "sources", "cite"]),
        ("agreement", NORWAY_AGREEMENT, ["parties", "sources", "cite"]),
        ("topic", "cybercrime", ["events", "agreements", "sources", "cite"]),
    ],
)
def test_pages_list_their_sections_on_this_page(client, seeded, model, slug, sections):
    html = page(client, model, slug)
    assert outline(html) == sections
    for section in sections:
        assert re.search(rf'<section id="{section}"', html), section
    assert "Sur cette page" in page(client, model, slug, "fr")


def test_a_page_with_nothing_but_its_sources_has_no_outline(client, db):
    organisation = factories.OrganisationFactory()
    assert outline(page(client, "organisation", organisation.slug)) == []


# Full titles -------------------------------------------------------------------------


def test_no_template_cuts_a_word_or_a_title():
    # truncatechars cuts mid-word ("…Hammouchi enchaî…"); titles and names are never cut.
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "truncatechars" not in text, path
        assert not re.search(r"(title|name|\bobject)\|truncate", text), path


def test_source_titles_are_whole_on_record_pages(client, seeded):
    title = Source.objects.get().title
    assert "enchaîne" in title
    for model, slug in [("organisation", POLE), ("agreement", NORWAY_AGREEMENT)]:
        html = page(client, model, slug)
        assert f'<cite lang="fr">{title}</cite>' in html
        assert "…" not in text_of(html)


# Freshness ---------------------------------------------------------------------------


def test_each_record_shows_when_it_was_updated_and_its_cite_line_too(client, db):
    topic = factories.TopicFactory()
    moment = timezone.make_aware(datetime.datetime(2026, 3, 3, 12, 0))
    type(topic).objects.filter(pk=topic.pk).update(updated_at=moment)
    today = timezone.localdate()
    html = page(client, "topic", topic.slug)
    assert re.search(
        r'<dt>Last updated</dt>\s*<dd><time datetime="2026-03-03">3 March 2026</time></dd>', html
    )
    cite = re.search(r'<section id="cite".*?</section>', html, re.S).group(0)
    assert f"Last updated 3 March 2026. Accessed {today.day} {today:%B} {today.year}." in cite
    french = page(client, "topic", topic.slug, "fr")
    assert '<time datetime="2026-03-03">3 mars 2026</time>' in french
    assert "Dernière modification le 3 mars 2026. Consulté le " in french


# Quotes linked to their place in the source, and back ---------------------------------


def test_each_quote_links_to_its_place_in_the_source_and_carries_its_anchor(client, seeded):
    html = page(client, "organisation", POLE)
    source = Source.objects.get()
    figures = re.findall(r'<figure class="quote" id="(q-[0-9a-f]{10})">', html)
    assert len(figures) == len(set(figures)) >= 3
    for anchor in figures:
        assert f'href="{source.get_absolute_url()}#{anchor}"' in html
    quote = full_quote(GENERAL)
    assert quote_anchor(quote) in figures


def test_the_quote_anchor_filter(client, db):
    from django.template import Context, Template

    rendered = Template("{% load kb_tags %}{{ quote|quote_anchor }}").render(
        Context({"quote": "Une phrase."})
    )
    assert rendered == quote_anchor("Une phrase.") and re.fullmatch(r"q-[0-9a-f]{10}", rendered)


# Attribution -------------------------------------------------------------------------


def test_quotes_say_whom_their_source_attributes_its_facts_to(client, seeded):
    source = Source.objects.select_related("attributed_to").get()
    assert source.attribution and source.attributed_to
    html = page(client, "organisation", POLE)
    said = (
        f'Attributed to <a href="{source.attributed_to.get_absolute_url()}">'
        f"{source.attributed_to}</a> "
        f'(<q lang="fr">{source.attribution}</q>), as reported by '
        f'<a href="{source.get_absolute_url()}#'
    )
    assert html.count(said) == len(re.findall(r'<figure class="quote"', html))
    french = page(client, "organisation", POLE, "fr")
    assert f'(<q lang="fr">{source.attribution}</q>), dans <a href=' in french


def test_a_source_naming_nobody_shows_its_title_only(client, db):
    organisation = factories.OrganisationFactory()
    plain = factories.SourceFactory(title="Un titre assez long pour être coupé en deux")
    factories.CitationFactory(record=organisation, source=plain, quote="Sans attribution.")
    worded = factories.SourceFactory(attribution="Selon un communiqué")
    factories.CitationFactory(record=organisation, source=worded, quote="Avec des mots.")
    html = page(client, "organisation", organisation.slug)
    assert re.search(r"<figcaption>— <a [^>]*><cite lang=\"fr\">Un titre assez long", html)
    assert '<q lang="fr">Selon un communiqué</q>, as reported by' in html
    assert "Attributed to" not in html


# Translations ------------------------------------------------------------------------


def test_english_pages_show_the_translation_beside_the_french_original(client, db):
    event = factories.EventFactory()
    factories.CitationFactory(
        record=event,
        quote="Certaines de ces réunions ont débouché sur des accords.",
        translation="Some of these meetings led to agreements.",
        translation_by="entente",
    )
    html = page(client, "event", event.slug)
    assert re.search(
        r'<div class="quote-text with-translation">\s*<blockquote lang="fr"[^>]*>\s*'
        r"<p>Certaines de ces réunions ont débouché sur des accords\.</p>\s*</blockquote>\s*"
        r'<p class="translation">Some of these meetings led to agreements\. '
        r'<span class="made-by">\(Entente&#x27;s translation\)</span></p>',
        html,
    ), html
    french = page(client, "event", event.slug, "fr")
    assert "Certaines de ces réunions ont débouché sur des accords." in french
    assert "Some of these meetings" not in french and "with-translation" not in french


def test_the_seed_translations_show_on_english_pages_only(client, seeded):
    translated = Citation.objects.exclude(translation="").filter(quote__startswith=NORWAY).first()
    if translated is None:
        pytest.skip("the seed has no translation of the Norway quote yet")
    english = page(client, "agreement", NORWAY_AGREEMENT)
    assert translated.translation in htmlib.unescape(english)
    assert translated.translation not in htmlib.unescape(
        page(client, "agreement", NORWAY_AGREEMENT, "fr")
    )


# Query counts at two sizes -----------------------------------------------------------


def _cited(record, source, n=1):
    for i in range(n):
        factories.CitationFactory(record=record, source=source, quote=f"Citation {record.pk}/{i}.")


def _organisation(n):
    source = factories.SourceFactory(attributed_to=factories.OrganisationFactory())
    organisation = factories.OrganisationFactory(slug="subject")
    _cited(organisation, source)
    for _ in range(n):
        factories.OrganisationFactory(parent=organisation)
        post = factories.PostFactory(organisation=organisation)
        _cited(factories.MembershipFactory(post=post), source)
        _cited(post, source)
        participation = factories.ParticipationFactory(organisation=organisation, role="host")
        _cited(participation, source)
        other = factories.ParticipationFactory(event=participation.event)
        _cited(other, source)
        _cited(factories.AgreementPartyFactory(organisation=organisation), source)
        factories.EventFactory(organiser=organisation)
    return "organisation"


def _person(n):
    source = factories.SourceFactory()
    person = factories.PersonFactory(slug="subject")
    _cited(person, source)
    for _ in range(n):
        _cited(factories.MembershipFactory(person=person), source)
        participation = factories.ParticipationFactory(person=person)
        _cited(participation, source)
        factories.ParticipationFactory(event=participation.event)
    return "person"


def _event(n):
    source = factories.SourceFactory()
    event = factories.EventFactory(slug="subject", kind="general_assembly")
    _cited(event, source)
    event.topics.add(factories.TopicFactory())
    for _ in range(n):
        _cited(factories.ParticipationFactory(event=event), source)
        part = factories.EventFactory(parent=event)
        factories.ParticipationFactory(event=part, role=Participation.Role.HOST)
        factories.ParticipationFactory(event=part)
        factories.AgreementPartyFactory(agreement=factories.AgreementFactory(signed_at=event))
    return "event"


def _agreement(n):
    source = factories.SourceFactory()
    agreement = factories.AgreementFactory(slug="subject", signed_at=factories.EventFactory())
    _cited(agreement, source, 2)
    agreement.topics.add(factories.TopicFactory())
    for _ in range(n):
        _cited(factories.AgreementPartyFactory(agreement=agreement), source)
    return "agreement"


def _topic(n):
    source = factories.SourceFactory()
    topic = factories.TopicFactory(slug="subject")
    _cited(topic, source, 2)
    for _ in range(n):
        event = factories.EventFactory()
        event.topics.add(topic)
        factories.ParticipationFactory(event=event)
        factories.AgreementFactory().topics.add(topic)
    return "topic"


@pytest.mark.parametrize(
    ("make", "queries"),
    [
        # the record (identifiers, parent), then each prefetch of its plan (kb/domain/details.py)
        (_organisation, 17),
        (_person, 8),
        (_event, 10),
        (_agreement, 6),
        (_topic, 6),
    ],
)
@pytest.mark.parametrize("rows", [3, 30])
def test_detail_query_count_does_not_grow_with_related_rows(client, db, make, queries, rows):
    model = make(rows)
    url = reverse(f"kb:{model}-detail", kwargs={"slug": "subject"})
    client.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert len(context.captured_queries) == queries, [q["sql"] for q in context]
    if rows > COLLAPSE_OVER and model != "agreement":
        assert '<details class="group">' in response.content.decode()
