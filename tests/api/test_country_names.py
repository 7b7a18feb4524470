"""The API's filters take country names as well as codes; relations stay slugs and dates
stay ISO (the pages, which take names and local dates, redirect to that form)."""

import pytest

from tests.support import _unthrottled, get_json  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

ASSEMBLY = "interpol-general-assembly-93"


def slugs(client, url):
    page = get_json(client, f"{url}&page_size=200")
    return [record["slug"] for record in page["results"]]


@pytest.mark.parametrize(
    ("by_name", "by_code"),
    [
        ("/api/v1/organisations/?country=Allemagne", "/api/v1/organisations/?country=DE"),
        ("/api/v1/organisations/?country=germany", "/api/v1/organisations/?country=DE"),
        ("/api/v1/organisations/?country=Turkey", "/api/v1/organisations/?country=TR"),
        (
            "/api/v1/events/?counterpart_country=Norvège,Éthiopie",
            "/api/v1/events/?counterpart_country=NO,ET",
        ),
        (
            "/api/v1/agreements/?party_country=norway",
            "/api/v1/agreements/?party_country=NO",
        ),
    ],
)
def test_a_country_name_gives_the_codes_rows(client, by_name, by_code):
    named = slugs(client, by_name)
    assert named and named == slugs(client, by_code)


def test_an_unknown_country_name_is_a_400_naming_the_parameter(client):
    response = client.get("/api/v1/organisations/?country=Atlantis")
    assert response.status_code == 400
    assert list(response.json()) == ["country"]
    assert "Unknown country: Atlantis" in response.json()["country"][0]
    close = client.get("/api/v1/events/?counterpart_country=Norwy").json()
    assert "Did you mean: Norway?" in close["counterpart_country"][0]


def test_the_cooperation_endpoints_take_country_names_too(client):
    named = get_json(client, f"/api/v1/map/?parent={ASSEMBLY}&counterpart_country=Norvège")
    coded = get_json(client, f"/api/v1/map/?parent={ASSEMBLY}&counterpart_country=NO")
    assert named == coded


def test_relations_stay_slugs_in_the_api(client):
    response = client.get("/api/v1/events/?participant=Norwegian National Police")
    assert response.status_code == 400
    assert "Unknown organisation" in response.json()["participant"][0]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_dates_stay_iso_in_the_api_whatever_the_language(client, lang):
    """01/02/2025 is 2 January in the US and 1 February in France: never read."""
    response = client.get(f"/api/v1/events/?date_from=24/11/2025&lang={lang}")
    assert response.status_code == 400
    assert list(response.json()) == ["date_from"]
    assert client.get(f"/api/v1/events/?date_from=2025-11-24&lang={lang}").status_code == 200
