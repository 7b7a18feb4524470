"""Projections (kb/api/projections.py) give the serializers' JSON, byte for byte.

The API serves lists and records from values() rows; the DRF serializers
stay the contract. Each test asks for the same URL twice, once through the
projection and once through the serializer (the projection switched off),
and compares the bodies: on the article's data, and on random records
(Hypothesis) with drafts at every end, empty and missing values, any text.
Both databases run it (CI runs the suite on SQLite and PostgreSQL).
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import models, registry
from kb.api import projections, renderers, serializers, views
from tests import factories
from tests.support import _unthrottled  # noqa: F401

pytestmark = pytest.mark.django_db

PROJECTED = [e for e in registry.in_api() if projections.for_model(e.model) is not None]


def both_ways(client, monkeypatch, url, **headers):
    """The body of url through its projection, then through the serializer."""
    projected = client.get(url, **headers)
    with monkeypatch.context() as patch:
        patch.setattr(views.projections, "for_model", lambda model: None)
        serialized = client.get(url, **headers)
    assert projected.status_code == serialized.status_code == 200, url
    # getvalue(): a CSV download is streamed.
    return projected.getvalue(), serialized.getvalue()


@pytest.mark.usefixtures("seeded")
def test_every_type_but_claims_has_a_projection_with_the_serializers_fields(client):
    assert {e.model for e in PROJECTED} == {e.model for e in registry.in_api()} - {models.Claim}
    for entry in PROJECTED:
        # A projection's row has the serializer's keys, in its order (the
        # seed test below would show any difference; this names it).
        fields = serializers.for_model(entry.model).Meta.fields
        assert projections.for_model(entry.model).model is entry.model
        assert fields, entry
        row = client.get(f"/api/v1/{entry.api}/").json()["results"][0]
        assert list(row) == list(fields), entry.api


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("entry", PROJECTED, ids=lambda e: e.api)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_seed_lists_and_records_are_the_serializers_bytes(client, monkeypatch, entry, lang):
    url = f"/api/v1/{entry.api}/?lang={lang}&page_size=200"
    projected, serialized = both_ways(client, monkeypatch, url)
    assert projected == serialized
    # The CSV download too, which streams the projection's rows.
    projected, serialized = both_ways(client, monkeypatch, f"{url}&format=csv")
    assert projected == serialized
    assert projected.count(b"\n") > 1, entry.api
    rows = client.get(url).json()["results"]
    assert rows, entry.api
    for row in rows:
        projected, serialized = both_ways(client, monkeypatch, row["url"] + f"?lang={lang}")
        assert projected == serialized, row["slug"]


@pytest.mark.usefixtures("seeded")
def test_a_cursor_page_is_the_same_through_the_projection(client, monkeypatch):
    # Past the first rows, `next` carries a cursor built from the last row's keys.
    first = client.get("/api/v1/events/?page_size=2&page=3").json()
    assert first["next"]
    with monkeypatch.context() as patch:
        patch.setattr(views.Pagination, "CURSOR_FROM_ROW", 4)
        projected, serialized = both_ways(client, monkeypatch, "/api/v1/events/?page_size=2&page=3")
        assert projected == serialized
        cursor_url = client.get("/api/v1/events/?page_size=2&page=3").json()["next"]
        assert "cursor=" in cursor_url
        projected, serialized = both_ways(client, monkeypatch, cursor_url)
        assert projected == serialized


@pytest.mark.usefixtures("seeded")
def test_a_csv_download_reads_its_rows_in_chunks(client, monkeypatch):
    # The 53 events in one chunk, in 2 (of 27) and in 6 (of 10): the same bytes,
    # and each chunk more costs the same one query (its rows' four lists, as the
    # database keeps them; the rows are read from one query as they are needed),
    # whatever its length.
    url = "/api/v1/events/?format=csv"

    def download(chunk_size):
        monkeypatch.setattr(renderers, "CHUNK_SIZE", chunk_size)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url).getvalue()
        return body, len(queries)

    download(500)  # what a process reads once (content types) is read
    whole, one = download(500)
    halves, two = download(27)
    tenths, six = download(10)
    assert whole == halves == tenths
    assert whole.count(b"\n") > 53
    per_chunk = two - one
    assert per_chunk == 1
    assert six == one + 5 * per_chunk


# --- Random records ------------------------------------------------------------------

STATUS = st.sampled_from([models.Status.PUBLISHED, models.Status.PUBLISHED, models.Status.DRAFT])
TEXT = st.text(min_size=1, max_size=12)  # any Unicode but lone surrogates, U+2028 included
OPTIONAL_TEXT = st.one_of(st.just(""), TEXT)
COUNTRIES = st.sampled_from(["", "FR", "MA", "NO", "TR", "BH", "US", "CN"])
QIDS = st.integers(1, 10**9).map(lambda n: f"Q{n}")
# (scheme, value): OpenSanctions' own IDs, or the Wikidata QIDs it adopts.
IDENTIFIERS = st.one_of(
    st.tuples(st.just("wikidata"), QIDS),
    st.tuples(
        st.just("opensanctions"),
        st.one_of(QIDS, st.sampled_from(["NK-2ZkYyZLKa4Mdj6NqbHPoeF", "gb-hmt-14196"])),
    ),
)
DATES = st.one_of(st.none(), st.dates(datetime.date(1990, 1, 1), datetime.date(2030, 12, 31)))


def _text(value):
    # Lone surrogates cannot be stored, and the databases refuse NUL in text.
    return value.replace("\x00", "").encode("utf-8", "replace").decode() or "x"


@st.composite
def graphs(draw):
    """A few records of every type, linked at random, some ends drafts."""
    spec = {
        "orgs": draw(
            st.lists(
                st.tuples(STATUS, TEXT, OPTIONAL_TEXT, COUNTRIES, st.lists(TEXT, max_size=2)),
                min_size=1,
                max_size=4,
            )
        ),
        # status, whether its full text may be published, its text
        "sources": draw(st.lists(st.tuples(STATUS, st.booleans(), TEXT), min_size=1, max_size=2)),
        "topics": draw(st.lists(st.tuples(STATUS, TEXT), max_size=2)),
        "events": draw(st.lists(st.tuples(STATUS, TEXT, DATES, COUNTRIES), max_size=3)),
        "people": draw(st.lists(st.tuples(STATUS, TEXT), max_size=2)),
        "links": draw(st.lists(st.integers(0, 10**6), min_size=12, max_size=12)),
        # a quote and its translation ("" for none)
        "quotes": draw(st.lists(st.tuples(TEXT, OPTIONAL_TEXT), max_size=4)),
        "identifiers": draw(st.lists(IDENTIFIERS, max_size=4)),
    }
    return spec


def build(spec):
    """The records a graph spec describes."""
    links = iter(spec["links"] * 4)

    def pick(items):
        return items[next(links) % len(items)] if items else None

    sources = [
        factories.SourceFactory(status=s, publish_full_text=full, text=_text(text))
        for s, full, text in spec["sources"]
    ]
    orgs = []
    for status, name_en, name_fr, country, aliases in spec["orgs"]:
        orgs.append(
            factories.OrganisationFactory(
                status=status,
                name_en=_text(name_en),
                name_fr=_text(name_fr) if name_fr else "",
                country=country,
                aliases=[_text(a) for a in aliases],
                parent=pick(orgs),
            )
        )
    topics = [factories.TopicFactory(status=s, name_en=_text(n)) for s, n in spec["topics"]]
    posts = [factories.PostFactory(organisation=org, status=org.status) for org in orgs[:2]]
    people = [factories.PersonFactory(status=s, name=_text(n)) for s, n in spec["people"]]
    for person in people:
        post = pick(posts)
        factories.MembershipFactory(person=person, post=post, organisation=post.organisation)
        factories.MembershipFactory(person=person, post=None, organisation=pick(orgs))
    events = []
    for status, name, start, country in spec["events"]:
        event = factories.EventFactory(
            status=status,
            name_en=_text(name),
            start_date=start,
            end_date=start,
            country=country,
            parent=pick(events),
            organiser=pick(orgs),
        )
        event.topics.set(topics[: next(links) % 3])
        for org in {o.pk: o for o in (pick(orgs), pick(orgs))}.values():
            factories.ParticipationFactory(event=event, organisation=org, post=None, person=None)
        if people and posts:
            factories.ParticipationFactory(
                event=event, organisation=None, post=pick(posts), person=pick(people)
            )
        events.append(event)
    agreement = factories.AgreementFactory(signed_at=pick(events))
    agreement.topics.set(topics)
    for org in orgs[:2]:
        factories.AgreementPartyFactory(agreement=agreement, organisation=org)
    records = [*orgs, *events, *people, *posts, *topics, agreement]
    given = set()
    for scheme, value in spec["identifiers"]:
        record = pick([*records, *sources])
        if (type(record), scheme, value) not in given:  # one record of a type each
            given.add((type(record), scheme, value))
            factories.IdentifierFactory(record=record, scheme=scheme, value=value)
    cited = set()
    for quote, translation in spec["quotes"]:
        source, record, text = pick(sources), pick(records), _text(quote)
        if (source.pk, type(record), record.pk, text) not in cited:  # one quote, cited once
            cited.add((source.pk, type(record), record.pk, text))
            translation = _text(translation) if translation else ""
            factories.CitationFactory(
                source=source,
                record=record,
                quote=text,
                translation=translation,
                translation_by="entente" if translation else "",
            )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_random_records_are_the_serializers_bytes(client, monkeypatch, lang):
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(spec=graphs())
    def check(spec):
        with transaction.atomic():
            build(spec)
            for entry in PROJECTED:
                url = f"/api/v1/{entry.api}/?lang={lang}&page_size=200"
                projected, serialized = both_ways(client, monkeypatch, url)
                assert projected == serialized, entry.api
                projected, serialized = both_ways(client, monkeypatch, f"{url}&format=csv")
                assert projected == serialized, f"{entry.api} CSV"
                for row in client.get(url).json()["results"]:
                    detail = f"{row['url']}?lang={lang}"
                    projected, serialized = both_ways(client, monkeypatch, detail)
                    assert projected == serialized, detail
            transaction.set_rollback(True)

    check()


# --- The renderer ----------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.text(),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(data=JSON_VALUES)
def test_the_orjson_renderer_writes_drfs_bytes(data):
    from rest_framework.renderers import JSONRenderer as DRFRenderer

    try:
        expected = DRFRenderer().render(data)
    except UnicodeEncodeError:
        return  # a lone surrogate: neither can write it (the databases cannot store one)
    assert renderers.JSONRenderer().render(data) == expected


def test_the_renderer_indents_as_drf_does_when_asked():
    from rest_framework.renderers import JSONRenderer as DRFRenderer

    data = {"a": [1, "é\u2028"], "b": None}
    media = "application/json; indent=2"
    assert renderers.JSONRenderer().render(data, media) == DRFRenderer().render(data, media)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(data=JSON_VALUES)
def test_json_text_is_written_as_the_value_it_holds(data):
    # Kept text (lib.jsontext) inside an answer: the bytes of the value it stands for,
    # compact through orjson, indented through DRF's encoder.
    import orjson
    from rest_framework.renderers import JSONRenderer as DRFRenderer

    from kb.lib.jsontext import JSONText

    try:
        text = orjson.dumps(data).decode()
        expected = DRFRenderer().render({"kept": data})
    except (orjson.JSONEncodeError, UnicodeEncodeError):
        return  # a lone surrogate: the databases cannot store one
    answer = {"kept": JSONText(text)}
    assert renderers.JSONRenderer().render(answer) == expected
    media = "application/json; indent=2"
    indented = DRFRenderer().render({"kept": data}, media)
    assert renderers.JSONRenderer().render(answer, media) == indented


@pytest.mark.usefixtures("seeded")
def test_json_pages_get_the_kept_lists_as_text_and_csv_as_lists(client, monkeypatch):
    # The JSON renderer gets each event's lists (participants, topics, identifiers,
    # citations) as the database keeps them (the fast path the byte tests above then
    # cover); the CSV, which flattens them, lists.
    seen = []
    real = projections.kept_lists

    def spy(model, ids, alias=None, as_text=False):
        found = real(model, ids, alias, as_text=as_text)
        assert model is models.Event
        assert set(found) == {"topics", "participants", "identifiers", "citations"}
        assert all(found[column].keys() == set(ids) for column in found)
        # An empty list comes as one either way (kept_lists); the others as text or lists.
        values = [v for lists in found.values() for v in lists.values()]
        assert [] in values and not any(getattr(v, "text", None) == "[]" for v in values)
        seen.append({type(v).__name__ for lists in found.values() for v in lists.values() if v})
        return found

    monkeypatch.setattr(projections, "kept_lists", spy)
    url = "/api/v1/events/?page_size=200"
    assert client.get(url).status_code == 200
    assert client.get(url, HTTP_ACCEPT="application/json; indent=2").status_code == 200
    assert client.get(url + "&format=csv").getvalue().count(b"\n") > 1
    slug = models.Event.objects.published().filter(participations__isnull=False)[0].slug
    assert client.get(f"/api/v1/events/{slug}/").status_code == 200
    assert seen == [{"JSONText"}, {"JSONText"}, {"list"}, {"JSONText"}]
    # The indented answer, through DRF's encoder, is the serializer's too.
    projected, serialized = both_ways(
        client, monkeypatch, url, HTTP_ACCEPT="application/json; indent=2"
    )
    assert projected == serialized
    assert b'\n  "results": [' in projected


def test_the_bulk_files_get_the_kept_lists_as_text():
    # The JSON zip's records are written by the same renderer (kb/api/bulk.py), which
    # takes the kept text as it is; tests/exports/test_bulk.py holds them to the API's.
    from kb.api import bulk

    context = {"request": bulk.SiteRequest("https://example.org")}
    assert projections.for_model(models.Event)(context).as_text


@settings(max_examples=200, deadline=None, derandomize=True)
@given(moment=st.datetimes(timezones=st.sampled_from([datetime.UTC])))
def test_a_date_time_is_written_as_drfs_however_it_is_read(moment):
    # Aware (the ORM's), naive UTC (SQLite's driver, for a compiled list) or text: the
    # serializer's field gives the same.
    from kb.api.fields import UTCDateTimeField
    from kb.api.projection_base import utc_time

    expected = UTCDateTimeField().to_representation(moment)
    naive = moment.replace(tzinfo=None)
    assert utc_time(moment) == utc_time(naive) == utc_time(str(naive)) == expected
    paris = moment.astimezone(datetime.timezone(datetime.timedelta(hours=1)))
    assert utc_time(paris) == utc_time(paris.isoformat()) == expected
