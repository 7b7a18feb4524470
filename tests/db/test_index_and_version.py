"""The search index, the data version and cached counts (kb/db/).

No timings: the plans name the index, and answers stay exact after changes.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.db import search, search_index
from kb.db.version import data_version
from kb.models import Citation, Organisation
from tests import factories

pytestmark = pytest.mark.django_db


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Small tables: make any scan but the search index's look costly.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def test_search_reads_the_trigram_index():
    org = factories.OrganisationFactory(name_en="Federal Criminal Police Office")
    if connection.vendor == "postgresql":
        text = plan(Organisation.objects.search("criminal police").order_by())
        assert "kb_organisation_search_trgm" in text
        return
    # SQLite: the index's rows are read when the query compiles, then looked up by key.
    found = Organisation.objects.search("criminal police")
    with CaptureQueriesContext(connection) as captured:
        assert list(found) == [org]
    index, rows = (q["sql"] for q in captured.captured_queries)
    assert 'FROM "kb_organisation_search" WHERE "kb_organisation_search" MATCH' in index
    assert f'"kb_organisation"."id" IN ({org.pk})' in rows
    assert "INTEGER PRIMARY KEY" in plan(found.order_by())


def test_a_search_that_finds_nothing_reads_no_table():
    factories.OrganisationFactory.create_batch(3)
    found = Organisation.objects.search("hammouchi").in_name_order("en")
    assert not found.exists()
    if connection.vendor == "sqlite":
        # Not a walk of the name index probing every row, as with a subquery.
        assert "SCAN" not in plan(found) and "kb_organisation_name_en" not in plan(found)


def index_reads(captured):
    return sum("MATCH" in q["sql"] for q in captured.captured_queries)


def test_the_index_is_read_once_for_a_page_and_its_count():
    factories.OrganisationFactory(name_en="Gendarmerie royale")
    found = Organisation.objects.search("royale")
    with CaptureQueriesContext(connection) as captured:
        assert found.count() == 1
        assert list(found.values_list("name_en", flat=True)) == ["Gendarmerie royale"]
    reads = 1 if connection.vendor == "sqlite" else 0
    assert index_reads(captured) == reads
    assert len(captured.captured_queries) == 2 + reads


def test_a_kept_queryset_reads_the_index_again_after_a_write():
    factories.OrganisationFactory(name_en="Gendarmerie royale")
    found = Organisation.objects.search("royale")
    assert found.count() == 1
    factories.OrganisationFactory(name_en="Garde royale")
    assert found.count() == 2  # a clone of the same query: the new row is found
    Organisation.objects.filter(name_en="Garde royale").delete()
    assert list(found.all().values_list("name_en", flat=True)) == ["Gendarmerie royale"]


def test_a_cached_count_reads_no_index(django_assert_num_queries):
    factories.OrganisationFactory(name_en="Gendarmerie royale")
    version, key = data_version(), ("q", "royale")  # a key: no SQL compiled to make one
    assert Organisation.objects.search("royale").cached_count(version, key) == 1
    with django_assert_num_queries(0):
        assert Organisation.objects.search("royale").cached_count(version, key) == 1


def test_past_the_candidates_cap_every_row_is_checked(monkeypatch):
    """Common words: the rows are read in order and checked, and none is lost."""
    many = [factories.OrganisationFactory(name_en=f"Police academy {n}") for n in range(4)]
    factories.OrganisationFactory(name_en="Customs office")
    monkeypatch.setattr(search, "CANDIDATES_MAX", 2)
    if connection.vendor == "sqlite":
        table = Organisation._meta.db_table
        assert search.sqlite_candidates(connection, table, ["academy"]) is None
        assert len(search.sqlite_candidates(connection, table, ["customs"])) == 1
    assert set(Organisation.objects.search("police academy")) == set(many)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_past_the_cap_a_page_walks_its_order_and_a_count_or_ranking_reads_the_index(monkeypatch):
    """Common words: a page reads the list's name index in order, checks each row against
    the index's rows and stops at its last; a count and a ranked search, which read
    every row found anyway, start from the index's rows. Same answers either way."""
    names = [f"Police academy {n}" for n in range(6)]
    for name in names:
        factories.OrganisationFactory(name_en=name)
    factories.OrganisationFactory(name_en="Customs office")
    monkeypatch.setattr(search, "CANDIDATES_MAX", 2)
    found = Organisation.objects.published().search("academy")
    page = found.in_name_order("en")[:3]
    assert "kb_organisation_name_en" in plan(page)
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan(page)
    assert [o.name_en for o in page] == names[:3]
    assert "kb_organisation_name_en" not in plan(found)  # the whole list: no page
    assert found.count() == 6
    with translation.override("en"):
        ranked = Organisation.objects.published().ranked_search("academy")[:3]
        assert "kb_organisation_name_en" not in plan(ranked)
        assert [o.name_en for o in ranked] == names[:3]
    # Below the cap, the page reads the rows found by key and sorts them: walking the
    # name index instead reads all of it when the few rows found come late in its order
    # (13 ms for 2 rows found among 100,000; base.reference_index's comment).
    monkeypatch.setattr(search, "CANDIDATES_MAX", 1000)
    search.forget_statistics()  # "academy" was past the cap: its rows found to be read again
    below = Organisation.objects.published().search("academy").in_name_order("en")[:3]
    assert "SEARCH kb_organisation USING INTEGER PRIMARY KEY" in plan(below)
    assert [o.name_en for o in below] == names[:3]


