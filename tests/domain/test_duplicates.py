"""Possible duplicates (kb/domain/duplicates.py): the similarity, the blocking, the store."""

import itertools
import random

import pytest
from django.db import connection

from kb.domain import duplicates
from kb.domain.duplicates import Row, find, jaccard, normal, similarity, trigrams
from kb.models import DuplicateCandidate, Organisation
from tests import factories as f

# Pairs whose pg_trgm similarity the Python twin must give to the last digit.
PG_PAIRS = [
    ("Police nationale norvégienne", "Police nationale norvegiene"),
    ("police nationale norvegienne", "police nationale norvegiene"),
    ("Bundeskriminalamt", "Bundes Kriminal Amt"),
    ("DGSN-DGST", "DGSN DGST"),
    ("Italian police", "Police of Italy"),
    ("O'Neil", "ONeil"),
    ("word", "wrod"),
    ("a_b", "a b"),
    ("", "anything"),
    ("Naif Arab University for Security Sciences", "Naif Arab Univ. of Security Science"),
]


def test_trigrams_are_pg_trgm_s():
    # "  n", " no", "nor", ..., "ne " for each word: two spaces before, one after.
    assert trigrams("No") == {"  n", " no", "no "}
    assert trigrams("a b") == {"  a", " a ", "  b", " b "}
    assert similarity("", "") == 0.0
    assert similarity("Police", "POLICE") == 1.0


@pytest.mark.django_db
def test_similarity_matches_postgresql_pg_trgm():
    if connection.vendor != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL's: this compares the Python twin with it")
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for a, b in PG_PAIRS:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            (expected,) = cursor.fetchone()
            assert similarity(a, b) == pytest.approx(expected, abs=1e-6), (a, b)


def test_the_known_values():
    # Worked by hand (and by pg_trgm): 23 trigrams shared of 32.
    assert similarity("Police nationale norvégienne", "Police nationale norvegiene") == 0.71875
    assert similarity(normal("Police nationale norvégienne"), "police nationale norvegiene") > 0.85


def org(pk, *names, country="NO", aliases=()):
    return Row(pk=pk, block=country, names=names, aliases=tuple(aliases))


def test_a_pair_found_only_through_similarity():
    rows = [
        org(1, "Police nationale norvégienne", "Norwegian national police"),
        org(2, "Police nationale norvegiene"),
        org(3, "Gendarmerie royale"),
    ]
    found = find(rows, 0.6)
    assert set(found.pairs) == {(1, 2)}
    match = found.pairs[(1, 2)]
    assert match.similar and not match.alias
    assert match.reasons == "similar"
    assert match.score == pytest.approx(
        similarity(normal(rows[0].names[0]), normal(rows[1].names[0]))
    )


def test_a_pair_found_only_through_a_shared_alias():
    # Different names, different first letters, and one has no country: neither the
    # similarity nor its blocks could find them; the alias does.
    rows = [
        org(1, "Norwegian Police Service", aliases=["Politiet"]),
        org(2, "Politidirektoratet", country="", aliases=["politiet", "POD"]),
        org(3, "Swedish Police Authority", country="SE", aliases=["Polisen"]),
    ]
    assert max(similarity(normal(a), normal(b)) for a in rows[0].names for b in rows[1].names) < 0.6
    found = find(rows, 0.6)
    assert set(found.pairs) == {(1, 2)}
    match = found.pairs[(1, 2)]
    assert match.alias == "Politiet" and not match.similar
    assert match.reasons == "alias"


def test_an_alias_never_pairs_two_countries_and_a_generic_one_is_skipped():
    rows = [
        org(1, "Police nationale", country="FR", aliases=["PN"]),
        org(2, "Policía Nacional", country="ES", aliases=["PN"]),
    ]
    assert find(rows, 0.6).pairs == {}
    crowd = [org(i, f"Body {i}", aliases=["police"]) for i in range(1, 60)]
    found = find(crowd, 0.99)
    assert found.pairs == {} and found.generic_keys == 1


def test_similar_names_in_two_countries_are_not_compared():
    rows = [org(1, "Police nationale", country="FR"), org(2, "Police nationale", country="MA")]
    found = find(rows, 0.6)
    assert found.pairs == {} and found.comparisons == 0


WORDS = [
    "police", "polis", "polizia", "national", "nationale", "bureau", "agency", "service",
    "criminal", "border", "guard", "garde", "gendarmerie", "cyber", "unit", "office",
    "federal", "fédérale", "security", "sécurité", "directorate", "investigation",
]  # fmt: skip


def generated(n, seed=17, countries=("", "FR", "MA", "NO", "DE", "IT", "ES", "TR")):
    """`n` organisations with names of 1 to 4 words from a small vocabulary, some misspelt:
    harder for blocking than real names, whose words are far more varied."""
    rng = random.Random(seed)
    rows = []
    for pk in range(1, n + 1):
        name = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        if rng.random() < 0.3:
            name = name[:-1] + rng.choice("aeiouxz")
        names = (name, f"{name} fr") if rng.random() < 0.3 else (name,)
        rows.append(org(pk, *names, country=rng.choice(countries)))
    return rows


