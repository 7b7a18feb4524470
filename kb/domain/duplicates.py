"""Possible duplicates: pairs of records of one type that share a name or an alias, or whose
names are similar, found without comparing every pair (issue 17). The one owner of the rule.

Which types, and what is compared (`SPECS`):

- organisations: English and French names; aliases; blocked by country;
- people: name; aliases; blocked by country;
- posts: English and French names; blocked by their organisation (two "President"
  posts of two organisations are two seats);
- topics: English and French names; one block.

Events, agreements, sources and claims are left out: their names follow patterns
("Bilateral meeting with the police of …", "Memorandum of understanding between …"), so
similar names say little, and what tells two of them apart (dates, participants,
parties) is not a name.

A pair qualifies by either of two reasons:

- **similar names**: the trigram similarity of two folded names (lib/text.py `fold`:
  lower case, no accents) is at least DUPLICATE_SIMILARITY (settings, 0.6). The measure
  is pg_trgm's `similarity()`, computed here in Python so that it is the same on both
  databases: each word padded as "  word ", the set of its 3-character slices, and
  |A ∩ B| / |A ∪ B| (`similarity`). Only records of the same block are compared (the
  same country, or both without one).
- **a shared name or alias**: the same folded name or alias (not an acronym: "PS" or
  "DGSN" name different bodies) on two records whose blocks do not contradict (the
  same country, or either without one: a person entered without a country is still
  the one with it). Found by a hash join, key -> records, never by comparing.

No step compares every pair. Within a block, two names are compared only if they
share one of their rarest trigrams: with the trigrams of every name ordered from the
rarest, a name of n trigrams indexes its first n - ceil(t·n) + 1 (its prefix), and two
names whose similarity is at least t must share a trigram of their prefixes (the prefix
filter of set-similarity joins: |A ∩ B| ≥ t·|A ∪ B| ≥ t·max(|A|, |B|)). Two names
whose sizes differ by more than t allows are not compared either. So the blocking
loses no pair the rule would find within a block, and compares, on the data of scale
100, a small share of the pairs of even one block (README, "Possible duplicates").

`compute()` reads the rows and finds the pairs (pure: `find()` works on plain rows);
`recompute()` stores them in one transaction (duplicate_store.py): new pairs open,
pairs no longer found removed unless a reviewer marked them "Not duplicates", which
stay so for ever.
"""

import dataclasses
import math
import re
import time
from collections import Counter, defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..lib.text import fold
from ..models import DuplicateCandidate, Organisation, Person, Post, Topic
from .duplicate_store import store

# 0.6 × 5 is 3.0000000000000004 in floating point: a bound is rounded up only past this.
EPSILON = 1e-9
# A folded name or alias that more records than this share (in one block, with the
# records without one) is a generic word, such as "police", not evidence: it is skipped
# (counted in the run's figures); similar names still find the records of one block.
KEY_GROUP_LIMIT = 50
# Rows read at a time.
READ_CHUNK = 5000

# What pg_trgm counts as a word: letters and digits (not "_"); anything else separates.
_WORD = re.compile(r"[^\W_]+")


def trigrams(text):
    """pg_trgm's trigrams of `text`: each word lower-cased and padded "  word ", sliced by 3."""
    grams = set()
    for word in _WORD.findall(text.lower()):
        padded = f"  {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(grams)


def jaccard(a, b):
    """|A ∩ B| / |A ∪ B| of two trigram sets; 0 when either is empty (as pg_trgm)."""
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def similarity(a, b):
    """pg_trgm's `similarity(a, b)`, the same on SQLite and PostgreSQL."""
    return jaccard(trigrams(a), trigrams(b))


def normal(text):
    """A name as compared: folded, its words separated by single spaces."""
    return " ".join(_WORD.findall(fold(text or "")))


# --- The types and their rows ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Spec:
    model: type
    # The fields whose folded values are compared by similarity (and are keys too).
    names: tuple
    # A JSON list of other names and spellings (keys only), or None.
    aliases: str | None
    # The field two compared records share (country, organisation); None: one block.
    block: str | None

    @property
    def name(self):
        return self.model._meta.model_name


SPECS = (
    Spec(Organisation, ("name_en", "name_fr"), "aliases", "country"),
    Spec(Person, ("name",), "aliases", "country"),
    Spec(Post, ("name_en", "name_fr"), None, "organisation_id"),
    Spec(Topic, ("name_en", "name_fr"), None, None),
)


def models():
    """The types whose duplicates are looked for."""
    return [spec.model for spec in SPECS]


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """One record as the rule reads it: its id, its block ("" none), names and aliases."""

    pk: int
    block: object = ""
    names: tuple = ()
    aliases: tuple = ()


