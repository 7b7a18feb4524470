"""The FilterSets shared by the pages and the API, tested directly on the article's data."""

import pytest
from django.http import QueryDict
from django.utils import translation

from kb.filtering import fields as filter_fields
from kb.filtering import filtersets as filters
from kb.filtering.shared import SharedConfig
from kb.models import Agreement, Event, Organisation, Person, Post, Source, Status, Topic
from tests import factories

pytestmark = pytest.mark.django_db

ASSEMBLY = "interpol-general-assembly-93"
TOO_MANY_CODES = [code for code, _name in filter_fields.COUNTRY_CHOICES][
    : filter_fields.MAX_VALUES + 1
]


def run(filterset_class, query):
    model = filterset_class._meta.model
    filterset = filterset_class(QueryDict(query), queryset=model.objects.published())
    return filterset


def slugs(filterset_class, query):
    filterset = run(filterset_class, query)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("slug", flat=True))


def errors(filterset_class, query):
    filterset = run(filterset_class, query)
    assert not filterset.is_valid()
    return filterset.errors


def meeting(slug):
    return f"{ASSEMBLY}-meeting-{slug}"


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("counterpart_region=europe", 19),
        ("counterpart_region=africa", 15),
        ("counterpart_region=latin-america-caribbean", 5),
        ("counterpart_region=asia", 9),
        ("counterpart_region=EUROPE", 19),
        # Any of: comma-separated, repeated, or both.
        ("counterpart_region=europe,africa", 34),
        ("counterpart_region=europe&counterpart_region=africa", 34),
        ("counterpart_region=europe,africa&counterpart_region=asia", 43),
        ("counterpart_region=", 53),
        ("counterpart_country=no", 1),
        ("counterpart_country=NO,ET", 2),
        # The host is Moroccan: counterpart filters never match the host.
        ("counterpart_country=MA", 0),
        ("participant=pole-dgsn-dgst", 52),
        ("participant=bka,interpol", 2),
        ("parent=interpol-general-assembly-93", 52),
        ("kind=general_assembly", 1),
        ("kind=general_assembly,bilateral_meeting", 53),
        ("country=MA&region=africa", 53),
        ("region=europe", 0),
        # The discussions' topics are the 52 meetings' (fixtures/build.py), not the Assembly's.
        ("topic=cybercrime", 52),
        ("topic=exchange-of-expertise", 5),
        ("q=tchad", 1),
        ("q=Bénin", 1),
    ],
)
def test_event_filters(seeded, query, count):
    assert len(slugs(filters.EventFilterSet, query)) == count


@pytest.mark.parametrize(
    ("query", "count"),
    [
        # Windows overlap the range: all 53 events run 24-27 November 2025.
        ("date_from=2025-11-27", 53),
        ("date_from=2025-11-28", 0),
        ("date_to=2025-11-24", 53),
        ("date_to=2025-11-23", 0),
        ("date_from=2025-11-25&date_to=2025-11-25", 53),
        ("date_from=2025-01-01&date_to=2025-12-31", 53),
        ("date_from=2024-01-01&date_to=2024-12-31", 0),
    ],
)
def test_event_date_range_matches_overlapping_windows(seeded, query, count):
    assert len(slugs(filters.EventFilterSet, query)) == count


def test_events_with_unknown_dates_never_match_a_range(db):
    factories.EventFactory(slug="undated", start_date=None, end_date=None)
    assert slugs(filters.EventFilterSet, "date_from=2000-01-01") == set()
    assert slugs(filters.EventFilterSet, "") == {"undated"}


def test_organisation_filters(seeded):
    assert slugs(filters.OrganisationFilterSet, "parent=pole-dgsn-dgst") == {"dgsn", "dgst"}
    assert slugs(filters.OrganisationFilterSet, f"event={meeting('interpol')}") == {
        "interpol",
        "pole-dgsn-dgst",
    }
    # 15 African counterparts plus the three Moroccan bodies.
    assert len(slugs(filters.OrganisationFilterSet, "region=africa")) == 18
    assert slugs(filters.OrganisationFilterSet, "country=de") == {"bka"}
    assert len(slugs(filters.OrganisationFilterSet, "kind=delegation")) == 14
    assert slugs(filters.OrganisationFilterSet, "q=bundeskriminalamt") == {"bka"}
    assert slugs(filters.OrganisationFilterSet, "q=nations unies") == {
        "united-nations",
        "un-department-of-peace-operations",
    }


