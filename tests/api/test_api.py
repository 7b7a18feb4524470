"""Read API v1, type by type: endpoints, record fields, drafts, html_url.

Languages are in test_api_language.py; paging, errors, HTTP behaviour and CSV
are in test_http.py; filters in
test_filters.py; the schema in test_contract.py.
"""

from urllib.parse import urlsplit

import pytest
from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import NoReverseMatch, include, path, resolve, reverse

from kb.models import Claim, Event, Status
from tests import factories
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

ASSEMBLY = "interpol-general-assembly-93"
TYPES = {
    "organisations": "organisation",
    "people": "person",
    "posts": "post",
    "events": "event",
    "agreements": "agreement",
    "topics": "topic",
    "sources": "source",
    "claims": "claim",
}
# One published slug of each type in the article's data.
EXAMPLES = {
    "organisations": "bka",
    "people": "abdellatif-hammouchi",
    "posts": "interpol-president",
    "events": f"{ASSEMBLY}-meeting-bka",
    "agreements": "pole-dgsn-dgst-norwegian-national-police-agreement",
    "topics": "cybercrime",
    "sources": "interpol-ga-93-hammouchi-bilaterals",
    "claims": f"{ASSEMBLY}-at-least-43-meetings",
}
BASE = ["slug", "url", "html_url", "name"]
END = ["identifiers", "citations", "updated_at"]
FIELDS = {
    "organisations": [
        *BASE,
        *["names", "acronym", "kind", "country", "region", "parent", "aliases"],
        *END,
    ],
    "people": [*BASE, "country", "memberships", *END],
    "posts": [*BASE, "names", "organisation", "holders", *END],
    "events": [
        *BASE,
        *["names", "kind", "start_date", "end_date", "date_precision", "city", "country"],
        *["parent", "organiser", "topics", "participants"],
        *END,
    ],
    "agreements": [
        *BASE,
        *["names", "kind", "legal_status", "signed_start", "signed_end", "date_precision"],
        *["signed_at", "parties", "topics"],
        *END,
    ],
    "topics": [*BASE, "names", *END],
    "sources": [
        *BASE,
        *["title", "kind", "publisher", "language", "published_on", "document_url"],
        *["attribution", "attributed_to", "publish_full_text", "text"],
        *END,
    ],
    "claims": [
        *BASE,
        *["statement", "subject", "value", "qualifier", "measure", "recorded", "consistent"],
        *["source", "quote"],
        *END,
    ],
}


def get(client, url, **kwargs):
    return get_json(client, url, **kwargs)


def detail(client, prefix, slug, **kwargs):
    return get(client, f"/api/v1/{prefix}/{slug}/", **kwargs)


# --- Endpoints -----------------------------------------------------------------


# Endpoints across the types: who met whom, the data of the map, network and timeline, and
# the open-format exports.
ACROSS_TYPES = ["connections", "graph", "map", "timeline", "exports/ftm", "exports/popolo"]


def test_root_lists_every_type(client):
    assert reverse("v1:api-root") == "/api/v1/"
    root = get(client, "/api/v1/")
    prefixes = [*TYPES, *ACROSS_TYPES]
    assert root == {prefix: f"http://testserver/api/v1/{prefix}/" for prefix in prefixes}


@pytest.mark.parametrize(("prefix", "basename"), TYPES.items())
def test_list_and_detail_of_every_type(client, prefix, basename):
    assert reverse(f"v1:{basename}-list") == f"/api/v1/{prefix}/"
    slug = EXAMPLES[prefix]
    url = reverse(f"v1:{basename}-detail", kwargs={"slug": slug})
    assert url == f"/api/v1/{prefix}/{slug}/"
    page = get(client, f"/api/v1/{prefix}/")
    assert list(page) == ["count", "next", "previous", "results"]
    assert slug in {record["slug"] for record in page["results"]}
    record = detail(client, prefix, slug)
    assert list(record) == FIELDS[prefix]  # exactly these names, in this order
    assert record["url"] == f"http://testserver{url}"
    assert record == next(r for r in page["results"] if r["slug"] == slug)


