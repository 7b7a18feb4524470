"""UN M49 regions derived from ISO country codes (kb.lib.regions)."""

import pytest
from django_countries import countries

from kb.lib import regions
from tests import factories

SLUGS = {"africa", "europe", "asia", "latin-america-caribbean", "northern-america", "oceania"}


@pytest.mark.parametrize(
    ("code", "region"),
    [
        ("TR", "asia"),  # M49 puts Turkey, Cyprus and the Caucasus in Western Asia
        ("CY", "asia"),
        ("GE", "asia"),
        ("RU", "europe"),
        ("FR", "europe"),
        ("MA", "africa"),
        ("EH", "africa"),
        ("EG", "africa"),
        ("BS", "latin-america-caribbean"),
        ("MX", "latin-america-caribbean"),  # Central America, not Northern America
        ("BR", "latin-america-caribbean"),
        ("US", "northern-america"),
        ("CA", "northern-america"),
        ("GL", "northern-america"),
        ("AU", "oceania"),
        ("NZ", "oceania"),
        ("CN", "asia"),
    ],
)
def test_region_for(code, region):
    assert regions.region_for(code) == region


@pytest.mark.parametrize("code", ["tr", "ru", "ma", "bs", "us", "au", "Fr"])
def test_region_for_ignores_case(code):
    assert regions.region_for(code) == regions.region_for(code.upper())
    assert regions.region_for(code) is not None


@pytest.mark.parametrize("code", ["", None, "AQ", "XX", "ZZZ"])
def test_region_for_no_region(code):
    assert regions.region_for(code) is None


def test_every_country_but_antarctica_has_a_region():
    codes = {country.code for country in countries}
    assert len(codes) > 240  # the whole ISO 3166-1 list, not some filtered subset
    missing = sorted(code for code in codes - {"AQ"} if regions.region_for(code) is None)
    assert missing == []
    assert regions.region_for("AQ") is None


def test_region_table_lists_only_real_codes_once_each():
    listed = [code for codes in regions._COUNTRIES_BY_REGION.values() for code in codes.split()]
    assert len(listed) == len(set(listed)), "a code appears in two regions or twice in one"
    assert set(listed) <= {country.code for country in countries}


def test_region_slugs():
    assert set(regions.REGION_NAMES) == SLUGS
    assert set(regions.COUNTRY_REGION.values()) == SLUGS


def test_countries_in():
    northern_america = regions.countries_in("northern-america")
    assert northern_america == ["BM", "CA", "GL", "PM", "US"]
    for slug in SLUGS:
        codes = regions.countries_in(slug)
        assert isinstance(codes, list)
        assert codes == sorted(codes)
        assert codes
        assert all(regions.region_for(code) == slug for code in codes)
    assert "FR" in regions.countries_in("europe")
    assert "TR" not in regions.countries_in("europe")
    # Every mapped code is in exactly one region's list.
    assert sum(len(regions.countries_in(slug)) for slug in SLUGS) == len(regions.COUNTRY_REGION)


@pytest.mark.parametrize("slug", ["atlantis", "", None, "Europe", "AFRICA"])
def test_countries_in_unknown_slug(slug):
    assert regions.countries_in(slug) == []


@pytest.mark.parametrize(
    ("country", "region"), [("TR", "asia"), ("MA", "africa"), ("", None), ("AQ", None)]
)
def test_model_region_follows_country(country, region):
    assert factories.OrganisationFactory.build(country=country).region == region
    assert factories.EventFactory.build(country=country).region == region
