from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import override_settings
from django.utils import translation

from kb.db import search
from tests.downloads import downloads_storage  # noqa: F401
from tests.support import _article_once, article, restore, seed_snapshot  # noqa: F401

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "fixtures" / "sources" / "interpol-ga-93-hammouchi-bilaterals.fr.txt"


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Passwords hashed with MD5 in the suite, as Django's testing docs advise.

    Why: the default PBKDF2 takes a quarter of a second per hash on these
    machines, and some 250 tests make a user with a password or log in. What
    the hasher protects is Django's; no test is about its strength.
    """
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def _listed_once(method):
    """`method`, a WhiteNoise middleware's listing of static files, run once per
    arguments and settings; later calls add the same entries to the instance's table."""
    listed = {}

    def listing(self, *args, **kwargs):
        if self.autorefresh:  # nothing listed: files are looked up on each request
            return method(self, *args, **kwargs)
        key = (
            args,
            tuple(sorted(kwargs.items())),
            self.static_prefix,
            self.max_age,
            self.allow_all_origins,
            self.charset,
            self.index_file,
            tuple(django_settings.INSTALLED_APPS),
            tuple(map(str, django_settings.STATICFILES_DIRS)),
        )
        if key not in listed:
            before = dict(self.files)
            method(self, *args, **kwargs)
            listed[key] = {u: f for u, f in self.files.items() if before.get(u) is not f}
        self.files.update(listed[key])

    return listing


@pytest.fixture(autouse=True, scope="session")
def _static_files_listed_once():
    """WhiteNoise lists and stats every static file when its middleware loads, and
    Django's test client loads the middleware once per client, so once per test:
    19 ms each here (some 30 s of the suite), and several times that in a checkout
    where `make serve` has collected the files into STATIC_ROOT (py-spy: a quarter
    of tests/site, api and admin). The files do not change during a run, so each
    listing is made once and reused: the same table of the same files and headers."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    originals = {
        name: getattr(WhiteNoiseMiddleware, name)
        for name in ("add_files", "add_files_from_finders")
    }
    for name, method in originals.items():
        setattr(WhiteNoiseMiddleware, name, _listed_once(method))
    yield
    for name, method in originals.items():
        setattr(WhiteNoiseMiddleware, name, method)


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request that activates another
    (LocaleMiddleware, the admin's language cookie) leaves it active in this thread."""
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_search_statistics():
    """Each test starts with no search statistics kept by the process (kb/db/search.py):
    how many rows a search's words found, remembered from an earlier test's data,
    would choose its plan, and spare it the index's read that a query count expects."""
    search.forget_statistics()


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


DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_collection_modifyitems(items):
    """Every database test may use the jobs alias too (kb/db/routing.py): an
    admin import or export queues a job there, and the import page's tests
    would otherwise each have to say so."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = set(getattr(item, "fixturenames", ()))
        if marker is None and not DB_FIXTURES & fixtures:
            continue
        args = marker.args if marker else ()
        kwargs = dict(marker.kwargs) if marker else {}
        if "databases" in kwargs:
            continue
        if "transactional_db" in fixtures and not args:
            kwargs.setdefault("transaction", True)
        kwargs["databases"] = ["default", "jobs"]
        item.add_marker(pytest.mark.django_db(*args, **kwargs), append=False)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Close every connection before the test databases are dropped: on PostgreSQL
    the jobs alias is a second connection to the same database, and a DROP
    DATABASE with it still open fails (leaving the database behind)."""
    yield
    with django_db_blocker.unblock():
        connections.close_all()