def test_a_page_walks_its_order_when_that_costs_less_than_the_rows_found():
    """walk_is_cheaper: the rows found by key cost in proportion to their number; the
    walk, to the share of the order it passes before it has its page."""
    # Scale 100's organisations, pages of 50: "cyber academy" (815 rows found) walks,
    # a search finding 300 reads them; at scale 10, 80 rows found are read.
    assert search.walk_is_cheaper(815, 50, 100_000)
    assert not search.walk_is_cheaper(300, 50, 100_000)
    assert not search.walk_is_cheaper(80, 50, 10_000)
    # A page asking for fewer rows than WALK_PAGE_MIN holds every row found (the
    # paginators count first): a walk would stop only at the last of them.
    assert not search.walk_is_cheaper(300, 1, 100_000)
    assert search.walk_is_cheaper(300, search.WALK_PAGE_MIN, 1_000)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_below_the_cap_the_cheaper_plan_gives_the_same_page(monkeypatch):
    names = [f"Police academy {n:02}" for n in range(12)]
    for name in names:
        factories.OrganisationFactory(name_en=name)
    factories.OrganisationFactory(name_en="Customs office")
    search.forget_statistics()
    found = Organisation.objects.published().search("academy").in_name_order("en")
    assert search.walk_is_cheaper(12, 10, 13)
    walked = found[:10]
    assert "kb_organisation_name_en" in plan(walked)
    assert [o.name_en for o in walked] == names[:10]
    monkeypatch.setattr(search, "WALK_COST", 100)  # walking now costs more
    read = Organisation.objects.published().search("academy").in_name_order("en")[:10]
    assert "SEARCH kb_organisation USING INTEGER PRIMARY KEY" in plan(read)
    assert [o.name_en for o in read] == names[:10]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_words_known_to_find_many_rows_are_walked_without_reading_them_first(monkeypatch):
    """search.remembered_size: once the index's rows found for some words are read and
    are many, a page of them walks at once, its own query reading them (a subquery);
    words that find few are read first and looked up by key. The same pages either way,
    and a row written since is found: the size chooses the plan, never the rows."""
    names = [f"Police academy {n:02}" for n in range(12)]
    for name in names:
        factories.OrganisationFactory(name_en=name)
    factories.OrganisationFactory(name_en="Customs office")
    search.forget_statistics()

    def page(words):
        queryset = Organisation.objects.published().search(words).in_name_order("en")[:10]
        with CaptureQueriesContext(connection) as queries:
            rows = [o.name_en for o in queryset]
        index_reads = [q for q in queries if q["sql"].startswith("SELECT rowid")]
        return rows, len(index_reads), queries[-1]["sql"]

    first, reads, sql = page("academy")
    assert first == names[:10] and reads == 1  # read, then walked with their ids
    assert '+"kb_organisation"."id" IN (' in sql and "MATCH" not in sql
    again, reads, sql = page("academy")
    assert again == first and reads == 0
    assert '+"kb_organisation"."id" IN (SELECT rowid' in sql and "MATCH" in sql
    # Few rows found: read every time, looked up by key.
    for _ in range(2):
        rows, reads, sql = page("customs")
        assert rows == ["Customs office"] and reads == 1 and "+" not in sql.split("WHERE")[1]
    # A row written since: found by the walk, whose subquery reads the index as it is.
    factories.OrganisationFactory(name_en="Police academy 00a")
    rows, reads, sql = page("academy")
    assert reads == 0 and rows == [*names[:1], "Police academy 00a", *names[1:9]]
    # Sizes are forgotten after STATISTICS_SECONDS, as the trigrams' statistics are.
    monkeypatch.setattr(search, "STATISTICS_SECONDS", 0)
    assert page("academy")[1] == 1


