"""Public list and detail pages: filters, counts, drafts, citations (see test_page_queries.py)."""

import csv
import datetime
import io
import re

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from kb.filtering.filtersets import (
    AgreementFilterSet,
    EventFilterSet,
    OrganisationFilterSet,
    PersonFilterSet,
    SourceFilterSet,
    TopicFilterSet,
)
from kb.models import Status
from tests import factories


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


ARTICLE_SLUG = "interpol-ga-93-hammouchi-bilaterals"
ASSEMBLY = "interpol-general-assembly-93"


def result_count(response):
    match = re.search(
        r'<h2 id="results-heading" class="count">(\d+) results?</h2>', content(response)
    )
    assert match, "no result count on the page"
    return int(match.group(1))


def content(response):
    return response.content.decode()


def api_exists():
    try:
        reverse("v1:organisation-list")
    except NoReverseMatch:
        return False
    return True


LISTS = [
    ("organisation", OrganisationFilterSet, 56),
    ("person", PersonFilterSet, 1),
    ("event", EventFilterSet, 53),
    ("agreement", AgreementFilterSet, 2),
    ("topic", TopicFilterSet, 9),
    ("source", SourceFilterSet, 1),
]


@pytest.mark.parametrize(("model", "filterset", "total"), LISTS)
def test_list_page_counts_published_records(client, seeded, model, filterset, total):
    response = client.get(reverse(f"kb:{model}-list"))
    assert response.status_code == 200
    assert result_count(response) == total


@pytest.mark.parametrize(("model", "filterset", "total"), LISTS)
def test_every_filter_is_a_labelled_field(client, seeded, model, filterset, total):
    html = content(client.get(reverse(f"kb:{model}-list")))
    for name in [*filterset.Meta.fields, "ordering"]:
        field = re.search(rf'<(input|select)[^>]*name="{name}"[^>]*id="id_{name}"', html)
        assert field, f"no field for {name}"
        assert f'<label for="id_{name}"' in html, f"no label for {name}"


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("organisation", "parent"),
        ("organisation", "event"),
        ("person", "organisation"),
        ("event", "participant"),
        ("event", "parent"),
        ("event", "topic"),
        ("agreement", "party"),
        ("agreement", "signed_at"),
        ("agreement", "topic"),
    ],
)
def test_relation_filters_are_text_inputs(client, seeded, model, name):
    html = content(client.get(reverse(f"kb:{model}-list")))
    assert re.search(rf'<input type="text" name="{name}"', html)
    assert f'<select name="{name}"' not in html
    # No drop-down anywhere lists the organisations.
    assert 'value="pole-dgsn-dgst"' not in html


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("counterpart_region=europe", 19),
        ("counterpart_region=africa", 15),
        ("counterpart_region=latin-america-caribbean", 5),
        ("counterpart_region=asia", 9),
        (f"parent={ASSEMBLY}", 52),
        ("counterpart_country=DE", 1),
        ("kind=general_assembly", 1),
        ("participant=interpol", 1),
        ("topic=exchange-of-expertise", 5),
        ("date_from=2025-11-27&date_to=2025-12-31", 53),
        ("date_from=2025-11-28", 0),
        ("q=norv%C3%A9gienne", 1),
    ],
)
def test_event_filters(client, seeded, query, count):
    response = client.get(f"{reverse('kb:event-list')}?{query}")
    assert response.status_code == 200
    assert result_count(response) == count


@pytest.mark.parametrize(
    ("query", "count"),
    [
        # 15 counterparts and the Ethiopian police; the pôle and its two parts.
        ("region=africa", 18),
        ("region=europe", 19),
        ("country=MA", 3),
        ("kind=delegation", 14),
        ("parent=pole-dgsn-dgst", 2),
        ("event=interpol-general-assembly-93-meeting-police-pl", 2),
    ],
)
def test_organisation_filters(client, seeded, query, count):
    response = client.get(f"{reverse('kb:organisation-list')}?{query}")
    assert response.status_code == 200
    assert result_count(response) == count


def test_agreement_filters(client, seeded):
    url = reverse("kb:agreement-list")
    assert result_count(client.get(f"{url}?party=norwegian-national-police")) == 1
    assert result_count(client.get(f"{url}?party_region=africa")) == 2
    assert result_count(client.get(f"{url}?party_country=ET")) == 1
    assert result_count(client.get(f"{url}?legal_status=signed&kind=mou")) == 2


