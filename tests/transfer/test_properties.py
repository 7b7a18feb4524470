"""No import file gives a 500 or half a write: random cells and files (Hypothesis).

Random rows for several types, in CSV, JSON and XLSX, with cells a user
means (known slugs, codes, dates) and cells no user should send (control
characters, formulas, huge or empty text, duplicate and unknown columns), go
through the admin's import as a reviewer: the preview, then the confirm step
whenever the preview offers one. Every answer is below 500, and the database
afterwards holds either every row the preview announced or nothing new at all.
"""

import json

import pytest
import tablib
from django.contrib.auth.models import Group
from django.urls import reverse
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kb import models
from kb.transfer.formats import FORMATS
from kb.transfer.resources import RESOURCES
from tests.support import admin_import, record_models, run_queued_jobs

pytestmark = pytest.mark.django_db

MODELS = [models.Organisation, models.Event, models.Participation, models.Citation]
MEANT = [
    *["bka", "interpol", "pole-dgsn-dgst", "interpol-general-assembly-93", "cybercrime"],
    *["interpol-ga-93-hammouchi-bilaterals", "organisation", "event", "participation"],
    *["police", "delegation", "bilateral_meeting", "counterpart", "host", "draft"],
    *["published", "FR", "MA", "xx", "2025-11-24", "2025-11-27", "2025-13-01", "exact"],
    *["within", '["Sûreté"]', "[]", "{}", "1", "-1", "", " ", "a|b||", "=1+1", "'tis"],
]
cells = st.one_of(
    st.sampled_from(MEANT),
    st.text(max_size=20),  # any Unicode, control characters included
    st.text(alphabet="\x00\x01\x0b\x1b\t\n\r'=,;\"|", max_size=6),
    st.text(alphabet="abc- ", min_size=250, max_size=320),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.none(),
)


REACHED = []


def columns(model):
    return [f.column_name for f in RESOURCES[model]().get_import_fields()]


slugs = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,20}\Z")
names = st.text(alphabet=st.characters(categories=("L", "N", "Zs", "P")), min_size=1, max_size=30)
# A valid row of each type, which the strategy then spoils cell by cell.
VALID = {
    models.Organisation: lambda d: {
        "slug": d(slugs),
        "status": "draft",
        "name_en": d(names),
        "kind": "police",
        "country": d(st.sampled_from(["FR", "MA", ""])),
        "aliases": '["Police"]',
    },
    models.Event: lambda d: {
        "slug": d(slugs),
        "status": "draft",
        "name_en": d(names),
        "kind": "bilateral_meeting",
        "parent": "interpol-general-assembly-93",
        "start_date": "2025-11-24",
        "end_date": "2025-11-27",
        "date_precision": "within",
        "topics": "cybercrime",
    },
    models.Participation: lambda d: {
        "event": "interpol-general-assembly-93",
        "organisation": d(st.sampled_from(["bka", "interpol", "dgsn", "dgst"])),
        "person": "",
        "post": "",
        "role": "participant",
    },
    models.Citation: lambda d: {
        "record_type": "organisation",
        "record": d(st.sampled_from(["bka", "interpol", "dgsn"])),
        "source": "interpol-ga-93-hammouchi-bilaterals",
        "quote": d(names),
    },
}


@st.composite
def files(draw, model):
    known = columns(model)
    rows = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        row = VALID[model](draw)
        if draw(st.integers(min_value=0, max_value=2)) == 0:
            row[draw(st.sampled_from(known))] = draw(cells)  # spoil one cell, a row in three
        rows.append(row)
    headers = list(dict.fromkeys(name for row in rows for name in row)) or known[:1]
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        headers.append(draw(st.sampled_from([*known, "unknown", ""])))  # a column twice, or odd
    table = [[row.get(name) for name in headers] for row in rows]
    file_format = draw(st.sampled_from(range(len(FORMATS))))
    return headers, table, file_format


def encode(headers, rows, file_format):
    """The file's bytes, or None when that format cannot hold these cells."""
    name = FORMATS[file_format].__name__
    if name == "JSON":
        # Objects written by hand, so that a repeated column is a repeated key.
        items = []
        for row in rows:
            pairs = (f"{json.dumps(h)}: {json.dumps(v)}" for h, v in zip(headers, row, strict=True))
            items.append("{" + ", ".join(pairs) + "}")
        return ("[" + ", ".join(items) + "]").encode()
    data = tablib.Dataset(headers=headers)
    for row in rows:
        data.append(row)
    try:
        return (
            FORMATS[file_format]().export_data(data).encode()
            if name == "CSV"
            else (FORMATS[file_format]().export_data(data))
        )
    except Exception:  # openpyxl refuses control characters in a cell it writes
        return None


def counts():
    return {m._meta.label: m._default_manager.count() for m in record_models()}


@pytest.fixture
def reviewer_client(client, django_user_model):
    user = django_user_model.objects.create_user("rev", "r@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="reviewer"))
    client.force_login(user)
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_no_import_file_gives_a_500_or_half_a_write(seeded, reviewer_client, model):
    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(file=files(model))
    def check(file):
        headers, rows, file_format = file
        content = encode(headers, rows, file_format)
        assume(content is not None)
        before = counts()
        name = f"random.{FORMATS[file_format]().get_extension()}"
        preview = admin_import(reviewer_client, model, content, str(file_format), name, True)
        assert preview.status_code < 500, (file, preview.status_code)
        context = preview.context or {}
        if not context.get("can_import"):
            assert counts() == before, file  # refused: nothing written
            return
        announced = context["report"]["new"]
        REACHED.append(announced)
        done = reviewer_client.post(reverse("admin:kb_job_import", args=(context["job"].pk,)))
        assert done.status_code < 500, (file, done.status_code)
        [job] = run_queued_jobs()
        assert job.state in ("done", "failed"), (file, job.state)
        after = counts()
        label = model._meta.label
        assert after[label] in (before[label], before[label] + announced), file
        if after[label] == before[label] and announced:
            # Nothing of the model was written, so nothing else may have been either.
            assert after == before, file

    check()
    # The property means something only if some files were good enough to write.
    assert any(REACHED), f"no {model.__name__} file reached the confirm step"
    REACHED.clear()
