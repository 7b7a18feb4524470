"""The import tests' users: a reviewer (who may publish by import) and an editor."""

import pytest

from tests.support import member_of


@pytest.fixture
def reviewer(django_user_model):
    return member_of(django_user_model, "reviewer")


@pytest.fixture
def editor(django_user_model):
    return member_of(django_user_model, "editor", username="writer")
