"""kb/registry.py lists each record type once, and every surface reads it."""

import pytest
import reversion
from django.contrib import admin
from django.urls import reverse
from reversion.revisions import _get_options

from kb import registry
from kb.api.serializers import for_model as serializer_for
from kb.filtering import filtersets, sync
from kb.models import Identifier
from kb.transfer.resources import RESOURCES
from tests.support import record_models


def kb_models():
    return set(record_models())


def test_every_model_has_one_entry():
    models = [entry.model for entry in registry.TYPES]
    assert len(models) == len(set(models))
    assert set(models) == kb_models()


@pytest.mark.parametrize("entry", registry.with_pages(), ids=lambda e: e.name)
def test_types_with_pages_have_a_list_and_a_detail_page(entry):
    assert reverse(f"kb:{entry.name}-list") == f"/en/{entry.page}/"
    assert reverse(f"kb:{entry.name}-detail", kwargs={"slug": "x"}) == f"/en/{entry.page}/x/"
    assert filtersets.for_model(entry.model)._meta.model is entry.model


@pytest.mark.parametrize("entry", registry.in_api(), ids=lambda e: e.name)
def test_api_types_have_routes_a_serializer_and_a_filterset(entry):
    assert reverse(f"v1:{entry.name}-list") == f"/api/v1/{entry.api}/"
    assert serializer_for(entry.model).Meta.model is entry.model
    assert sync.for_model(entry.model)._meta.model is entry.model
    assert entry.description


@pytest.mark.parametrize("entry", registry.TYPES, ids=lambda e: e.name)
def test_history_and_import_follow_the_entry(entry):
    assert reversion.is_registered(entry.model)
    assert tuple(_get_options(entry.model).follow) == entry.follow
    if entry.inline:
        # Identifiers travel in their record's file and revisions, not in their own.
        assert entry.model not in RESOURCES
    else:
        assert RESOURCES[entry.model]._meta.model is entry.model
    if entry.is_record:
        assert "identifiers" in entry.follow
        assert RESOURCES[entry.model]._meta.fields[-1] == "identifiers"


def test_identifiers_are_part_of_their_record_only():
    [entry] = [e for e in registry.TYPES if e.inline]
    assert entry.model is Identifier
    assert entry not in registry.cited() and entry not in registry.standalone()
    assert not admin.site.is_registered(Identifier)


@pytest.mark.parametrize("entry", registry.TYPES, ids=lambda e: e.name)
def test_ends_and_keys_name_real_fields(entry):
    for name in entry.ends:
        assert entry.model._meta.get_field(name).many_to_one, name
    for name in entry.key:
        entry.model._meta.get_field(name)
    # A join row's ends are the relations of its natural key.
    if entry.key:
        relations = [n for n in entry.key if entry.model._meta.get_field(n).is_relation]
        assert set(relations) == set(entry.ends)


def test_a_type_without_an_entry_is_refused():
    with pytest.raises(KeyError):
        registry.of(object)
    with pytest.raises(LookupError):
        filtersets.for_model(object)
