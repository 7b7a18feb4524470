"""A slug filter's check (fields.SlugListField, through filtering/slug_rows.py) reads its
rows through SQL compiled once per queryset, alias and number of slugs: the same rows as
the ORM, in the asked order, never a stale answer, one query. Both databases run it."""

import random

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kb.filtering import fields
from kb.models import Organisation, Status, Topic
from tests import factories

pytestmark = pytest.mark.django_db


def field(model=Organisation):
    return fields.SlugListField(queryset=model.objects.published())


def orm_rows(queryset, slugs, columns):
    return sorted(queryset.filter(slug__in=slugs).values_list(*columns))


def test_the_compiled_lookup_gives_the_orms_rows_in_the_asked_order():
    published = factories.OrganisationFactory.create_batch(4, status=Status.PUBLISHED)
    drafts = factories.OrganisationFactory.create_batch(2, status=Status.DRAFT)
    factories.TopicFactory(slug=published[0].slug, status=Status.PUBLISHED)  # another table
    pool = [o.slug for o in published + drafts] + ["nobody", "also-nobody"]
    check = field()
    chooser = random.Random(13)
    for _ in range(40):
        slugs = chooser.choices(pool, k=chooser.randint(1, 6))  # repeats included
        for columns in (["slug", "pk"], ["pk", "slug"]):
            rows = sorted(check._rows_for_slugs(slugs, columns))
            assert rows == orm_rows(check.queryset, slugs, columns), (slugs, columns)
    assert check._rows_for_slugs([], ["slug", "pk"]) == []
    topics = field(Topic)._rows_for_slugs([published[0].slug], ["slug", "pk"])
    assert topics == orm_rows(Topic.objects.all(), [published[0].slug], ["slug", "pk"])


def test_a_lookup_compiled_before_the_record_existed_finds_it_once_it_does():
    check = field()
    with pytest.raises(ValidationError, match="Unknown organisation: later"):
        check.clean(["later"])
    organisation = factories.OrganisationFactory(slug="later", status=Status.PUBLISHED)
    cleaned = check.clean(["later"])
    assert (list(cleaned), cleaned.pks) == (["later"], [organisation.pk])
    Organisation.objects.filter(pk=organisation.pk).update(status=Status.DRAFT)
    with pytest.raises(ValidationError, match="Unknown organisation: later"):
        check.clean(["later"])


def test_the_check_is_one_query_and_reads_the_slugs_in_the_order_given():
    first, second = factories.OrganisationFactory.create_batch(2, status=Status.PUBLISHED)
    check = field()
    check.clean([first.slug])  # compiled
    with CaptureQueriesContext(connection) as queries:
        cleaned = check.clean([second.slug, first.slug, second.slug])
    assert len(queries) == 1
    assert (list(cleaned), cleaned.pks) == ([second.slug, first.slug], [second.pk, first.pk])


def test_a_queryset_that_matches_nothing_is_left_to_the_orm():
    factories.OrganisationFactory(slug="here", status=Status.PUBLISHED)
    check = fields.SlugListField(queryset=Organisation.objects.none())
    assert list(check._rows_for_slugs(["here"], ["slug", "pk"])) == []
    with pytest.raises(ValidationError, match="Unknown organisation: here"):
        check.clean(["here"])
