"""Facets (kb/filtering/facets.py): each filter's values with the number of rows each gives,
within the current filters; cached under the data version; one GROUP BY per facet at most."""

import datetime

import pytest
from django.core.cache import caches
from django.http import QueryDict
from django.utils import translation

from kb.db.version import data_version
from kb.filtering import facets, filtersets
from kb.models import Agreement, Event, Organisation, Source, Topic
from tests import factories


@pytest.fixture(autouse=True)
def _cold():
    caches["counts"].clear()
    with translation.override("en"):
        yield


def bound(model, query=""):
    return filtersets.for_model(model)(QueryDict(query), queryset=model.objects.published())


def counts(model, query="", names=None):
    results = facets.facet_counts(bound(model, query), names)
    return {r.name: {v.value: v.count for v in r.values} for r in results}


def test_event_facets_on_the_seed(seeded):
    found = counts(Event)
    assert list(found) == facets.names_for(Event)
    assert found["kind"] == {"bilateral_meeting": 52, "general_assembly": 1}
    # Whom the host met, by region (the design notes: 19, 15, 9 and 5; four have no country).
    assert found["counterpart_region"] == {
        "europe": 19,
        "africa": 15,
        "asia": 9,
        "latin-america-caribbean": 5,
    }
    assert found["counterpart_country"]["NO"] == 1
    assert found["country"] == {"MA": 53}
    assert found["region"] == {"africa": 53}
    assert found["year"] == {2025: 53}


def test_counts_follow_the_filters(seeded):
    found = counts(Event, "counterpart_region=europe")
    assert found["kind"] == {"bilateral_meeting": 19}
    assert found["counterpart_region"] == {"europe": 19}
    assert sum(found["counterpart_country"].values()) == 19
    assert counts(Event, "counterpart_region=europe&kind=general_assembly")["kind"] == {
        "general_assembly": 0
    }


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Event, ""),
        (Event, "counterpart_region=africa"),
        (Event, "kind=bilateral_meeting&topic=exchange-of-expertise"),
        (Organisation, ""),
        (Organisation, "region=europe"),
        (Agreement, ""),
        (Agreement, "party_country=NO"),
        (Source, ""),
    ],
)
def test_each_count_is_what_adding_its_filter_gives(seeded, model, query):
    """The promise of a facet: following a value's link gives exactly the count shown."""
    for result in facets.facet_counts(bound(model, query)):
        assert result.values or result.name == "year"  # the seed's source has no date
        for value in result.offered:
            params = QueryDict(query, mutable=True)
            if not value.selected:
                params[result.name] = str(value.value)
            filterset = filtersets.for_model(model)(params, queryset=model.objects.published())
            assert filterset.is_valid(), filterset.errors
            assert filterset.qs.count() == value.count, (result.name, value.value)


def test_a_chosen_value_offers_only_itself_to_remove(seeded):
    (kind,) = facets.facet_counts(bound(Event, "kind=general_assembly"), ["kind"])
    assert [(v.value, v.count, v.selected) for v in kind.offered] == [("general_assembly", 1, True)]
    # The API sees every value; the other one counts none of the current rows.
    assert {v.value: v.count for v in kind.values} == {"general_assembly": 1}


def test_labels_are_in_the_active_language(seeded):
    with translation.override("fr"):
        results = {r.name: r for r in facets.facet_counts(bound(Event))}
    labels = {r: {v.value: v.label for v in results[r].values} for r in results}
    assert labels["kind"]["bilateral_meeting"] == "Réunion bilatérale"
    assert labels["counterpart_country"]["NO"] == "Norvège"
    assert labels["counterpart_region"]["europe"] == "Europe"
    assert labels["topic"]["cybercrime"] == "Cybercriminalité"
    # Most frequent first, then by name as French readers sort it.
    countries = [v.label for v in results["counterpart_country"].values]
    assert countries.index("Allemagne") < countries.index("Bulgarie")


def test_one_query_per_facet_and_none_once_cached(seeded, django_assert_num_queries):
    version = data_version()
    filterset = bound(Event, "kind=bilateral_meeting")
    assert filterset.qs is not None  # validated and filtered, as a page has done before asking
    # Seven facets; the venue's region is summed from the venue's countries.
    with django_assert_num_queries(6):
        first = facets.facet_counts(filterset, version=version)
    with django_assert_num_queries(0):
        again = facets.facet_counts(bound(Event, "kind=bilateral_meeting"), version=version)
    assert again == first
    # Without the version, reading it is the one query.
    with django_assert_num_queries(1):
        facets.facet_counts(bound(Event, "kind=bilateral_meeting"))