def test_filters_stay_in_the_form_and_the_url(client, seeded):
    response = client.get(f"{reverse('kb:event-list')}?counterpart_region=europe&ordering=-name")
    html = content(response)
    assert '<option value="europe" selected>' in html
    assert '<option value="-name" selected>' in html
    # Pagination links would keep the filters; so do the language links.
    assert "/fr/events/?counterpart_region=europe&amp;ordering=-name" in html


def test_empty_parameters_are_dropped_from_the_url(client, seeded):
    response = client.get(f"{reverse('kb:event-list')}?q=&kind=&counterpart_region=europe&page=")
    assert response.status_code == 302
    assert response.url == f"{reverse('kb:event-list')}?counterpart_region=europe"


def test_sorting(client, seeded):
    html = content(client.get(f"{reverse('kb:organisation-list')}?ordering=-slug"))
    slugs = re.findall(r'<h3><a href="/en/organisations/([-\w]+)/"', html)
    assert slugs[0] == "united-nations"
    assert slugs == sorted(slugs, reverse=True)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("kind=party", "kind", "Unknown value: party."),
        ("parent=no-such-event", "parent", "no-such-event"),
        ("date_from=2025-13-45", "date_from", "Enter a valid date."),
        ("counterpart_country=XX", "counterpart_country", "Unknown country: XX."),
    ],
)
def test_invalid_filter_is_a_400_with_the_error_beside_its_field(
    client, seeded, query, field, message
):
    response = client.get(f"{reverse('kb:event-list')}?{query}")
    assert response.status_code == 400
    html = content(response)
    errors = re.search(rf'<ul class="errorlist" id="id_{field}_error"><li>([^<]*)</li>', html)
    assert errors, "the error is not beside its field"
    assert message in errors.group(1)
    assert f'aria-describedby="id_{field}_error"' in html or "id_" + field + "_helptext" in html
    assert result_count(response) == 0


@pytest.mark.parametrize("page", ["9999", "0", "abc", "-1", "1.5"])
def test_page_out_of_range_or_malformed_is_a_404(client, seeded, page):
    response = client.get(f"{reverse('kb:event-list')}?page={page}")
    assert response.status_code == 404


def test_pagination(client, seeded):
    first = client.get(reverse("kb:event-list"))
    assert 'rel="next" href="?page=2"' in content(first)
    last = client.get(f"{reverse('kb:event-list')}?page=3")
    assert last.status_code == 200
    assert len(re.findall(r'<li class="record">', content(last))) == 3  # 53 = 25 + 25 + 3


@pytest.mark.skipif(not api_exists(), reason="the API (v1:organisation-list) is not mounted yet")
def test_csv_and_json_links_keep_the_filters(client, seeded):
    html = content(client.get(f"{reverse('kb:event-list')}?counterpart_region=europe&page=1"))
    api = reverse("v1:event-list")
    assert f'href="{api}?counterpart_region=europe&amp;lang=en&amp;format=csv"' in html
    assert f'href="{api}?counterpart_region=europe&amp;lang=en"' in html