def read_rows(spec):
    """Every record of `spec`'s type as a Row, read in chunks (values, not models)."""
    fields = ["pk", *spec.names, *([spec.aliases] if spec.aliases else [])]
    if spec.block:
        fields.append(spec.block)
    queryset = spec.model._default_manager.order_by().values_list(*fields)
    n = len(spec.names)
    for values in queryset.iterator(chunk_size=READ_CHUNK):
        aliases = values[1 + n] if spec.aliases else ()
        yield Row(
            pk=values[0],
            block=(values[-1] or "") if spec.block else "",
            names=tuple(v for v in values[1 : 1 + n] if v),
            aliases=tuple(a for a in (aliases or ()) if isinstance(a, str) and a),
        )


# --- Finding the pairs (pure) ---------------------------------------------------------


@dataclasses.dataclass(slots=True)
class Match:
    score: float = 0.0
    similar: bool = False
    alias: str = ""  # the shared name or alias, as the first record writes it

    @property
    def reasons(self):
        if self.alias and self.similar:
            return DuplicateCandidate.Reasons.BOTH
        return (
            DuplicateCandidate.Reasons.ALIAS if self.alias else DuplicateCandidate.Reasons.SIMILAR
        )


@dataclasses.dataclass
class Found:
    """The pairs of one type, {(low id, high id): Match}, and what finding them took."""

    pairs: dict = dataclasses.field(default_factory=dict)
    records: int = 0
    # Similarity computations: name pairs that passed the blocking and were measured.
    comparisons: int = 0
    # The most names one block holds, and how many name pairs all blocks hold together:
    # the comparisons blocking by country alone would have made.
    largest_block: int = 0
    block_pairs: int = 0
    # Shared names or aliases skipped as generic (KEY_GROUP_LIMIT).
    generic_keys: int = 0


def prefix_length(size, threshold):
    """How many of its rarest trigrams a name of `size` trigrams indexes."""
    return size - math.ceil(threshold * size - EPSILON) + 1


def find(rows, threshold):
    """The pairs among `rows` (Row) that share a name or alias or have similar names."""
    rows = list(rows)
    found = Found(records=len(rows))
    _similar_pairs(rows, threshold, found)
    _alias_pairs(rows, found)
    return found


def _blocks(rows):
    """{block: [(row index, folded name), ...]}: each row's distinct names, by block.

    Names, not their trigrams: those are made one block at a time (`_join`), so that
    the largest type's trigram sets are never all held at once.
    """
    blocks = defaultdict(list)
    for index, row in enumerate(rows):
        for name in dict.fromkeys(normal(name) for name in row.names):
            if name:
                blocks[row.block].append((index, name))
    return blocks


