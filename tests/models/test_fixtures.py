"""The article's data: what the fixtures must hold, hard-coded from the article itself.

These expectations are read off the article (fixtures/sources/), not off the
fixtures, so a fixture that drifts from the article fails here.
"""

import datetime
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from reversion.models import Version

from kb.lib import regions
from kb.models import (
    Agreement,
    Citation,
    Claim,
    DatePrecision,
    Event,
    Identifier,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Source,
    Status,
)
from tests.support import record_models

pytestmark = pytest.mark.django_db

ASSEMBLY = "interpol-general-assembly-93"
WINDOW = (datetime.date(2025, 11, 24), datetime.date(2025, 11, 27))

# Counterpart countries the article implies, region by region.
EUROPE = {"PL", "RS", "RU", "SE", "DK", "ME", "SI", "CH", "SK", "BG", "RO"}  # "tels que ..."
EUROPE |= {"DE", "ES", "IT", "HU", "BY", "MK", "CZ"}  # "les dirigeants de la police ..."
EUROPE |= {"NO"}  # "la police nationale norvégienne"
AFRICA = {"BJ", "MR", "BF", "ML", "CM", "NA", "RW", "SD", "NE", "TD", "SN", "GA", "KE", "MZ"}
AFRICA |= {"ET"}  # "la police fédérale éthiopienne"
LATIN_AMERICA = {"CL", "AR", "BR", "BS", "PA"}
ASIA = {"IN", "TR", "BH", "KW", "MY", "YE", "CN", "KR", "NP"}
INTERNATIONAL = {
    "interpol",
    "council-of-arab-interior-ministers",
    "naif-arab-university-for-security-sciences",
    "un-department-of-peace-operations",
}


def meetings():
    return Event.objects.filter(parent__slug=ASSEMBLY)


def counterparts(event):
    return {p.organisation for p in event.participations.all() if p.role == "counterpart"}


def test_loads_on_an_empty_database(seeded):
    assert Event.objects.filter(slug=ASSEMBLY).exists()
    # A second load onto a database with data leaves editors' work alone.
    Organisation.objects.filter(slug="bka").update(acronym="EDITED")
    call_command("seed", "--if-empty", verbosity=0)
    assert Organisation.objects.get(slug="bka").acronym == "EDITED"
    # A forced reload restores the article's data on purpose.
    call_command("seed", "--force", verbosity=0)
    assert Organisation.objects.get(slug="bka").acronym == "BKA"


def test_the_assembly(seeded):
    assembly = Event.objects.get(slug=ASSEMBLY)
    assert assembly.kind == Event.Kind.GENERAL_ASSEMBLY
    assert (assembly.start_date, assembly.end_date) == WINDOW
    assert assembly.date_precision == DatePrecision.EXACT
    assert (assembly.city, assembly.country.code) == ("Marrakech", "MA")
    assert assembly.organiser.acronym == "INTERPOL"
    assert assembly.name_fr == "93ᵉ Assemblée générale d’INTERPOL"
    # "Les discussions" are those of "ces réunions": the meetings', not the Assembly's agenda.
    assert not assembly.topics.exists()


MEETING_TOPICS = {
    "organised-crime",
    "cybercrime",
    "public-order-operations",
    "international-police-cooperation",
}


def test_the_discussions_topics_sit_on_the_meetings_with_their_quote(seeded, article_text):
    start = article_text.index("Les discussions ont notamment porté")
    discussions = article_text[start : article_text.index("\n", start)]
    for meeting in meetings():
        assert set(meeting.topics.values_list("slug", flat=True)) >= MEETING_TOPICS
        assert discussions in set(meeting.citations.values_list("quote", flat=True))
    assembly = Event.objects.get(slug=ASSEMBLY)
    assert discussions not in set(assembly.citations.values_list("quote", flat=True))


