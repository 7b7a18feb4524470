"""kb_tags: the other language's URL is found once per page, and the head and header agree."""

import re

import pytest

from kb.templatetags import kb_tags

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/en/organisations/?region=europe&page=1", "/fr/organisations/?region=europe&amp;page=1"),
        ("/fr/people/", "/en/people/"),
        ("/en/no-such-page/", "/fr/"),  # a 404: the home page in the other language
    ],
)
def test_language_url_once_per_page(client, monkeypatch, path, expected):
    calls = []
    found = kb_tags._language_url
    monkeypatch.setattr(kb_tags, "_language_url", lambda *args: calls.append(args) or found(*args))
    html = client.get(path).content.decode()
    assert len(calls) == 1
    alternate = re.search(r'<link rel="alternate" hreflang="\w+" href="([^"]+)">', html)[1]
    header = re.search(r'<li><a href="([^"]+)" hreflang=', html)[1]
    assert alternate == header == expected
