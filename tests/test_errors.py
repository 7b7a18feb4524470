"""Errors no view answers itself: JSON under /api/, the site's page, in its language, elsewhere."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.error_urls")]


@pytest.fixture
def quiet_client(client):
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("path", "status", "detail"),
    [
        ("/api/v1/_boom/", 500, "Server error."),
        ("/api/v1/_bad/", 400, "Bad request."),
        ("/api/v1/_denied/", 403, "Permission denied."),
        ("/api/nowhere/", 404, "Not found."),
    ],
)
def test_api_errors_are_json(quiet_client, path, status, detail):
    response = quiet_client.get(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("path", "status", "heading"),
    [
        ("/en/_bad/", 400, "Bad request"),
        ("/fr/_bad/", 400, "Requête incorrecte"),
        ("/en/_denied/", 403, "Access denied"),
        ("/fr/_denied/", 403, "Accès refusé"),
        ("/en/nowhere/", 404, "Page not found"),
        ("/fr/nowhere/", 404, "Page introuvable"),
    ],
)
def test_site_errors_are_the_sites_pages_in_their_language(quiet_client, path, status, heading):
    response = quiet_client.get(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert 'class="site-header"' in html  # the site's own page, with its navigation


def test_a_site_server_error_is_the_sites_page(quiet_client):
    response = quiet_client.get("/en/_boom/")
    assert response.status_code == 500
    assert "Server error" in response.content.decode()
    assert "Une erreur" in response.content.decode()
