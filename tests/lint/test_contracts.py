"""The custom import-linter contract of `make lint` reads import statements right."""

import pytest

from tests.lint.contracts import _names


@pytest.mark.parametrize(
    ("line", "prefix", "named"),
    [
        ("from django.http import JsonResponse", "django.http", True),
        ("from django.http.response import HttpResponse", "django.http", True),
        ("import django.http", "django.http", True),
        ("import os, django.urls", "django.urls", True),
        ("from django.db import connections", "django.http", False),
        ("from django.httpx import thing", "django.http", False),
        ("from rest_framework import serializers", "rest_framework", True),
        ("from django.utils.translation import gettext", "django.urls", False),
    ],
)
def test_names(line, prefix, named):
    assert _names(line, prefix) is named
