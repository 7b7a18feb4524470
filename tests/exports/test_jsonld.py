"""schema.org JSON-LD on the detail pages, read back by a JSON-LD processor (pyld).

The processor fetches nothing: its document loader answers the schema.org
context from tests/exports/schemaorg/ and the site's own addresses from the
test client, so it reads each page's HTML and its JSON-LD script as a
consumer would. Every type and property is checked against the schema.org
vocabulary (its domain, too), and every address of the site in the JSON-LD is
followed: a 200, with the same type as the node that names it.
"""

import datetime
import json
import re
from urllib.parse import urlsplit

import lxml.html
import pytest
from django.urls import reverse
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from pyld import jsonld

from kb.domain import details
from kb.exports import jsonld as builders
from kb.models import DatePrecision
from kb.templatetags.kb_tags import ld_json
from tests import factories as f
from tests.exports.jsonld_checks import (
    SCHEMA,
    SITE,
    addresses,
    expand,
    ids,
    loader,
    organisation_url,
    problems,
    scripts,
    text,
    values,
)

ARTICLE = "interpol-ga-93-hammouchi-bilaterals"
ASSEMBLY = "interpol-general-assembly-93"
# What a page of each type is, and the pages of the seed that read every branch:
# parts and post holders, posts with no holder, a window, posts as participants,
# an agreement signed there, a person's post, a topic, the article.
SEED_PAGES = [
    ("organisation", "pole-dgsn-dgst", "GovernmentOrganization"),
    ("organisation", "interpol", "Organization"),
    ("event", ASSEMBLY, "Event"),
    ("event", "interpol-general-assembly-93-meeting-interpol", "Event"),
    ("event", "interpol-general-assembly-93-meeting-norwegian-national-police", "Event"),
    ("agreement", "pole-dgsn-dgst-norwegian-national-police-agreement", "CreativeWork"),
    ("person", "abdellatif-hammouchi", "Person"),
    ("topic", "cybercrime", "DefinedTerm"),
    ("source", ARTICLE, "NewsArticle"),
]
ODD = 'Q\'uote "double" </script><!-- -->\u2028 & \\back é ø 中'


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_seed_pages_are_valid_schemaorg_and_every_address_resolves(client, seeded):
    for language in ("en", "fr"):
        followed = {}
        with translation.override(language):
            for name, slug, kind in SEED_PAGES:
                url = SITE + reverse(f"kb:{name}-detail", kwargs={"slug": slug})
                [node] = expand(client, url)
                assert node["@id"] == url and ids(node, "url") == [url]
                assert node["@type"] == [SCHEMA + kind]
                assert problems(node) == [], url
                for address, types in addresses(node):
                    if address.startswith(SITE):
                        followed.setdefault(address, set()).update(types)
        assert all(address.startswith(f"{SITE}/{language}/") for address in followed)
        assert len(followed) > 100  # the article names nearly every record
        # Each address of the site is a page (a 200 through the test client); the
        # node it names has the type the reference gave it (read once per type).
        read = set()
        for address, types in followed.items():
            response = client.get(urlsplit(address).path)
            assert response.status_code == 200, address
            if frozenset(types) in read or not scripts(response.text):
                continue  # the topics list is a DefinedTermSet, not a record's page
            read.add(frozenset(types))
            [own] = expand(client, address, html=response.text)
            assert set(own["@type"]) >= types, address
        assert len(read) >= 6


