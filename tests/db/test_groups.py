"""Each event's participant groups and each agreement's party groups (kb/db/groups.py)
follow the rules they stand for.

The map reads them instead of the participations and the parties, so they
must always equal what kb.domain.cooperation's _participations and _parties
give: after inserts, bulk inserts, updates through the ORM and through
update(), deletes, and changes to an organisation's country or status, a
person's status and a post's status or organisation. Each test compares the
stored groups with the rule computed afresh by the ORM; both databases run them.
"""

import json

import hypothesis
import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from kb.db import groups
from kb.domain.cooperation.reads import _participations, _parties
from kb.models import Agreement, AgreementParty, Event, Organisation, Participation, Person, Post
from kb.models.visibility import PUBLIC
from tests import factories
from tests.api.test_projections import build as build_records
from tests.api.test_projections import graphs as record_specs

pytestmark = pytest.mark.django_db


def stored(kept=groups.EVENTS):
    """{owner id: set of groups} as the database keeps them in `kept` (the events' table,
    or the agreements'), for the owners that exist."""
    owner = Agreement if kept is groups.AGREEMENTS else Event
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {kept.key}, groups FROM {kept.table}")
        rows = dict(cursor.fetchall())
    return {pk: set(rows[pk].split()) for pk in owner.objects.values_list("pk", flat=True)}


def expected():
    """The same, by the rule: each visible participation's organisation, its country or
    "#id" when it has none, "*" when it hosts."""
    result = {pk: set() for pk in Event.objects.values_list("pk", flat=True)}
    orgs = dict(Organisation.objects.values_list("pk", "country"))
    for event_id, org, role in _participations(Event.objects.all()).values_list(
        "event_id", "org", "role"
    ):
        group = orgs[org] or f"#{org}"
        result[event_id].add(group + ("*" if role == Participation.Role.HOST else ""))
    return result


def expected_agreements():
    """The same, by the rule: each party whose organisation is published, its country or
    "#id" when it has none."""
    result = {pk: set() for pk in Agreement.objects.values_list("pk", flat=True)}
    orgs = dict(Organisation.objects.values_list("pk", "country"))
    for agreement_id, org in _parties(Agreement.objects.all()).values_list(
        "agreement_id", "organisation_id"
    ):
        result[agreement_id].add(orgs[org] or f"#{org}")
    return result


def test_the_constants_are_the_models():
    assert groups.PUBLISHED == PUBLIC
    assert groups.HOST == Participation.Role.HOST


def test_groups_follow_participations_and_the_ends_they_count_for():
    host = factories.OrganisationFactory(country="MA")
    body = factories.OrganisationFactory(country="")
    event = factories.EventFactory()
    assert stored()[event.pk] == set()
    factories.ParticipationFactory(event=event, organisation=host, role="host")
    counterpart = factories.ParticipationFactory(event=event, organisation__country="FR")
    factories.ParticipationFactory(event=event, organisation=body)
    assert stored()[event.pk] == {"MA*", "FR", f"#{body.pk}"} == expected()[event.pk]

    # A second French organisation adds no group; its draft status none either.
    factories.ParticipationFactory(
        event=event, organisation__country="FR", organisation__status="draft"
    )
    counterpart.organisation.country = "NO"
    counterpart.organisation.save()
    assert stored()[event.pk] == {"MA*", "NO", f"#{body.pk}"} == expected()[event.pk]

    Organisation.objects.filter(pk=body.pk).update(status="draft")
    Participation.objects.filter(pk=counterpart.pk).update(role="host")
    assert stored()[event.pk] == {"MA*", "NO*"} == expected()[event.pk]

    other = factories.EventFactory()
    Participation.objects.filter(pk=counterpart.pk).update(event=other)
    assert stored()[event.pk] == {"MA*"}
    assert stored()[other.pk] == {"NO*"}
    counterpart.refresh_from_db()
    counterpart.delete()
    assert stored() == expected()
    other_pk = other.pk
    other.delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {groups.EVENTS.table} WHERE event_id = %s", [other_pk]
        )
        assert cursor.fetchone()[0] == 0