def test_a_word_is_looked_up_by_its_first_and_last_trigrams():
    assert search.trigrams(["cyber", "academy"]) == ["cyb", "ber", "aca", "emy"]
    assert search.trigrams(["gr", "abc", "abcd"]) == ["abc", "bcd"]
    # Quoted as FTS5 strings: a quote inside is doubled.
    assert search.sqlite_match_expression(['roy"al']) == '"roy" """al"'


def test_with_statistics_each_words_rarest_trigram_is_read():
    rarity = {"cyb": 40, "ybe": 12, "ber": 90, "aca": 30, "cad": 12, "ade": 70, "dem": 50}
    assert search.trigrams(["cyber", "academy"], rarity) == ["ybe", "emy"]  # "emy": in no row
    assert search.trigrams(["cyber", "cyber", "gr"], rarity) == ["ybe"]
    assert search.trigrams(["gr"], rarity) == []
    # Ties go by the trigram: the same query gives the same SQL.
    assert search.trigrams(["acad"], {"aca": 5, "cad": 5}) == ["aca"]


def test_a_word_in_many_rows_is_narrowed_by_its_short_lists():
    """Past NARROW_FROM rows, a word's other trigrams in at most NARROW_FACTOR times as
    many rows (and NARROW_MAX) are read too: cheap, and they narrow digit strings."""
    digits = {"001": 11279, "012": 1299, "123": 300, "234": 300, "345": 300}
    assert search.trigrams(["0012345"], digits) == ["123", "234", "345"]  # 1299 > 4 x 300
    tunisia = {"tun": 736, "uni": 14718, "nis": 15194, "isi": 1247, "sia": 3880}
    assert search.trigrams(["tunisia"], tunisia) == ["tun", "isi"]  # 3880 > NARROW_MAX
    # A rarest list of NARROW_FROM rows or fewer is narrow enough alone.
    assert search.trigrams(["0012345"], {**digits, "123": 100}) == ["123"]
    # Each word's own lists: the other word's short ones are not added to it.
    assert search.trigrams(["tunisia", "0012345"], {**tunisia, **digits}) == [
        "tun",
        "isi",
        "123",
        "234",
        "345",
    ]
    assert search.sqlite_match_expression(['roy"al'], {}) == '"""al"'  # quoted, doubled


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_statistics_count_the_rows_holding_each_trigram():
    for name in ("Cyber police", "Cyber academy", "Police academy", "Customs"):
        factories.OrganisationFactory(name_en=name, name_fr="", acronym="", aliases=[])
    search.forget_statistics()
    rarity = search.statistics(connection, Organisation._meta.db_table)
    assert rarity["cyb"] == 2 and rarity["aca"] == 2 and rarity["cus"] == 1
    assert "zzz" not in rarity
    # Kept for the process: a row added since changes what a search costs, not what it finds.
    factories.OrganisationFactory(name_en="Cyber unit", name_fr="", acronym="", aliases=[])
    assert search.statistics(connection, Organisation._meta.db_table)["cyb"] == 2
    assert {o.name_en for o in Organisation.objects.search("cyber")} == {
        "Cyber police",
        "Cyber academy",
        "Cyber unit",
    }
    search.forget_statistics()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_a_list_that_does_not_search_reads_no_trigram_statistics(client):
    # The trigrams' statistics take the vocabulary table a pass over the index (0.3 to 0.4 s
    # for 100,000 organisations); a page of a list reads only the table's size.
    factories.EventFactory.create_batch(3)
    search.forget_statistics()
    assert client.get("/api/v1/events/?date_from=2000-01-01").status_code == 200
    kept = {key[1:] for key in search._statistics}
    assert ("kb_event", "rows") in kept and ("kb_event", "rarity") not in kept
    assert search.table_rows(connection, "kb_event") >= 3
    assert client.get("/api/v1/events/?q=assembly").status_code == 200
    assert ("kb_event", "rarity") in {key[1:] for key in search._statistics}
    search.forget_statistics()


