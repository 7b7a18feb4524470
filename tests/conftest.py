from pathlib import Path

import pytest

from tests.support import _article_once, article, restore, seed_snapshot  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "fixtures" / "sources" / "interpol-ga-93-hammouchi-bilaterals.fr.txt"


@pytest.fixture
def article_text():
    """The repository's copy of the article, the ground truth for every quote."""
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture
def seeded(db, seed_snapshot):  # noqa: F811  (the fixture imported above)
    """The article's data, as `make run` loads it (`manage.py seed`, run once per database)."""
    restore(seed_snapshot)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client
