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


def _as_django_translates(request, language):
    # What _language_url did before it kept each path's answer: translate_url() on
    # the full path, or the home page in that language when no page matches.
    from django.urls import reverse, translate_url
    from django.utils import translation

    here = request.get_full_path()
    there = translate_url(here, language)
    if there == here and language != translation.get_language():
        with translation.override(language):
            there = reverse("kb:home")
    return there


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    "url",
    [
        "/en/organisations/?region=europe&page=2",
        "/en/organisations/?q=d%C3%A9l%C3%A9gation&country=Norv%C3%A8ge",
        "/en/events/interpol-general-assembly-93/",
        "/en/events/interpol-general-assembly-93/?lang=x#participants",
        "/en/",
        "/en/?q=interpol",
        "/en/no-such-page/?q=1",
        "/no-prefix-at-all/",
        "/en/organisations/caf%C3%A9%20x/",
    ],
)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_language_url_is_what_translate_url_gives(rf, url, language):
    from django.utils import translation

    for _ in range(2):  # the second time from what the first kept
        request = rf.get(url)
        with translation.override("en"):
            assert kb_tags._language_url(request, language) == _as_django_translates(
                request, language
            ), (url, language)
