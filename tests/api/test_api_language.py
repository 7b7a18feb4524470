"""Read API v1 in either language: `lang` and Accept-Language, names in both, fallbacks."""

import pytest

from tests import factories
from tests.api.test_api import ASSEMBLY, detail, get
from tests.support import _unthrottled  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]


def test_name_in_the_requested_language(client):
    url = f"/api/v1/events/{ASSEMBLY}/"
    english, french = "93rd INTERPOL General Assembly", "93ᵉ Assemblée générale d’INTERPOL"
    assert get(client, url)["name"] == english
    assert get(client, url + "?lang=fr")["name"] == french
    assert get(client, url + "?lang=FR")["name"] == french
    assert get(client, url, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")["name"] == french
    assert get(client, url, HTTP_ACCEPT_LANGUAGE="de,fr;q=0.5")["name"] == french
    assert get(client, url, HTTP_ACCEPT_LANGUAGE="de")["name"] == english
    # The parameter wins over the header.
    assert get(client, url + "?lang=en", HTTP_ACCEPT_LANGUAGE="fr")["name"] == english
    # Lists, agreements' titles and claims' statements too.
    page = get(client, "/api/v1/agreements/?lang=fr")["results"]
    assert {a["name"] for a in page} >= {"Accord avec la police nationale norvégienne"}
    claim = get(client, "/api/v1/claims/?lang=fr")["results"][0]
    assert claim["name"] == claim["statement"]
    assert claim["statement"].startswith("Pas moins de quarante-trois")


def test_names_give_both_languages_whatever_the_request(client):
    names = get(client, f"/api/v1/events/{ASSEMBLY}/?lang=fr")["names"]
    assert names == {
        "en": "93rd INTERPOL General Assembly",
        "fr": "93ᵉ Assemblée générale d’INTERPOL",
    }


def test_missing_translation_falls_back_to_the_other_language(client, db):
    factories.TopicFactory(slug="untranslated", name_en="Only English", name_fr="")
    topic = detail(client, "topics", "untranslated", data={"lang": "fr"})
    assert topic["name"] == "Only English"
    assert topic["names"] == {"en": "Only English", "fr": None}


@pytest.mark.parametrize("url", ["/api/v1/topics/", "/api/v1/topics/cybercrime/"])
def test_language_responses_vary_on_accept_language(client, url):
    response = client.get(url)
    assert "Accept-Language" in response["Vary"]


@pytest.mark.parametrize("lang", ["de", "english", "en-GB", "\x00"])
@pytest.mark.parametrize("url", ["/api/v1/topics/", "/api/v1/topics/cybercrime/"])
def test_unknown_lang_answers_400_naming_lang(client, url, lang):
    response = client.get(url, {"lang": lang})
    assert response.status_code == 400
    assert list(response.json()) == ["lang"]
