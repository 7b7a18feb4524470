"""Record pages at any size (kb/domain/details.py): a relation that grows with the data
is read up to SHOWN_MAX rows, the latest, counted in full, and linked to the list page
that has them all. SHOWN_MAX is patched to 3, so that a handful of rows overflows it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests import factories
from tests.exports.jsonld_checks import SITE, expand, values
from tests.site.test_details import page, text_of


@pytest.fixture(autouse=True)
def english():
    """Tests reverse() English URLs; a /fr/ request leaves French active in the thread."""
    with translation.override("en"):
        yield


@pytest.fixture
def shown_max(monkeypatch):
    """details.SHOWN_MAX at 3, so that a handful of rows overflows it."""
    monkeypatch.setattr("kb.domain.details.SHOWN_MAX", 3)
    return 3


def _dated_events(n, **kwargs):
    """n events, one a year from 2020 on, named by their year."""
    return [
        factories.EventFactory(
            name_en=f"Meeting of {2020 + i}",
            start_date=datetime.date(2020 + i, 5, 1),
            end_date=datetime.date(2020 + i, 5, 1),
            **kwargs,
        )
        for i in range(n)
    ]


def notice(html):
    found = re.findall(r'<p class="notice">(.*?)</p>', html, re.S)
    return [text_of(n).strip() for n in found if "shown here" in n or "affichés ici" in n]


def years_shown(html, section="events"):
    """The years of the "Meeting of <year>" events a section of the page shows."""
    part = re.search(rf'<section id="{section}".*?</section>', html, re.S).group(0)
    return re.findall(r"Meeting of (\d{4})", text_of(part))


def linked(client, model, slug, key):
    """The page's JSON-LD values of `key` (schema.org's), expanded."""
    [node] = expand(client, SITE + reverse(f"kb:{model}-detail", kwargs={"slug": slug}))
    return values(node, key)


def test_an_organisation_page_shows_its_latest_events_and_links_to_them_all(client, db, shown_max):
    organisation = factories.OrganisationFactory(country="MA")
    for event in _dated_events(5):
        factories.ParticipationFactory(event=event, organisation=organisation, role="host")
        factories.ParticipationFactory(event=event)
    for _ in range(4):
        factories.AgreementPartyFactory(organisation=organisation)
    html = page(client, "organisation", organisation.slug)
    assert years_shown(html) == ["2022", "2023", "2024"]  # the latest three, in date order
    assert "Took part in 5 events" in text_of(html)
    # The events' section links to their list already; the agreements' did not.
    assert notice(html) == [
        "3 of 5 are shown here.",
        "3 of 4 are shown here. See them all in the list",
    ]
    assert f'href="/en/events/?participant={organisation.slug}"' in html
    assert f'href="/en/agreements/?party={organisation.slug}"' in html
    nav = re.search(r'<nav class="on-this-page".*?</nav>', html, re.S).group(0)
    assert 'Events</a> <span class="count">(5)' in nav
    assert 'Agreements</a> <span class="count">(4)' in nav
    # The page's JSON-LD names the events the page shows, not the others.
    assert len(linked(client, "organisation", organisation.slug, "event")) == 3
    french = page(client, "organisation", organisation.slug, "fr")
    assert "3 sur 4 sont affichés ici. Les voir tous dans la liste" in notice(french)


def test_the_bound_counts_events_not_the_participations_that_reach_them(client, db, shown_max):
    """An organisation met each event's host through two of its posts (as INTERPOL did the
    pôle's through three): the page still shows its latest three events, each once, with
    both posts, not the latest three participations (two events)."""
    organisation = factories.OrganisationFactory()
    posts = [factories.PostFactory(organisation=organisation) for _ in range(2)]
    for event in _dated_events(5):
        for post in posts:
            factories.ParticipationFactory(event=event, organisation=organisation, post=post)
    html = page(client, "organisation", organisation.slug)
    assert years_shown(html) == ["2022", "2023", "2024"]
    assert notice(html) == ["3 of 5 are shown here."]
    assert len(linked(client, "organisation", organisation.slug, "event")) == 3
    part = re.search(r'<section id="events".*?</section>', html, re.S).group(0)
    for post in posts:
        assert part.count(post.name_en) == 3  # each event with both posts


def test_a_person_at_an_event_through_two_posts_counts_once_against_the_bound(
    client, db, shown_max
):
    """Hammouchi heads both the DGSN and the DGST: he may take part through each post."""
    person = factories.PersonFactory()
    posts = [factories.PostFactory() for _ in range(2)]
    for event in _dated_events(5):
        for post in posts:
            factories.ParticipationFactory(event=event, person=person, post=post, organisation=None)
    html = page(client, "person", person.slug)
    assert years_shown(html) == ["2022", "2023", "2024"]  # each event once
    assert "Took part in 5 events" in text_of(html)
    assert notice(html) == ["3 of 5 are shown here. See them all in the list"]
    part = re.search(r'<section id="events".*?</section>', html, re.S).group(0)
    for post in posts:  # the two ways in, told apart
        assert part.count(f"({post.name_en})") == 3


def test_under_the_bound_a_page_shows_everything_and_says_nothing(client, db, shown_max):
    organisation = factories.OrganisationFactory()
    for event in _dated_events(3):
        factories.ParticipationFactory(event=event, organisation=organisation)
    html = page(client, "organisation", organisation.slug)
    assert years_shown(html) == ["2020", "2021", "2022"]
    assert notice(html) == []


def test_topic_person_and_event_pages_bound_their_growing_lists(client, db, shown_max):
    topic = factories.TopicFactory()
    person = factories.PersonFactory()
    assembly = factories.EventFactory(kind="general_assembly")
    for event in _dated_events(4, parent=assembly):
        event.topics.add(topic)
        factories.ParticipationFactory(event=event, person=person, organisation=None)
    for _ in range(5):
        factories.AgreementFactory().topics.add(topic)

    html = page(client, "topic", topic.slug)
    assert years_shown(html) == ["2021", "2022", "2023"]
    assert notice(html) == [
        "3 of 4 are shown here.",
        "3 of 5 are shown here. See them all in the list",
    ]
    assert f'href="/en/events/?topic={topic.slug}"' in html
    assert f'href="/en/agreements/?topic={topic.slug}"' in html

    html = page(client, "person", person.slug)
    assert "Took part in 4 events" in text_of(html)
    assert notice(html) == ["3 of 4 are shown here. See them all in the list"]
    assert f'href="/en/events/?person={person.slug}"' in html

    html = page(client, "event", assembly.slug)
    assert "4 events within this one" in text_of(html)
    assert notice(html) == ["3 of 4 are shown here."]
    assert f'href="/en/events/?parent={assembly.slug}"' in html
    assert len(linked(client, "event", assembly.slug, "subEvent")) == 3
    assert len(linked(client, "person", person.slug, "performerIn")) == 3