def test_a_post_and_a_person_count_as_the_rule_says():
    event = factories.EventFactory()
    post = factories.PostFactory(organisation__country="DE")
    person = factories.PersonFactory()
    factories.ParticipationFactory(event=event, organisation=None, post=post, person=person)
    assert stored()[event.pk] == {"DE"} == expected()[event.pk]
    Person.objects.filter(pk=person.pk).update(status="draft")
    assert stored()[event.pk] == set() == expected()[event.pk]
    Person.objects.filter(pk=person.pk).update(status=PUBLIC)
    Post.objects.filter(pk=post.pk).update(status="draft")
    assert stored()[event.pk] == set() == expected()[event.pk]
    Post.objects.filter(pk=post.pk).update(status=PUBLIC)
    assert stored()[event.pk] == {"DE"} == expected()[event.pk]


def test_agreement_groups_follow_parties_and_their_organisations():
    agreement = factories.AgreementFactory()
    assert stored(groups.AGREEMENTS)[agreement.pk] == set()
    body = factories.OrganisationFactory(country="")
    party = factories.AgreementPartyFactory(agreement=agreement, organisation__country="NO")
    factories.AgreementPartyFactory(agreement=agreement, organisation=body)
    assert (
        stored(groups.AGREEMENTS)[agreement.pk]
        == {"NO", f"#{body.pk}"}
        == expected_agreements()[agreement.pk]
    )
    # No group hosts an agreement; a second Norwegian party adds none.
    factories.AgreementPartyFactory(agreement=agreement, organisation__country="NO")
    party.organisation.country = "MA"
    party.organisation.save()
    assert stored(groups.AGREEMENTS)[agreement.pk] == {"NO", "MA", f"#{body.pk}"}
    Organisation.objects.filter(pk=body.pk).update(status="draft")
    assert (
        stored(groups.AGREEMENTS)[agreement.pk]
        == {"NO", "MA"}
        == expected_agreements()[agreement.pk]
    )
    other = factories.AgreementFactory()
    AgreementParty.objects.filter(pk=party.pk).update(agreement=other)
    assert stored(groups.AGREEMENTS)[agreement.pk] == {"NO"}
    assert stored(groups.AGREEMENTS)[other.pk] == {"MA"}
    AgreementParty.objects.filter(pk=party.pk).delete()
    assert stored(groups.AGREEMENTS) == expected_agreements()
    other_pk = other.pk
    other.delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {groups.AGREEMENTS.table} WHERE agreement_id = %s", [other_pk]
        )
        assert cursor.fetchone()[0] == 0


def test_a_bulk_insert_of_parties_fills_every_agreement():
    agreements = factories.AgreementFactory.create_batch(3)
    orgs = [factories.OrganisationFactory(country=c) for c in ("FR", "", "MA")]
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=a, organisation=o) for a in agreements for o in orgs
    )
    assert stored(groups.AGREEMENTS) == expected_agreements()
    assert stored(groups.AGREEMENTS)[agreements[0].pk] == {"FR", f"#{orgs[1].pk}", "MA"}


def test_a_bulk_insert_fills_every_event():
    events = factories.EventFactory.create_batch(3)
    orgs = [factories.OrganisationFactory(country=c) for c in ("FR", "", "MA")]
    Participation.objects.bulk_create(
        Participation(event=e, organisation=o, role="host" if o.country == "MA" else "counterpart")
        for e in events
        for o in orgs
    )
    assert stored() == expected()
    assert stored()[events[0].pk] == {"FR", f"#{orgs[1].pk}", "MA*"}


def _participants(event):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT participants FROM {groups.PARTICIPANTS.table} WHERE event_id = %s", [event.pk]
        )
        row = cursor.fetchone()
    return json.loads(row[0]) if row else []


def test_rows_loaded_in_bulk_refresh_their_owners_once_after_the_load():
    """groups.refreshed_after (manage.py synthesize): on PostgreSQL the kept tables wait
    for the end of the load, then hold what the triggers would have made; afterwards the
    triggers run again. On SQLite the row triggers run as usual."""
    events = factories.EventFactory.create_batch(3)
    orgs = [factories.OrganisationFactory(country=c) for c in ("FR", "", "MA")]
    with transaction.atomic(), groups.refreshed_after(connection, "kb_participation"):
        Participation.objects.bulk_create(
            Participation(
                event=e, organisation=o, role="host" if o.country == "MA" else "counterpart"
            )
            for e in events
            for o in orgs
        )
        if connection.vendor == "postgresql":
            assert stored() == {e.pk: set() for e in events}
            assert _participants(events[0]) == []
    assert stored() == expected()
    assert sorted(p["organisation"] for p in _participants(events[0])) == sorted(
        o.slug for o in orgs
    )
    late = factories.OrganisationFactory(country="DE")
    Participation.objects.create(event=events[1], organisation=late, role="counterpart")
    assert stored() == expected() and "DE" in stored()[events[1].pk]


