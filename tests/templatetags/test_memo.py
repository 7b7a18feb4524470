"""{% memo %}: a part rendered once per language, script prefix, URLconf and key (kb_tags)."""

import pytest
from django.template import engines
from django.test.utils import override_script_prefix
from django.utils import translation

SOURCE = (
    "{% load i18n kb_tags %}[{% memo current %}"
    '<a href="{% url "kb:search" %}"{% if current == "search" %} aria-current="page"{% endif %}>'
    '{% translate "Search" %}</a> {{ data }}{% endmemo %}]'
)


@pytest.fixture
def memo():
    return engines["django"].from_string(SOURCE)


def test_rendered_once_per_language_and_key(memo):
    with translation.override("en"):
        first = memo.render({"current": "search", "data": 1})
        # Whatever else the context holds, the same key gives the first rendering.
        assert memo.render({"current": "search", "data": 2}) == first
        other = memo.render({"current": "home", "data": 3})
    with translation.override("fr"):
        french = memo.render({"current": "search", "data": 4})
    assert first == '[<a href="/en/search/" aria-current="page">Search</a> 1]'
    assert other == '[<a href="/en/search/">Search</a> 3]'
    assert french == '[<a href="/fr/search/" aria-current="page">Rechercher</a> 4]'


def test_urls_follow_the_script_prefix(memo):
    with translation.override("en"):
        memo.render({"current": "home", "data": 1})
        with override_script_prefix("/entente/"):
            assert memo.render({"current": "home", "data": 2}) == (
                '[<a href="/entente/en/search/">Search</a> 2]'
            )


def test_a_changed_setting_or_another_parse_starts_afresh(memo, settings):
    with translation.override("en"):
        assert memo.render({"current": "home", "data": 1}).endswith(" 1]")
        settings.LANGUAGE_COOKIE_NAME = "lang"  # any setting
        assert memo.render({"current": "home", "data": 2}).endswith(" 2]")
        again = engines["django"].from_string(SOURCE)
        assert again.render({"current": "home", "data": 3}).endswith(" 3]")


@pytest.mark.django_db
def test_the_main_navigation_marks_each_page_its_own(client):
    for path, label in [
        ("/en/organisations/", "Organisations"),
        ("/en/people/", "People"),
        ("/fr/people/", "Personnes"),
        ("/en/quality/", "Data quality"),
    ]:
        html = client.get(path).content.decode()
        nav = html[html.index('<nav class="wrap site-nav"') :]
        nav = nav[: nav.index("</nav>")]
        assert nav.count('aria-current="page"') == 1, path
        assert f'aria-current="page">{label}</a>' in nav, path
    assert 'aria-current="page"' not in client.get("/en/").content.decode().split("site-nav")[1]
