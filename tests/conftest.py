from pathlib import Path

import pytest
from django.core.management import call_command

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "fixtures" / "sources" / "interpol-ga-93-hammouchi-bilaterals.fr.txt"


@pytest.fixture
def article_text():
    """The repository's copy of the article, the ground truth for every quote."""
    return ARTICLE.read_text(encoding="utf-8")


@pytest.fixture
def seeded(db):
    """The article's data, loaded the way `make run` loads it."""
    call_command("seed", "--if-empty", verbosity=0)


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    return client