@pytest.mark.parametrize("prefix", TYPES)
def test_every_record_of_the_article_is_listed_with_its_citations(client, prefix):
    records = get(client, f"/api/v1/{prefix}/?page_size=200")["results"]
    counts = {
        "organisations": 56,
        "people": 1,
        "posts": 4,
        "events": 53,
        "agreements": 2,
        "topics": 9,
        "sources": 1,
        "claims": 1,
    }
    assert len(records) == counts[prefix]
    for record in records:
        assert record["updated_at"].endswith("Z")
        assert all(
            list(c) == ["source", "quote", "translation", "translation_by"]
            for c in record["citations"]
        )
        if prefix == "sources":
            assert record["citations"] == []  # a source cites nothing
        else:
            assert record["citations"], record["slug"]  # every fact is cited


# --- Fields per type -----------------------------------------------------------


def test_organisation(client):
    bka = detail(client, "organisations", "bka")
    assert bka["names"] == {"en": "Federal Criminal Police Office", "fr": bka["names"]["fr"]}
    assert (bka["acronym"], bka["kind"], bka["country"], bka["region"]) == (
        "BKA",
        "police",
        "DE",
        "europe",
    )
    assert bka["parent"] is None
    assert "Bundeskriminalamt" in bka["aliases"]
    assert bka["citations"][0]["source"] == "interpol-ga-93-hammouchi-bilaterals"
    assert bka["citations"][0]["quote"].startswith("À cela s’ajoutent")
    interpol = detail(client, "organisations", "interpol")
    assert (interpol["country"], interpol["region"]) == (None, None)
    dgsn = detail(client, "organisations", "dgsn")
    assert dgsn["parent"] == "pole-dgsn-dgst"


def test_person_and_posts(client):
    person = detail(client, "people", "abdellatif-hammouchi")
    assert person["name"] == "Abdellatif Hammouchi"
    assert person["country"] == "MA"
    assert "names" not in person
    assert person["memberships"] == [
        {
            "post": "director-general-pole-dgsn-dgst",
            "organisation": "pole-dgsn-dgst",
            "start_date": None,
            "end_date": None,
        }
    ]
    post = detail(client, "posts", "director-general-pole-dgsn-dgst")
    assert (post["organisation"], post["holders"]) == ("pole-dgsn-dgst", ["abdellatif-hammouchi"])
    # The article names the seat, not its holder.
    president = detail(client, "posts", "interpol-president")
    assert (president["organisation"], president["holders"]) == ("interpol", [])


def test_events(client):
    assembly = detail(client, "events", ASSEMBLY)
    assert assembly["kind"] == "general_assembly"
    assert (assembly["start_date"], assembly["end_date"]) == ("2025-11-24", "2025-11-27")
    assert assembly["date_precision"] == "exact"
    assert (assembly["city"], assembly["country"]) == ("Marrakech", "MA")
    assert (assembly["parent"], assembly["organiser"]) == (None, "interpol")
    # The discussions' topics are the meetings' (fixtures/build.py), not the Assembly's.
    assert assembly["topics"] == []
    meeting = detail(client, "events", f"{ASSEMBLY}-meeting-bka")
    assert set(meeting["topics"]) == {
        "organised-crime",
        "cybercrime",
        "public-order-operations",
        "international-police-cooperation",
    }
    assert meeting["kind"] == "bilateral_meeting"
    assert (meeting["date_precision"], meeting["parent"]) == ("within", ASSEMBLY)
    assert sorted(meeting["participants"], key=lambda p: p["role"]) == [
        {"organisation": "bka", "person": None, "post": None, "role": "counterpart"},
        {
            "organisation": "pole-dgsn-dgst",
            "person": "abdellatif-hammouchi",
            "post": "director-general-pole-dgsn-dgst",
            "role": "host",
        },
    ]


def test_agreement(client):
    agreement = detail(client, "agreements", "pole-dgsn-dgst-norwegian-national-police-agreement")
    assert agreement["name"] == "Agreement with the Norwegian National Police"
    assert agreement["names"]["fr"] == "Accord avec la police nationale norvégienne"
    assert (agreement["kind"], agreement["legal_status"]) == ("mou", "signed")
    assert (agreement["signed_start"], agreement["signed_end"]) == ("2025-11-24", "2025-11-27")
    assert agreement["date_precision"] == "within"
    assert agreement["signed_at"] == f"{ASSEMBLY}-meeting-norwegian-national-police"
    assert sorted(agreement["parties"], key=lambda p: p["organisation"]) == [
        {"organisation": "norwegian-national-police", "role": "signatory"},
        {"organisation": "pole-dgsn-dgst", "role": "signatory"},
    ]
    assert agreement["topics"] == ["cross-border-organised-crime"]


