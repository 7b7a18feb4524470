"""Who met whom (kb/domain/connections.py): the article's 54 rows, their words, and the rules."""

import collections
import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from kb import models
from kb.domain.connections import connections, rows
from kb.filtering.scope import CooperationScope
from tests import factories

ASSEMBLY = "interpol-general-assembly-93"
INTERPOL_MEETING = f"{ASSEMBLY}-meeting-interpol"
NORWAY_MEETING = f"{ASSEMBLY}-meeting-norwegian-national-police"
HOST_EN = "Abdellatif Hammouchi — Director General of the DGSN-DGST pole — DGSN-DGST pole"
HOST_FR = "Abdellatif Hammouchi — Directeur général du pôle DGSN-DGST — pôle DGSN-DGST"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def scoped(query=""):
    scope = CooperationScope(QueryDict(query))
    assert scope.is_valid(), scope.errors
    return rows(connections(scope.events, scope.start_bounds("event__")))


def test_the_article_gives_54_rows_51_meetings_with_one_counterpart_and_interpol_with_three(
    seeded,
):
    found = scoped(f"parent={ASSEMBLY}")
    assert len(found) == 54
    assert found == scoped()  # the assembly's meetings are all the article's events
    per_event = collections.Counter(row.event.slug for row in found)
    assert sorted(per_event.values()) == [1] * 51 + [3]
    assert per_event[INTERPOL_MEETING] == 3
    # The assembly itself has no participation of its own: every row is a meeting.
    assert ASSEMBLY not in per_event


def test_the_interpol_meeting_names_its_three_posts_with_their_organisation(seeded):
    interpol = [row for row in scoped() if row.event.slug == INTERPOL_MEETING]
    posts = [row.counterpart.participants[0].post.slug for row in interpol]
    assert sorted(posts) == [
        "interpol-executive-committee-member",
        "interpol-president",
        "interpol-secretary-general",
    ]
    by_post = {row.counterpart.participants[0].post.slug: row.counterpart for row in interpol}
    president = by_post["interpol-president"]
    assert president.name == "President of INTERPOL — International Criminal Police Organization"
    assert president.participants[0].organisation.slug == "interpol"
    assert president.participants[0].person is None
    # An international body: no country, no region.
    assert (president.country, president.region, president.country_name) == ("", "", "")
    assert president.role == "counterpart"
    assert president.role_name == "Counterpart"


def test_every_row_is_paired_with_the_host(seeded):
    for row in scoped():
        assert row.host.name == HOST_EN
        assert (row.host.country, row.host.country_name) == ("MA", "Morocco")
        assert (row.host.region, row.host.region_name) == ("africa", "Africa")
        assert (row.host.role, row.host.role_name) == ("host", "Host")
        (host,) = row.host.participants
        assert host.person.slug == "abdellatif-hammouchi"
        assert host.post.slug == "director-general-pole-dgsn-dgst"
        assert host.organisation.slug == "pole-dgsn-dgst"
        assert row.counterpart.role != "host"


def test_every_quote_is_the_articles_own_words(seeded, article_text):
    found = scoped()
    assert all(row.quotes for row in found)
    for row in found:
        for quote in row.quotes:
            assert quote.quote in article_text
            assert quote.source.slug == "interpol-ga-93-hammouchi-bilaterals"
            assert quote.language == "fr"
    norway = next(row for row in found if row.event.slug == NORWAY_MEETING)
    # Both quotes behind Norway's participation: the meeting, and the agreement signed.
    assert len(norway.quotes) == 2
    assert "police nationale norvégienne" in norway.quotes[1].quote
    assert [s.slug for s in norway.sources] == ["interpol-ga-93-hammouchi-bilaterals"]


def test_rows_carry_the_event_and_its_window_in_words(seeded):
    row = next(row for row in scoped() if row.event.slug == NORWAY_MEETING)
    assert row.event.name == "Bilateral meeting with the Norwegian National Police"
    assert row.event.start_date == datetime.date(2025, 11, 24)
    assert row.event.end_date == datetime.date(2025, 11, 27)
    assert row.event.date_precision == "within"
    assert row.event.dates == "some day between 24 and 27 November 2025"
    counterpart = row.counterpart.participants[0]
    assert (counterpart.country, counterpart.country_name) == ("NO", "Norway")
    assert (counterpart.region, counterpart.region_name) == ("europe", "Europe")


def test_names_come_in_the_active_language(seeded):
    with translation.override("fr"):
        found = scoped("participant=police-pl")
    (row,) = found
    assert row.counterpart.name == "police polonaise"
    assert row.counterpart.country_name == "Pologne"
    assert row.counterpart.region_name == "Europe"
    assert row.host.name == HOST_FR
    assert row.host.role_name == "Hôte"
    assert row.event.name == "Réunion bilatérale avec la police polonaise"
    assert row.event.dates == "un jour entre le 24 et le 27 novembre 2025"


