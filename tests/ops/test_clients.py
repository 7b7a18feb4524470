"""The client's address behind proxies: the login lockout counts whom the API's throttling does."""

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.throttling import BaseThrottle

from kb.ops.clients import client_address

PROXY = "10.0.0.2"  # the reverse proxy every request comes through
ATTACKER = "203.0.113.9"
EDITOR = "198.51.100.7"


@pytest.fixture
def behind_one_proxy(settings):
    """DJANGO_NUM_PROXIES=1, as config/settings.py hands it to both readers."""
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def login(client, password, client_ip):
    return client.post(
        reverse("admin:login"),
        {"username": "editor", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_ip,
    )


@pytest.mark.django_db
def test_failures_from_one_client_do_not_lock_the_user_out_at_another(
    client, django_user_model, behind_one_proxy
):
    django_user_model.objects.create_user("editor", "e@example.org", "right-pw", is_staff=True)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong", ATTACKER)
    assert login(client, "right-pw", ATTACKER).status_code == 429  # that address is locked
    response = login(client, "right-pw", EDITOR)
    assert response.status_code == 302  # the editor, behind the same proxy, logs in
    assert client.session["_auth_user_id"]


@pytest.mark.django_db
def test_without_proxies_a_forged_header_does_not_dodge_the_lockout(client, django_user_model):
    assert settings.NUM_PROXIES == 0
    django_user_model.objects.create_user("editor", "e@example.org", "right-pw", is_staff=True)
    for number in range(settings.AXES_FAILURE_LIMIT):
        login(client, "wrong", f"192.0.2.{number}")  # a new forged address each time
    assert login(client, "right-pw", EDITOR).status_code == 429


@pytest.mark.parametrize("proxies", [0, 1, 2, 3])
@pytest.mark.parametrize(
    "forwarded",
    [None, "198.51.100.7", "192.0.2.1, 198.51.100.7", "192.0.2.1,192.0.2.2, 198.51.100.7"],
)
def test_the_same_address_as_the_api_throttling(settings, proxies, forwarded):
    settings.NUM_PROXIES = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    headers = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, **headers)
    assert client_address(request) == BaseThrottle().get_ident(request)


@pytest.mark.parametrize("forwarded", ["", "not-an-ip", "192.0.2.1, "])
def test_an_empty_or_malformed_entry_falls_back_to_the_socket_address(settings, forwarded):
    # Where DRF would count by the bare text (an empty one for an empty header),
    # the lockout must store an address.
    settings.NUM_PROXIES = 1
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == PROXY
