"""Each language's name order (kb/db/collation.py, kb/models/ordering.py), on SQLite and PostgreSQL.

The database sorts as ICU does for the language: accents and case only
where the letters tie, punctuation not ignored ("l'Argentine" before "la
Chine"); a missing French name sorts by the English one a page shows; and
each order reads its index, unfiltered, filtered by region, and from a
cursor's position, without sorting the rows.
"""

import datetime
import sqlite3

import pytest
from django.db import connection, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.api.pagination import Keyset
from kb.db import collation
from kb.lib import regions
from kb.models import Agreement, Claim, Event, Organisation, Person, Post, Source, Topic
from tests import factories

pytestmark = pytest.mark.django_db

ORDERED_TYPES = [Organisation, Person, Post, Event, Agreement, Topic, Source, Claim]
NAMES = [
    "France",
    "Éthiopie",
    "Espagne",
    "délégation de la Chine",
    "délégation de l'Argentine",
    "délégation de l’Inde",
    "BKA",
    "bka",
    "Bahamas",
    "Brazil",
    "Chile",
]
# ICU's order for both languages; in code points "BKA" would come first and
# every lower-case or accented initial last.
EXPECTED = [
    "Bahamas",
    "bka",
    "BKA",
    "Brazil",
    "Chile",
    "délégation de l'Argentine",
    "délégation de l’Inde",
    "délégation de la Chine",
    "Espagne",
    "Éthiopie",
    "France",
]


def names_in_order(language, model=Organisation):
    rows = model.objects.published().in_name_order(language)
    return [getattr(row, f"sort_name_{language}") for row in rows]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_names_sort_as_the_language_does(language):
    for name in NAMES:
        factories.OrganisationFactory(name_en=name, name_fr=name)
    assert names_in_order(language) == EXPECTED


def test_each_language_sorts_its_own_names():
    pairs = [("Spanish police", "police espagnole"), ("Ethiopian police", "police éthiopienne")]
    for en, fr in pairs:
        factories.OrganisationFactory(name_en=en, name_fr=fr)
    factories.OrganisationFactory(name_en="Delegation of Chile", name_fr="délégation du Chili")
    assert names_in_order("en") == ["Delegation of Chile", "Ethiopian police", "Spanish police"]
    assert names_in_order("fr") == ["délégation du Chili", "police espagnole", "police éthiopienne"]


@pytest.mark.parametrize("missing", [None, ""])
def test_a_missing_translation_sorts_by_the_name_shown_instead(missing):
    factories.OrganisationFactory(name_en="Alpha", name_fr="Alpha")
    factories.OrganisationFactory(name_en="Mike", name_fr=missing)
    factories.OrganisationFactory(name_en="Zulu", name_fr="Zulu")
    assert names_in_order("fr") == ["Alpha", "Mike", "Zulu"]


def test_ties_go_by_id_and_untranslated_names_sort_too():
    people = [factories.PersonFactory(name=name) for name in ["Zoé", "Émile", "Zoé", "emile"]]
    for language in ("en", "fr"):
        rows = list(Person.objects.published().in_name_order(language))
        assert rows == [people[3], people[1], people[0], people[2]]


def test_events_come_by_date_then_by_name():
    late = factories.EventFactory(name_en="Alpha", start_date="2025-11-25")
    second = factories.EventFactory(name_en="zulu", start_date="2025-11-24", name_fr="Zoulou")
    first = factories.EventFactory(name_en="Éclair", start_date="2025-11-24", name_fr="Éclair")
    assert list(Event.objects.published().in_name_order("en")) == [first, second, late]


names = st.text(
    alphabet="aAbBeEéÉèêzZçÇœ '’-.,0",
    min_size=0,
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(names.filter(bool), st.none() | names), min_size=1, max_size=12))
def test_the_database_sorts_as_icu_and_python_do(pairs):
    """Random names with accents, case and punctuation, empty French ones included."""
    made = Organisation.objects.bulk_create(
        factories.OrganisationFactory.build(name_en=en, name_fr=fr) for en, fr in pairs
    )
    try:
        for language in ("en", "fr"):
            other = "fr" if language == "en" else "en"

            def shown(org, language=language, other=other):
                return getattr(org, f"name_{language}") or getattr(org, f"name_{other}") or ""

            expected = sorted(made, key=lambda o: (collation.sort_key(language, shown(o)), o.pk))
            found = list(Organisation.objects.published().in_name_order(language))
            assert [o.pk for o in found] == [o.pk for o in expected]
    finally:
        Organisation.objects.filter(pk__in=[o.pk for o in made]).delete()


# --- Plans ---------------------------------------------------------------------------------


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Tables this small would be scanned and sorted; a sort must then
            # be the only way left, and the index must give the order instead.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("EXPLAIN " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def assert_reads_index_in_order(queryset, index):
    text = plan(queryset)
    assert index in text, text
    if connection.vendor == "postgresql":
        assert "Sort" not in text, text
    else:
        assert "TEMP B-TREE" not in text, text


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("model", ORDERED_TYPES, ids=lambda m: m.__name__)
def test_a_page_reads_its_languages_index_in_order(model, language):
    page = model.objects.published().in_name_order(language)[:50]
    assert_reads_index_in_order(page, f"kb_{model._meta.model_name}_name_{language}")


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("model", [Organisation, Event], ids=lambda m: m.__name__)
def test_a_region_and_a_cursor_read_it_in_order_too(model, language):
    rows = model.objects.published().in_name_order(language)
    index = f"kb_{model._meta.model_name}_name_{language}"
    in_europe = rows.filter(country__in=regions.countries_in("europe"))[:50]
    assert_reads_index_in_order(in_europe, index)
    keyset = Keyset(rows)
    start = [datetime.date(2025, 11, 24)] if model is Event else []
    after = rows.filter(keyset.beyond([*start, "Police", 7], forward=True))[:50]
    assert_reads_index_in_order(after, index)


# --- SQLite connections --------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite registers the collations")
def test_every_sqlite_connection_has_the_collations(tmp_path):
    # Django's (the signal), and a raw one once register() is called.
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 'b' < 'B' COLLATE entente_en, 'é' < 'f' COLLATE entente_fr")
        assert cursor.fetchone() == (1, 1)
    raw = sqlite3.connect(tmp_path / "raw.sqlite3")
    with pytest.raises(sqlite3.OperationalError, match="no such collation"):
        raw.execute("SELECT 'a' < 'b' COLLATE entente_en")
    collation.register(raw)
    assert raw.execute("SELECT 'É' < 'f' COLLATE entente_fr").fetchone() == (1,)
    raw.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's ICU collations")
def test_postgresql_has_deterministic_icu_collations():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collname, collprovider, collisdeterministic FROM pg_collation "
            "WHERE collname LIKE 'entente_%%' ORDER BY collname"
        )
        assert cursor.fetchall() == [("entente_en", "i", True), ("entente_fr", "i", True)]