def test_a_failed_bulk_load_leaves_the_triggers_on():
    event, org = factories.EventFactory(), factories.OrganisationFactory(country="FR")
    with (
        pytest.raises(RuntimeError, match="the load failed"),
        transaction.atomic(),
        groups.refreshed_after(connection, "kb_agreementparty"),
    ):
        raise RuntimeError("the load failed")
    Participation.objects.create(event=event, organisation=org, role="host")
    agreement = factories.AgreementFactory()
    AgreementParty.objects.create(agreement=agreement, organisation=org)
    assert stored() == expected() and stored()[event.pk] == {"FR*"}
    assert stored(groups.AGREEMENTS)[agreement.pk] == {"FR"}


def test_a_stale_instance_saved_over_it_changes_nothing():
    # The groups are not a model field: saving an event loaded before its
    # participations changed cannot write an old copy back.
    event = factories.EventFactory()
    loaded = Event.objects.get(pk=event.pk)
    factories.ParticipationFactory(event=event, organisation__country="FR")
    loaded.name_en = "Renamed"
    loaded.save()
    assert stored()[event.pk] == {"FR"}


CHANGES = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "org_status",
                "org_country",
                "person_status",
                "post_status",
                "post_org",
                "move",
                "drop",
                "party_move",
                "party_drop",
            ]
        ),
        st.integers(0, 10**6),
        st.integers(0, 10**6),
    ),
    max_size=6,
)


def apply(change, a, b):
    def pick(queryset):
        rows = list(queryset.order_by("pk"))
        return rows[a % len(rows)] if rows else None

    kind = change
    if kind == "org_status" and (org := pick(Organisation.objects.all())):
        org.status = "draft" if org.status == PUBLIC else PUBLIC
        org.save()
    elif kind == "org_country" and (org := pick(Organisation.objects.all())):
        Organisation.objects.filter(pk=org.pk).update(country=["", "FR", "MA", "NO"][b % 4])
    elif kind == "person_status" and (person := pick(Person.objects.all())):
        Person.objects.filter(pk=person.pk).update(status="draft" if b % 2 else PUBLIC)
    elif kind == "post_status" and (post := pick(Post.objects.all())):
        Post.objects.filter(pk=post.pk).update(status="draft" if b % 2 else PUBLIC)
    elif kind == "post_org" and (post := pick(Post.objects.all())):
        orgs = list(Organisation.objects.order_by("pk"))
        Post.objects.filter(pk=post.pk).update(organisation=orgs[b % len(orgs)])
    elif kind == "move" and (row := pick(Participation.objects.all())):
        events = list(Event.objects.order_by("pk"))
        target = events[b % len(events)]
        taken = Participation.objects.filter(
            event=target, organisation=row.organisation_id, person=row.person_id, post=row.post_id
        ).exists()
        if not taken:
            Participation.objects.filter(pk=row.pk).update(event=target)
    elif kind == "drop" and (row := pick(Participation.objects.all())):
        row.delete()
    elif kind == "party_move" and (row := pick(AgreementParty.objects.all())):
        target = factories.AgreementFactory() if b % 2 else row.agreement
        if not AgreementParty.objects.filter(
            agreement=target, organisation=row.organisation_id
        ).exists():
            AgreementParty.objects.filter(pk=row.pk).update(agreement=target)
    elif kind == "party_drop" and (row := pick(AgreementParty.objects.all())):
        row.delete()


def test_random_records_and_changes_keep_the_groups_the_rules():
    @hypothesis.settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(spec=record_specs(), changes=CHANGES)
    def check(spec, changes):
        with transaction.atomic():
            build_records(spec)
            assert stored() == expected()
            assert stored(groups.AGREEMENTS) == expected_agreements()
            for change in changes:
                apply(*change)
                assert stored() == expected(), change
                assert stored(groups.AGREEMENTS) == expected_agreements(), change
            transaction.set_rollback(True)

    check()
