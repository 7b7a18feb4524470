"""The site's icon: linked from the public pages, and at /favicon.ico for pages that link none."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_favicon_ico_answers_with_an_image(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/")
    assert b"<svg" in b"".join(response.streaming_content)
    [(location, status)] = response.redirect_chain
    assert status == 302 and location.endswith("/kb/favicon.svg")


@pytest.mark.parametrize("path", ["/en/", "/fr/organisations/"])
def test_public_pages_link_the_icon(client, path):
    html = client.get(path).text
    [href] = re.findall(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    response = client.get(href)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