def test_an_event_within_a_window_claims_no_day(client, seeded):
    [meeting] = expand(
        client,
        SITE
        + reverse(
            "kb:event-detail",
            kwargs={"slug": "interpol-general-assembly-93-meeting-norwegian-national-police"},
        ),
    )
    # "Some day between 24 and 27 November 2025": in November, never a day.
    assert text(meeting, "startDate") == text(meeting, "endDate") == ["2025-11"]
    assert values(meeting, "startDate")[0]["@type"] == SCHEMA + "Date"
    [assembly] = values(meeting, "superEvent")
    assert assembly["@id"] == SITE + reverse("kb:event-detail", kwargs={"slug": ASSEMBLY})
    roles = {tuple(text(role, "roleName")): role for role in values(meeting, "attendee")}
    host = roles[("Host", "Director General of the DGSN-DGST pole")]
    assert ids(host, "attendee") == [
        SITE + reverse("kb:person-detail", kwargs={"slug": "abdellatif-hammouchi"}),
        organisation_url("pole-dgsn-dgst"),
    ]
    assert ("Counterpart",) in roles
    [agreement] = values(meeting, "recordedIn")
    assert agreement["@type"] == [SCHEMA + "CreativeWork"]
    [article] = values(meeting, "subjectOf")
    assert article["@type"] == [SCHEMA + "NewsArticle"]

    [assembly] = expand(client, assembly["@id"])
    assert text(assembly, "startDate") == ["2025-11-24"]  # exact: it ran those days
    assert text(assembly, "endDate") == ["2025-11-27"]
    [place] = values(assembly, "location")
    assert text(place, "name") == ["Marrakech"]
    assert text(values(place, "address")[0], "addressCountry") == ["MA"]
    assert len(values(assembly, "subEvent")) == 52
    # The discussions' four topics are the meetings' (fixtures/build.py), not the Assembly's.
    assert values(assembly, "about") == []
    assert len(values(meeting, "about")) == 4
    assert ids(assembly, "organizer") == [organisation_url("interpol")]


def test_posts_without_a_holder_take_part_as_their_organisation(client, seeded):
    url = reverse(
        "kb:event-detail", kwargs={"slug": "interpol-general-assembly-93-meeting-interpol"}
    )
    [meeting] = expand(client, SITE + url)
    counterparts = [
        role for role in values(meeting, "attendee") if text(role, "roleName")[0] == "Counterpart"
    ]
    assert sorted(text(role, "roleName")[1] for role in counterparts) == [
        "Member of the INTERPOL Executive Committee",
        "President of INTERPOL",
        "Secretary General of INTERPOL",
    ]
    for role in counterparts:
        assert ids(role, "attendee") == [organisation_url("interpol")]


def test_organisation_person_agreement_topic_and_source(client, seeded):
    def page(name, slug):
        [node] = expand(client, SITE + reverse(f"kb:{name}-detail", kwargs={"slug": slug}))
        return node

    pole = page("organisation", "pole-dgsn-dgst")
    assert set(ids(pole, "subOrganization")) == {organisation_url("dgsn"), organisation_url("dgst")}
    assert "DGSN-DGST" in text(pole, "alternateName")
    [holder] = values(pole, "member")
    assert holder["@type"] == [SCHEMA + "OrganizationRole"]
    assert text(holder, "roleName") == ["Director General of the DGSN-DGST pole"]
    assert text(values(holder, "member")[0], "name") == ["Abdellatif Hammouchi"]
    assert len(values(pole, "event")) == 52  # the host of every meeting
    assert text(values(pole, "address")[0], "addressCountry") == ["MA"]

    hammouchi = page("person", "abdellatif-hammouchi")
    [post] = values(hammouchi, "memberOf")
    assert text(post, "roleName") == ["Director General of the DGSN-DGST pole"]
    assert ids(post, "memberOf") == [pole["@id"]]
    assert text(values(hammouchi, "nationality")[0], "identifier") == ["MA"]
    assert len(values(hammouchi, "performerIn")) == 52

    norway = page("agreement", "pole-dgsn-dgst-norwegian-national-police-agreement")
    assert text(norway, "dateCreated") == ["2025-11"]  # signed some day of the Assembly
    assert text(norway, "genre") == ["Memorandum of understanding"]
    assert text(norway, "creativeWorkStatus") == ["Signed"]
    assert [text(role, "roleName") for role in values(norway, "creator")] == [["Signatory"]] * 2
    parties = [ids(role, "creator")[0] for role in values(norway, "creator")]
    assert organisation_url("pole-dgsn-dgst") in parties and len(set(parties)) == 2
    [signed_at] = values(norway, "recordedAt")
    assert signed_at["@type"] == [SCHEMA + "Event"]

    cybercrime = page("topic", "cybercrime")
    [terms] = values(cybercrime, "inDefinedTermSet")
    assert terms["@id"] == SITE + reverse("kb:topic-list")
    assert text(cybercrime, "termCode") == ["cybercrime"]
    about_it = [(node["@type"], text(node, "name")) for node in values(cybercrime, "subjectOf")]
    events = [name for kind, [name] in about_it if kind == [SCHEMA + "Event"]]
    assert len(events) == 52 and all(name.startswith("Bilateral meeting") for name in events)
    assert about_it[-1] == ([SCHEMA + "NewsArticle"], [text(page("source", ARTICLE), "name")[0]])

    article = page("source", ARTICLE)
    assert text(article, "inLanguage") == ["fr"]
    assert text(article, "genre") == ["News article"]
    [based_on] = values(article, "isBasedOn")
    assert text(based_on, "name") == ["le communiqué de la DGSN"]
    assert ids(based_on, "author") == [organisation_url("dgsn")]
    assert SITE + reverse("kb:event-detail", kwargs={"slug": ASSEMBLY}) in ids(article, "about")
    for absent in ("publisher", "datePublished", "sameAs"):  # unknown: left out
        assert values(article, absent) == []