def test_agreement_filters(seeded):
    norway = "pole-dgsn-dgst-norwegian-national-police-agreement"
    ethiopia = "pole-dgsn-dgst-ethiopian-federal-police-protocol"
    assert slugs(filters.AgreementFilterSet, "party=ethiopian-federal-police") == {ethiopia}
    assert slugs(filters.AgreementFilterSet, "party_country=NO") == {norway}
    assert slugs(filters.AgreementFilterSet, "party_region=europe") == {norway}
    assert slugs(filters.AgreementFilterSet, "party_region=africa") == {norway, ethiopia}
    assert slugs(
        filters.AgreementFilterSet, f"signed_at={meeting('norwegian-national-police')}"
    ) == {norway}
    assert slugs(filters.AgreementFilterSet, "topic=training-capacity-building") == {ethiopia}
    assert slugs(filters.AgreementFilterSet, "kind=mou&legal_status=signed") == {norway, ethiopia}
    assert slugs(filters.AgreementFilterSet, "signed_from=2025-11-28") == set()


def test_people_posts_sources_topics(seeded):
    assert slugs(filters.PersonFilterSet, "organisation=pole-dgsn-dgst") == {"abdellatif-hammouchi"}
    assert slugs(filters.PersonFilterSet, "organisation=interpol") == set()
    assert len(slugs(filters.PostFilterSet, "organisation=interpol")) == 3
    assert slugs(filters.SourceFilterSet, "language=FR&kind=news_article") == {
        "interpol-ga-93-hammouchi-bilaterals"
    }
    assert slugs(filters.TopicFilterSet, "q=cyber") == {"cybercrime"}


@pytest.mark.parametrize(
    ("filterset_class", "query", "parameter"),
    [
        (filters.EventFilterSet, "counterpart_country=ZZ", "counterpart_country"),
        (filters.EventFilterSet, "kind=party", "kind"),
        (filters.EventFilterSet, "participant=no-such-organisation", "participant"),
        (filters.EventFilterSet, "date_from=2025-13-01", "date_from"),
        (filters.EventFilterSet, "date_to=yesterday", "date_to"),
        (filters.EventFilterSet, "region=mars", "region"),
        (filters.EventFilterSet, "q=%00", "q"),
        (filters.EventFilterSet, "parent=a%00b", "parent"),
        (filters.EventFilterSet, "parent=not a slug", "parent"),
        (filters.EventFilterSet, "ordering=password", "ordering"),
        (filters.EventFilterSet, "q=" + "x" * 201, "q"),
        (filters.OrganisationFilterSet, "country=" + ",".join(TOO_MANY_CODES), "country"),
        (filters.AgreementFilterSet, "legal_status=void", "legal_status"),
        (filters.SourceFilterSet, "language=klingon", "language"),
    ],
)
def test_bad_values_are_errors_naming_the_parameter(seeded, filterset_class, query, parameter):
    assert parameter in errors(filterset_class, query)


def test_drafts_are_unknown_to_relation_filters(db):
    draft = factories.OrganisationFactory(slug="draft-police", status=Status.DRAFT)
    event = factories.EventFactory()
    factories.ParticipationFactory(event=event, organisation=draft)
    # A draft slug is refused as unknown rather than revealing that it exists.
    assert "participant" in errors(filters.EventFilterSet, "participant=draft-police")


def test_counterpart_filters_ignore_draft_organisations(db):
    event = factories.EventFactory()
    factories.ParticipationFactory(
        event=event, organisation=factories.OrganisationFactory(country="SE", status="draft")
    )
    assert slugs(filters.EventFilterSet, "counterpart_country=SE") == set()


def test_ordering(seeded):
    filterset = run(filters.OrganisationFilterSet, "ordering=-slug")
    assert filterset.is_valid()
    ordered = list(filterset.qs.values_list("slug", flat=True))
    assert ordered == sorted(ordered, reverse=True)


def test_filtersets_cover_the_design_table():
    expected = {
        Organisation: {"q", "country", "region", "kind", "parent", "event"},
        Person: {"q", "country", "organisation"},
        Post: {"q", "organisation"},
        Event: {
            "q",
            "kind",
            "country",
            "region",
            "participant",
            "person",
            "counterpart_country",
            "counterpart_region",
            "parent",
            "topic",
            "date_from",
            "date_to",
            "year",
        },
        Agreement: {
            "q",
            "kind",
            "legal_status",
            "party",
            "party_country",
            "party_region",
            "signed_at",
            "topic",
            "signed_from",
            "signed_to",
            "year",
        },
        Topic: {"q"},
        Source: {"q", "kind", "language", "year"},
    }
    by_model = {
        cls._meta.model: cls
        for cls in vars(filters).values()
        if isinstance(cls, type)
        and issubclass(cls, filters.BaseFilterSet)
        and cls is not filters.BaseFilterSet
    }
    for model, names in expected.items():
        assert set(by_model[model].base_filters) - {"ordering"} == names, model


