"""Merging duplicates (kb/history/merging.py): everything moves, conflicts merge, undo restores."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from reversion.models import Revision

from kb import models, registry
from kb.history import merging
from tests import factories as f

pytestmark = pytest.mark.django_db

# Every relation that can point at a record of each type, as merging.relations() finds
# it in the models' _meta. A new relation fails this test until the merge's tests cover
# it (add it to `every_relation` below, and here).
EXPECTED_RELATIONS = {
    models.Organisation: {
        "organisation.parent",
        "post.organisation",
        "membership.organisation",
        "event.organiser",
        "participation.organisation",
        "agreementparty.organisation",
        "source.attributed_to",
    },
    models.Person: {"membership.person", "participation.person"},
    models.Post: {"membership.post", "participation.post"},
    models.Event: {"event.parent", "participation.event", "agreement.signed_at"},
    models.Agreement: {"agreementparty.agreement"},
    models.Topic: {"event.topics", "agreement.topics"},
    models.Claim: set(),
    models.Source: {"citation.source"},
}
# History stores times to the millisecond (JSON), so a restored row differs below that.
TIMES = {"created_at", "updated_at"}
GENERIC = {
    "citation.object_id",
    "identifier.object_id",
    "claim.subject_id",
    "slugredirect.target_id",
}


@pytest.mark.parametrize("model", list(EXPECTED_RELATIONS), ids=lambda m: m.__name__)
def test_every_relation_is_known(model):
    found = {r.name for r in merging.relations(model)}
    assert found == EXPECTED_RELATIONS[model] | GENERIC


def test_every_record_type_is_checked_above():
    assert {e.model for e in registry.TYPES if e.is_record} == set(EXPECTED_RELATIONS)


def test_conflict_keys_come_from_the_unique_constraints():
    keys = {r.name: r.key for r in merging.relations(models.Organisation)}
    assert keys["participation.organisation"] == ("event", "person", "post")
    assert keys["agreementparty.organisation"] == ("agreement",)
    assert keys["membership.organisation"] == ("person", "post", "start_date")
    assert keys["citation.object_id"] == ("content_type", "source", "quote")
    assert keys["post.organisation"] == ()


def cite(record, source, quote, **kwargs):
    return f.CitationFactory(record=record, source=source, quote=quote, **kwargs)


def every_relation(kept, dup):
    """Rows pointing at `dup` through every relation of an organisation, some of them
    conflicting with rows of `kept`. Returns the rows, by relation name."""
    source = f.SourceFactory(slug="article")
    meeting = f.EventFactory(slug="meeting-italy", name_en="Meeting with the Italian police")
    mou = f.AgreementFactory(slug="mou-italy")
    person = f.PersonFactory(slug="someone")
    rows = {
        # Both took part in the same meeting: one participation, both quotes.
        "kept_participation": f.ParticipationFactory(event=meeting, organisation=kept),
        "participation.organisation": f.ParticipationFactory(event=meeting, organisation=dup),
        "kept_party": f.AgreementPartyFactory(agreement=mou, organisation=kept),
        "agreementparty.organisation": f.AgreementPartyFactory(agreement=mou, organisation=dup),
        "membership.organisation": f.MembershipFactory(
            person=person, post=None, organisation=dup, start_date=datetime.date(2020, 1, 1)
        ),
        "post.organisation": f.PostFactory(slug="chief", organisation=dup),
        "organisation.parent": f.OrganisationFactory(slug="unit", parent=dup),
        "event.organiser": f.EventFactory(slug="organised", organiser=dup),
        "source.attributed_to": f.SourceFactory(slug="communique", attributed_to=dup),
        "identifier.object_id": f.IdentifierFactory(record=dup, value="Q42"),
        "claim.subject_id": f.ClaimFactory(subject=dup),
    }
    rows["kept_quote"] = cite(rows["kept_participation"], source, "« la police italienne »")
    rows["same_quote"] = cite(rows["participation.organisation"], source, "« la police italienne »")
    rows["other_quote"] = cite(
        rows["participation.organisation"], source, "« les chefs de police »"
    )
    rows["citation.object_id"] = cite(dup, source, "« police italienne »")
    rows["redirect"] = models.SlugRedirect.objects.create(
        content_type=ContentType.objects.get_for_model(models.Organisation),
        old_slug="older-italy",
        target_id=dup.pk,
    )
    return rows


def state():
    """Every row of every table a merge touches, as plain values."""
    tables = [
        models.Organisation,
        models.Participation,
        models.AgreementParty,
        models.Membership,
        models.Post,
        models.Event,
        models.Source,
        models.Citation,
        models.Identifier,
        models.Claim,
        models.SlugRedirect,
    ]
    return {
        m.__name__: sorted(
            tuple(sorted((k, str(v)) for k, v in row.items() if k not in TIMES))
            for row in m.objects.values()
        )
        for m in tables
    }


@pytest.fixture
def italy():
    kept = f.OrganisationFactory(
        slug="italian-police", name_en="Italian police", name_fr="Police italienne", acronym=""
    )
    dup = f.OrganisationFactory(
        slug="polizia",
        name_en="Polizia di Stato",
        name_fr="Police d'État italienne",
        acronym="PS",
        website="https://www.poliziadistato.it",
        status=models.Status.DRAFT,
    )
    return kept, dup, every_relation(kept, dup)


def test_merge_moves_every_relation_and_merges_conflicts(italy):
    kept, dup, rows = italy
    result = merging.merge(models.Organisation, kept.pk, [dup.pk], {"website": dup.pk})

    kept.refresh_from_db()
    assert not models.Organisation.objects.filter(pk=dup.pk).exists()
    # The kept record keeps its status and name, takes the chosen website, and the
    # merged names become aliases.
    assert kept.status == models.Status.PUBLISHED
    assert kept.name_en == "Italian police"
    assert kept.website == "https://www.poliziadistato.it"
    assert kept.aliases == ["Polizia di Stato", "Police d'État italienne", "PS"]
    # One participation in the meeting, with both quotes (the identical one once).
    [participation] = models.Participation.objects.filter(event__slug="meeting-italy")
    assert participation.pk == rows["kept_participation"].pk
    assert sorted(c.quote for c in participation.citations.all()) == [
        "« la police italienne »",
        "« les chefs de police »",
    ]
    assert not models.Participation.objects.filter(
        pk=rows["participation.organisation"].pk
    ).exists()
    # One party to the agreement.
    assert list(models.AgreementParty.objects.values_list("pk", flat=True)) == [
        rows["kept_party"].pk
    ]
    # Everything else moved.
    assert models.Membership.objects.get().organisation == kept
    assert models.Post.objects.get(slug="chief").organisation == kept
    assert models.Organisation.objects.get(slug="unit").parent == kept
    assert models.Event.objects.get(slug="organised").organiser == kept
    assert models.Source.objects.get(slug="communique").attributed_to == kept
    assert [str(i) for i in kept.identifiers.all()] == ["wikidata:Q42"]
    assert models.Claim.objects.get().subject == kept
    assert [c.quote for c in kept.citations.all()] == ["« police italienne »"]
    # Its old slug, and the one that already led to it, now redirect to the kept record.
    assert sorted(kept.redirects.values_list("old_slug", flat=True)) == ["older-italy", "polizia"]
    assert models.SlugRedirect.objects.target(models.Organisation, "polizia") == kept
    assert result.merged_slugs == ["polizia"]


def test_the_preview_counts_what_will_move(italy):
    kept, dup, rows = italy
    moves = {m.relation.name: m for m in merging.plan(kept, [dup])}
    assert moves["participation.organisation"].moved == 0
    assert moves["participation.organisation"].merged == [
        (rows["participation.organisation"], rows["kept_participation"])
    ]
    assert moves["agreementparty.organisation"].merged
    assert moves["citation.object_id"].moved == 1
    assert moves["post.organisation"].moved == 1
    assert not models.SlugRedirect.objects.filter(old_slug="polizia").exists()  # wrote nothing


def test_one_revision_and_reverting_it_restores_every_row(italy):
    kept, dup, rows = italy
    before = state()
    revisions = Revision.objects.count()

    result = merging.merge(models.Organisation, kept.pk, [dup.pk], {"website": dup.pk})

    assert Revision.objects.count() == revisions + 1
    assert result.revision.comment == "Merged polizia into italian-police"
    held = {(v.content_type.model, v.object_id) for v in result.revision.version_set.all()}
    assert ("organisation", str(dup.pk)) in held
    assert ("participation", str(rows["participation.organisation"].pk)) in held
    assert ("citation", str(rows["same_quote"].pk)) in held
    assert state() != before

    result.revision.revert(delete=True)

    assert state() == before
    assert not models.SlugRedirect.objects.filter(old_slug="polizia").exists()
    assert models.SlugRedirect.objects.get(old_slug="older-italy").target_id == dup.pk
    kept.refresh_from_db()
    assert kept.aliases == []


def test_search_finds_the_kept_record_by_a_merged_name(italy):
    kept, dup, _rows = italy
    merging.merge(models.Organisation, kept.pk, [dup.pk])
    assert list(models.Organisation.objects.search("Polizia di Stato")) == [kept]


def test_merging_events_merges_their_participants_and_children():
    kept, dup = f.EventFactory(slug="ga"), f.EventFactory(slug="ga-copy")
    pole, topic = f.OrganisationFactory(), f.TopicFactory()
    dup.topics.add(topic)
    a = f.ParticipationFactory(event=kept, organisation=pole, role="host")
    b = f.ParticipationFactory(event=dup, organisation=pole, role="host")
    source = f.SourceFactory()
    cite(b, source, "« hôte »")
    child = f.EventFactory(parent=dup)
    mou = f.AgreementFactory(signed_at=dup)
    merging.merge(models.Event, kept.pk, [dup.pk])
    assert list(kept.participations.all()) == [a]
    assert [c.quote for c in a.citations.all()] == ["« hôte »"]
    assert list(kept.children.all()) == [child]
    assert list(kept.agreements.all()) == [mou]
    assert list(kept.topics.all()) == [topic]


def test_merging_topics_moves_their_events_once():
    kept, dup = f.TopicFactory(), f.TopicFactory()
    both, one = f.EventFactory(), f.EventFactory()
    both.topics.add(kept, dup)
    one.topics.add(dup)
    counts = {r.name: n for r, n in merging.counts(models.Topic, [kept.pk, dup.pk])}
    assert counts == {"event.topics": {kept.pk: 1, dup.pk: 2}}
    merging.merge(models.Topic, kept.pk, [dup.pk])
    assert set(kept.events.all()) == {both, one}
    assert list(both.topics.all()) == [kept]


def test_merging_people_merges_their_memberships():
    kept, dup = f.PersonFactory(slug="hammouchi"), f.PersonFactory(slug="a-hammouchi")
    post = f.PostFactory()
    f.MembershipFactory(person=kept, post=post)
    f.MembershipFactory(person=dup, post=post, end_date=datetime.date(2030, 1, 1))
    merging.merge(models.Person, kept.pk, [dup.pk])
    [membership] = models.Membership.objects.all()
    # Filled from the duplicate: nothing dropped.
    assert (membership.person, membership.end_date) == (kept, datetime.date(2030, 1, 1))


def test_a_parent_merged_into_its_child_leaves_no_loop():
    parent = f.OrganisationFactory()
    child = f.OrganisationFactory(parent=parent)
    merging.merge(models.Organisation, child.pk, [parent.pk])
    child.refresh_from_db()
    assert child.parent is None


@pytest.mark.parametrize(
    "case", ["one record", "a deleted record", "posts of two organisations", "a field"]
)
def test_bad_input_is_refused_and_writes_nothing(case):
    a, b = f.OrganisationFactory(), f.OrganisationFactory()
    model, kept, merged, values = models.Organisation, a.pk, [b.pk], {}
    if case == "one record":
        merged = [a.pk]
    elif case == "a deleted record":
        merged = [b.pk, 99999]
    elif case == "posts of two organisations":
        model, kept, merged = models.Post, f.PostFactory().pk, [f.PostFactory().pk]
    else:
        values = {"slug": b.pk}
    revisions = Revision.objects.count()
    with pytest.raises(merging.MergeError):
        merging.merge(model, kept, merged, values)
    assert Revision.objects.count() == revisions
    assert models.Organisation.objects.filter(pk=b.pk).exists()
    assert not models.SlugRedirect.objects.exists()


def test_a_new_record_may_not_take_a_slug_that_redirects(italy):
    kept, dup, _rows = italy
    merging.merge(models.Organisation, kept.pk, [dup.pk])
    new = models.Organisation(slug="polizia", name_en="New", kind="police")
    with pytest.raises(ValidationError) as error:
        new.full_clean()
    assert "polizia" in error.value.message_dict["slug"][0]
    # Another type may: redirects are per type.
    models.Topic(slug="polizia", name_en="Topic").full_clean()
