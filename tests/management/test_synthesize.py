"""The benchmark data synthesiser: counts, determinism and shape at a small scale."""

import statistics

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count

from kb.models import Agreement, Citation, Event, Organisation, Participation, Person

pytestmark = pytest.mark.django_db


def synthesize(scale, *extra):
    call_command("synthesize", "--scale", str(scale), *extra, verbosity=0)


def test_counts_follow_the_scale():
    synthesize(0.2)
    assert Organisation.objects.count() == 200
    assert Person.objects.count() == 400
    assert Event.objects.count() == 100
    assert Agreement.objects.count() == 40
    assert Participation.objects.count() == 2_000
    assert Citation.objects.count() == 600


def test_fixed_seed_gives_the_same_data():
    synthesize(0.05)
    first = set(Participation.objects.values_list("event__slug", "organisation__slug"))
    synthesize(0.05, "--clear")
    assert set(Participation.objects.values_list("event__slug", "organisation__slug")) == first
    assert Organisation.objects.count() == 50


def test_refuses_to_add_twice_without_clear():
    synthesize(0.01)
    with pytest.raises(CommandError):
        synthesize(0.01)


def test_a_few_hubs_take_part_in_many_events():
    synthesize(0.5)
    per_org = list(
        Organisation.objects.annotate(n=Count("participations")).values_list("n", flat=True)
    )
    assert max(per_org) > 20 * statistics.median(per_org)


def test_rows_are_published_searchable_and_hosted():
    synthesize(0.05)
    org = Organisation.objects.first()
    assert org.status == "published"
    assert Organisation.objects.search(org.name_en.split()[0]).exists()
    hosts = Participation.objects.filter(role="host").values("event").distinct().count()
    assert hosts == Event.objects.count()


def test_participations_are_loaded_event_by_event_the_host_first():
    # Each event's participations arrive together, so the triggers that keep its
    # participant list and groups refresh it about once rather than once per batch
    # (on PostgreSQL a load in random order grew quadratically with the rows).
    synthesize(0.2)
    rows = list(Participation.objects.order_by("pk").values_list("event_id", "role"))
    events = [event for event, _role in rows]
    assert events == sorted(events)
    firsts = {}
    for event, role in rows:
        firsts.setdefault(event, role)
    assert set(firsts.values()) == {"host"}
    # And the kept lists are the ORM's (the triggers ran on every batch).
    from kb.models.relation_rows import kept_lists

    event = Event.objects.annotate(n=Count("participations")).order_by("-n").first()
    kept = kept_lists(Event, [event.pk], "default")["participants"][event.pk]
    assert len(kept) == event.n


@pytest.mark.skipif(connection.vendor != "sqlite", reason="FTS5 is SQLite's")
@pytest.mark.django_db(transaction=True)
def test_leaves_the_search_index_in_one_piece():
    from tests import factories

    # Rows committed one by one before: each in a segment of the index of its own.
    factories.OrganisationFactory(name_en="Customs")
    factories.OrganisationFactory(name_en="Border police")
    synthesize(0.05)
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(DISTINCT segid) FROM "kb_organisation_search_idx"')
        assert cursor.fetchone()[0] == 1
    assert Organisation.objects.search("border police").get().name_en == "Border police"