# --- The form class, made once per FilterSet class and language ------------------------


@pytest.mark.usefixtures("seeded")
def test_a_pages_lenient_form_leaves_the_apis_strict_one_as_it_was(client):
    # A page's form takes names and local dates (kb/site/forms.for_people) by changing
    # its fields; they are its own copies, so the API, whose form comes from the
    # same class, still answers 400 to both, before and after the page.
    for _ in range(2):
        page = client.get("/fr/events/", {"date_from": "24/11/2025", "participant": "Norvège"})
        assert page.status_code == 302
        assert "date_from=2025-11-24" in page["Location"]
        api = client.get("/api/v1/events/", {"date_from": "24/11/2025"})
        assert api.status_code == 400
        assert "date_from" in api.json()
        assert client.get("/api/v1/events/", {"participant": "Norvège"}).status_code == 400


def test_the_form_class_is_made_once_per_class_and_language():
    made = []
    for language in ("en", "fr", "en", "fr"):
        with translation.override(language):
            form = run(filters.OrganisationFilterSet, "kind=police").form
            made.append(type(form))
            assert str(form.fields["q"].label) == {"en": "Search", "fr": "Rechercher"}[language]
    assert made[0] is made[2] and made[1] is made[3]
    assert made[0] is not made[1]
    # A changed filter set (an instance that dropped a filter) gets a form of its own.
    filterset = run(filters.OrganisationFilterSet, "kind=police")
    del filterset.filters["kind"]
    assert "kind" not in filterset.form.fields


def test_the_apis_form_has_the_fields_its_request_names(monkeypatch):
    from kb.filtering import sync

    def fields(query):
        return set(run(sync.OrganisationFilterSet, query).form.fields)

    for _ in range(2):
        assert fields("kind=police") == {"kind"}
        assert fields("q=interpol&kind=police") == {"q", "kind"}
        assert fields("q=interpol") == {"q"}
    # Past the bound the kept classes are dropped, then made again as asked.
    monkeypatch.setattr(filters, "FORM_CLASSES_MAX", 2)
    for query, names in [("country=fr", {"country"}), ("parent=x", {"parent"}), ("q=a", {"q"})]:
        assert fields(query) == names
        assert len(filters.BaseFilterSet._form_classes) <= 2


def _filterset_classes():
    import django_filters

    import kb.filtering.exports  # noqa: F401  (every module that declares FilterSets)
    import kb.filtering.scope  # noqa: F401
    import kb.filtering.sync  # noqa: F401

    found, todo = set(), [django_filters.FilterSet]
    while todo:
        for subclass in todo.pop().__subclasses__():
            if subclass not in found:
                found.add(subclass)
                todo.append(subclass)
    return [c for c in found if c.__module__.startswith("kb.")]


def test_every_filter_is_copied_sharing_its_configuration():
    # A FilterSet deep-copies its filters per request: each one's copy shares what it
    # reads (choices, labels) rather than copying it (filtering.shared.SharedConfig).
    classes = _filterset_classes()
    assert len(classes) >= 15
    plain = [
        f"{cls.__name__}.{name}"
        for cls in classes
        for name, filter_ in cls.base_filters.items()
        if not isinstance(filter_, SharedConfig)
    ]
    assert plain == []


def test_each_filtersets_copies_are_its_own():
    first, second = (
        run(filters.EventFilterSet, "q=interpol&date_from=2025-11-24&region=africa")
        for _ in range(2)
    )
    for name in ("q", "date_from", "region", "ordering"):
        mine, theirs = first.filters[name], second.filters[name]
        base = filters.EventFilterSet.base_filters[name]
        assert mine is not theirs and mine is not base
        assert mine.parent is first and theirs.parent is second
        assert mine.extra == base.extra and mine.extra is not base.extra
        mine.extra["help_text"] = "changed"
        assert base.extra["help_text"] != "changed"
        if base.method is not None:
            # The method runs on the copy's own FilterSet.
            assert mine.filter.f is mine and mine.filter.method.__self__ is first
    assert first.is_valid() and second.is_valid()
    assert set(first.qs) == set(second.qs)