def _similar_pairs(rows, threshold, found):
    """Names of one block with a similarity of at least `threshold`, block by block."""
    blocks = _blocks(rows)
    found.largest_block = max(map(len, blocks.values()), default=0)
    found.block_pairs = sum(len(b) * (len(b) - 1) // 2 for b in blocks.values())
    for entries in blocks.values():
        if len(entries) > 1:
            _join(entries, rows, threshold, found)


def _join(entries, rows, threshold, found):
    """The pairs of one block's names at or above `threshold`: PPJoin's filters.

    Each name's trigrams are ordered from the rarest in the block (as numbers: 0 the
    rarest). Names are taken from the smallest; each probes the index with its prefix
    (|x| - ceil(t·|x|) + 1 trigrams) and is then indexed by a shorter one
    (|x| - ceil(2t/(1+t)·|x|) + 1: a later name is no smaller). A name met in the index
    stays a candidate only while what the two could still share (the trigrams after the
    positions where they meet) can reach the overlap that similarity t needs,
    ceil(t/(1+t)·(|x| + |y|)); only the candidates left are measured. Xiao et al.,
    "Efficient similarity joins for near duplicate detection" (WWW 2008). Exact: no
    pair of the block at or above t is missed (tests/domain/test_duplicates.py checks
    it against every pair).
    """
    # Names with the same trigrams (the same name, or its words in another order) are
    # joined once, by hashing: every two of their records are a pair of similarity 1.
    holders = defaultdict(list)  # trigram set -> [row index, ...]
    for row_index, name in entries:
        group = holders[trigrams(name)]
        # A row's names come one after another: two of them alike count once.
        if not group or group[-1] != row_index:
            group.append(row_index)
    for group in holders.values():
        for i, first in enumerate(group):
            for second in group[i + 1 :]:
                _similar(found, rows[first].pk, rows[second].pk, 1.0)
    frequency = Counter(g for grams in holders for g in grams)
    rank = {g: n for n, g in enumerate(sorted(frequency, key=lambda g: (frequency[g], g)))}
    ordered = sorted(
        ((group, sorted(rank[g] for g in grams)) for grams, group in holders.items()),
        key=lambda e: len(e[1]),
    )
    sets = [frozenset(tokens) for _, tokens in ordered]
    sizes = [len(tokens) for _, tokens in ordered]
    overlap_share = threshold / (1 + threshold)
    # The overlap two names of n trigrams in all need, by n (looked up, not computed,
    # in the inner loop: it runs once per name met in the index).
    needed = [math.ceil(overlap_share * n - EPSILON) for n in range(2 * sizes[-1] + 1)]
    index = defaultdict(list)  # trigram number -> [(entry number, position), ...]
    comparisons = 0
    for number, (group, tokens) in enumerate(ordered):
        size = sizes[number]
        smallest = threshold * size - EPSILON
        overlaps = {}  # candidate entry -> trigrams shared so far (-1: ruled out)
        get = overlaps.get
        for position, token in enumerate(tokens[: prefix_length(size, threshold)]):
            rest = size - position - 1
            for other, other_position in index[token]:
                shared = get(other, 0)
                if shared < 0:
                    continue
                other_size = sizes[other]
                if other_size < smallest:
                    continue
                other_rest = other_size - other_position - 1
                # What the two could still share: this trigram, and the fewer left after it.
                still = 1 + (rest if rest < other_rest else other_rest)
                overlaps[other] = shared + 1 if shared + still >= needed[size + other_size] else -1
        mine = sets[number]
        for other, shared in overlaps.items():
            if shared <= 0:
                continue
            comparisons += 1
            score = jaccard(mine, sets[other])
            if score >= threshold:
                for first in group:
                    for second in ordered[other][0]:
                        if first != second:  # a record's two names are not a pair
                            _similar(found, rows[first].pk, rows[second].pk, score)
        indexed = size - math.ceil(2 * overlap_share * size - EPSILON) + 1
        for position, token in enumerate(tokens[:indexed]):
            index[token].append((number, position))
    found.comparisons += comparisons


def _similar(found, a, b, score):
    match = _match(found, a, b)
    match.similar = True
    match.score = max(match.score, score)


def _match(found, a, b):
    key = (a, b) if a < b else (b, a)
    match = found.pairs.get(key)
    if match is None:
        match = found.pairs[key] = Match()
    return match


def _alias_pairs(rows, found):
    """Records that share a folded name or alias, in blocks that do not contradict."""
    keys = defaultdict(dict)  # folded key -> {row index: the key as that row writes it}
    for index, row in enumerate(rows):
        for text in (*row.names, *row.aliases):
            key = normal(text)
            if key:
                keys[key].setdefault(index, text.strip())
    for holders in keys.values():
        if len(holders) < 2:
            continue
        by_block = defaultdict(list)
        for index in holders:
            by_block[rows[index].block].append(index)
        unblocked = by_block.pop("", [])
        groups = [indexes + unblocked for indexes in by_block.values()] or [unblocked]
        if any(len(group) > KEY_GROUP_LIMIT for group in groups):
            found.generic_keys += 1
            continue
        for group in groups:
            group.sort(key=lambda i: rows[i].pk)
            for i, first in enumerate(group):
                for second in group[i + 1 :]:
                    # Two records of one block, or a record without one: never two blocks.
                    match = _match(found, rows[first].pk, rows[second].pk)
                    if not match.alias:
                        match.alias = holders[first]
                        if not match.similar:
                            match.score = _best_score(rows[first], rows[second], found)


def _best_score(a, b, found):
    """The best similarity of two records' names (shown beside a shared alias)."""
    best = 0.0
    for x in a.names:
        for y in b.names:
            found.comparisons += 1
            best = max(best, similarity(normal(x), normal(y)))
    return best


# --- Computing and storing ------------------------------------------------------------


@dataclasses.dataclass
class Summary:
    """What a computation found, per type and in all: for the command, the job, the page."""

    found: dict  # type name -> Found
    seconds: float = 0.0

    @property
    def pairs(self):
        return sum(len(f.pairs) for f in self.found.values())

    @property
    def comparisons(self):
        return sum(f.comparisons for f in self.found.values())


def compute(threshold=None):
    """Every type's pairs, read from the database now (nothing is written)."""
    threshold = settings.DUPLICATE_SIMILARITY if threshold is None else threshold
    return {spec.name: find(read_rows(spec), threshold) for spec in SPECS}


def recompute(threshold=None, now=None):
    """Compute every type's pairs and store them, in one transaction. Returns a Summary."""
    start = time.perf_counter()
    found = compute(threshold)
    now = now or timezone.now()
    with transaction.atomic():
        for spec in SPECS:
            store(spec, found[spec.name], now)
    return Summary(found, time.perf_counter() - start)