def test_52_bilateral_meetings_within_the_assembly_window(seeded):
    assert meetings().count() == 52
    for meeting in meetings():
        assert meeting.kind == Event.Kind.BILATERAL_MEETING
        assert (meeting.start_date, meeting.end_date) == WINDOW
        # Known only to fall within the Assembly: never a precise day.
        assert meeting.date_precision == DatePrecision.WITHIN


def test_the_pole_hosts_every_meeting_with_hammouchi_in_its_post(seeded):
    for meeting in meetings().prefetch_related("participations__organisation"):
        hosts = [p for p in meeting.participations.all() if p.role == "host"]
        assert len(hosts) == 1
        host = hosts[0]
        assert host.organisation.slug == "pole-dgsn-dgst"
        assert host.person.name == "Abdellatif Hammouchi"
        assert host.post.slug == "director-general-pole-dgsn-dgst"
        assert all(p.role in ("host", "counterpart") for p in meeting.participations.all())


def test_counterparts_by_region(seeded):
    by_region = Counter()
    countries = {}
    for meeting in meetings().prefetch_related("participations__organisation"):
        orgs = counterparts(meeting)
        assert len(orgs) == 1, meeting.slug  # one counterpart each
        (org,) = orgs
        region = regions.region_for(org.country.code)
        by_region[region] += 1
        countries.setdefault(region, set()).add(org.country.code or org.slug)
    assert by_region == {
        "europe": 19,
        "africa": 15,
        "latin-america-caribbean": 5,
        "asia": 9,
        None: 4,
    }
    assert countries["europe"] == EUROPE
    assert countries["africa"] == AFRICA
    assert countries["latin-america-caribbean"] == LATIN_AMERICA
    assert countries["asia"] == ASIA
    assert countries[None] == INTERNATIONAL


def test_counterpart_kinds_follow_the_articles_wording(seeded):
    for meeting in meetings().prefetch_related("participations__organisation"):
        (org,) = counterparts(meeting)
        code = org.country.code
        if code in EUROPE | AFRICA:
            assert org.kind == Organisation.Kind.POLICE, org.slug
        elif code in LATIN_AMERICA | ASIA:
            assert org.kind == Organisation.Kind.DELEGATION, org.slug


def test_the_only_named_agency_is_the_bka(seeded):
    police = Organisation.objects.filter(kind=Organisation.Kind.POLICE).exclude(country="MA")
    named = {o.slug for o in police if o.acronym}
    assert named == {"bka"}
    bka = Organisation.objects.get(slug="bka")
    assert bka.country.code == "DE"
    assert "Bundeskriminalamt" in bka.aliases


def test_the_moroccan_side(seeded):
    pole = Organisation.objects.get(slug="pole-dgsn-dgst")
    assert pole.country.code == "MA"
    assert set(pole.children.values_list("acronym", flat=True)) == {"DGSN", "DGST"}
    membership = Membership.objects.get()
    assert membership.person.name == "Abdellatif Hammouchi"
    assert membership.post.name_en == "Director General of the DGSN-DGST pole"
    assert membership.organisation == pole
    # The article gives no dates for his tenure.
    assert (membership.start_date, membership.end_date) == (None, None)


def test_interpol_meeting_is_with_three_posts_and_no_named_holder(seeded):
    meeting = Event.objects.get(slug=f"{ASSEMBLY}-meeting-interpol")
    posts = {
        p.post.slug
        for p in meeting.participations.filter(role="counterpart").select_related("post")
    }
    assert posts == {
        "interpol-president",
        "interpol-secretary-general",
        "interpol-executive-committee-member",
    }
    assert not Membership.objects.filter(post__organisation__slug="interpol").exists()
    assert all(
        p.organisation.slug == "interpol"
        for p in meeting.participations.filter(role="counterpart").select_related("organisation")
    )


