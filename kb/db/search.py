"""The search index behind `q`: substring search over the folded `search_text` column.

On SQLite, an FTS5 table per record table (`<table>_search`, trigram
tokenizer, external content, kept in step by triggers). On PostgreSQL, a
pg_trgm GIN index on the column, which `LIKE '%word%'` uses as it is.
`RecordQuerySet.search()` reads them through this module; search_index.py
makes them.
"""

import sqlite3
import threading
import time
from collections import OrderedDict

from django.db.models import BooleanField, Expression, F

from . import planning

# Shortest word the trigram index can look up; shorter words are matched by
# a scan of the rows the longer words found (or of the table if none).
TRIGRAM = 3


# Past this many rows the index found, a query reads them as a subquery rather
# than as a list of ids written into it (Candidates).
CANDIDATES_MAX = 1000


# Seconds a process keeps an index's statistics before reading them again.
STATISTICS_SECONDS = 600


# A word whose rarest trigram is in more than NARROW_FROM rows is narrowed by its
# other trigrams whose lists are short: at most NARROW_FACTOR times the rarest's
# and NARROW_MAX rows (trigrams()).
NARROW_FROM, NARROW_FACTOR, NARROW_MAX = 100, 4, 2000


def trigrams(words, rarity=None):
    """The trigrams looked up for words.

    Every posting list read costs its length, and the exact check of each word
    follows anyway, so any of a word's trigrams will do: a row holding the word
    holds all of them. With `rarity` ({trigram: rows holding it}, the index's
    statistics), each word's rarest, the shortest of its lists ("cyber academy"
    at scale 100: 815 rows found by "cyb" and "cad" in 0.66 ms, 809 by the
    four ends in 1.2 ms); a trigram no row holds is the rarest, and its list is
    empty. One per word, not the rarest overall: a word's trigrams come
    together ("cyb" and "ybe" are in the same 10,619 rows), so two of one word
    narrow no more than one. Except where they do not come together (digit
    strings: "0012345" at scale 100, whose rarest "123" is in 300 rows, and "234"
    and "345" also in 300 each, narrow it to 1) and where a list is short anyway:
    past NARROW_FROM rows, a word's other trigrams whose lists are at most
    NARROW_FACTOR times its rarest's and NARROW_MAX rows are read too, for little
    ("tunisia": "tun" finds 736 rows, "isi" with it 360, the rows that hold the
    word). The rows found are then fewer to read by key, and closer to the rows
    that hold the words, which walk_is_cheaper estimates from. Without
    statistics, each word's first and last: a word's two ends narrow it about as
    much as its whole run of trigrams (894 rows found by four, 809 by eight, in
    half the time).
    """
    long_words = [w for w in words if len(w) >= TRIGRAM]
    if rarity is not None:
        chosen = []
        for word in long_words:
            grams = sorted(
                {word[i : i + TRIGRAM] for i in range(len(word) - TRIGRAM + 1)},
                key=lambda t: (rarity.get(t, 0), t),
            )
            rarest = rarity.get(grams[0], 0)
            chosen.append(grams[0])
            if rarest > NARROW_FROM:
                bound = min(NARROW_FACTOR * rarest, NARROW_MAX)
                chosen.extend(t for t in grams[1:] if rarity.get(t, 0) <= bound)
        return list(dict.fromkeys(chosen))
    ends = (w[i : i + TRIGRAM] for w in long_words for i in (0, len(w) - TRIGRAM))
    return list(dict.fromkeys(ends))


def sqlite_match_expression(words, rarity=None):
    """The FTS5 query for rows holding the trigrams() of the words (each quoted)."""
    return " ".join('"{}"'.format(t.replace('"', '""')) for t in trigrams(words, rarity))


def sqlite_match(connection, table, words):
    """SQL and parameters for the rowids of `table`'s records that may hold every word (FTS5).

    Words of at least TRIGRAM characters; the caller checks each word exactly.
    """
    fts = f"{table}_search"
    expression = sqlite_match_expression(words, statistics(connection, table))
    return f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH %s', [expression]


# (database alias, table, what) -> (read at, value): what is "rarity" or "rows".
_statistics = {}
_statistics_lock = threading.Lock()


