"""Pages built from kept parts are the pages built afresh.

A process keeps what depends only on the language and the query's values:
filter fields' HTML (kb/site/forms.py), the header's and footer's fixed
parts ({% memo %}), each list's unfiltered queryset, the rows' words. Each
page here is rendered with nothing kept, then again among all the others,
in another order and language: the HTML is the same, byte for byte.
"""

from kb.site import forms, views
from kb.templatetags import kb_rows, kb_tags

PAGES = [
    "/{}/organisations/",
    "/{}/organisations/?region=europe",
    "/{}/organisations/?region=europe,africa&kind=police",
    "/{}/organisations/?region=mars&parent=nope",  # 400: errors beside their fields
    "/{}/organisations/?q=zzzz",  # no rows
    "/{}/people/?country=MA",
    "/{}/events/?date_from=2025-11-01&ordering=-start_date",
    "/{}/events/?page=2",
    "/{}/agreements/?party_region=europe",
    "/{}/sources/?language=fr",
    "/{}/topics/",
    "/{}/",
    "/{}/search/?q=police",
    "/{}/events/interpol-general-assembly-93/",
    "/{}/no-such-page/",
]
URLS = [page.format(language) for page in PAGES for language in ["en", "fr"]]


def forget_kept_parts():
    forms._GROUPS.clear()
    kb_tags._MEMOS.clear()
    views.listed.cache_clear()
    kb_rows._words.cache_clear()


def test_pages_from_kept_parts_are_the_pages_built_afresh(client, seeded):
    afresh = {}
    for url in URLS:
        forget_kept_parts()
        response = client.get(url)
        assert response.status_code in {200, 400, 404}, url
        afresh[url] = response.content.decode()
    for url in [*URLS[::-1], *URLS[1::2], *URLS[::2]]:
        assert client.get(url).content.decode() == afresh[url], url
