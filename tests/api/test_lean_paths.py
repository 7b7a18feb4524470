"""The shortcuts the read paths take at scale give what the slow, general paths gave.

- `with_cited()` reads citations as (source slug, quote) rows instead of a
  generic prefetch: same citations, same order, published sources only, also
  through iterator() chunks;
- filters copy their configuration shallowly: each FilterSet still gets its
  own filters, bound to itself;
- list rows label choices with `choice_label` and the country datalist is
  built once per language: the same text as Django's and django-countries'.
"""

import pytest
from django.utils import translation

from kb.filtering.filtersets import EventFilterSet, OrganisationFilterSet
from kb.models import Organisation, Status
from kb.templatetags.kb_tags import choice_label, country_datalist
from tests.factories import CitationFactory, OrganisationFactory, SourceFactory

pytestmark = pytest.mark.django_db


def quotes(rows):
    return {row.slug: [(c.source.slug, c.quote) for c in row.cited] for row in rows}


def test_with_cited_gives_each_row_its_published_citations_in_order():
    published = SourceFactory(slug="published-source", status=Status.PUBLISHED)
    draft = SourceFactory(slug="draft-source", status=Status.DRAFT)
    cited = OrganisationFactory(slug="cited")
    uncited = OrganisationFactory(slug="uncited")
    CitationFactory(record=cited, source=published, quote="second said")
    CitationFactory(record=cited, source=draft, quote="not yet public")
    CitationFactory(record=cited, source=published, quote="first said")
    CitationFactory(record=uncited, source=draft, quote="draft only")

    rows = Organisation.objects.filter(slug__in=["cited", "uncited"]).with_cited()
    expected = {
        "cited": [("published-source", "second said"), ("published-source", "first said")],
        "uncited": [],
    }
    assert quotes(rows) == expected
    # The same as the generic relation reads them, filtered to published sources.
    assert [c.quote for c in cited.citations.filter(source__status=Status.PUBLISHED)] == [
        "second said",
        "first said",
    ]
    # Kept through chaining, and on every chunk of iterator().
    chained = rows.filter(slug__startswith="").order_by("-slug")
    assert quotes(chained) == expected
    assert quotes(chained.iterator(chunk_size=1)) == expected


def test_with_cited_costs_one_query_whatever_the_rows(django_assert_num_queries):
    source = SourceFactory(status=Status.PUBLISHED)
    for i in range(5):
        CitationFactory(record=OrganisationFactory(slug=f"org-{i}"), source=source)
    with django_assert_num_queries(2):
        rows = list(Organisation.objects.with_cited())
    assert sum(len(row.cited) for row in rows) == 5
    # values() and values_list() rows are dicts and tuples: nothing to attach.
    with django_assert_num_queries(1):
        assert len(list(Organisation.objects.with_cited().values("slug"))) == 5


def test_each_filterset_gets_its_own_filters_bound_to_itself():
    first = OrganisationFilterSet({"region": "europe"}, queryset=Organisation.objects.all())
    second = OrganisationFilterSet({"region": "africa"}, queryset=Organisation.objects.all())
    base = OrganisationFilterSet.base_filters["region"]
    for filterset in (first, second):
        region = filterset.filters["region"]
        assert region is not base and region.parent is filterset
        assert region.extra is not base.extra
        assert region.extra["choices"] == base.extra["choices"]
    assert first.filters["region"] is not second.filters["region"]
    first.filters["region"].extra["help_text"] = "changed here only"
    assert second.filters["region"].extra["help_text"] != "changed here only"
    # The method filter (filter_region) runs on its own FilterSet's data.
    OrganisationFactory(slug="in-germany", country="DE")
    OrganisationFactory(slug="in-senegal", country="SN")
    assert [o.slug for o in first.qs] == ["in-germany"]
    assert [o.slug for o in second.qs] == ["in-senegal"]
    dated = EventFilterSet({"date_from": "not a date"})
    assert "date_from" in dated.errors


@pytest.mark.parametrize("language", ["en", "fr"])
def test_choice_label_is_get_display_in_the_active_language(language):
    organisation = OrganisationFactory(kind=Organisation.Kind.POLICE)
    with translation.override(language):
        assert str(choice_label(organisation, "kind")) == organisation.get_kind_display()
    organisation.kind = "not-a-kind"
    assert choice_label(organisation, "kind") == "not-a-kind"


def test_country_datalist_names_countries_in_the_active_language():
    with translation.override("fr"):
        french = country_datalist("country-names")
    with translation.override("en"):
        english = country_datalist("country-names")
    assert french.startswith('<datalist id="country-names">')
    # The filters take names: the name is the value, its code beside it.
    assert '<option value="Allemagne">DE</option>' in french
    assert '<option value="Germany">DE</option>' in english
    assert english.count("<option ") == french.count("<option ") == 249


def test_list_page_offers_the_datalist_where_a_filter_takes_countries(client):
    page = client.get("/fr/organisations/").content.decode()
    assert '<datalist id="country-names">' in page
    assert '<option value="Maroc">MA</option>' in page
    assert "country-names" not in client.get("/fr/topics/").content.decode()