def statistics(connection, table):
    """How many of `table`'s rows hold each trigram, from its index's vocabulary table;
    None if it has none (a database not migrated since it came).

    Read once per process every STATISTICS_SECONDS (some 7,000 trigrams for
    100,000 organisations: 0.3 to 0.4 s, the vocabulary table counting each trigram's
    rows from the index): they choose which lists to read, never which rows
    match, so a row added since changes the cost of a search, not its result.
    Read through the driver's connection, as _state() is: statistics, not a
    query of the data, and no query in Django's log.
    """
    return _kept(connection, table, "rarity", _read_rarity)


def table_rows(connection, table):
    """About how many rows `table` holds (its highest id), read as statistics() is.

    Kept apart from statistics(): every list page of a table asks for it
    (compiled.CompiledList), and only a search needs the trigrams, whose reading
    would stall the first page a process serves of a table never searched.
    """
    return _kept(connection, table, "rows", _read_rows)


def _kept(connection, table, what, read):
    key = (connection.alias, table, what)
    now = time.monotonic()
    kept = _statistics.get(key)
    if kept is not None and now - kept[0] < STATISTICS_SECONDS:
        return kept[1]
    connection.ensure_connection()
    value = read(connection.connection, table)
    with _statistics_lock:
        _statistics[key] = (now, value)
    return value


def _read_rarity(raw, table):
    try:
        return dict(raw.execute(f'SELECT term, doc FROM "{table}_search_vocab"').fetchall())
    except sqlite3.DatabaseError:
        return None


def _read_rows(raw, table):
    # The highest id, from the end of the table's b-tree: no count of its rows.
    return raw.execute(f'SELECT max(rowid) FROM "{table}"').fetchone()[0] or 0


def forget_statistics():
    """Read every index's statistics afresh at its next search (tests, after a rebuild)."""
    with _statistics_lock:
        _statistics.clear()
        _sizes.clear()


def sqlite_candidates(connection, table, words):
    """The ids of `table`'s rows that may hold every word; None past CANDIDATES_MAX."""
    sql, params = sqlite_match(connection, table, words)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} LIMIT {CANDIDATES_MAX + 1}", params)
        ids = [row[0] for row in cursor.fetchall()]
    ids = None if len(ids) > CANDIDATES_MAX else ids
    remember_size(connection, table, params[0], ids)
    return ids