def test_the_french_page_speaks_french(client, seeded):
    with translation.override("fr"):
        url = SITE + reverse("kb:event-detail", kwargs={"slug": ASSEMBLY})
    [assembly] = expand(client, url)
    assert text(assembly, "name") == ["93ᵉ Assemblée générale d’INTERPOL"]
    assert all("/fr/" in node["@id"] for node in values(assembly, "subEvent"))


def test_same_as_gives_identifiers_and_the_website(client, db):
    organisation = f.OrganisationFactory(website="https://police.example.org/")
    f.IdentifierFactory(record=organisation, scheme="wikidata", value="Q42")
    f.IdentifierFactory(
        record=organisation, scheme="opensanctions", value="NK-2ZkYyZLKa4Mdj6NqbHPoeF"
    )
    [node] = expand(client, SITE + organisation.get_absolute_url())
    assert ids(node, "sameAs") == [
        "https://www.opensanctions.org/entities/NK-2ZkYyZLKa4Mdj6NqbHPoeF/",
        "https://www.wikidata.org/wiki/Q42",
        "https://police.example.org/",
    ]
    # The page's own address is its id, not the website.
    assert node["@id"] == SITE + organisation.get_absolute_url()


@pytest.fixture
def odd(db):
    """One record of each type, named with quotes, a closing script tag, a comment
    opener, a line separator, a backslash and accents, linked to each other."""
    organisation = f.OrganisationFactory(
        name_en=f"Org {ODD}", name_fr=f"Org (fr) {ODD}", acronym="<b>", aliases=[ODD]
    )
    person = f.PersonFactory(name=f"Person {ODD}", aliases=[ODD])
    post = f.PostFactory(organisation=organisation, name_en=f"Post {ODD}", name_fr=f"Poste {ODD}")
    f.MembershipFactory(person=person, post=post, start_date=datetime.date(2024, 1, 2))
    topic = f.TopicFactory(name_en=f"Topic {ODD}", name_fr=f"Thème {ODD}", description_en=ODD)
    parent = f.EventFactory(
        name_en=f"Parent {ODD}", name_fr=f"Parent {ODD}", date_precision=DatePrecision.EXACT
    )
    event = f.EventFactory(
        name_en=f"Event {ODD}",
        name_fr=f"Événement {ODD}",
        parent=parent,
        organiser=organisation,
        city=ODD,
        start_date=datetime.date(2025, 12, 30),
        end_date=datetime.date(2026, 1, 2),
    )
    event.topics.add(topic)
    f.ParticipationFactory(event=event, organisation=organisation, person=person, post=post)
    agreement = f.AgreementFactory(
        title_en=f"Agreement {ODD}", title_fr=f"Accord {ODD}", signed_at=event, summary_en=ODD
    )
    agreement.topics.add(topic)
    f.AgreementPartyFactory(agreement=agreement, organisation=organisation)
    source = f.SourceFactory(
        title=f"Source {ODD}",
        publisher=ODD,
        attribution=ODD,
        attributed_to=organisation,
        url="https://news.example.org/a?b=1&c=</script>",
        published_on=datetime.date(2025, 11, 28),
    )
    for record in (organisation, person, event, agreement, topic):
        f.CitationFactory(source=source, record=record, quote=ODD)
    return {
        "organisation": organisation,
        "person": person,
        "event": event,
        "agreement": agreement,
        "topic": topic,
        "source": source,
    }


