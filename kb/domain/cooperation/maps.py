"""Counts per country, for the map: the groups of the scope's events' participants and of its
agreements' parties, which the database keeps (kb/db/groups.py)."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django_countries import countries as all_countries

from ...db import groups
from ...lib import countries as country_names
from ...lib import regions
from ...lib.text import fold
from ...models.actors import organisation_names
from .reads import _country, _keys, _languages, _name, _region_name


@dataclass
class CountryRow:
    code: str
    numeric: str
    name: str
    region: str
    region_name: str
    counterpart_events: int
    hosted_events: int
    agreements: int
    total: int
    host: bool


@dataclass
class BodyRow:
    slug: str
    name: str
    counterpart_events: int
    hosted_events: int
    agreements: int
    total: int


@dataclass
class RegionRow:
    slug: str
    name: str
    countries: int


@dataclass
class CountryCounts:
    countries: list = field(default_factory=list)
    international: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    max_total: int = 0


def _compiled(queryset):
    """The SQL and parameters of a queryset, or None when it can match nothing."""
    try:
        return queryset.query.get_compiler(using=queryset.db).as_sql()
    except EmptyResultSet:
        return None


def _count_rows(events, agreements):
    """(country, organisation key or None, counterpart events, hosted events, agreements).

    Countries group by their code; organisations without a country group each on
    their own (the international bodies). Both sides read the groups the database
    keeps (kb/db/groups.py): each event's participant groups (the rule of
    _participations) and each agreement's party groups (the rule of _parties), one
    row per event and per agreement in scope, counted here.
    """
    counts = defaultdict(lambda: [0, 0, 0])  # (country, body) -> the three counts
    connection = connections[events.db]
    event_keys = _compiled(_keys(events))
    agreement_keys = _compiled(_keys(agreements))
    with connection.cursor() as cursor:
        if event_keys is not None:
            for group, number in groups.count_groups(cursor, *event_keys).items():
                hosted = group.endswith("*")
                counts[_slot(group.rstrip("*"))][1 if hosted else 0] += number
        if agreement_keys is not None:
            for group, number in groups.count_groups(
                cursor, *agreement_keys, kept=groups.AGREEMENTS
            ).items():
                counts[_slot(group)][2] += number
    return [(country, body, *numbers) for (country, body), numbers in counts.items()]


def _slot(group):
    """(country, None) for a country's code, (None, organisation key) for "#<key>"."""
    return (None, int(group[1:])) if group.startswith("#") else (group, None)


def country_counts(events, agreements):
    """Per country: counterpart events, hosted events and agreements of its organisations."""
    rows = _count_rows(events, agreements)
    countries, bodies = [], {}
    for country, body, counterpart, hosted_count, agreement_count in rows:
        if body is not None:
            bodies[body] = (counterpart, hosted_count, agreement_count)
            continue
        code = _country(country)
        region = regions.region_for(code) or ""
        countries.append(
            CountryRow(
                code=code,
                numeric=all_countries.numeric(code, padded=True) or "",
                name=country_names.shown_name(code),
                region=region,
                region_name=_region_name(region),
                counterpart_events=counterpart,
                hosted_events=hosted_count,
                agreements=agreement_count,
                total=counterpart + agreement_count,
                host=hosted_count > 0,
            )
        )
    countries.sort(key=lambda row: (-row.total, fold(row.name)))
    international = []
    if bodies:
        # At scale 100 three years name some 1,600 international bodies.
        order = _languages()
        for pk, slug, name_en, name_fr in organisation_names(list(bodies), events.db):
            counterpart, hosted_count, agreement_count = bodies[pk]
            international.append(
                BodyRow(
                    slug=slug,
                    name=_name({"name_en": name_en, "name_fr": name_fr}, "name", order),
                    counterpart_events=counterpart,
                    hosted_events=hosted_count,
                    agreements=agreement_count,
                    total=counterpart + agreement_count,
                )
            )
        international.sort(key=lambda row: (-row.total, fold(row.name)))
    per_region = defaultdict(int)
    for row in countries:
        if row.counterpart_events and row.region:
            per_region[row.region] += 1
    order = list(regions.REGION_NAMES)
    region_rows = [
        RegionRow(slug=slug, name=_region_name(slug), countries=count)
        for slug, count in sorted(per_region.items(), key=lambda kv: (-kv[1], order.index(kv[0])))
    ]
    return CountryCounts(
        countries=countries,
        international=international,
        regions=region_rows,
        max_total=max((row.total for row in countries), default=0),
    )
