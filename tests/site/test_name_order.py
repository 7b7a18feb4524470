"""The list pages' default order: by name in the page's language (kb/models/ordering.py).

The article's 56 organisations, read page after page on /en/ and /fr/,
come in ICU's order for that language, as they do sorted by name;
`?ordering=` still chooses another.
"""

import html
import re

import pytest

from kb.db import collation
from tests import factories

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<li class="record">\s*<h3><a href="/(?:en|fr)/[a-z]+/([^/"]+)/">([^<]*)</a>')


def rows(client, url):
    """(slug, name) of every row, following the pages."""
    found, page = [], 1
    while True:
        response = client.get(f"{url}{'&' if '?' in url else '?'}page={page}")
        if response.status_code == 404:
            return found
        assert response.status_code == 200
        text = response.content.decode()
        found += [(slug, html.unescape(name)) for slug, name in ROW.findall(text)]
        page += 1


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_articles_organisations_read_by_name(client, seeded, language):
    found = rows(client, f"/{language}/organisations/")
    names = [name for _slug, name in found]
    assert len(names) == 56
    assert names == sorted(names, key=lambda name: collation.sort_key(language, name))
    # "Sort by: Name" gives the same order; descending, the reverse.
    assert rows(client, f"/{language}/organisations/?ordering=name") == found
    assert rows(client, f"/{language}/organisations/?ordering=-name") == found[::-1]
    if language == "fr":
        assert names.index("délégation de l’Argentine") < names.index("délégation de la Chine")
    else:
        # Once the third row ("bka" by slug), and the Bahamas between Brazil and Chile.
        assert names.index("Federal Criminal Police Office") > names.index("Danish police")
        assert names[:2] == ["Belarusian police", "Beninese police"]


def test_events_by_date_then_by_name_and_ordering_still_chooses(client):
    for name in ("zulu", "Éclair", "alpha"):
        factories.EventFactory(name_en=name, name_fr=name, start_date="2025-11-24")
    factories.EventFactory(name_en="Aardvark", name_fr="Aardvark", start_date="2025-11-25")
    names = [name for _slug, name in rows(client, "/en/events/")]
    assert names == ["alpha", "Éclair", "zulu", "Aardvark"]
    names = [name for _slug, name in rows(client, "/en/events/?ordering=-start_date")]
    assert names[0] == "Aardvark"
