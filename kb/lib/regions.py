"""UN M49 regions, derived from an ISO 3166-1 alpha-2 country code.

Regions are a static table rather than a model: the UN changes them rarely,
and a table keeps the mapping reviewable and free of queries. The Americas
are split as M49 splits them (Latin America and the Caribbean / Northern
America); Turkey, Cyprus and the Caucasus are in Asia, as in M49.
"""

from django.utils.translation import gettext_lazy as _

AFRICA = "africa"
EUROPE = "europe"
ASIA = "asia"
LATIN_AMERICA_CARIBBEAN = "latin-america-caribbean"
NORTHERN_AMERICA = "northern-america"
OCEANIA = "oceania"

REGION_NAMES = {
    AFRICA: _("Africa"),
    EUROPE: _("Europe"),
    ASIA: _("Asia"),
    LATIN_AMERICA_CARIBBEAN: _("Latin America and the Caribbean"),
    NORTHERN_AMERICA: _("Northern America"),
    OCEANIA: _("Oceania"),
}

_COUNTRIES_BY_REGION = {
    AFRICA: (
        # Northern Africa
        "DZ EG LY MA SD TN EH "
        # Eastern Africa
        "IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW "
        # Middle Africa
        "AO CM CF TD CG CD GQ GA ST "
        # Southern Africa
        "BW SZ LS NA ZA "
        # Western Africa
        "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG"
    ),
    LATIN_AMERICA_CARIBBEAN: (
        # Caribbean
        "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF "
        "VC SX TT TC VI "
        # Central America
        "BZ CR SV GT HN MX NI PA "
        # South America
        "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE"
    ),
    NORTHERN_AMERICA: "BM CA GL PM US",
    ASIA: (
        # Central Asia
        "KZ KG TJ TM UZ "
        # Eastern Asia
        "CN HK MO KP JP MN KR TW "
        # South-eastern Asia
        "BN KH ID LA MY MM PH SG TH TL VN "
        # Southern Asia
        "AF BD BT IN IR MV NP PK LK "
        # Western Asia
        "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE"
    ),
    EUROPE: (
        # Eastern Europe
        "BY BG CZ HU PL MD RO RU SK UA "
        # Northern Europe
        "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB "
        # Southern Europe
        "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES "
        # Western Europe
        "AT BE FR DE LI LU MC NL CH"
    ),
    OCEANIA: (
        "AU CX CC HM NZ NF FJ NC PG SB VU GU KI MH FM NR MP PW AS CK PF NU PN WS TK TO TV UM WF"
    ),
}

COUNTRY_REGION = {
    code: region for region, codes in _COUNTRIES_BY_REGION.items() for code in codes.split()
}


def region_for(country_code):
    """Return the region slug for an ISO 3166-1 alpha-2 code, or None.

    None means "no region": an empty code (international bodies) or a
    territory M49 places nowhere (Antarctica).
    """
    if not country_code:
        return None
    return COUNTRY_REGION.get(str(country_code).upper())


def countries_in(region_slug):
    """Return the sorted country codes of a region (empty for an unknown slug)."""
    return sorted(code for code, region in COUNTRY_REGION.items() if region == region_slug)
