"""The seed snapshot (tests/support.py) restores the article however the content types
were numbered when it was taken: a transactional test's flush makes them again, and
on PostgreSQL in another order."""

import pytest
from django.contrib.contenttypes.models import ContentType

from kb.models import Citation, Claim, Organisation
from tests.support import CONTENT_TYPES, _content_type_columns, restore

pytestmark = pytest.mark.django_db


def renumbered(snapshot):
    """The snapshot as if taken when every content type had another id (shifted by 1000)."""
    shifted = dict(snapshot)
    shifted[CONTENT_TYPES] = {pk + 1000: name for pk, name in snapshot[CONTENT_TYPES].items()}
    for table, names in _content_type_columns().items():
        if table not in snapshot or table == CONTENT_TYPES:
            continue
        columns, rows = snapshot[table]
        moved = [columns.index(c) for c in names if c in columns]
        shifted[table] = (
            columns,
            [
                tuple(v + 1000 if i in moved and v is not None else v for i, v in enumerate(row))
                for row in rows
            ],
        )
    return shifted


def test_rows_naming_a_content_type_find_todays(seed_snapshot):
    restore(renumbered(seed_snapshot))
    claim = Claim.objects.get()
    assert claim.subject.slug == "interpol-general-assembly-93"
    bka = Organisation.objects.get(slug="bka")
    assert bka.citations.count() == 1
    organisation_type = ContentType.objects.get_for_model(Organisation)
    assert Citation.objects.filter(content_type=organisation_type).count() > 50
