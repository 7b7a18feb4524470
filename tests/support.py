"""Helpers shared across the suite: the article's data loaded fast, and model checks.

`seeded` (conftest.py) gives a test the article's data exactly as
`manage.py seed` loads it, history included. Running the command costs most
of a second, so each test database runs it once (`seed_snapshot`), keeps
the rows it wrote, and rolls it back; each test then inserts those rows
again in a few milliseconds. Inserts fire the database's triggers, so the
search index and the data version stay in step as after a real seed.
"""

import datetime
import io
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from reversion.models import Revision, Version

from kb.db.routing import is_job_model
from kb.models import DuplicateCandidate, SlugRedirect
from tests import factories

# The keys of every JSON log line (kb/ops/logs.py): the app's and gunicorn's access log.
LOG_KEYS = frozenset(
    {"time", "level", "logger", "request_id", "method", "path", "status", "duration_ms", "message"}
)

# --- The article's data, once per test database --------------------------------------


def record_models(include_auto_created=False):
    """kb's models of the records: managed, and not the jobs' (kb/models/jobs.py) nor the
    redirects merges leave (kb/models/redirects.py: no page, file or rights of their own)
    nor the possible duplicates (kb/models/duplicates.py: reviewers' bookkeeping)."""
    return [
        m
        for m in apps.get_app_config("kb").get_models(include_auto_created=include_auto_created)
        if m._meta.managed
        and not is_job_model(m._meta.app_label, m._meta.model_name)
        and m not in (SlugRedirect, DuplicateCandidate)
    ]


def seeded_tables():
    """Every table `seed` writes: kb's (join tables included) and reversion's, and the
    redirects', so that a restore empties it."""
    models = record_models(include_auto_created=True)
    return [m._meta.db_table for m in [*models, SlugRedirect, Revision, Version]]


CONTENT_TYPES = "django_content_type"


def _content_type_columns():
    """{table: [column, ...]}: the columns that hold a content type's id."""
    columns = {}
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.is_relation and field.related_model is ContentType:
                columns.setdefault(model._meta.db_table, []).append(field.column)
    return columns


def capture(tables):
    """{table: (columns, rows)} as they stand, with the content types' ids of the day."""
    quote = connection.ops.quote_name
    captured = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")
            columns = [c[0] for c in cursor.description]
            captured[table] = (columns, cursor.fetchall())
        cursor.execute(f"SELECT id, app_label, model FROM {CONTENT_TYPES}")
        captured[CONTENT_TYPES] = {pk: (app, model) for pk, app, model in cursor.fetchall()}
    return captured