@pytest.mark.skipif(not api_exists(), reason="the API (v1:organisation-list) is not mounted yet")
def test_csv_link_downloads_the_whole_filtered_result(client, seeded):
    response = client.get(f"{reverse('v1:event-list')}?counterpart_region=europe&format=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 1 + 19  # the header, then every row, not one page


def test_drafts_are_absent_from_lists_and_their_pages_404(client, db):
    shown = factories.OrganisationFactory(slug="shown")
    draft = factories.OrganisationFactory(slug="hidden", status=Status.DRAFT)
    response = client.get(reverse("kb:organisation-list"))
    assert result_count(response) == 1
    assert 'href="/en/organisations/hidden/"' not in content(response)
    assert client.get(shown.get_absolute_url()).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 404
    for model, factory in [
        ("event", factories.EventFactory),
        ("agreement", factories.AgreementFactory),
        ("topic", factories.TopicFactory),
        ("person", factories.PersonFactory),
        ("source", factories.SourceFactory),
    ]:
        record = factory(status=Status.DRAFT)
        url = reverse(f"kb:{model}-detail", kwargs={"slug": record.slug})
        assert client.get(url).status_code == 404
    assert client.get("/en/organisations/no-such-slug/").status_code == 404


def test_draft_relations_are_not_shown_on_published_pages(client, db):
    parent = factories.OrganisationFactory(slug="draft-parent", status=Status.DRAFT)
    child = factories.OrganisationFactory(slug="child", parent=parent)
    factories.PostFactory(organisation=child, slug="draft-post", status=Status.DRAFT)
    event = factories.EventFactory(slug="draft-event", status=Status.DRAFT)
    factories.ParticipationFactory(event=event, organisation=child)
    html = content(client.get(child.get_absolute_url()))
    assert "draft-parent" not in html
    assert "draft-post" not in html
    assert "draft-event" not in html
    meeting = factories.EventFactory(parent=factories.EventFactory(status=Status.DRAFT))
    factories.ParticipationFactory(event=meeting, organisation=parent)
    html = content(client.get(meeting.get_absolute_url()))
    assert "draft-parent" not in html
    assert "Part of" not in html


def test_organisation_page(client, seeded, article_text):
    response = client.get(reverse("kb:organisation-detail", kwargs={"slug": "pole-dgsn-dgst"}))
    assert response.status_code == 200
    html = content(response)
    assert "<h1>DGSN-DGST pole" in html
    assert "Morocco" in html and "Africa" in html
    assert 'href="/en/organisations/dgsn/"' in html and 'href="/en/organisations/dgst/"' in html
    assert 'id="post-director-general-pole-dgsn-dgst"' in html
    assert "Held by" in html and 'href="/en/people/abdellatif-hammouchi/"' in html
    assert "Took part in 52 events" in html
    # Each meeting names whom the pôle met.
    assert 'href="/en/organisations/bka/"' in html
    assert 'href="/en/agreements/pole-dgsn-dgst-norwegian-national-police-agreement/"' in html
    quote = "il a enchaîné pas moins de quarante-trois réunions bilatérales"
    assert quote in article_text
    assert re.search(rf'<blockquote lang="fr"[^>]*>\s*<p>[^<]*{quote}', html)


def test_interpol_posts_have_no_named_holder(client, seeded):
    html = content(client.get(reverse("kb:organisation-detail", kwargs={"slug": "interpol"})))
    for post in ["interpol-president", "interpol-secretary-general"]:
        assert f'id="post-{post}"' in html
    assert html.count("Holder not named in the sources.") == 3
    assert "Took part in 1 event" in html
    assert "None: an international body" in html


def test_event_page(client, seeded, article_text):
    slug = "interpol-general-assembly-93-meeting-norwegian-national-police"
    response = client.get(reverse("kb:event-detail", kwargs={"slug": slug}))
    assert response.status_code == 200
    html = content(response)
    assert "between 24 and 27 November 2025" in html
    assert f'href="/en/events/{ASSEMBLY}/"' in html
    assert "<h3>Host</h3>" in html and "<h3>Counterpart</h3>" in html
    assert "Norwegian National Police" in html
    assert 'href="/en/agreements/pole-dgsn-dgst-norwegian-national-police-agreement/"' in html
    quote = "Un accord a notamment été conclu avec la police nationale norvégienne"
    assert quote in article_text
    assert quote in html


def test_assembly_page_lists_its_meetings_and_topics(client, seeded):
    html = content(client.get(reverse("kb:event-detail", kwargs={"slug": ASSEMBLY})))
    assert "52 events within this one" in html
    assert "24–27 November 2025" in html
    assert 'href="/en/organisations/interpol/"' in html  # the organiser
    # The discussions' topics are the meetings' (fixtures/build.py), not the Assembly's.
    meeting = reverse("kb:event-detail", kwargs={"slug": f"{ASSEMBLY}-meeting-bka"})
    assert 'href="/en/topics/cybercrime/"' in content(client.get(meeting))
    assert re.search(r'<blockquote lang="fr">\s*<p>La 93ᵉ Assemblée générale d’INTERPOL', html)


def test_agreement_page(client, seeded, article_text):
    slug = "pole-dgsn-dgst-ethiopian-federal-police-protocol"
    html = content(client.get(reverse("kb:agreement-detail", kwargs={"slug": slug})))
    assert "Memorandum of understanding" in html
    assert "Legal status" in html and "Signed" in html
    assert 'href="/en/organisations/ethiopian-federal-police/"' in html
    assert 'href="/en/organisations/pole-dgsn-dgst/"' in html
    assert 'href="/en/topics/training-capacity-building/"' in html
    assert "Signed at" in html
    quote = "Un autre protocole a été signé avec la police fédérale éthiopienne"
    assert quote in article_text
    assert re.search(rf'<blockquote lang="fr">\s*<p>{quote}', html)


def test_source_page_lists_what_cites_it(client, seeded):
    html = content(client.get(reverse("kb:source-detail", kwargs={"slug": ARTICLE_SLUG})))
    assert '<h1 lang="fr">Assemblée générale d’INTERPOL' in html
    for title, count in [("Organisations", 56), ("Events", 53), ("Agreements", 2), ("Claims", 1)]:
        assert f'{title} <span class="count">({count})</span>' in html
    assert 'href="/en/organisations/bka/"' in html
    assert "le communiqué de la DGSN" in html


def test_person_and_topic_pages(client, seeded):
    html = content(client.get(reverse("kb:person-detail", kwargs={"slug": "abdellatif-hammouchi"})))
    assert "Director General of the DGSN-DGST pole" in html
    assert "Took part in 52 events" in html
    html = content(client.get(reverse("kb:topic-detail", kwargs={"slug": "exchange-of-expertise"})))
    assert "Bilateral meeting with the delegation of Chile" in html


def test_cite_this_record(client, seeded):
    html = content(client.get(reverse("kb:topic-detail", kwargs={"slug": "cybercrime"})))
    assert "Cite this record" in html
    assert re.search(
        r"Cybercrime\. Entente\. <a href=\"http://testserver/en/topics/cybercrime/\">"
        r"http://testserver/en/topics/cybercrime/</a>\. Last updated \d{1,2} \w+ \d{4}\. "
        r"Accessed \d{1,2} \w+ \d{4}\.",
        html,
    )


def test_home_page(client, seeded):
    response = client.get(reverse("kb:home"))
    assert response.status_code == 200
    html = content(response)
    assert "open knowledge base of international security cooperation" in html
    assert '<span class="number">56</span> <span class="label">Organisations</span>' in html
    assert '<span class="number">53</span> <span class="label">Events</span>' in html
    assert "93rd INTERPOL General Assembly" in html
    assert "52 events within it" in html
    assert "Protocol with the Ethiopian Federal Police" in html
    assert 'action="/en/search/"' in html


def test_home_counts_an_events_published_parts_only(client, db):
    day = datetime.date(2030, 1, 1)
    assembly = factories.EventFactory(name_en="Latest assembly", start_date=day, end_date=day)
    factories.EventFactory.create_batch(2, parent=assembly)
    factories.EventFactory(parent=assembly, status=Status.DRAFT)
    alone = factories.EventFactory(name_en="Latest alone", start_date=day, end_date=day)
    html = content(client.get(reverse("kb:home")))
    assert "Latest assembly" in html and "Latest alone" in html
    assert html.count("events within it") == 1
    assert f'?parent={assembly.slug}">2 events within it</a>' in html
    assert f"?parent={alone.slug}" not in html


def test_every_page_has_one_h1_a_skip_link_and_its_language(client, seeded):
    urls = [
        reverse("kb:home"),
        reverse("kb:search") + "?q=police",
        reverse("kb:quality"),
        *(reverse(f"kb:{model}-list") for model, _f, _n in LISTS),
        reverse("kb:organisation-detail", kwargs={"slug": "interpol"}),
        reverse("kb:event-detail", kwargs={"slug": ASSEMBLY}),
        reverse("kb:source-detail", kwargs={"slug": ARTICLE_SLUG}),
        "/en/no-such-page/",
    ]
    for url in urls:
        html = content(client.get(url))
        assert html.count("<h1") == 1, url
        assert '<html lang="en">' in html, url
        assert '<a class="skip-link" href="#content">' in html, url
        assert '<main id="content"' in html, url
        levels = [int(n) for n in re.findall(r"<h([1-6])", html)]
        assert levels[0] == 1, url
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), url
