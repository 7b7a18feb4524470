"""Counts per country, for the map: the scope's events' participant groups, and one GROUP BY
over its agreements' parties."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django_countries import countries as all_countries

from ...db import groups
from ...lib import regions
from ...lib.text import fold
from ...models import AgreementParty, Organisation
from ...models.actors import organisation_names
from ...models.visibility import PUBLIC
from .reads import _country, _keys, _name, _region_name


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
    their own (the international bodies). The events' side reads each event's
    participant groups, which the database keeps (kb/db/groups.py, the rule of
    _participations): one row per event in scope, counted here. The agreements'
    side is one GROUP BY over their parties (_parties' rule): the scope's
    agreements give their parties through the parties' key, and each row then
    finds its organisation by primary key, where its status is checked. CROSS
    JOIN keeps the scope first on SQLite, which never reorders one (with the
    status in a join SQLite may order, it started from every published
    organisation); on PostgreSQL it is an inner join like any other.
    """
    counts = defaultdict(lambda: [0, 0, 0])  # (country, body) -> the three counts
    connection = connections[events.db]
    event_keys = _compiled(_keys(events))
    agreement_keys = _compiled(_keys(agreements))
    with connection.cursor() as cursor:
        if event_keys is not None:
            for group, number in groups.count_groups(cursor, *event_keys).items():
                hosted = group.endswith("*")
                key = group.rstrip("*")
                slot = (None, int(key[1:])) if key.startswith("#") else (key, None)
                counts[slot][1 if hosted else 0] += number
        if agreement_keys is not None:
            qn = connection.ops.quote_name
            org, party = qn(Organisation._meta.db_table), qn(AgreementParty._meta.db_table)
            keys, keys_params = agreement_keys
            cursor.execute(
                "SELECT o.country, CASE WHEN o.country = '' THEN o.id ELSE NULL END, "
                f"COUNT(DISTINCT a.agreement_id) FROM {party} a CROSS JOIN {org} o "
                f"WHERE a.agreement_id IN ({keys}) AND o.id = a.organisation_id "
                "AND o.status = %s GROUP BY o.country, CASE WHEN o.country = '' THEN o.id END",
                [*keys_params, PUBLIC],
            )
            for country, body, number in cursor.fetchall():
                counts[(None, body) if body is not None else (country, None)][2] += number
    return [(country, body, *numbers) for (country, body), numbers in counts.items()]


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
                name=str(all_countries.name(code)),
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
        for pk, slug, name_en, name_fr in organisation_names(list(bodies), events.db):
            counterpart, hosted_count, agreement_count = bodies[pk]
            international.append(
                BodyRow(
                    slug=slug,
                    name=_name({"name_en": name_en, "name_fr": name_fr}, "name"),
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