def restore(captured):
    """Insert captured rows again, keys and all.

    Foreign keys are deferred to commit on both databases, so table order does
    not matter. Sequences need no reset: PostgreSQL's never move back, so they
    stand past the captured keys; SQLite takes the largest key inserted.

    Content types are matched by name, not id: a transactional test's flush
    makes them again, and on PostgreSQL (one database under two aliases, each
    flushed and each creating the types it migrates) in another order than
    when the rows were captured.
    """
    quote = connection.ops.quote_name
    type_columns = _content_type_columns()
    # One transaction (a savepoint inside a test's), so that the foreign keys
    # are checked once every table is in, also under `transactional_db`.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT id, app_label, model FROM {CONTENT_TYPES}")
        now = {(app, model): pk for pk, app, model in cursor.fetchall()}
        old = captured[CONTENT_TYPES]
        ids = {pk: now.get(name, pk) for pk, name in old.items()}
        for table, value in captured.items():
            if table == CONTENT_TYPES or not value[1]:
                continue
            columns, rows = value
            moved = [columns.index(c) for c in type_columns.get(table, ()) if c in columns]
            if moved and any(ids[k] != k for k in ids):
                rows = [
                    tuple(ids.get(v, v) if i in moved else v for i, v in enumerate(row))
                    for row in rows
                ]
            names = ", ".join(quote(c) for c in columns)
            # Many rows a statement: PostgreSQL's triggers run once a statement
            # (kb/db/groups.py, search.py), so a statement a row ran each table's
            # refreshes hundreds of times, most of a restore's 0.4 s there. There,
            # COPY (which fires the same statement triggers) halves what was left.
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                continue
            row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
            size = min(500, connection.features.max_query_params // len(columns))
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                cursor.execute(
                    f"INSERT INTO {quote(table)} ({names}) VALUES "
                    + ", ".join([row_marks] * len(chunk)),
                    [v for row in chunk for v in row],
                )
    ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def seed_snapshot(django_db_setup, django_db_blocker):
    """The rows `manage.py seed` writes into an empty database, computed once."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed", "--if-empty", verbosity=0)
        snapshot = capture(seeded_tables())
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture(scope="module")
def _article_once(django_db_setup, django_db_blocker, seed_snapshot):
    with django_db_blocker.unblock(), transaction.atomic():
        restore(seed_snapshot)
        yield
        transaction.set_rollback(True)


@pytest.fixture
def article(_article_once, db):
    """The article's data for a module that only reads it: restored once per module.

    Each test still runs in its own savepoint (the `db` fixture), so a test
    that changes data leaves the next one the article as loaded.
    """


# --- Users ---------------------------------------------------------------------------


def member_of(django_user_model, role, username=None):
    """A staff user in the editorial group `role` (kb/migrations/0003: editor, reviewer...)."""
    username = username or role.replace(" ", "-")
    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", "pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


# --- API -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _unthrottled(settings):
    """Requests in tests are not throttled unless a test sets a rate itself.

    Autouse in the modules that import it.
    """
    settings.API_ANON_THROTTLE_RATE = None


def get_json(client, url, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return response.json()


# --- Models ----------------------------------------------------------------------------

D1 = datetime.date(2025, 11, 24)
D2 = datetime.date(2025, 11, 27)
ORDER_MESSAGE = "The end date must be on or after the start date."

MAIN_FACTORIES = [
    factories.TopicFactory,
    factories.OrganisationFactory,
    factories.PersonFactory,
    factories.PostFactory,
    factories.EventFactory,
    factories.AgreementFactory,
    factories.SourceFactory,
    factories.ClaimFactory,
]


def factory_id(factory):
    return factory._meta.model.__name__


@contextmanager
def refused():
    """Expect the database to refuse what the block writes, then carry on.

    The savepoint keeps the test's transaction usable after the error
    (PostgreSQL aborts the whole transaction otherwise).
    """
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def validation_errors(obj):
    """The message_dict of obj.full_clean(), which must fail."""
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict


# --- Admin -----------------------------------------------------------------------------


def _url(model, view, *args):
    return reverse(f"admin:kb_{model._meta.model_name}_{view}", args=args)


def _form_data(response):
    """The POST data a browser would send back for an admin change form, unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms.append(inline.formset.management_form)
        forms.extend(inline.formset.forms)
    data = {}
    for form in forms:
        for name, field in form.fields.items():
            keys = [form.add_prefix(name)]
            if field.show_hidden_initial:
                # Change forms carry each field's value as loaded (kb/admin/forms.py).
                keys.append(form.add_initial_prefix(name))
            value = form[name].value()
            if value is None or value is False:
                continue
            for key in keys:
                if isinstance(value, (list, tuple)):
                    data[key] = [str(v) for v in value]
                else:
                    data[key] = value
    return data


# --- Jobs --------------------------------------------------------------------------


def run_queued_jobs():
    """Run every queued job here, in this test's transaction, as a worker would.

    The worker's own code (kb/jobs/runner.py) without its process: for the
    tests of what an import or export does. tests/jobs/ run real workers.
    """
    from kb.jobs import runner
    from kb.models import Job

    ran = []
    for pk in (
        Job.objects.filter(state=Job.State.QUEUED).order_by("pk").values_list("pk", flat=True)
    ):
        runner.run(pk)
        ran.append(Job.objects.get(pk=pk))
    return ran


def admin_import(client, model, data, file_format="0", name="upload.csv", check_first=False):
    """An editor's import through the admin: the upload, its job run, its page.

    Returns the job page's response (its context has `job` and `report`), or
    the import page itself when the form refused the file.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    file = io.BytesIO(data)
    file.name = name
    form = {"format": file_format, "import_file": file}
    if check_first:
        form["check_first"] = "on"
    response = client.post(_url(model, "import"), form)
    if response.status_code != 302:
        return response
    run_queued_jobs()
    return client.get(response["Location"])


def report_errors(response):
    """{(row, column): [messages]} of a job page's report."""
    errors = {}
    for error in response.context["report"].get("errors", []):
        errors.setdefault((error["row"], error["column"]), []).append(error["message"])
    return errors


def admin_export(client, model, form):
    """An editor's export through the admin: the form, its job run, the file downloaded."""
    response = client.post(_url(model, "export"), form)
    assert response.status_code == 302, response
    [job] = run_queued_jobs()
    assert job.state == "done", job.report
    return client.get(reverse("admin:kb_job_download", args=(job.pk,)))


def search_index_reads(queries):
    """Queries a search adds on SQLite, where each query of found rows first reads the
    FTS5 index (kb/db/search.py, Candidates): `queries` of them; none on PostgreSQL."""
    from django.db import connection

    return queries if connection.vendor == "sqlite" else 0