def test_topic_and_source(client):
    topic = detail(client, "topics", "public-order-operations")
    assert topic["names"]["fr"] == "Opérations de maintien de l’ordre"
    source = detail(client, "sources", "interpol-ga-93-hammouchi-bilaterals")
    assert source["name"] == source["title"]
    assert source["title"].startswith("Assemblée générale d’INTERPOL")
    assert (source["kind"], source["language"]) == ("news_article", "fr")
    # An unknown address is null, as the schema's nullable `uri` says (README, "Changes").
    assert (source["publisher"], source["published_on"], source["document_url"]) == ("", None, None)
    assert (source["attributed_to"], source["attribution"]) == ("dgsn", "le communiqué de la DGSN")
    # The article is someone else's work: its stored text is not published.
    assert (source["publish_full_text"], source["text"]) == (False, None)
    assert "names" not in source


def test_claim(client):
    claim = detail(client, "claims", f"{ASSEMBLY}-at-least-43-meetings")
    assert claim["name"] == claim["statement"]
    assert claim["statement"].startswith("At least forty-three")
    assert claim["subject"] == {"type": "event", "slug": ASSEMBLY}
    assert (claim["value"], claim["qualifier"], claim["measure"]) == (
        43,
        "at_least",
        "meetings_in_event",
    )
    assert (claim["recorded"], claim["consistent"]) == (52, True)
    assert claim["source"] == "interpol-ga-93-hammouchi-bilaterals"
    assert claim["quote"].startswith("il a enchaîné pas moins de quarante-trois")
    assert "names" not in claim


def test_claim_recorded_is_computed_from_the_data(client):
    ten = Event.objects.filter(parent__slug=ASSEMBLY).values_list("pk", flat=True)[:10]
    Event.objects.filter(pk__in=list(ten)).update(status=Status.DRAFT)
    claim = get(client, "/api/v1/claims/")["results"][0]
    assert (claim["recorded"], claim["consistent"]) == (42, False)
    assert detail(client, "claims", claim["slug"])["recorded"] == 42


def test_with_recorded_agrees_with_claim_recorded(db):
    assembly = factories.EventFactory(kind="general_assembly")
    factories.EventFactory.create_batch(3, parent=assembly)
    factories.EventFactory(parent=assembly, status=Status.DRAFT)
    factories.EventFactory(parent=assembly, kind="signing")
    empty = factories.EventFactory(kind="general_assembly")
    for subject in (assembly, empty):
        factories.ClaimFactory(subject=subject)
    claims = Claim.objects.filter(subject_id__in=[assembly.pk, empty.pk]).with_recorded()
    for claim in claims:
        assert claim.recorded_value == claim.recorded()
    assert sorted(claims.values_list("recorded_value", flat=True)) == [0, 3]


# --- Drafts never show ---------------------------------------------------------


