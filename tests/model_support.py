"""Shared by tests/test_constraints.py and tests/test_models.py."""

import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories

D1 = datetime.date(2025, 11, 24)
D2 = datetime.date(2025, 11, 27)
ORDER_MESSAGE = "The end date must be on or after the start date."

MAIN_FACTORIES = [
    factories.TopicFactory,
    factories.OrganisationFactory,
    factories.PersonFactory,
    factories.PostFactory,
    factories.EventFactory,
    factories.AgreementFactory,
    factories.SourceFactory,
    factories.ClaimFactory,
]


def factory_id(factory):
    return factory._meta.model.__name__


@contextmanager
def refused():
    """Expect the database to refuse what the block writes, then carry on.

    The savepoint keeps the test's transaction usable after the error
    (PostgreSQL aborts the whole transaction otherwise).
    """
    with pytest.raises(IntegrityError), transaction.atomic():
        yield


def validation_errors(obj):
    """The message_dict of obj.full_clean(), which must fail."""
    with pytest.raises(ValidationError) as excinfo:
        obj.full_clean()
    return excinfo.value.message_dict