def test_nothing_invented(seeded):
    assert list(Person.objects.values_list("name", flat=True)) == ["Abdellatif Hammouchi"]
    assert Membership.objects.count() == 1
    assert Post.objects.count() == 4
    assert Agreement.objects.count() == 2
    # No precise day is claimed anywhere for the meetings or the signatures.
    assert not Event.objects.filter(parent__isnull=False).exclude(date_precision="within").exists()
    source = Source.objects.get()
    assert (source.publisher, source.url, source.published_on) == ("", "", None)
    assert source.language == "fr"
    assert source.attributed_to.acronym == "DGSN"
    # The article's own words for whom it takes its facts from.
    assert source.attribution == "le communiqué de la DGSN"


def test_the_source_holds_the_article_text_unpublished(seeded, article_text):
    source = Source.objects.get()
    assert source.text == article_text
    # Someone else's copyrighted work: its full text is not republished.
    assert source.publish_full_text is False
    assert source.attribution in source.text


def test_every_quote_occurs_word_for_word_in_the_stored_text(seeded):
    for citation in Citation.objects.select_related("source"):
        assert citation.quote in citation.source.text, citation.quote


def test_the_16_distinct_quotes_have_entente_translations(seeded):
    quotes = {}
    for quote, translation, by in Citation.objects.values_list(
        "quote", "translation", "translation_by"
    ):
        quotes.setdefault(quote, set()).add((translation, by))
    assert len(quotes) == 16
    for quote, translations in quotes.items():
        # One translation per quote, however many records it supports.
        assert len(translations) == 1, quote
        ((translation, by),) = translations
        assert by == Citation.TranslatedBy.ENTENTE
        # English, not a copy of the French.
        assert translation and translation != quote
        assert not re.search(r"\b(les|des|avec|dans|ont|été)\b", translation), translation
    cited = {q: t for q, ((t, _by),) in quotes.items()}
    # Spot checks that the translation is literal.
    assert cited[next(q for q in cited if q.startswith("il a enchaîné"))].startswith(
        "he held, one after another, no fewer than forty-three bilateral meetings"
    )
    assert "Turkey" in cited[next(q for q in cited if q.startswith("Du côté asiatique"))]


@pytest.mark.parametrize(
    ("slug", "partner", "title_fr", "topics"),
    [
        (
            "pole-dgsn-dgst-norwegian-national-police-agreement",
            "norwegian-national-police",
            "Accord avec la police nationale norvégienne",
            {"cross-border-organised-crime"},
        ),
        (
            "pole-dgsn-dgst-ethiopian-federal-police-protocol",
            "ethiopian-federal-police",
            "Protocole avec la police fédérale éthiopienne",
            {"operational-technical-intelligence-cooperation", "training-capacity-building"},
        ),
    ],
)
def test_the_agreements(seeded, article_text, slug, partner, title_fr, topics):
    agreement = Agreement.objects.get(slug=slug)
    assert agreement.kind == Agreement.Kind.MOU
    assert agreement.legal_status == Agreement.LegalStatus.SIGNED
    assert agreement.title_fr == title_fr
    assert (agreement.signed_start, agreement.signed_end) == WINDOW
    assert agreement.date_precision == DatePrecision.WITHIN
    assert agreement.signed_at.parent.slug == ASSEMBLY
    assert counterparts(agreement.signed_at) == {Organisation.objects.get(slug=partner)}
    assert set(agreement.parties.values_list("organisation__slug", flat=True)) == {
        "pole-dgsn-dgst",
        partner,
    }
    assert set(agreement.topics.values_list("slug", flat=True)) == topics
    quotes = set(agreement.citations.values_list("quote", flat=True))
    mou = "Certaines de ces réunions ont débouché sur la signature de mémorandums d’entente"
    assert any(q.startswith(mou) for q in quotes)
    assert len(quotes) == 2


def test_latin_american_meetings_add_their_topics(seeded):
    for meeting in meetings().filter(participations__organisation__country__in=LATIN_AMERICA):
        assert set(meeting.topics.values_list("slug", flat=True)) == {
            *MEETING_TOPICS,
            "exchange-of-expertise",
            "transnational-criminal-networks",
        }


