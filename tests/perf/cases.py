"""The benchmark's database and cases: what `make bench` fills and asks for.

`prepare()` migrates and synthesizes the bench database; `make_cases()`
gives each case's app URL, its HTTP floor (tests/perf/floor.py), its SQL
floor (the same rows in raw SQL) and Datasette's equivalent query.
Both need Django set up (tests/perf/bench.py does it).

The lists come by name in English under the collation `entente_en`, then
id (kb/models/ordering.py; events by start date first), and read the index
that holds that order: the SQL floors and Datasette's queries order the same
way, by the same expression, so they read the same index (Datasette through
tests/perf/datasette_plugins/, which gives it the collations).
"""

import time
import urllib.parse

DATASETTE_FLAGS = "_shape=objects&_nocount=1&_nofacet=1&_nosuggest=1"
HUB = "syn-org-0000000"  # the synthesiser's busiest organisation
BENCH_EVENT = "syn-bench-event-50"
DATE_FROM, DATE_TO = "2010-01-01", "2012-12-31"
SEARCH_Q = "cyber academy"
DEEP_FRACTION = 0.8  # the deep page starts this far into the list
# The lists' sort key in English, as the indexes kb_<type>_name_en hold it
# (NameOrder.key("en")): `{t}` is the table's alias and a dot, or nothing.
NAME_KEY = "COALESCE(NULLIF({t}name_en, ''), NULLIF({t}name_fr, ''), '') COLLATE entente_en"


