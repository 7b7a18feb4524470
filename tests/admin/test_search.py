"""The admin's search of join rows by their ends (kb/admin/search.py): Django's rows,
found without joining the ends to every row."""

import re

import pytest
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kb.admin import search
from kb.admin.records import JoinRowAdmin
from kb.models import AgreementParty, Membership, Participation
from tests import factories as f

pytestmark = pytest.mark.django_db

JOIN_ROWS = (Participation, Membership, AgreementParty)
TERMS = (
    "Norway",
    "norvégienne",
    "NORWEGIAN police",
    "Hammouchi",
    "Hammouchi bilateral",  # the person and the event: two ends, one row
    "BKA",
    "délégation",
    '"national police"',  # a phrase, kept whole
    "'police nationale'",
    "police zzzz",  # every word must match
    "zzzz",
    "%",
    "_",
    "   ",
)


def _model_admin(model):
    return admin.site._registry[model]


def _request(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return request


def _both(model, superuser, term):
    """(our rows, Django's rows) for `term`, as sets of primary keys."""
    model_admin = _model_admin(model)
    request = _request(superuser)
    rows = model._default_manager.all()
    ours, ours_duplicates = model_admin.get_search_results(request, rows, term)
    django, _ = admin.ModelAdmin.get_search_results(model_admin, request, rows, term)
    assert ours_duplicates is False
    return set(ours.values_list("pk", flat=True)), set(django.values_list("pk", flat=True))


def _name_pieces():
    """Four-letter pieces of every word of every end's names in the seed data."""
    pieces = set()
    for model in JOIN_ROWS:
        for end, fields in search.fields_by_end(model, _model_admin(model).search_fields).items():
            related = model._meta.get_field(end).related_model
            for values in related._base_manager.values_list(*fields):
                for value in values:
                    for word in re.findall(r"\w{4,}", value or ""):
                        pieces.add(word[:4])
                        pieces.add(word[-4:].upper())
    return sorted(pieces)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("searcher", "s@example.org", "pw")


def test_every_join_row_admin_searches_through_its_ends():
    admins = [m for m in admin.site._registry.values() if isinstance(m, JoinRowAdmin)]
    assert {type(m).__name__ for m in admins} == {
        "ParticipationAdmin",
        "MembershipAdmin",
        "AgreementPartyAdmin",
    }
    for model_admin in admins:
        # Each field is an end's own field, or this raises.
        ends = search.fields_by_end(model_admin.model, model_admin.search_fields)
        assert ends, model_admin


@pytest.mark.parametrize("model", JOIN_ROWS, ids=lambda m: m.__name__)
@pytest.mark.parametrize("term", TERMS)
def test_the_same_rows_as_djangos_search(seeded, superuser, model, term):
    ours, django = _both(model, superuser, term)
    assert ours == django


def test_the_same_rows_for_every_piece_of_every_name(seeded, superuser):
    pieces = _name_pieces()
    assert len(pieces) > 100  # the seed's names, not an empty loop
    found = 0
    for model in JOIN_ROWS:
        for piece in pieces:
            ours, django = _both(model, superuser, piece)
            assert ours == django, (model.__name__, piece)
            found += bool(ours)
    assert found > 100


def test_a_row_without_an_end_is_found_by_its_other_ends(superuser):
    event = f.EventFactory(name_en="Summit of the lighthouse keepers")
    without = f.ParticipationFactory(event=event, organisation=None, person=f.PersonFactory())
    f.ParticipationFactory()  # another event, another organisation
    ours, django = _both(Participation, superuser, "lighthouse")
    assert ours == django == {without.pk}
    ours, django = _both(Participation, superuser, "Organisation")
    assert without.pk not in ours
    assert ours == django


def test_the_ends_are_not_joined_to_every_row(superuser):
    f.ParticipationFactory()
    model_admin = _model_admin(Participation)
    rows, _ = model_admin.get_search_results(
        _request(superuser), Participation.objects.all(), "police nationale"
    )
    with CaptureQueriesContext(connection) as queries:
        rows.count()
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "JOIN" not in sql.upper()
    assert sql.upper().count(" IN (SELECT") == 8  # two words, four ends


def test_the_changelist_shows_the_rows_found(staff_client):
    norway = f.OrganisationFactory(name_en="Norwegian National Police")
    found = f.ParticipationFactory(organisation=norway)
    other = f.ParticipationFactory()
    response = staff_client.get(
        reverse("admin:kb_participation_changelist"), {"q": "norwegian police"}
    )
    assert response.status_code == 200
    shown = {row.pk for row in response.context["cl"].result_list}
    assert shown == {found.pk}
    assert other.pk not in shown


@pytest.mark.parametrize(
    ("field", "error"),
    [
        ("role", ImproperlyConfigured),  # the row's own field
        ("^event__name_en", ImproperlyConfigured),  # a lookup Django's search reads
        ("event__organiser__name_en", ImproperlyConfigured),  # past the end
        ("event__nope", FieldDoesNotExist),
    ],
)
def test_a_field_that_is_not_an_ends_field_is_refused(field, error):
    with pytest.raises(error):
        search.fields_by_end(Participation, ["event__name_en", field])


def test_a_searched_page_keeps_the_lists_order_and_its_rows(staff_client, monkeypatch):
    from kb.admin.records import ParticipationAdmin

    monkeypatch.setattr(ParticipationAdmin, "list_per_page", 3)
    police = f.OrganisationFactory(name_en="Lighthouse police")
    found = [f.ParticipationFactory(organisation=police).pk for _ in range(7)]
    f.ParticipationFactory()  # not found
    url = reverse("admin:kb_participation_changelist")
    pages = []
    for number in (1, 2, 3):
        response = staff_client.get(url, {"q": "lighthouse", "p": number})
        assert response.status_code == 200
        assert response.context["cl"].result_count == 7
        pages.append([row.pk for row in response.context["cl"].result_list])
    assert pages == [found[::-1][0:3], found[::-1][3:6], found[::-1][6:7]]


def test_a_searched_changelist_runs_the_same_queries_at_any_size(staff_client, monkeypatch):
    from kb.admin.records import ParticipationAdmin

    # Pages of 2 rows: on a single page Django reads the rows without the paginator.
    monkeypatch.setattr(ParticipationAdmin, "list_per_page", 2)
    url = reverse("admin:kb_participation_changelist")
    counts = []
    for size in (3, 15):
        while Participation.objects.count() < size:
            organisation = f.OrganisationFactory(name_en="Lighthouse police")
            f.CitationFactory(record=f.ParticipationFactory(organisation=organisation))
        staff_client.get(url, {"q": "lighthouse"})
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(url, {"q": "lighthouse"})
        assert response.context["cl"].result_count == size
        counts.append(len(queries.captured_queries))
    # The unsearched list's 7, and the page's keys read before its rows.
    assert counts == [8, 8], "\n".join(q["sql"][:150] for q in queries.captured_queries)
    keys, rows = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "kb_participation"."id"')
    ]
    assert keys.startswith('SELECT "kb_participation"."id" AS "pk" FROM')
    assert keys.endswith("LIMIT 2")
    assert '"kb_participation"."id" IN (' in rows