def test_every_quote_occurs_word_for_word_in_the_article(seeded, article_text):
    quotes = list(Citation.objects.values_list("quote", flat=True))
    assert quotes
    for quote in quotes:
        assert quote in article_text, quote
    # Typography survives the round trip through the database.
    assert any("93ᵉ" in q for q in quotes)
    assert any("’" in q for q in quotes)
    assert not any("'" in q for q in quotes)


def test_quotes_match_the_articles_sentences(seeded, article_text):
    """Key quotes, cut from the article itself, are stored exactly."""
    start = article_text.index("il a enchaîné")
    meetings_quote = article_text[start : article_text.index(", confirmant", start)]
    claim = Claim.objects.get()
    assert list(claim.citations.values_list("quote", flat=True)) == [meetings_quote]
    bka = Organisation.objects.get(slug="bka")
    europe_2 = article_text[article_text.index("À cela s’ajoutent") :].split(", illustrant")[0]
    assert list(bka.citations.values_list("quote", flat=True)) == [europe_2]


def test_the_fixtures_hold_no_identifier_in_another_system(seeded):
    """The article gives no Wikidata or OpenSanctions ID, and none may be guessed."""
    assert not Identifier.objects.exists()


def test_every_record_but_the_source_has_a_citation(seeded):
    cited = set(Citation.objects.values_list("content_type_id", "object_id"))
    for model in record_models():
        if model in (Source, Citation, Identifier):
            continue
        content_type = ContentType.objects.get_for_model(model)
        pks = set(model.objects.values_list("pk", flat=True))
        assert pks, model
        missing = {pk for pk in pks if (content_type.id, pk) not in cited}
        assert not missing, f"{model.__name__} without a citation: {missing}"
    assert set(Citation.objects.values_list("source__slug", flat=True)) == {
        "interpol-ga-93-hammouchi-bilaterals"
    }


def test_names_in_english_and_french(seeded):
    for model, field in (
        (Organisation, "name"),
        (Event, "name"),
        (Agreement, "title"),
        (Post, "name"),
    ):
        for obj in model.objects.all():
            assert getattr(obj, f"{field}_en"), obj.slug
            assert getattr(obj, f"{field}_fr"), obj.slug
    from kb.models import Topic

    assert Topic.objects.get(slug="public-order-operations").name_fr == (
        "Opérations de maintien de l’ordre"
    )


def test_everything_is_published(seeded):
    for model in record_models():
        if "status" in {f.name for f in model._meta.fields}:
            assert not model.objects.exclude(status=Status.PUBLISHED).exists(), model


def test_the_claim_is_computed_and_consistent(seeded):
    claim = Claim.objects.get()
    assert claim.subject.slug == ASSEMBLY
    assert (claim.value, claim.qualifier, claim.measure) == (43, "at_least", "meetings_in_event")
    assert claim.recorded() == 52
    assert claim.is_consistent() is True
    # Computed, not stored: unpublishing meetings changes the figure and the verdict.
    ten = list(meetings().values_list("pk", flat=True)[:10])
    Event.objects.filter(pk__in=ten).update(status=Status.DRAFT)
    assert claim.recorded() == 42
    assert claim.is_consistent() is False


def test_every_loaded_record_has_a_first_history_entry(seeded):
    for model in (Organisation, Event, Agreement, Participation, Citation, Claim):
        assert Version.objects.get_for_model(model).count() >= model.objects.count() > 0
    bka = Organisation.objects.get(slug="bka")
    assert Version.objects.get_for_object(bka).count() == 1


def test_the_fixture_file_has_no_unknown_fields():
    """Every field in the JSON exists on its model, so nothing loads silently wrong."""
    for path in Path(__file__).resolve().parents[2].glob("fixtures/*.json"):
        for row in json.loads(path.read_text(encoding="utf-8")):
            model = apps.get_model(row["model"])
            names = {f.name for f in model._meta.get_fields()}
            assert set(row["fields"]) <= names, (row["model"], set(row["fields"]) - names)
