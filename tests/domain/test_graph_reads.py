"""The graph's reads (kb.domain.cooperation.graph): which rows each one may leave to Python.

The parties and memberships are read by their indexes alone, their ends'
statuses checked afterwards (kb/domain/cooperation.py says why); these pin
that a draft at any end still never makes an edge or a neighbour, and the
reads a scope of organisations alone needs.
"""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from kb import models
from kb.domain import cooperation
from kb.filtering.scope import CooperationScope
from tests import factories

pytestmark = pytest.mark.django_db


def graph(query=""):
    found = CooperationScope(QueryDict(query))
    assert found.is_valid(), found.errors
    return cooperation.graph(found.events, found.agreements, 2000)


def edges(result):
    return {(e.source, e.target, e.kind) for e in result.edges}


def degrees(result):
    return {n.id: n.degree for n in result.nodes}


def test_a_draft_party_makes_no_edge_and_no_neighbour():
    host, guest = (factories.OrganisationFactory(slug=slug) for slug in ("host", "guest"))
    draft = factories.OrganisationFactory(slug="draft", status="draft")
    agreement = factories.AgreementFactory(slug="mou")
    for party in (host, guest, draft):
        factories.AgreementPartyFactory(agreement=agreement, organisation=party)
    result = graph()
    assert edges(result) == {("organisation:guest", "organisation:host", "agreement")}
    assert degrees(result) == {"organisation:guest": 1, "organisation:host": 1}
    assert [e.records for e in result.edges] == [["mou"]]


def test_a_membership_with_a_draft_end_makes_no_edge():
    host = factories.OrganisationFactory(slug="host")
    shown_post = factories.PostFactory(slug="chief", organisation=host)
    hidden_post = factories.PostFactory(slug="deputy", organisation=host, status="draft")
    chief = factories.PersonFactory(slug="chief-person")
    deputy = factories.PersonFactory(slug="deputy-person")
    models.Membership.objects.create(person=chief, post=shown_post, organisation=host)
    # Published person and organisation, but the post is a draft: no link through it.
    models.Membership.objects.create(person=deputy, post=hidden_post, organisation=host)
    other = factories.OrganisationFactory(slug="other", status="draft")
    models.Membership.objects.create(person=chief, organisation=other)
    event = factories.EventFactory(slug="meeting")
    factories.ParticipationFactory(event=event, organisation=None, post=shown_post, role="host")
    factories.ParticipationFactory(event=event, organisation=None, person=deputy)
    result = graph()
    assert edges(result) == {
        ("organisation:host", "person:deputy-person", "meeting"),
        ("person:chief-person", "person:deputy-person", "meeting"),
        ("person:chief-person", "organisation:host", "membership"),
    }
    assert {n.id for n in result.nodes} == {
        "organisation:host",
        "person:chief-person",
        "person:deputy-person",
    }


def test_a_holder_is_found_through_the_post_alone():
    # The participation names the post and no person: its holder at the time stands for it.
    host = factories.OrganisationFactory(slug="host")
    post = factories.PostFactory(slug="chief", organisation=host)
    holder = factories.PersonFactory(slug="holder")
    earlier = factories.PersonFactory(slug="earlier")
    models.Membership.objects.create(person=holder, post=post, organisation=host)
    models.Membership.objects.create(
        person=earlier, post=post, organisation=host, end_date=datetime.date(2020, 1, 1)
    )
    event = factories.EventFactory(slug="meeting")
    factories.ParticipationFactory(event=event, organisation=None, post=post, role="host")
    factories.ParticipationFactory(
        event=event, organisation=factories.OrganisationFactory(slug="g")
    )
    met = {(s, t) for s, t, kind in edges(graph()) if kind == "meeting"}
    assert met == {("organisation:g", "organisation:host"), ("organisation:g", "person:holder")}


def test_organisations_alone_need_no_membership_read():
    assembly = factories.EventFactory(slug="assembly")
    for _ in range(3):
        event = factories.EventFactory(parent=assembly)
        for org in factories.OrganisationFactory.create_batch(2):
            factories.ParticipationFactory(event=event, organisation=org)
    found = CooperationScope(QueryDict("parent=assembly"))
    assert found.is_valid()
    with CaptureQueriesContext(connection) as queries:
        result = cooperation.graph(found.events, found.agreements, 2000)
    # The events and agreements counted, the participations, the parties, the
    # organisations: no person or post to look up.
    assert len(queries) == 5, [q["sql"][:120] for q in queries]
    assert len(result.nodes) == 6 and len(result.edges) == 3


def test_the_graph_is_drawn_from_the_most_recent_records_and_counts_them_all():
    """With max_records=2: the two latest events (an undated one comes last) and the two
    latest agreements make the edges; the others are counted as omitted."""
    dates = [datetime.date(2021, 1, 1), datetime.date(2024, 1, 1), datetime.date(2023, 1, 1)]
    for n, day in enumerate([*dates, None]):
        event = factories.EventFactory(
            slug=f"meeting-{n}", start_date=day, end_date=day, date_precision="exact"
        )
        for side in ("a", "b"):
            org = factories.OrganisationFactory(slug=f"m{n}-{side}")
            factories.ParticipationFactory(event=event, organisation=org)
    for n, day in enumerate([datetime.date(2019, 1, 1), None, datetime.date(2022, 1, 1)]):
        agreement = factories.AgreementFactory(slug=f"mou-{n}", signed_start=day, signed_end=day)
        for side in ("a", "b"):
            org = factories.OrganisationFactory(slug=f"s{n}-{side}")
            factories.AgreementPartyFactory(agreement=agreement, organisation=org)
    found = CooperationScope(QueryDict(""))
    assert found.is_valid()
    result = cooperation.graph(found.events, found.agreements, 2000, max_records=2)
    assert sorted(e.records[0] for e in result.edges) == [
        "meeting-1",
        "meeting-2",
        "mou-0",
        "mou-2",
    ]
    assert (result.total_events, result.omitted_events) == (4, 2)
    assert (result.total_agreements, result.omitted_agreements) == (3, 1)
    assert result.max_records == 2
    whole = cooperation.graph(found.events, found.agreements, 2000)
    assert len(whole.edges) == 7 and whole.omitted_events == whole.omitted_agreements == 0
    assert (whole.total_events, whole.max_records) == (4, None)
