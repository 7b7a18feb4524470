"""The API lists' default order: by name in the answer's language, and cursors keyed on it.

Walking a list by its `next` links (cursors past the first rows) gives
every row once, in ICU's order for the language, on SQLite and PostgreSQL;
a cursor made in one language is refused in the other, and an explicit
`?ordering=` works as before.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.api import pagination as api_policies
from kb.db import collation
from kb.models import Event, Organisation
from tests import factories
from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cursor_early(monkeypatch):
    # Cursors from the third page of 3 rows on.
    monkeypatch.setattr(api_policies.Pagination, "CURSOR_FROM_ROW", 6)


def walk(client, url):
    """Every page by its `next` link, then back by `previous`: both lists of names, and
    whether a cursor was followed."""
    page, names, cursors = get_json(client, url), [], False
    while True:
        names += [r["name"] for r in page["results"]]
        if not page["next"]:
            break
        cursors |= "cursor=" in page["next"]
        page = get_json(client, page["next"])
    back = [r["name"] for r in page["results"]]
    while page["previous"]:
        page = get_json(client, page["previous"])
        back = [r["name"] for r in page["results"]] + back
    return names, back, cursors


def icu_sorted(names, language):
    return sorted(names, key=lambda name: collation.sort_key(language, name))


def test_the_articles_organisations_come_by_name_in_each_language(client, seeded):
    for language in ("en", "fr"):
        rows = get_json(client, f"/api/v1/organisations/?lang={language}&page_size=200")
        names = [row["name"] for row in rows["results"]]
        assert len(names) == 56
        assert names == icu_sorted(names, language)
    french = get_json(client, "/api/v1/organisations/?page_size=200", HTTP_ACCEPT_LANGUAGE="fr")
    names = [row["name"] for row in french["results"]]
    assert names.index("délégation de l’Argentine") < names.index("délégation de la Chine")
    # In code points "é" comes after "i", and lower case after capitals.
    assert names.index("police béninoise") < names.index("police biélorusse")
    assert names.index("pôle DGSN-DGST") < names.index("police béninoise")
    english = get_json(client, "/api/v1/organisations/?page_size=200")
    names = [row["name"] for row in english["results"]]
    bahamas = names.index("Delegation of the Bahamas")
    assert names.index("Delegation of South Korea") < bahamas < names.index("Delegation of Türkiye")


names = st.text(alphabet="aAbBeEéÉzZ '’-", min_size=1, max_size=6).filter(str.strip)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(names, names), min_size=7, max_size=16))
def test_cursor_pages_walk_the_name_order_whole(client, pairs):
    made = Organisation.objects.bulk_create(
        factories.OrganisationFactory.build(name_en=en, name_fr=fr) for en, fr in pairs
    )
    try:
        for language in ("en", "fr"):
            expected = [
                getattr(o, f"name_{language}")
                for o in sorted(
                    made,
                    key=lambda o: (
                        collation.sort_key(language, getattr(o, f"name_{language}")),
                        o.pk,
                    ),
                )
            ]
            forward, back, cursors = walk(
                client, f"/api/v1/organisations/?lang={language}&page_size=3"
            )
            assert forward == expected  # each row once, none missing, in order
            assert back == expected
            assert cursors
    finally:
        Organisation.objects.filter(pk__in=[o.pk for o in made]).delete()


def test_events_page_by_date_then_name(client):
    for day in (24, 25):
        for name in ("zulu", "Éclair", "alpha", "Bravo"):
            factories.EventFactory(name_en=f"{name} {day}", start_date=f"2025-11-{day}")
    forward, back, cursors = walk(client, "/api/v1/events/?page_size=3")
    expected = [f"{n} {d}" for d in (24, 25) for n in ("alpha", "Bravo", "Éclair", "zulu")]
    assert forward == back == expected
    assert cursors
    assert Event.objects.count() == 8


def test_a_cursor_from_one_language_is_refused_in_the_other(client):
    for n in range(12):
        factories.OrganisationFactory(name_en=f"Organisation {n:02}")
    page = get_json(client, "/api/v1/organisations/?page_size=3&page=2")
    deep = get_json(client, page["next"])["next"]
    assert "cursor=" in deep
    assert client.get(deep).status_code == 200
    assert client.get(deep + "&lang=fr").status_code == 404


def test_an_explicit_ordering_still_wins(client):
    for slug, name in [("c-slug", "Alpha"), ("a-slug", "Charlie"), ("b-slug", "Bravo")]:
        factories.OrganisationFactory(slug=slug, name_en=name)
    slugs = [r["slug"] for r in get_json(client, "/api/v1/organisations/?ordering=slug")["results"]]
    assert slugs == ["a-slug", "b-slug", "c-slug"]
    default = [r["slug"] for r in get_json(client, "/api/v1/organisations/")["results"]]
    assert default == ["c-slug", "b-slug", "a-slug"]
    csv = client.get("/api/v1/organisations/?format=csv").getvalue().decode()
    assert csv.index("c-slug") < csv.index("b-slug") < csv.index("a-slug")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_ordering_by_name_sorts_as_the_default_does(client, language):
    for name in ["BKA", "Bahamas", "éthiopie", "Espagne", "la Chine", "l’Argentine", "bka"]:
        factories.OrganisationFactory(name_en=name, name_fr=name)
    url = f"/api/v1/organisations/?lang={language}&page_size=3"
    default, _back, _cursors = walk(client, url)
    assert default == ["Bahamas", "bka", "BKA", "Espagne", "éthiopie", "l’Argentine", "la Chine"]
    by_name, back, _cursors = walk(client, f"{url}&ordering=name")
    assert by_name == back == default
    descending, back, _cursors = walk(client, f"{url}&ordering=-name")
    assert descending == back == default[::-1]
