"""An index for every filter: each column a filter reads leads an index in the database.

The map below says which columns each filter of each FilterSet reads (a
method filter through its subquery). A filter missing from the map fails the
first test, so a new filter must say what it reads; the second reads the
indexes the migrations actually made, on SQLite and on PostgreSQL.
"""

import inspect

import pytest
from django.db import connection

from kb.db.search_index import search_table
from kb.filtering import filtersets as filters
from kb.models import (
    Agreement,
    AgreementParty,
    Claim,
    Event,
    Membership,
    Organisation,
    Participation,
    Person,
    Post,
    Source,
    Topic,
)

pytestmark = pytest.mark.django_db

SEARCH = "search index"  # `q`: the model's search index (kb/db/)
EVENT_TOPICS = Event.topics.through
AGREEMENT_TOPICS = Agreement.topics.through
ORG_SLUG = (Organisation, "slug")

READS = {
    Organisation: {
        "q": [SEARCH],
        "country": [(Organisation, "country")],
        "region": [(Organisation, "country")],
        "kind": [(Organisation, "kind")],
        "parent": [(Organisation, "parent"), ORG_SLUG],
        "event": [(Participation, "organisation"), (Event, "slug")],
    },
    Person: {
        "q": [SEARCH],
        "country": [(Person, "country")],
        "organisation": [(Membership, "person"), ORG_SLUG],
    },
    Post: {"q": [SEARCH], "organisation": [(Post, "organisation"), ORG_SLUG]},
    Event: {
        "q": [SEARCH],
        "kind": [(Event, "kind")],
        "country": [(Event, "country")],
        "region": [(Event, "country")],
        "participant": [(Participation, "event"), ORG_SLUG],
        # In person, or through a post while held (the person's memberships read first).
        "person": [
            *[(Participation, "event"), (Participation, "person"), (Participation, "post")],
            *[(Membership, "person"), (Person, "slug")],
        ],
        "counterpart_country": [(Participation, "event"), (Organisation, "country")],
        "counterpart_region": [(Participation, "event"), (Organisation, "country")],
        "parent": [(Event, "parent"), (Event, "slug")],
        "topic": [(EVENT_TOPICS, "event"), (Topic, "slug")],
        "date_from": [(Event, "start_date"), (Event, "end_date")],
        "date_to": [(Event, "start_date"), (Event, "end_date")],
        "year": [(Event, "start_date")],
    },
    Agreement: {
        "q": [SEARCH],
        "kind": [(Agreement, "kind")],
        "legal_status": [(Agreement, "legal_status")],
        "party": [(AgreementParty, "agreement"), ORG_SLUG],
        "party_country": [(AgreementParty, "agreement"), (Organisation, "country")],
        "party_region": [(AgreementParty, "agreement"), (Organisation, "country")],
        "signed_at": [(Agreement, "signed_at"), (Event, "slug")],
        "topic": [(AGREEMENT_TOPICS, "agreement"), (Topic, "slug")],
        "signed_from": [(Agreement, "signed_start"), (Agreement, "signed_end")],
        "signed_to": [(Agreement, "signed_start"), (Agreement, "signed_end")],
        "year": [(Agreement, "signed_start")],
    },
    Topic: {"q": [SEARCH]},
    Claim: {"q": [SEARCH]},
    Source: {
        "q": [SEARCH],
        "kind": [(Source, "kind")],
        "language": [(Source, "language")],
        "year": [(Source, "published_on")],
    },
}


def filtersets():
    return [
        cls
        for _name, cls in inspect.getmembers(filters, inspect.isclass)
        if issubclass(cls, filters.BaseFilterSet) and cls is not filters.BaseFilterSet
    ]


def leading_columns(table):
    """Columns that lead an index of `table` (status-first indexes count for their second)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    leading = set()
    for info in constraints.values():
        if not (info["index"] or info["unique"] or info["primary_key"]) or not info["columns"]:
            continue
        columns = info["columns"]
        leading.add(columns[0])
        # Every public read filters on status first: (status, x) serves x.
        if columns[0] == "status" and len(columns) > 1:
            leading.add(columns[1])
    return leading


def has_search_index(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = connection.introspection.get_constraints(cursor, table)
            return f"{table}_search_trgm" in names
        return search_table(model) in connection.introspection.table_names(cursor)


def test_the_map_names_every_filter_of_every_filterset():
    for filterset in filtersets():
        model = filterset._meta.model
        mapped = set(READS.get(model, {})) | {"ordering"}
        assert set(filterset.base_filters) == mapped, filterset.__name__


@pytest.mark.parametrize("model", list(READS), ids=lambda m: m.__name__)
def test_every_column_a_filter_reads_leads_an_index(model):
    missing = []
    for name, reads in READS[model].items():
        for read in reads:
            if read == SEARCH:
                if not has_search_index(model):
                    missing.append(f"{name}: no search index on {model.__name__}")
                continue
            read_model, field_name = read
            column = read_model._meta.get_field(field_name).column
            table = read_model._meta.db_table
            if column not in leading_columns(table):
                missing.append(f"{name}: {table}.{column}")
    assert not missing
