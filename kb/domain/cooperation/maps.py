"""Counts per country, for the map: one GROUP BY over the scope's participations and parties."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django_countries import countries as all_countries

from ...lib import regions
from ...lib.text import fold
from ...models import (
    AgreementParty,
    Organisation,
    Participation,
    Person,
    Post,
)
from ...models.visibility import PUBLIC
from .reads import (
    HOST,
    _country,
    _keys,
    _name,
    _region_name,
)


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
    """(country, organisation key or None, counterpart events, hosted events, agreements):
    one GROUP BY over the participations and the parties together.

    Countries group by their code; organisations without a country group each on
    their own (the international bodies). The rules are _participations' and
    _parties', written so that the scope drives every read: the scope's events
    give their participations through participation_event_cover (read from the
    index alone, no row look-up), the agreements their parties through the
    parties' key, and each row then finds the organisation it counts for by
    primary key, where its status is checked once for both branches. With the
    status next to the parties in a join SQLite may order, it started from
    every published organisation and probed each against the agreements (30 s
    for three years at scale 100). CROSS JOIN keeps the scope first on SQLite,
    which never reorders one; on PostgreSQL it is an inner join like any other.
    """
    branches = [_compiled(_keys(events)), _compiled(_keys(agreements))]
    if branches == [None, None]:
        return []
    connection = connections[events.db]
    qn = connection.ops.quote_name
    table = {model: qn(model._meta.db_table) for model in (Participation, Person, Post)}
    org, party = qn(Organisation._meta.db_table), qn(AgreementParty._meta.db_table)
    # The organisation a row counts for, published, and its group.
    counted = "o.country AS country, CASE WHEN o.country = '' THEN o.id ELSE NULL END AS body"
    sql, params = [], []
    if branches[0] is not None:
        keys, keys_params = branches[0]
        sql.append(
            f"SELECT {counted}, 1 AS k, p.event_id AS rec, "
            "CASE WHEN p.role = %s THEN 1 ELSE 0 END AS hosted "
            f"FROM {table[Participation]} p "
            f"LEFT OUTER JOIN {table[Person]} pe ON pe.id = p.person_id "
            f"LEFT OUTER JOIN {table[Post]} s ON s.id = p.post_id "
            f"CROSS JOIN {org} o "
            f"WHERE p.event_id IN ({keys}) "
            "AND (p.person_id IS NULL OR pe.status = %s) "
            "AND (p.post_id IS NULL OR s.status = %s) "
            "AND o.id = COALESCE(p.organisation_id, s.organisation_id) AND o.status = %s"
        )
        params += [HOST, *keys_params, PUBLIC, PUBLIC, PUBLIC]
    if branches[1] is not None:
        keys, keys_params = branches[1]
        sql.append(
            f"SELECT {counted}, 2 AS k, a.agreement_id AS rec, 0 AS hosted "
            f"FROM {party} a CROSS JOIN {org} o "
            f"WHERE a.agreement_id IN ({keys}) AND o.id = a.organisation_id AND o.status = %s"
        )
        params += [*keys_params, PUBLIC]
    union = " UNION ALL ".join(sql)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT u.country, u.body, "
            "COUNT(DISTINCT CASE WHEN u.k = 1 AND u.hosted = 0 THEN u.rec END), "
            "COUNT(DISTINCT CASE WHEN u.k = 1 AND u.hosted = 1 THEN u.rec END), "
            "COUNT(DISTINCT CASE WHEN u.k = 2 THEN u.rec END) "
            f"FROM ({union}) AS u GROUP BY u.country, u.body",
            params,
        )
        return cursor.fetchall()


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
        # The translated columns only (_name falls back between them): asking
        # modeltranslation for "name" too doubled this query's time in Python.
        found = (
            Organisation.objects.filter(pk__in=list(bodies))
            .order_by()
            .values("pk", "slug", "name_en", "name_fr")
        )
        for row in found:
            counterpart, hosted_count, agreement_count = bodies[row["pk"]]
            international.append(
                BodyRow(
                    slug=row["slug"],
                    name=_name(row, "name"),
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
