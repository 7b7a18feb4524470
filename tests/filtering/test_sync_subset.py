"""The API's FilterSets validate only the parameters a request names (kb/filtering/sync.py).

Leaving absent filters out must change nothing: for any query string, the
API's FilterSet gives the rows and the errors of the pages' FilterSet, which
always builds its whole form.
"""

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings

from kb.filtering import filtersets, sync
from kb.models import Agreement, Event, Organisation
from tests.api.test_properties import queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded")]

MODELS = [Organisation, Event, Agreement]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_the_api_filterset_gives_the_pages_rows_and_errors(model):
    page_filterset, api_filterset = filtersets.for_model(model), sync.for_model(model)
    parameters = sorted(page_filterset.base_filters)

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=queries(parameters))
    def check(query):
        data = QueryDict(mutable=True)
        for name, values in query.items():
            data.setlist(name, values)
        whole = page_filterset(data, model.objects.published())
        subset = api_filterset(data, model.objects.published())
        assert set(subset.filters) <= set(whole.filters)
        assert subset.is_valid() == whole.is_valid(), query
        if whole.is_valid():
            assert list(subset.qs.values_list("pk", flat=True)) == list(
                whole.qs.values_list("pk", flat=True)
            ), query
        else:
            assert subset.errors == whole.errors, query

    check()


def test_only_the_named_parameters_are_in_the_form():
    data = QueryDict("region=europe&page=2&ordering=-name")
    filterset = sync.OrganisationFilterSet(data, Organisation.objects.all())
    assert set(filterset.form.fields) == {"region", "ordering"}
    assert set(sync.OrganisationFilterSet(None).form.fields) >= {"q", "region", "updated_since"}