class Candidates(Expression):
    """A condition on SQLite: the row is among those the FTS5 index finds for `words`.

    Why not `id IN (SELECT rowid FROM <table>_search WHERE ... MATCH ...)`:
    with that subquery SQLite walks the list's name index and probes each
    row, so a search that finds nothing reads the whole table (24 ms for
    "hammouchi" at scale 100). Instead the index's rows are read when the
    query is compiled, and written into it as a list of ids: SQLite then
    looks a few rows up by key and sorts them, or walks the name index for
    many (0.1 ms for "hammouchi"). They are read once per queryset, its
    clones included (a page, its count and its facets share them), again
    only after a write to the database (`_state()`), and not at all when
    nothing compiles the query (a cached count). Past
    CANDIDATES_MAX rows the words are common, and the condition is the
    subquery: the reading stops there, so it costs a fraction of the index's
    lists, and a long list of ids would cost more to write and parse than
    the subquery. A page then walks its order's index and checks each row
    against the subquery's rows, stopping at its last; a count and a ranked
    search, which read every row found anyway, start from the subquery's rows
    (_page_size); below it, a page walks the order too when that is cheaper
    (walk_is_cheaper).
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, table, words, deferred=False):
        super().__init__()
        self.table, self.words = table, words
        # `words` are sentinels standing for each request's (DeferredWords): the
        # rows found are written in per request, by fill_deferred().
        self.deferred = deferred
        self.key = F("pk")
        # Shared by copies (clones copy expressions shallowly): database alias ->
        # (its _state() when read, the ids).
        self.read = {}

    def get_source_expressions(self):
        return [self.key]

    def set_source_expressions(self, expressions):
        (self.key,) = expressions

    def as_sql(self, compiler, connection):
        key, params = compiler.compile(self.key)
        if self.deferred:
            return f"{DEFERRED_WALK}{key} IN ({DEFERRED_ROWS})", params
        page = _page_size(compiler.query)
        sql, match = sqlite_match(connection, self.table, self.words)
        if page is not None and _walk_known(connection, self.table, match[0], page):
            # A page of words known to find many rows: the walk, the rows found
            # read by the page's own query (remembered_size()).
            return f"+{key} IN ({sql})", [*params, *match]
        state = _state(connection)
        kept = self.read.get(connection.alias)
        if kept is None or kept[0] != state:
            kept = self.read[connection.alias] = (
                state,
                sqlite_candidates(connection, self.table, self.words),
            )
        ids = kept[1]
        walk = _walks(connection, self.table, _size(ids), page)
        if ids is None:
            if walk:
                # Common words (thousands of rows): a page walks its order's index
                # and checks each row against the index's rows, read once, and stops
                # at its last row. `+` keeps SQLite from reading every row found by
                # key and sorting them all instead: "police" at scale 100 (11,391
                # rows found) 21.7 -> 1.6 ms, "syn" (all 100,000) 94 -> 11.7 ms.
                return f"+{key} IN ({sql})", [*params, *match]
            return f"{key} IN ({sql})", [*params, *match]
        # Integers read from the index, written into the SQL: as parameters,
        # a thousand of them would cost the ORM more than the query.
        return f"{'+' if walk else ''}{key} IN ({_id_list(ids)})", params


def _size(ids):
    return None if ids is None else len(ids)


def _walks(connection, table, found, page):
    """Whether a query among `found` rows the index found (None: past CANDIDATES_MAX) walks
    its order's index: a page (`page` rows; None for a count or a ranking) of common words
    always, of fewer rows found when walk_is_cheaper()."""
    if page is None:
        return False
    return found is None or walk_is_cheaper(found, page, table_rows(connection, table))


# How many rows the index found for a query lately, per process: (database alias, table,
# FTS5 query) -> (read at, rows found, None past CANDIDATES_MAX). At most SIZES_MAX.
_sizes = OrderedDict()
SIZES_MAX = 1024
UNKNOWN = object()


def remember_size(connection, table, expression, ids):
    """Note how many rows the index found for `expression` (`ids`: sqlite_candidates())."""
    key = (connection.alias, table, expression)
    with _statistics_lock:
        _sizes[key] = (time.monotonic(), _size(ids))
        _sizes.move_to_end(key)
        while len(_sizes) > SIZES_MAX:
            _sizes.popitem(last=False)


def remembered_size(connection, table, expression):
    """How many rows the index found for `expression` when last read in this process
    (None past CANDIDATES_MAX), or UNKNOWN if not within STATISTICS_SECONDS.

    Statistics, as the trigrams' are: they choose a page's plan, never its rows.
    Words known to find many rows are walked at once, the page's own query reading
    the rows found as a subquery, as Datasette's plan for them does: reading them
    first to count them cost a search of "cyber academy" (815 rows found at scale
    100) 0.65 ms of SQL, and writing 815 ids into the page's SQL some 0.3 ms of
    Python and parsing more. Words that find few rows are still read first and
    their rows looked up by key, the plan that spares a walk past every row.
    """
    kept = _sizes.get((connection.alias, table, expression))
    if kept is None or time.monotonic() - kept[0] >= STATISTICS_SECONDS:
        return UNKNOWN
    return kept[1]


def _walk_known(connection, table, expression, page):
    """Whether a page of `page` rows is known to walk, without reading the rows found."""
    size = remembered_size(connection, table, expression)
    return size is not UNKNOWN and _walks(connection, table, size, page)


def _id_list(ids):
    return ",".join(map(str, ids)) or "NULL"


class DeferredWords(tuple):
    """Words of a query compiled once for many requests (kb/filtering/compiled.py):
    sentinels standing for each request's words, and which of them the index looks up
    (`indexed`: the real words' lengths decide). Candidates writes DEFERRED_WALK and
    DEFERRED_ROWS in place of its condition's variable parts, and fill_deferred()
    writes each request's in."""

    def __new__(cls, words, indexed):
        words = super().__new__(cls, words)
        words.indexed = list(indexed)
        return words


# SQL comments standing for a deferred condition's `+` and its rows found.
DEFERRED_WALK, DEFERRED_ROWS = "/*walk*/", "/*found*/"


class Found:
    """What the index finds for a request's words (the real ones, of TRIGRAM characters or
    more), for fill_deferred(): the rows themselves read only when the plan needs them."""

    def __init__(self, connection, table, words):
        self.table, self.words = table, words
        self.expression = sqlite_match_expression(words, statistics(connection, table))
        self._ids = UNKNOWN

    def ids(self, connection):
        """The ids of the rows found, or None past CANDIDATES_MAX (read once)."""
        if self._ids is UNKNOWN:
            self._ids = sqlite_candidates(connection, self.table, self.words)
        return self._ids


def deferred_candidates(connection, table, words):
    """What fill_deferred() writes in for `words` (the real ones, of TRIGRAM characters
    or more)."""
    return Found(connection, table, words)


def fill_deferred(sql, connection, found, page):
    """`sql` with a request's rows found (deferred_candidates()) in place of the deferred
    condition's parts, for a page of `page` rows: the SQL Candidates.as_sql() writes."""
    table = found.table
    if _walk_known(connection, table, found.expression, page):
        ids, walk = None, True
    else:
        ids = found.ids(connection)
        walk = _walks(connection, table, _size(ids), page)
    if ids is None:
        fts = f"{table}_search"
        # The index's query inline, as a literal: it is made of folded words, letters
        # and digits only (lib.text.search_words), each trigram quoted.
        literal = "'{}'".format(found.expression.replace("'", "''"))
        rows = f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH {literal}'
    else:
        rows = _id_list(ids)
    return sql.replace(DEFERRED_WALK, "+" if walk else "", 1).replace(DEFERRED_ROWS, rows, 1)


# What walking a list's order index costs per row it passes (checking the row's id
# against the rows found), over what reading a row found by key and sorting it
# costs: 0.18 against 2.2 µs, for pages of organisations' searches at scale 100.
WALK_COST = 0.08
# The fewest rows a page must ask for to walk. The paginators count first and ask a
# page holding every row of the list for that many rows and no more: a walk then
# stops only at the last row found, near the end of the index (the one match of
# "0012345" among 300 rows found by "123" alone: 15.8 ms walked, 0.13 ms by key).
WALK_PAGE_MIN = 10


def walk_is_cheaper(found, page, rows):
    """Whether a page of `page` rows among the `found` rows the index found, of a table of
    about `rows`, costs less by walking the list's order than by reading the rows found.

    The rows found read by key and sorted cost in proportion to `found`; the walk
    reaches a page after some page * rows / found rows of the order, if the rows
    found are spread along it. So the walk pays when found² > WALK_COST * page *
    rows: past about 630 rows found of 100,000 for a page of 50, 200 of 10,000.
    A search finding few rows reads them (13 ms for 2 rows found at scale 100 by
    the walk, which passed every row when they came late in the order; 0.1 ms by
    key), and one finding many stops as soon as it has its page, whatever the size
    of the table ("cyber academy", 815 rows found at scale 100: 1.4 ms by key, 0.3
    by the walk). A planner's choice on an estimate: rows found bunched at the far
    end of the order make the walk cost up to a pass over the index (some 20 ms at
    scale 100), as every walk did before this choice.
    """
    return planning.walk_is_cheaper(found, page, rows, WALK_COST, WALK_PAGE_MIN)


# The annotation by which a ranked search orders its rows (RecordQuerySet.ranked_search).
RANK = "search_rank"


def _page_size(query):
    """How many rows the query reads if it is a page in an order an index may hold (a
    limit, and not the ranking, which reads every row found to rank them); None for a
    count, a ranked search or a whole list, which read every row found either way."""
    if query.high_mark is None or RANK in query.order_by:
        return None
    return query.high_mark - query.low_mark


def _state(connection):
    """Changes a write to the database makes: this connection's count of changed rows,
    and SQLite's data_version, which moves when another connection commits one.

    Read from the driver's connection: a pragma, not a query of the data, and
    no query in Django's log.
    """
    connection.ensure_connection()
    raw = connection.connection
    return raw.total_changes, raw.execute("PRAGMA data_version").fetchone()[0]