def segments(table):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT count(DISTINCT segid) FROM "{table}_search_idx"')
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
@pytest.mark.django_db(transaction=True)
def test_merging_puts_the_search_index_in_one_piece_and_finds_the_same_rows():
    from django.apps import apps

    from kb.db import install

    table = Organisation._meta.db_table
    # Each commit writes the rows it indexed as a segment of their own.
    for name in ("Cyber police", "Cyber academy", "Police academy", "Customs"):
        factories.OrganisationFactory(name_en=name, name_fr="", acronym="", aliases=[])
    assert segments(table) > 1
    before = {o.name_en for o in Organisation.objects.search("academy")}
    install.merge_search_index(connection, apps.get_app_config("kb"))
    assert segments(table) == 1
    assert (
        {o.name_en for o in Organisation.objects.search("academy")}
        == before
        == {
            "Cyber academy",
            "Police academy",
        }
    )
    # Rows added afterwards are indexed as before, in a segment of their own.
    factories.OrganisationFactory(name_en="Customs academy", name_fr="", acronym="", aliases=[])
    assert segments(table) == 2
    assert "Customs academy" in {o.name_en for o in Organisation.objects.search("academy")}


WORDS = st.text(alphabet="abcde ", min_size=1, max_size=12)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
def test_the_trigrams_read_never_change_what_a_search_finds(monkeypatch):
    """The statistics choose which posting lists are read; the rows found are the same
    as with each word's two ends, and as the words checked one by one."""

    @settings(max_examples=40, deadline=None, derandomize=True)
    @given(names=st.lists(WORDS, min_size=1, max_size=8), query=WORDS)
    def check(names, query):
        with transaction.atomic():
            for name in names:
                factories.OrganisationFactory(name_en=name, name_fr="", acronym="", aliases=[])
            search.forget_statistics()
            found = set(Organisation.objects.search(query).values_list("pk", flat=True))
            with monkeypatch.context() as patch:
                patch.setattr(search, "statistics", lambda connection, table: None)
                ends = set(Organisation.objects.search(query).values_list("pk", flat=True))
            words = query.split()
            expected = {
                o.pk for o in Organisation.objects.all() if all(w in o.search_text for w in words)
            }
            assert found == ends == expected
            transaction.set_rollback(True)
        search.forget_statistics()

    check()