def test_drafts_are_neither_listed_nor_detailed(client, db):
    factories.OrganisationFactory(slug="shown")
    factories.OrganisationFactory(slug="hidden", status=Status.DRAFT)
    listed = {o["slug"] for o in get(client, "/api/v1/organisations/?page_size=200")["results"]}
    assert "shown" in listed
    assert "hidden" not in listed
    response = client.get("/api/v1/organisations/hidden/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_nested_drafts_are_hidden(client, db):
    draft_org = factories.OrganisationFactory(slug="draft-org", status=Status.DRAFT)
    draft_event = factories.EventFactory(slug="draft-event", status=Status.DRAFT)
    draft_topic = factories.TopicFactory(slug="draft-topic", status=Status.DRAFT)
    draft_source = factories.SourceFactory(status=Status.DRAFT)
    org = factories.OrganisationFactory(slug="org", parent=draft_org)
    event = factories.EventFactory(slug="event", parent=draft_event, organiser=draft_org)
    event.topics.set([draft_topic, factories.TopicFactory(slug="shown-topic")])
    factories.ParticipationFactory(event=event, organisation=draft_org)
    factories.ParticipationFactory(event=event, organisation=org)
    factories.CitationFactory(record=org, source=draft_source)
    agreement = factories.AgreementFactory(slug="agreement", signed_at=draft_event)
    factories.AgreementPartyFactory(agreement=agreement, organisation=draft_org)
    post = factories.PostFactory(slug="post", organisation=draft_org)
    person = factories.PersonFactory(slug="person")
    factories.MembershipFactory(person=person, post=post)
    factories.MembershipFactory(person=factories.PersonFactory(status=Status.DRAFT), post=post)
    factories.SourceFactory(slug="source", attributed_to=draft_org)
    factories.ClaimFactory(slug="claim", subject=draft_event)

    organisation = detail(client, "organisations", "org")
    assert (organisation["parent"], organisation["citations"]) == (None, [])
    event_record = detail(client, "events", "event")
    assert (event_record["parent"], event_record["organiser"]) == (None, None)
    assert event_record["topics"] == ["shown-topic"]
    assert [p["organisation"] for p in event_record["participants"]] == ["org"]
    agreement_record = detail(client, "agreements", "agreement")
    assert (agreement_record["signed_at"], agreement_record["parties"]) == (None, [])
    post_record = detail(client, "posts", "post")
    assert (post_record["organisation"], post_record["holders"]) == (None, ["person"])
    assert post_record["html_url"] is None  # its anchor would be on a draft page
    assert detail(client, "people", "person")["memberships"] == []
    assert detail(client, "sources", "source")["attributed_to"] is None
    assert detail(client, "claims", "claim")["subject"] == {"type": "event", "slug": None}


# --- html_url --------------------------------------------------------------------


def _page(request, **kwargs):
    return HttpResponse()


# Stand-in for the public site's URL names (kb/site/urls.py), so that html_url is
# tested whether or not the pages have landed.
_public_pages = (
    [
        path(f"{prefix}/<slug:slug>/", _page, name=f"{basename}-detail")
        for prefix, basename in TYPES.items()
        if basename not in ("post", "claim")
    ]
    + [path("quality/", _page, name="quality")],
    "kb",
)
urlpatterns = [
    path("api/", include("kb.api.urls")),
    *i18n_patterns(path("", include(_public_pages))),
]


@pytest.mark.urls("tests.api.test_api")
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_html_url_is_the_public_page_in_the_response_language(client, lang):
    base = f"http://testserver/{lang}"
    assert detail(client, "organisations", "bka", data={"lang": lang})["html_url"] == (
        f"{base}/organisations/bka/"
    )
    event = detail(client, "events", ASSEMBLY, HTTP_ACCEPT_LANGUAGE=lang)
    assert event["html_url"] == f"{base}/events/{ASSEMBLY}/"
    # Posts and claims are anchors on their organisation's page and on the quality page.
    post = detail(client, "posts", "interpol-president", data={"lang": lang})
    assert post["html_url"] == f"{base}/organisations/interpol/#post-interpol-president"
    claim = get(client, f"/api/v1/claims/?lang={lang}")["results"][0]
    assert claim["html_url"] == f"{base}/quality/#claim-{claim['slug']}"


def test_html_url_is_null_while_the_public_site_lacks_the_page(client):
    try:
        reverse("kb:organisation-detail", kwargs={"slug": "bka"})
    except NoReverseMatch:
        assert detail(client, "organisations", "bka")["html_url"] is None
    else:
        pytest.skip("the public pages exist: see the test below")


def test_html_url_with_the_real_public_pages(client):
    try:
        reverse("kb:organisation-detail", kwargs={"slug": "bka"})
    except NoReverseMatch:
        pytest.skip("kb:organisation-detail is not defined yet (kb/site/urls.py)")
    for lang in ("en", "fr"):
        record = detail(client, "organisations", "bka", data={"lang": lang})
        assert record["html_url"] == f"http://testserver/{lang}/organisations/bka/"


def test_every_html_url_of_the_article_resolves_on_the_public_site(client):
    try:
        reverse("kb:organisation-detail", kwargs={"slug": "bka"})
    except NoReverseMatch:
        pytest.skip("kb:organisation-detail is not defined yet (kb/site/urls.py)")
    for prefix in TYPES:
        for record in get(client, f"/api/v1/{prefix}/?page_size=200")["results"]:
            assert record["html_url"], (prefix, record["slug"])
            path = urlsplit(record["html_url"]).path
            assert resolve(path).namespace == "kb", record["html_url"]
