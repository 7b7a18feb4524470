"""What records are found by (search_terms: country names, demonyms, kind words) and the
order ranked_search() gives them, on any record type and either database."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.utils import translation

from kb.models import Agreement, Event, Organisation, Person, SearchRank
from tests import factories

pytestmark = pytest.mark.django_db


def slugs(queryset):
    return list(queryset.values_list("slug", flat=True))


@pytest.mark.parametrize(
    ("country", "q"),
    [
        ("TR", "Turkey"),
        ("TR", "Türkiye"),
        ("TR", "turquie"),
        ("TR", "Turkish"),
        ("TR", "turc"),
        ("TR", "turque"),
        ("CZ", "Czech Republic"),
        ("MK", "Macedonia"),
        ("MM", "Burma"),
        ("SZ", "Swaziland"),
        ("CI", "Ivory Coast"),
        ("CI", "Côte d’Ivoire"),
        ("NO", "Norwegian"),
        ("NO", "norvégien"),
        ("NO", "Norvégienne"),
    ],
)
def test_records_are_found_by_the_names_and_demonyms_of_their_country(country, q):
    factories.OrganisationFactory(slug="found", name_en="Police", name_fr="Police", country=country)
    factories.PersonFactory(slug="someone", name="Someone", country=country)
    factories.OrganisationFactory(slug="elsewhere", name_en="Police", country="FR")
    assert slugs(Organisation.objects.search(q)) == ["found"]
    assert slugs(Person.objects.search(q)) == ["someone"]


@pytest.mark.parametrize(
    ("kind", "q"),
    [
        (Agreement.Kind.MOU, "memorandum"),
        (Agreement.Kind.MOU, "MoU"),
        (Agreement.Kind.MOU, "MoUs"),
        (Agreement.Kind.MOU, "memorandum of understanding"),
        (Agreement.Kind.MOU, "mémorandum d'entente"),
        (Agreement.Kind.MOU, "Mémorandums d’entente"),
        (Agreement.Kind.MOU, "protocole"),  # "protocole d'accord", the other French name
        (Agreement.Kind.PROTOCOL, "protocol"),
        (Agreement.Kind.PROTOCOL, "protocole"),
        (Agreement.Kind.TREATY, "traité"),
        (Agreement.Kind.TREATY, "treaties"),
        (Agreement.Kind.DECLARATION, "déclaration"),
        (Agreement.Kind.AGREEMENT, "accord"),
    ],
)
def test_agreements_are_found_by_their_kind_in_english_and_french(kind, q):
    factories.AgreementFactory(
        slug="found", title_en="Between two", title_fr="Entre deux", kind=kind
    )
    factories.AgreementFactory(
        slug="other", title_en="Another", title_fr="Autre", kind=Agreement.Kind.OTHER
    )
    assert slugs(Agreement.objects.search(q)) == ["found"]


@pytest.mark.parametrize(
    ("kind", "q"),
    [
        (Event.Kind.BILATERAL_MEETING, "réunion bilatérale"),
        (Event.Kind.BILATERAL_MEETING, "meeting"),
        (Event.Kind.GENERAL_ASSEMBLY, "assemblée générale"),
        (Event.Kind.SIGNING, "signature"),
        (Event.Kind.CONFERENCE, "conference"),
    ],
)
def test_events_are_found_by_their_kind(kind, q):
    factories.EventFactory(slug="found", name_en="Seen", name_fr="Vu", kind=kind)
    factories.EventFactory(slug="other", name_en="Seen", name_fr="Vu", kind=Event.Kind.OTHER)
    assert slugs(Event.objects.search(q)) == ["found"]


def test_punctuation_separates_words_in_the_query_and_the_records():
    factories.OrganisationFactory(slug="pole", name_en="DGSN-DGST pole", name_fr="pôle DGSN-DGST")
    for q in ("dgsn-dgst", "DGSN DGST", "dgst, pole", "pôle (DGSN)"):
        assert slugs(Organisation.objects.search(q)) == ["pole"], q


def test_ranking_puts_whole_terms_then_words_then_word_starts_then_the_rest():
    inside = factories.OrganisationFactory(slug="inside", name_en="Hammouchi office", country="")
    start = factories.OrganisationFactory(slug="start", name_en="Mount office", country="")
    word = factories.OrganisationFactory(slug="word", name_en="The MOU office", country="")
    exact = factories.OrganisationFactory(slug="exact", name_en="Zeta", acronym="MoU", country="")
    found = list(Organisation.objects.ranked_search("mou"))
    assert [o.slug for o in found] == ["exact", "word", "start", "inside"]
    assert [o.search_rank for o in found] == [
        SearchRank.EXACT,
        SearchRank.WORDS,
        SearchRank.WORD_STARTS,
        SearchRank.INSIDE,
    ]
    assert {exact, word, start, inside} == set(Organisation.objects.search("mou"))


def test_every_word_decides_the_rank_and_ties_go_by_name_in_the_active_language():
    factories.OrganisationFactory(
        slug="b", name_en="Bravo cyber academy", name_fr="Académie cyber A", country=""
    )
    factories.OrganisationFactory(
        slug="a", name_en="Alpha cyber academy", name_fr="Académie cyber B", country=""
    )
    factories.OrganisationFactory(slug="c", name_en="Cybercrime academy", country="")
    factories.OrganisationFactory(slug="d", name_en="Cyber Academy", country="")
    with translation.override("en"):
        assert slugs(Organisation.objects.ranked_search("cyber academy")) == ["d", "a", "b", "c"]
    with translation.override("fr"):
        # "cyber" and "academy" whole in the English names of a and b: French names order them.
        assert slugs(Organisation.objects.ranked_search("cyber academy")) == ["d", "b", "a", "c"]


def test_ties_follow_the_language_collation_as_the_lists_do():
    """Accents and case fold, and French puts "l'Argentine" before "la Chine"."""
    for slug, name in [("z", "Zulu police"), ("e", "éclair police"), ("a", "alpha police")]:
        factories.OrganisationFactory(slug=slug, name_en=name, name_fr=name, country="")
    for slug, name in [("chine", "Police de la Chine"), ("argentine", "Police de l'Argentine")]:
        factories.OrganisationFactory(slug=slug, name_en=name, name_fr=name, country="")
    with translation.override("fr"):
        ranked = slugs(Organisation.objects.ranked_search("police"))
    assert ranked == ["a", "e", "argentine", "chine", "z"]


@pytest.mark.parametrize(
    ("model", "make"),
    [
        (
            Agreement,
            # Not an MoU: its kind would make "mou" a whole term of each.
            lambda **kw: factories.AgreementFactory(
                title_en=kw["name"], kind=Agreement.Kind.OTHER, **kw["more"]
            ),
        ),
        (Event, lambda **kw: factories.EventFactory(name_en=kw["name"], **kw["more"])),
        (Person, lambda **kw: factories.PersonFactory(name=kw["name"], **kw["more"])),
    ],
)
def test_ranked_search_works_on_any_record_type(model, make):
    make(name="Zulu mouse", more={"slug": "prefix"})
    make(name="Alpha mou", more={"slug": "whole"})
    make(name="Beta hammouchi", more={"slug": "inside"})
    ranked = slugs(model.objects.published().ranked_search("mou"))
    assert ranked.index("whole") < ranked.index("prefix") < ranked.index("inside")


def test_an_empty_query_ranks_nothing_out():
    factories.OrganisationFactory(slug="one")
    assert slugs(Organisation.objects.ranked_search("  ")) == ["one"]


def test_the_migration_writes_every_search_column_again():
    """Rows written before 0011 held no country names, demonyms or kind words."""
    org = factories.OrganisationFactory(slug="delegation-tr", name_en="Delegation", country="TR")
    mou = factories.AgreementFactory(slug="mou", kind=Agreement.Kind.MOU)
    Organisation.objects.update(search_text="delegation tr")
    Agreement.objects.update(search_text="agreement")
    assert not Organisation.objects.search("Turkish").exists()
    migration = importlib.import_module("kb.migrations.0011_search_words")
    # The function reads only the editor's connection (a real one cannot open in a test's
    # transaction on SQLite).
    migration.rewrite(apps, SimpleNamespace(connection=connection))
    assert slugs(Organisation.objects.search("Turkish")) == [org.slug]
    assert slugs(Agreement.objects.search("memorandum")) == [mou.slug]
    org.refresh_from_db()
    assert org.search_text == org.build_search_text()
