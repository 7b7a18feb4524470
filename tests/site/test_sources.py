"""The source's public page: its cited passages in text order (its whole text only when
it may be published), each linked to the records it supports at the quote's place."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kb.domain.coverage import quote_anchor
from kb.models import Citation, Event, Source
from tests import factories

ARTICLE = "interpol-ga-93-hammouchi-bilaterals"
ASSEMBLY = "interpol-general-assembly-93"
# Sentences of the article that no record cites.
UNCITED = [
    "Ces réunions ont également constitué une occasion de mettre en avant le modèle "
    "sécuritaire marocain",
    "À travers cette série de rencontres stratégiques, le Maroc confirme plus que jamais",
]
GAP = '<span class="visually-hidden">Text not cited, not shown</span>'


def content(response):
    return response.content.decode()


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


def page(client, lang="en", slug=ARTICLE):
    with translation.override(lang):
        url = reverse("kb:source-detail", kwargs={"slug": slug})
    response = client.get(url)
    assert response.status_code == 200
    return content(response)


def test_the_article_shows_its_cited_passages_and_hides_the_rest(client, seeded):
    html = page(client)
    quotes = list(Citation.objects.values_list("quote", flat=True).distinct())
    assert len(set(quotes)) == 16
    for quote in set(quotes):
        assert quote in html
        # Its place: the anchor a record's page links to.
        assert f'<span class="quote-anchor" id="{quote_anchor(quote)}"></span>' in html
    for sentence in UNCITED:
        assert sentence not in html
    # Ten gaps that hide text; the line break between two passages hides nothing.
    assert html.count(GAP) == 10
    assert 'title="Text not cited, not shown"' in html
    assert html.count('<mark class="passage">') == 11
    # In the text's order.
    positions = [html.index(q) for q in ("La 93ᵉ Assemblée", "Selon le communiqué", "Certaines")]
    assert positions == sorted(positions)
    assert "Records cite 11 passages, 54% of the text." in html


def test_the_whole_text_when_it_may_be_published(client, seeded, article_text):
    Source.objects.update(publish_full_text=True)
    html = page(client)
    for sentence in UNCITED:
        assert sentence in html
    assert GAP not in html
    assert html.count('class="quote-anchor"') == 16
    assert '<mark class="passage">' in html
    # Each passage is numbered, and its number leads to what it supports.
    assert '<a class="passage-number" href="#passage-1"' in html
    assert 'id="passage-11"' in html
    # The title line is the text's first paragraph.
    assert re.search(r'<p lang="fr">Assemblée générale d’INTERPOL : Abdellatif Hammouchi', html)


def test_each_passage_links_to_the_records_at_the_quotes_place(client, seeded):
    html = page(client)
    bka = "À cela s’ajoutent ses rencontres avec les dirigeants de la police allemande (BKA)"
    anchor = quote_anchor(Citation.objects.filter(quote__startswith=bka).first().quote)
    assert f'href="/en/organisations/bka/#{anchor}"' in html
    assert f'href="/en/events/{ASSEMBLY}-meeting-bka/#{anchor}"' in html
    # A post's quote is on its organisation's page; a claim keeps its own place.
    hammouchi = quote_anchor(
        "menée par le Directeur Général du pôle DGSN-DGST, M. Abdellatif Hammouchi"
    )
    assert f'href="/en/people/abdellatif-hammouchi/#{hammouchi}"' in html
    assert f'href="/en/organisations/pole-dgsn-dgst/#{hammouchi}"' in html
    claim = reverse("kb:quality") + f"#claim-{ASSEMBLY}-at-least-43-meetings"
    assert f'href="{claim}"' in html
    # 52 meetings under one quote fold away; a few show open.
    assert re.search(r'<summary>Events <span class="count">\(52\)</span></summary>', html)


def test_english_pages_show_entente_s_translations_french_pages_the_original(client, seeded):
    english = page(client, "en")
    original = "Certaines de ces réunions ont débouché sur la signature de mémorandums"
    assert re.search(r'<blockquote lang="fr"[^>]*><p><mark class="passage">', english)
    assert original in english
    assert (
        '<p class="translation" lang="en">Some of these meetings led to the signing of '
        "structuring memoranda of understanding."
    ) in english
    assert english.count("(Entente&#x27;s translation)") == 16
    french = page(client, "fr")
    assert original in french
    assert "Some of these meetings" not in french
    assert 'class="translation"' not in french


def test_the_page_says_whom_the_source_attributes_its_facts_to(client, seeded):
    html = page(client)
    assert "Attributes its facts to" in html
    assert 'href="/en/organisations/dgsn/"' in html
    assert '<q lang="fr">le communiqué de la DGSN</q>' in html


def test_the_title_is_whole_and_the_records_it_supports_are_grouped(client, seeded):
    html = page(client)
    title = Source.objects.get().title
    assert f'<h1 lang="fr">{title}</h1>' in html
    assert f"<title>{title}" in html
    # Grouped by type with counts; past 25 a group starts closed.
    assert re.search(r'<details class="group">\s*<summary>Events <span class="count">\(53\)', html)
    assert re.search(r'<details class="group" open>\s*<summary>Agreements <span', html)
    assert 'href="#supported"' in html and 'href="#text"' in html  # "On this page"


def test_a_quote_the_text_lacks_is_listed_apart(client, db):
    source = factories.SourceFactory(text="Une phrase citée. Une autre.")
    factories.CitationFactory(source=source, quote="Une phrase citée.")
    absent = factories.CitationFactory(source=source, quote="Une phrase absente.")
    html = page(client, slug=source.slug)
    assert "Quotes not found in the stored text" in html
    assert f'id="{quote_anchor(absent.quote)}"' in html
    assert "Une autre." not in html  # uncited, and the text is not published
    # Without a stored text, its quotes are still listed.
    bare = factories.SourceFactory(text="")
    factories.CitationFactory(source=bare, quote="Une citation.")
    html = page(client, slug=bare.slug)
    assert "text is not stored here" in html
    assert "Une citation." in html


def test_the_cybercrime_topic_lists_the_meetings_not_the_assembly(client, seeded):
    response = client.get(reverse("kb:event-list") + "?topic=cybercrime")
    html = content(response)
    assert f'href="/en/events/{ASSEMBLY}/"' not in html
    assert re.search(rf'href="/en/events/{ASSEMBLY}-meeting-[a-z-]+/"', html)
    assert set(Event.objects.filter(topics__slug="cybercrime").values_list("kind", flat=True)) == {
        Event.Kind.BILATERAL_MEETING
    }
    assert Event.objects.filter(topics__slug="cybercrime").count() == 52


def _source_cited(rows):
    """A source cited `rows` times by each kind of record its page links."""
    words = [f"Phrase numéro {n}." for n in range(rows)]
    source = factories.SourceFactory(
        text=" ".join(words), attributed_to=factories.OrganisationFactory()
    )
    for word in words:
        factories.CitationFactory(source=source, quote=word)
        factories.CitationFactory(source=source, quote=word, record=factories.EventFactory())
        factories.CitationFactory(
            source=source, quote=word, record=factories.ParticipationFactory()
        )
        factories.CitationFactory(source=source, quote=word, record=factories.PostFactory())
    return source


@pytest.mark.parametrize("rows", [3, 30])
def test_the_source_page_query_count_does_not_grow_with_citations(client, db, rows):
    source = _source_cited(rows)
    url = reverse("kb:source-detail", kwargs={"slug": source.slug})
    client.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert content(response).count('class="quote-anchor"') == rows
    # The source with whom it attributes its facts to, its identifiers, its citations,
    # then one query per type cited: organisations, events, participations, posts.
    assert len(context.captured_queries) == 7, [q["sql"] for q in context]


def test_a_source_many_records_cite_shows_some_of_each_list_and_counts_them_all(
    client, db, monkeypatch
):
    monkeypatch.setattr("kb.site.sources.SHOWN_MAX", 3)
    source = factories.SourceFactory(text="")  # every quote is listed apart
    for i in range(5):
        event = factories.EventFactory(name_en=f"Meeting {i}")
        factories.CitationFactory(record=event, source=source, quote="The general quote.")
    for i in range(5):
        organisation = factories.OrganisationFactory(name_en=f"Body {i}")
        factories.CitationFactory(record=organisation, source=source, quote=f"Quote {i}.")
    url = reverse("kb:source-detail", kwargs={"slug": source.slug})
    client.get(url)  # warm caches (content types, translations)
    with CaptureQueriesContext(connection) as context:
        html = content(client.get(url))
    # The first three of the six quotes; the general one with three of its five events.
    assert re.findall(r"<blockquote[^>]*><p>([^<]+)</p>", html) == [
        "The general quote.",
        "Quote 0.",
        "Quote 1.",
    ]
    assert "3 of 6 are shown here." in html
    general = html[html.index("The general quote.") : html.index("Quote 0.")]
    assert len(re.findall(r">Meeting \d<", general)) == 3
    assert "and 2 more records" in general
    # What it supports: three of each type, and each type's count.
    supported = html[html.index('id="supported"') :]
    assert 'Events <span class="count">(5)</span>' in supported
    assert 'Organisations <span class="count">(5)</span>' in supported
    assert re.findall(r">Body (\d)<", supported) == ["0", "1", "2"]
    assert supported.count("3 of 5 are shown here.") == 2
    # The source, its identifiers, its citations; past the bound, two queries a type
    # (the ids that count, then the records shown) rather than one.
    assert len(context.captured_queries) == 7, [q["sql"] for q in context.captured_queries]