def test_a_write_changes_the_counts(seeded):
    assert counts(Event, names=["kind"])["kind"]["general_assembly"] == 1
    factories.EventFactory(kind=Event.Kind.GENERAL_ASSEMBLY)
    assert counts(Event, names=["kind"])["kind"]["general_assembly"] == 2


def test_unpublished_records_are_not_counted(db):
    factories.EventFactory(kind=Event.Kind.SIGNING, status="draft")
    shown = factories.EventFactory()
    topic = factories.TopicFactory(slug="hidden", status="draft")
    shown.topics.add(topic)
    host = factories.OrganisationFactory(country="MA")
    hidden = factories.OrganisationFactory(country="NO", status="draft")
    factories.ParticipationFactory(event=shown, organisation=host, role="host")
    factories.ParticipationFactory(event=shown, organisation=hidden, role="counterpart")
    found = counts(Event)
    assert found["kind"] == {"bilateral_meeting": 1}
    assert found["topic"] == {}
    assert found["counterpart_country"] == {}


def test_a_party_region_counts_each_agreement_once(db):
    agreement = factories.AgreementFactory()
    for country in ("MA", "ET"):
        factories.AgreementPartyFactory(
            agreement=agreement, organisation=factories.OrganisationFactory(country=country)
        )
    found = counts(Agreement, names=["party_country", "party_region"])
    assert found["party_country"] == {"ET": 1, "MA": 1}
    assert found["party_region"] == {"africa": 1}


def test_values_past_the_kept_number_are_cut_and_said(db, monkeypatch):
    monkeypatch.setattr(facets, "KEPT", 2)
    for slug in ("a", "b", "c"):
        factories.EventFactory().topics.add(factories.TopicFactory(slug=slug))
    (topic,) = facets.facet_counts(bound(Event), ["topic"])
    assert len(topic.values) == 2
    assert topic.truncated


def test_requested_names():
    assert facets.requested(Event, ["kind,region", "topic", " kind "]) == [
        "kind",
        "region",
        "topic",
    ]
    assert facets.requested(Event, [""]) == []
    with pytest.raises(facets.UnknownFacet, match="Unknown facet: colour. Choose from: kind,"):
        facets.requested(Event, ["kind,colour"])
    with pytest.raises(facets.UnknownFacet, match="no facets"):
        facets.requested(Topic, ["kind"])


@pytest.mark.parametrize(
    ("query", "rows"), [("year=2025", 53), ("year=2024", 0), ("year=2024,2025", 53)]
)
def test_year_filter(seeded, query, rows):
    filterset = bound(Event, query)
    assert filterset.is_valid()
    assert filterset.qs.count() == rows


@pytest.mark.parametrize("value", ["abc", "0", "10000", "2025-11", "-1", "２０２５"])
def test_a_bad_year_is_an_error_naming_year(db, value):
    filterset = bound(Event, f"year={value}")
    assert not filterset.is_valid()
    assert list(filterset.errors) == ["year"]


def test_past_joined_max_rows_the_joined_facets_are_not_counted(
    seeded, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(facets, "JOINED_MAX", 52)
    filterset = bound(Event, "counterpart_region=europe")
    assert filterset.qs is not None
    with django_assert_num_queries(3):  # kind, the venue's country (and region), year
        results = {r.name: r for r in facets.facet_counts(filterset, version="v", total=53)}
    assert [n for n, r in results.items() if not r.counted] == [
        "counterpart_country",
        "counterpart_region",
        "topic",
    ]
    # A chosen value still shows, to be removed; uncounted.
    assert [(v.value, v.count, v.selected) for v in results["counterpart_region"].values] == [
        ("europe", None, True)
    ]
    assert results["topic"].values == []
    assert {v.value: v.count for v in results["kind"].values} == {"bilateral_meeting": 19}
    # At the limit, everything is counted.
    assert all(r.counted for r in facets.facet_counts(filterset, version="v", total=52))


def test_sources_by_year_of_publication(db):
    """Sources have a `year` filter and facet (publication date); undated ones count in none."""
    for day in ("2024-03-01", "2025-01-01", "2025-12-31", None):
        published = datetime.date.fromisoformat(day) if day else None
        factories.SourceFactory(published_on=published)
    assert counts(Source)["year"] == {2025: 2, 2024: 1}
    assert counts(Source, "year=2025")["year"] == {2025: 2}
    assert bound(Source, "year=2024,2025").qs.count() == 3
    invalid = bound(Source, "year=soon")
    assert not invalid.is_valid() and "year" in invalid.errors