def brute_force(rows, threshold):
    """Every pair of one block whose best name similarity reaches the threshold."""
    pairs = set()
    for a, b in itertools.combinations(rows, 2):
        if a.block != b.block:
            continue
        best = max(
            jaccard(trigrams(normal(x)), trigrams(normal(y))) for x in a.names for y in b.names
        )
        if best >= threshold:
            pairs.add((a.pk, b.pk))
    return pairs


@pytest.mark.parametrize("threshold", [0.4, 0.6, 0.8])
def test_blocking_loses_no_pair_of_a_block(threshold):
    rows = generated(600)
    found = find(rows, threshold)
    assert {pair for pair, match in found.pairs.items() if match.similar} == brute_force(
        rows, threshold
    )


def test_blocking_never_compares_every_pair():
    n = 1000
    rows = generated(n)
    found = find(rows, 0.6)
    names = sum(len(set(map(normal, row.names))) for row in rows)
    every_pair = names * (names - 1) // 2
    # Country blocks alone cut every pair to about an eighth; the trigram prefixes cut
    # that again, on these deliberately repetitive names.
    assert found.block_pairs < every_pair / 6
    assert found.comparisons < found.block_pairs / 5
    assert found.comparisons < every_pair / 30
    assert found.pairs  # and it still finds some


@pytest.mark.django_db
def test_recompute_keeps_distinct_marks_adds_new_pairs_and_drops_stale_ones():
    a = f.OrganisationFactory(name_en="Police nationale norvégienne", name_fr="", country="NO")
    b = f.OrganisationFactory(name_en="Police nationale norvegiene", name_fr="", country="NO")
    c = f.OrganisationFactory(name_en="Garde civile", name_fr="", country="ES")
    d = f.OrganisationFactory(name_en="Guardia Civil", name_fr="", country="ES", aliases=["GC"])
    summary = duplicates.recompute()
    stored = {(p.low_id, p.high_id): p for p in DuplicateCandidate.objects.of_model(Organisation)}
    assert set(stored) == {(a.pk, b.pk)}
    assert stored[(a.pk, b.pk)].status == "open" and stored[(a.pk, b.pk)].reasons == "similar"
    assert summary.pairs >= 1 and summary.comparisons >= 1

    DuplicateCandidate.objects.filter(pk=stored[(a.pk, b.pk)].pk).update(status="distinct")
    c.aliases = ["GC"]
    c.save()
    duplicates.recompute()
    stored = {(p.low_id, p.high_id): p for p in DuplicateCandidate.objects.of_model(Organisation)}
    assert stored[(a.pk, b.pk)].status == "distinct"  # found again, still marked
    assert stored[(c.pk, d.pk)].status == "open"  # new
    assert stored[(c.pk, d.pk)].alias == "GC"

    # c's alias goes: its open pair goes; a and b no longer qualify, but stay marked.
    c.aliases = []
    c.save()
    b.name_en = "Politidirektoratet"
    b.save()
    duplicates.recompute()
    stored = {(p.low_id, p.high_id): p.status for p in DuplicateCandidate.objects.all()}
    assert stored == {(a.pk, b.pk): "distinct"}

    # A merged (deleted) record takes its pairs with it, marked or not.
    b.delete()
    duplicates.recompute()
    assert not DuplicateCandidate.objects.exists()


@pytest.mark.django_db
def test_people_posts_and_topics_too():
    f.PersonFactory(name="Abdellatif Hammouchi", country="MA")
    f.PersonFactory(name="Abdelatif Hamouchi", country="MA")
    f.PersonFactory(name="Valdecy Urquiza", country="BR", aliases=["Valdecy Urquiza Jr"])
    interpol = f.OrganisationFactory(name_en="INTERPOL", name_fr="", country="")
    f.PostFactory(name_en="President of INTERPOL", name_fr="", organisation=interpol)
    f.PostFactory(name_en="INTERPOL President", name_fr="", organisation=interpol)
    f.PostFactory(name_en="President of INTERPOL", name_fr="")  # another organisation's
    f.TopicFactory(name_en="Cybercrime", name_fr="Cybercriminalité")
    f.TopicFactory(name_en="Cyber crime", name_fr="")
    found = duplicates.compute()
    assert len(found["person"].pairs) == 1
    assert len(found["post"].pairs) == 1
    assert len(found["topic"].pairs) == 1


@pytest.mark.django_db
def test_the_threshold_is_a_setting(settings):
    f.OrganisationFactory(name_en="Police nationale", name_fr="", country="FR")
    f.OrganisationFactory(name_en="Police nationales", name_fr="", country="FR")
    score = similarity("police nationale", "police nationales")
    settings.DUPLICATE_SIMILARITY = score + 0.01
    assert not duplicates.compute()["organisation"].pairs
    settings.DUPLICATE_SIMILARITY = score
    assert duplicates.compute()["organisation"].pairs