def prepare(scale):
    """Migrate, synthesize (unless done at this scale), add the 50-participant event."""
    from django.core.management import call_command
    from django.db import connection

    from kb.models import Event, Organisation, Participation, Status

    call_command("migrate", verbosity=0)
    expected = max(1, round(scale * 1000))
    present = Organisation.objects.filter(slug__startswith="syn-org-").count()
    if present != expected:
        print(f"Synthesizing scale {scale} (found {present:,} synthetic organisations)...")
        started = time.perf_counter()
        call_command("synthesize", scale=scale, clear=present > 0, verbosity=1)
        print(f"  done in {time.perf_counter() - started:.0f} s")
    if not Event.objects.filter(slug=BENCH_EVENT).exists():
        event = Event.objects.create(
            slug=BENCH_EVENT,
            name_en="Benchmark assembly with 50 participants",
            kind=Event.Kind.GENERAL_ASSEMBLY,
            status=Status.PUBLISHED,
        )
        organisations = Organisation.objects.filter(slug__startswith="syn-org-").order_by("slug")
        Participation.objects.bulk_create(
            Participation(event=event, organisation=org, role=Participation.Role.COUNTERPART)
            for org in organisations[:50]
        )
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load, done now rather than mid-run.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def make_cases():
    """Every case: the app's URL, its floors (HTTP path, raw SQL) and Datasette's query."""
    from django.db import connection

    from kb.api.pagination import Cursor, Keyset
    from kb.db import search
    from kb.db.idlists import IN_IDS
    from kb.lib import regions
    from kb.models import Event, Organisation, Status, relation_rows

    europe = regions.countries_in("europe")
    hub = Organisation.objects.get(slug=HUB)
    event = Event.objects.get(slug=BENCH_EVENT)
    published = Organisation.objects.filter(status=Status.PUBLISHED).in_name_order("en")
    total = published.count()
    deep = published[int(total * DEEP_FRACTION)]
    deep_name = getattr(deep, Organisation.list_order.alias("en"))
    names = Keyset(published).names
    cursor = Cursor(names, [deep_name, str(deep.pk)], True, int(total * DEEP_FRACTION) // 50 + 1)
    quote = urllib.parse.quote
    ph = "%s"
    in_europe = ", ".join([ph] * len(europe))
    org_order = f"{NAME_KEY.format(t='o.')}, o.id"
    event_order = f"e.start_date, {NAME_KEY.format(t='e.')}, e.id"
    # After the deep row: the app's keyset, its first key's range included (the seek).
    after_deep = "({k} > %s OR ({k} = %s AND o.id > %s)) AND {k} >= %s".format(
        k=NAME_KEY.format(t="o.")
    )
    after_deep_params = [deep_name, deep_name, deep.pk, deep_name]
    org_columns = (
        "o.id, o.slug, o.name_en, o.name_fr, o.acronym, o.kind, o.country, p.slug, "
        "o.aliases, o.updated_at FROM kb_organisation o "
        "LEFT JOIN kb_organisation p ON p.id = o.parent_id"
    )
    # Each organisation's identifiers and citations as the database keeps them
    # (kb/db/groups.py), as the app and the HTTP floor read them.
    org_lists = relation_rows.kept_lists_sql(Organisation).replace(IN_IDS, "IN ({ids})")
    # The app's trigrams: on SQLite the rarest, by the index's statistics (search.trigrams()).
    rarity = None
    if connection.vendor == "sqlite":
        rarity = search.statistics(connection, Organisation._meta.db_table)
    terms = search.sqlite_match_expression(SEARCH_Q.split(), rarity)
    if connection.vendor == "sqlite":
        # `+`: the name index walked, each row checked against the index's rows. The
        # plan that serves this query best at scale 100 (0.9 ms, where reading the
        # 815 rows found by key and sorting them takes 2.8), which SQLite's planner
        # no longer picks by itself since the actors' reference index
        # (kb/models/base.py). The app reads the rows found by key (kb/db/search.py):
        # for a page of rarer words the walk reads the whole index.
        search_where = (
            "+o.id IN (SELECT rowid FROM kb_organisation_search "
            "WHERE kb_organisation_search MATCH %s) "
            "AND o.search_text LIKE %s AND o.search_text LIKE %s"
        )
        search_match = [terms, "%cyber%", "%academy%"]
    else:
        search_where = "o.search_text LIKE %s AND o.search_text LIKE %s"
        search_match = ["%cyber%", "%academy%"]
    in_europe_literal = ", ".join(f"'{code}'" for code in europe)  # ISO codes: letters only
    # Implied by the overlap: the earliest start of an event that ends on or after
    # DATE_FROM (Event.earliest_start, read from the kb_event_span index).
    if connection.vendor == "sqlite":
        earliest_start = (
            "date(%s, '-' || (SELECT coalesce(max(julianday(end_date) - julianday(start_date)), 0) "
            "FROM kb_event) || ' days')"
        )
    else:
        earliest_start = "(CAST(%s AS date) - kb_event_longest_span())"
    event_columns = (
        "e.id, e.slug, e.name_en, e.name_fr, e.kind, e.start_date, e.end_date, "
        "e.date_precision, e.city, e.country, e.parent_id, e.organiser_id, e.updated_at "
        "FROM kb_event e"
    )
    # Each event's lists (participants, topics, identifiers, citations) as the database
    # keeps them (kb/db/groups.py), as the app and the HTTP floor read them.
    event_lists = relation_rows.kept_lists_sql(Event).replace(IN_IDS, "IN ({ids})")

    def ds_org(where="", size=50, html=False, **params):
        """Datasette's query for an organisations case: the app's rows, in its order.

        Its table view sorts by one column only, so the query is SQL (`?sql=`), with
        named parameters as Datasette takes them.
        """
        sql = (
            "select * from kb_organisation where status = 'published'"
            + (f" and {where}" if where else "")
            + f" order by {NAME_KEY.format(t='')}, id limit {size}"
        )
        path = "/bench" if html else "/bench.json"
        return f"{path}?sql={quote(sql)}" + "".join(
            f"&{name}={quote(str(value))}" for name, value in params.items()
        )

    cases = [
        {
            "name": "organisations_by_region",
            "url": "/api/v1/organisations/?region=europe",
            "floor": "/_floor/organisations/region/?region=europe",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' AND o.country IN "
                f"({in_europe}) ORDER BY {org_order} LIMIT 50",
                list(europe),
            ),
            "sql_related": (org_lists, []),
            "datasette": ds_org(f"country in ({in_europe_literal})"),
        },
        {
            "name": "events_by_participant_and_dates",
            "url": f"/api/v1/events/?participant={HUB}&date_from={DATE_FROM}&date_to={DATE_TO}",
            "floor": (
                f"/_floor/events/participant/?participant={HUB}"
                f"&date_from={DATE_FROM}&date_to={DATE_TO}"
            ),
            "sql": (
                f"SELECT {event_columns} WHERE e.status = 'published' AND e.end_date >= %s "
                f"AND e.start_date >= {earliest_start} AND e.start_date <= %s "
                "AND EXISTS (SELECT 1 FROM kb_participation pa "
                "WHERE pa.event_id = e.id AND pa.organisation_id = %s) "
                f"ORDER BY {event_order} LIMIT 50",
                [DATE_FROM, DATE_FROM, DATE_TO, hub.pk],
            ),
            "sql_related": (event_lists, []),
            # The app's query: each event probed, the start bounded below, in the
            # app's order (SQL: Datasette's table view sorts by one column only).
            "datasette": "/bench.json?sql="
            + quote(
                "select * from kb_event where status = 'published' and end_date >= :date_from "
                f"and start_date >= {earliest_start.replace('%s', ':date_from')} "
                "and start_date <= :date_to and exists (select 1 from kb_participation pa "
                "where pa.event_id = kb_event.id and pa.organisation_id = :hub) "
                f"order by start_date, {NAME_KEY.format(t='')}, id limit 50"
            )
            + f"&date_from={DATE_FROM}&date_to={DATE_TO}&hub={hub.pk}",
        },
        {
            "name": "event_detail_50_participants",
            "url": f"/api/v1/events/{BENCH_EVENT}/",
            "floor": f"/_floor/events/{BENCH_EVENT}/",
            "sql": (f"SELECT {event_columns} WHERE e.slug = %s", [BENCH_EVENT]),
            "sql_related": (event_lists, []),
            "datasette": f"/bench/kb_participation.json?event_id={event.pk}&_size=50",
        },
        {
            "name": "html_list",
            "url": "/en/organisations/?region=europe",
            "floor": "/_floor/organisations/region/?region=europe&size=25",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' AND o.country IN "
                f"({in_europe}) ORDER BY {org_order} LIMIT 25",
                list(europe),
            ),
            "sql_related": (org_lists, []),
            "datasette": ds_org(f"country in ({in_europe_literal})", size=25, html=True),
        },
        {
            "name": "search",
            "url": f"/api/v1/organisations/?q={quote(SEARCH_Q)}",
            "floor": f"/_floor/organisations/search/?q={quote(SEARCH_Q)}",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' AND {search_where} "
                f"ORDER BY {org_order} LIMIT 50",
                search_match,
            ),
            "sql_related": (org_lists, []),
            # The app's query: the same FTS5 match (trigram terms: the index has no
            # positions for Datasette's quoted phrases), then each word's LIKE; in
            # the plan that serves it best (`+`, as the SQL floor's above).
            "datasette": ds_org(
                "+id in (select rowid from kb_organisation_search "
                "where kb_organisation_search match :terms) "
                "and search_text like :first and search_text like :second",
                terms=terms,
                first="%cyber%",
                second="%academy%",
            ),
        },
        {
            "name": "page_1",
            "url": "/api/v1/organisations/",
            "floor": "/_floor/organisations/page/",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' ORDER BY {org_order} LIMIT 50",
                [],
            ),
            "sql_related": (org_lists, []),
            "datasette": ds_org(),
        },
        {
            "name": "deep_page",
            "url": f"/api/v1/organisations/?cursor={cursor.encode()}",
            "floor": f"/_floor/organisations/page/?after={quote(deep_name)}&after_id={deep.pk}",
            "sql": (
                f"SELECT {org_columns} WHERE o.status = 'published' AND {after_deep} "
                f"ORDER BY {org_order} LIMIT 50",
                after_deep_params,
            ),
            "sql_related": (org_lists, []),
            # The keyset Datasette's own `_next` makes, on the app's order.
            "datasette": ds_org(
                "({k} > :after OR ({k} = :after AND id > :after_id)) AND {k} >= :after".format(
                    k=NAME_KEY.format(t="")
                ),
                after=deep_name,
                after_id=deep.pk,
            ),
        },
    ]
    return cases


def make_view_cases():
    """Issue 14's cases: the data behind the pictures, each bound by its p95 alone.

    An event's graph is that of the synthetic assembly with the most meetings
    within it; the map and the connections cover the events case's dates.
    """
    from django.db.models import Count

    from kb.models import Event

    assembly = (
        Event.objects.published()
        .filter(slug__startswith="syn-", kind=Event.Kind.GENERAL_ASSEMBLY)
        .annotate(parts=Count("children"))
        .order_by("-parts", "slug")
        .first()
    )
    dates = f"date_from={DATE_FROM}&date_to={DATE_TO}"
    return [
        {"name": "graph_of_an_event", "url": f"/api/v1/graph/?parent={assembly.slug}"},
        {"name": "map_for_dates", "url": f"/api/v1/map/?{dates}"},
        {"name": "connections_page", "url": f"/api/v1/connections/?{dates}"},
    ]


def datasette_variants(path):
    separator = "&" if "?" in path else "?"
    if ".json" in path:
        return f"{path}{separator}{DATASETTE_FLAGS}", path
    # The HTML page: no _shape, the same switches otherwise.
    flags = DATASETTE_FLAGS.replace("_shape=objects&", "")
    return f"{path}{separator}{flags}", path
