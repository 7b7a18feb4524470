"""The import tests' users: a reviewer (who may publish by import) and an editor."""

import pytest
from django.contrib.auth.models import Group


def _staff_in(django_user_model, username, group):
    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", "pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def reviewer(django_user_model):
    return _staff_in(django_user_model, "reviewer", "reviewer")


@pytest.fixture
def editor(django_user_model):
    return _staff_in(django_user_model, "writer", "editor")