@pytest.mark.parametrize("language", ["en", "fr"])
def test_odd_names_survive_the_page_and_every_address_resolves(client, odd, language):
    followed = set()
    with translation.override(language):
        for name, record in odd.items():
            url = SITE + record.get_absolute_url()
            html = client.get(record.get_absolute_url()).text
            # One data block, closed where it should be: nothing in it ends or comments it.
            [block] = scripts(html)
            assert "<" not in block and ">" not in block and "&" not in block
            [node] = expand(client, url)
            assert problems(node) == [], name
            names = text(node, "name")
            assert len(names) == 1 and ODD in names[0], (name, names)
            followed.update(a for a, _types in addresses(node) if a.startswith(SITE))
    for address in followed:
        assert client.get(urlsplit(address).path).status_code == 200, address


def test_odd_values_keep_their_place(client, odd):
    [event] = expand(client, SITE + odd["event"].get_absolute_url())
    # A window across two years: no date holds for all of it, so none is given.
    assert values(event, "startDate") == values(event, "endDate") == []
    [place] = values(event, "location")
    assert text(place, "name") == [ODD]
    assert text(values(event, "superEvent")[0], "name") == [f"Parent {ODD}"]
    [source] = expand(client, SITE + odd["source"].get_absolute_url())
    assert ids(source, "sameAs") == ["https://news.example.org/a?b=1&c=</script>"]
    assert text(values(source, "publisher")[0], "name") == [ODD]
    assert text(source, "datePublished") == ["2025-11-28"]
    [person] = expand(client, SITE + odd["person"].get_absolute_url())
    [role] = values(person, "memberOf")
    assert text(role, "startDate") == ["2024-01-02"] and text(role, "roleName") == [f"Post {ODD}"]


def test_builders_read_only_what_the_page_plan_loaded(odd, django_assert_num_queries):
    for record in odd.values():
        loaded = details.for_detail(type(record)).get(pk=record.pk)
        about = [odd["event"], odd["organisation"]] if record is odd["source"] else None
        with django_assert_num_queries(0):
            data = builders.for_record(loaded, SITE, **({"about": about} if about else {}))
        assert data["@id"] == SITE + record.get_absolute_url()


def test_drafts_are_not_linked(client, db):
    draft = {"status": "draft"}
    event = f.EventFactory(parent=f.EventFactory(**draft), organiser=f.OrganisationFactory(**draft))
    f.ParticipationFactory(event=event, organisation=f.OrganisationFactory(**draft))
    f.CitationFactory(record=event, source=f.SourceFactory(**draft))
    [node] = expand(client, SITE + event.get_absolute_url())
    for hidden in ("superEvent", "organizer", "attendee", "subjectOf"):
        assert values(node, hidden) == [], hidden


def test_a_window_gives_the_most_precise_date_true_of_every_day():
    start = datetime.date(2024, 3, 4)
    assert builders.window(start, start) == "2024-03-04"
    assert builders.window(start, datetime.date(2024, 3, 9)) == "2024-03"
    assert builders.window(start, datetime.date(2024, 9, 1)) == "2024"
    assert builders.window(start, datetime.date(2025, 1, 1)) is None
    assert builders.window(None, start) == "2024-03-04"
    assert builders.window(None, None) is None