def test_filters_narrow_the_rows(seeded):
    asia = scoped("counterpart_region=asia")
    assert len(asia) == 9
    assert {row.counterpart.region for row in asia} == {"asia"}
    assert len(scoped("counterpart_country=NO")) == 1
    assert len(scoped("participant=interpol")) == 3
    assert scoped("date_from=2026-01-01") == []


def test_rows_come_in_a_stable_order(db):
    early = factories.EventFactory(slug="b-early", start_date=datetime.date(2020, 1, 1))
    late_b = factories.EventFactory(slug="b-late", start_date=datetime.date(2021, 1, 1))
    late_a = factories.EventFactory(slug="a-late", start_date=datetime.date(2021, 1, 1))
    undated = factories.EventFactory(
        slug="a-undated", start_date=None, end_date=None, date_precision="exact"
    )
    made = []
    for event in (undated, late_b, late_a, early, late_b):
        made.append(factories.ParticipationFactory(event=event))
    found = rows(connections(models.Event.objects.published()))
    # By start date (undated last, on every database), then event slug, then participation.
    assert [row.event.slug for row in found] == [
        "b-early",
        "a-late",
        "b-late",
        "b-late",
        "a-undated",
    ]
    late_b_ids = [row.id for row in found if row.event.slug == "b-late"]
    assert late_b_ids == sorted(late_b_ids) == [made[1].pk, made[4].pk]
    assert found[-1].event.dates == "date unknown"


def test_drafts_never_show(db):
    event = factories.EventFactory()
    host = factories.OrganisationFactory(slug="the-host")
    factories.ParticipationFactory(event=event, organisation=host, role="host")
    shown = factories.ParticipationFactory(event=event)
    # A draft counterpart, a draft host and a draft source's quote stay out.
    draft = factories.OrganisationFactory(status=models.Status.DRAFT)
    factories.ParticipationFactory(event=event, organisation=draft)
    draft_person = factories.PersonFactory(status=models.Status.DRAFT)
    factories.ParticipationFactory(
        event=event, organisation=factories.OrganisationFactory(), person=draft_person
    )
    factories.ParticipationFactory(
        event=event,
        organisation=factories.OrganisationFactory(status=models.Status.DRAFT),
        role="host",
    )
    factories.CitationFactory(record=shown, quote="Published words.")
    factories.CitationFactory(
        record=shown, quote="Draft words.", source__status=models.Status.DRAFT
    )
    # A draft event's participations stay out, whatever their participants.
    factories.ParticipationFactory(event=factories.EventFactory(status=models.Status.DRAFT))
    (row,) = rows(connections(models.Event.objects.published()))
    assert row.counterpart.participants[0].organisation.slug == shown.organisation.slug
    assert row.host.name == host.name_en
    assert [q.quote for q in row.quotes] == ["Published words."]


def test_the_count_is_the_rows_whatever_is_draft(db):
    from django.core.cache import caches

    event = factories.EventFactory()
    factories.ParticipationFactory(event=event, role="host")
    factories.ParticipationFactory(event=event)
    factories.ParticipationFactory(event=event, organisation=None, person=factories.PersonFactory())
    post = factories.PostFactory()
    factories.ParticipationFactory(event=event, organisation=post.organisation, post=post)
    draft = models.Status.DRAFT
    factories.ParticipationFactory(event=event, organisation__status=draft)
    factories.ParticipationFactory(
        event=event, organisation=None, person=factories.PersonFactory(status=draft)
    )
    draft_post = factories.PostFactory(status=draft)
    factories.ParticipationFactory(
        event=event, organisation=draft_post.organisation, post=draft_post
    )
    factories.ParticipationFactory(event__status=draft)
    caches["counts"].clear()
    # Even given every event, drafts included: a draft event has no rows.
    for events in (models.Event.objects.published(), models.Event.objects.all()):
        participations = connections(events)
        assert len(rows(participations)) == 3
        # The page's own count and the cheaper one the paginator asks agree.
        assert participations.count() == participations.cached_count() == 3
        # A queryset made from it counts its own rows.
        assert participations.filter(person__isnull=False).cached_count() == 1


def test_several_hosts_are_joined_and_none_leaves_the_host_empty(db):
    event = factories.EventFactory()
    first = factories.OrganisationFactory(name_en="First host", country="FR")
    second = factories.OrganisationFactory(name_en="Second host", country="DE")
    third = factories.OrganisationFactory(name_en="Third host", country="FR")
    for organisation in (first, second, third):
        factories.ParticipationFactory(event=event, organisation=organisation, role="host")
    factories.ParticipationFactory(event=event, role="observer")
    lonely = factories.ParticipationFactory(event=factories.EventFactory())
    found = {row.id: row for row in rows(connections(models.Event.objects.published()))}
    assert len(found) == 2
    hosted = next(row for key, row in found.items() if key != lonely.pk)
    assert hosted.host.name == "First host; Second host; Third host"
    assert hosted.host.country == "FR; DE"  # distinct, in order
    assert hosted.host.region == "europe"
    assert hosted.counterpart.role == "observer"
    alone = found[lonely.pk]
    assert (alone.host.name, alone.host.role, alone.host.country) == ("", "", "")