def test_the_index_follows_saves_renames_and_deletes():
    org = factories.OrganisationFactory(name_en="Gendarmerie royale", acronym="GR")
    assert list(Organisation.objects.search("royale")) == [org]
    org.name_en = "Sûreté nationale"
    org.save()
    assert not Organisation.objects.search("royale").exists()
    assert list(Organisation.objects.search("surete nat")) == [org]
    org.delete()
    assert not Organisation.objects.search("surete").exists()


def test_the_index_follows_bulk_updates():
    org = factories.OrganisationFactory(name_en="Old name")
    Organisation.objects.filter(pk=org.pk).update(name_en="Brand new name")
    Organisation.objects.filter(pk=org.pk).refresh_search_text()
    assert list(Organisation.objects.search("brand new")) == [org]
    assert not Organisation.objects.search("old name").exists()


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("gr", True),  # shorter than a trigram: matched without the index
        ("GR royale", True),
        # Punctuation separates words: quotes cannot break the index's query syntax,
        ('royale"', True),
        ("roy*", True),  # nor can its operators ("roy" starts "royale")
        ('"zzz" OR "royale"', False),
        ("AND", False),
        ("royale OR zzz", False),  # every word must be there
    ],
)
def test_search_keeps_its_meaning_for_any_words(q, found):
    org = factories.OrganisationFactory(name_en="Gendarmerie royale", acronym="GR")
    assert (org in Organisation.objects.search(q)) is found


def test_every_change_renews_the_data_version():
    org = factories.OrganisationFactory()
    versions = {data_version()}
    org.name_en = "Renamed"
    org.save()
    versions.add(data_version())
    citation = factories.CitationFactory(record=org)
    versions.add(data_version())
    Citation.objects.filter(pk=citation.pk).delete()  # no updated_at anywhere changes
    versions.add(data_version())
    Organisation.objects.filter(pk=org.pk).update(acronym="X")
    versions.add(data_version())
    assert None not in versions
    assert len(versions) == 5


def test_cached_counts_are_exact_after_a_deletion(client):
    orgs = factories.OrganisationFactory.create_batch(3)
    url = "/api/v1/organisations/"
    assert client.get(url).json()["count"] == 3
    etag = client.get(url)["ETag"]
    # A deletion changes no updated_at: the data version still sees it.
    orgs[0].delete()
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert Organisation.objects.published().cached_count() == 2


def test_a_list_page_counts_from_the_cache(client, django_assert_num_queries):
    factories.OrganisationFactory.create_batch(3)
    client.get("/en/organisations/")
    # The data version, the page; no COUNT.
    with django_assert_num_queries(2) as captured:
        client.get("/en/organisations/")
    assert not any("COUNT(" in q["sql"] for q in captured.captured_queries)


def test_a_word_is_found_by_its_trigrams_and_checked_exactly():
    # With column detail the index matches a word's trigrams anywhere in a row;
    # the exact check then drops a row that holds them apart.
    apart = factories.OrganisationFactory(name_en="Cyb ybe ber office")
    whole = factories.OrganisationFactory(name_en="Cyber office")
    assert list(Organisation.objects.search("cyber")) == [whole]
    assert set(Organisation.objects.search("office")) == {apart, whole}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")
def test_an_index_with_positions_is_made_again_without_them():
    from django.apps import apps

    from kb.db import install

    org = factories.OrganisationFactory(name_en="Gendarmerie royale")
    with connection.cursor() as cursor:
        # As migration 0004 made it before column detail.
        search_index.sqlite_uninstall(cursor, ["kb_organisation"])
        cursor.execute(
            'CREATE VIRTUAL TABLE "kb_organisation_search" USING fts5(search_text, '
            "content=\"kb_organisation\", content_rowid='id', tokenize='trigram')"
        )
    install.install(connection, apps.get_app_config("kb"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'kb_organisation_search'")
        assert "detail=column" in cursor.fetchone()[0]
    assert list(Organisation.objects.search("royale")) == [org]