def test_pages_embed_one_block_and_need_no_nonce(client, odd):
    """A JSON-LD block is data, not script: the policy allows no inline script and
    gives the page no nonce, and the block carries none."""
    response = client.get(odd["event"].get_absolute_url())
    policy = {
        name: values
        for name, *values in (
            part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()
        )
    }
    assert policy["script-src"] == ["'self'"]
    inline = [t for t in re.findall(r"<script\b[^>]*>", response.text) if "src=" not in t]
    assert inline == ['<script type="application/ld+json">']
    # In the head, where readers look first.
    head = lxml.html.fromstring(response.content).find("head")
    assert head.find('script[@type="application/ld+json"]') is not None


@settings(deadline=None, max_examples=60, derandomize=True)
@given(st.text(max_size=40))
def test_any_text_reads_back_from_the_block_as_written(value):
    block = str(ld_json({"name": value, "nested": [{"name": value}]}))
    document = lxml.html.fromstring(f"<html><head>{block}</head><body></body></html>")
    [script] = document.xpath('//script[@type="application/ld+json"]')
    assert json.loads(script.text or "") == {"name": value, "nested": [{"name": value}]}


DOWNLOADS = [
    {
        "name": "entente-csv.zip",
        "url": f"{SITE}/media/downloads/entente-csv.zip",
        "encoding_format": "application/zip",
        "content_size": 12345,
        "sha256": "a" * 64,
        "date_modified": "2026-01-02T03:04:05+00:00",
    },
    {
        "name": "entente.sqlite3",
        "url": f"{SITE}/media/downloads/entente.sqlite3",
        "encoding_format": "application/vnd.sqlite3",
        "content_size": 678,
        "sha256": "b" * 64,
        "date_modified": "2026-01-03T00:00:00+00:00",
    },
]


def test_the_dataset_states_its_licence_citation_and_files(client, db):
    data = builders.dataset(DOWNLOADS, SITE)
    block = str(ld_json(data))
    html = f"<html><head>{block}</head></html>"

    def load(url, options=None):
        if url == f"{SITE}/downloads-test/":
            return {
                "contentType": "text/html",
                "contextUrl": None,
                "documentUrl": url,
                "document": html,
            }
        return loader(client)(url, options)

    dropped = []
    [node] = jsonld.expand(
        f"{SITE}/downloads-test/",
        options={"documentLoader": load},
        on_property_dropped=lambda *args: dropped.append(args),
    )
    assert dropped == [] and problems(node) == []
    assert node["@type"] == [SCHEMA + "Dataset"]
    assert ids(node, "license") == ["https://creativecommons.org/licenses/by/4.0/"]
    [credit] = text(node, "creditText")
    assert "CC BY 4.0" in credit and "2026-01-03" in credit and f"{SITE}/en/" in credit
    assert text(node, "dateModified") == ["2026-01-03T00:00:00+00:00"]
    files = values(node, "distribution")
    assert [d["@type"] for d in files] == [[SCHEMA + "DataDownload"]] * 2
    assert [ids(d, "contentUrl") for d in files] == [[d["url"]] for d in DOWNLOADS]
    assert [text(d, "sha256") for d in files] == [["a" * 64], ["b" * 64]]
    assert [text(d, "contentSize") for d in files] == [["12345 B"], ["678 B"]]
    assert [ids(d, "license") for d in files] == [[data["license"]]] * 2
    # Its address is the downloads page, which embeds it (before any file is built, too).
    assert node["@id"] == SITE + reverse("kb:downloads")
    [page] = expand(client, node["@id"])
    assert page["@type"] == [SCHEMA + "Dataset"] and problems(page) == []
    assert ids(page, "license") == ids(node, "license")