def test_a_person_and_a_post_name_the_participant_with_their_organisation(db):
    interpol = factories.OrganisationFactory(name_en="INTERPOL", country="")
    post = factories.PostFactory(organisation=interpol, name_en="President")
    person = factories.PersonFactory(name="Jane Doe", country="KR")
    factories.ParticipationFactory(organisation=interpol, post=post)
    factories.ParticipationFactory(organisation=None, person=person)
    found = rows(connections(models.Event.objects.published()))
    names = sorted(row.counterpart.name for row in found)
    assert names == ["Jane Doe", "President — INTERPOL"]
    # A person without an organisation: the person's own country.
    jane = next(row.counterpart for row in found if row.counterpart.name == "Jane Doe")
    assert (jane.country, jane.region) == ("KR", "asia")


@pytest.mark.parametrize("size", [5, 50])
def test_a_page_costs_the_same_queries_whatever_its_size(db, size):
    source = factories.SourceFactory()
    host = factories.OrganisationFactory()
    for _ in range(size):
        event = factories.EventFactory()
        factories.ParticipationFactory(event=event, organisation=host, role="host")
        participation = factories.ParticipationFactory(event=event)
        factories.CitationFactory(record=participation, source=source)
    participations = connections(models.Event.objects.published())
    rows(participations[:1])  # content types, cached for the process
    with CaptureQueriesContext(connection) as context:
        found = rows(participations[:size])
    assert len(found) == size
    assert all(row.host.name and row.quotes for row in found)
    # The page, the events' hosts, the quotes with their sources.
    assert len(context.captured_queries) == 3, [q["sql"] for q in context.captured_queries]


def test_the_scopes_dates_bound_the_walk_and_keep_its_rows(db, client):
    """The scope's start dates are repeated on the walked event, outside the scope's
    subquery, where PostgreSQL's planner can start the date index's scan from them;
    the rows are the same, a long event begun before the range included."""
    day = datetime.date
    windows = {
        "long": (day(2019, 1, 1), day(2021, 6, 1)),  # begun long before, still running
        "before": (day(2018, 1, 1), day(2018, 1, 2)),
        "inside": (day(2020, 3, 1), day(2020, 3, 2)),
        "after": (day(2022, 1, 1), day(2022, 1, 2)),
        "undated": (None, None),
    }
    for slug, (start, end) in windows.items():
        event = factories.EventFactory(slug=slug, start_date=start, end_date=end)
        factories.ParticipationFactory(event=event)
    query = "date_from=2020-01-01&date_to=2021-12-31"
    scope = CooperationScope(QueryDict(query))
    bounded = connections(scope.events, scope.start_bounds("event__"))
    unbounded = connections(scope.events)
    slugs = [row.event.slug for row in rows(bounded)]
    assert slugs == [row.event.slug for row in rows(unbounded)] == ["long", "inside"]
    walked = '"kb_event"."start_date" >='
    assert walked in str(bounded.query) and walked not in str(unbounded.query)
    assert '"kb_event"."start_date" <=' in str(bounded.query)
    # Both surfaces pass them.
    for url in (f"/api/v1/connections/?{query}", f"/en/connections/?{query}"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert any(walked in q["sql"] and "ORDER BY" in q["sql"] for q in queries), url


def test_a_pages_hosts_are_read_through_their_events_not_the_roles_index(db):
    """The hosts' prefetch asks for a few events' hosts in the order of their keys: on
    SQLite, with the role indexed, it read every host of the table through the role's
    index, whose rows come in that order (43 ms at scale 100 for two events). Its
    role is unindexed, so it reads each event's participations through their index."""
    host = factories.OrganisationFactory()
    events = factories.EventFactory.create_batch(3)
    for event in events:
        factories.ParticipationFactory(event=event, organisation=host, role="host")
        factories.ParticipationFactory(event=event)
    with CaptureQueriesContext(connection) as queries:
        found = rows(connections(models.Event.objects.published())[:2])
    assert [row.host.name for row in found] == [host.name] * 2
    (prefetch,) = [q["sql"] for q in queries if '"kb_participation"."event_id" IN (' in q["sql"]]
    if connection.vendor == "sqlite":  # PostgreSQL plans from its statistics
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {prefetch}")
            plan = " / ".join(str(row[-1]) for row in cursor.fetchall())
        assert "kb_participation_role" not in plan, plan
        assert plan.startswith("SEARCH kb_participation USING "), plan
        assert "(event_id=?)" in plan.split(" / ")[0], plan
