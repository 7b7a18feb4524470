"""kb/filtering/names.py: country names to codes, and the canonical query string."""

import pytest
from django.http import QueryDict
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.filtering import filtersets
from kb.filtering.names import canonical_query, close_countries, country_code, country_codes
from kb.models import Event


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Allemagne", "DE"),
        ("  germany ", "DE"),
        ("de", "DE"),
        ("Côte d’Ivoire", "CI"),  # typographic apostrophe
        ("Ivory Coast", "CI"),  # everyday names, from kb/lib/countries.py
        ("Turquie", "TR"),
        ("Royaume-Uni", "GB"),
        ("Atlantis", None),
        ("", None),
    ],
)
def test_country_code(typed, code):
    assert country_code(typed) == code


def test_a_name_with_a_comma_is_read_whole_from_its_parts():
    with translation.override("fr"):
        shown = "Bonaire, Saint Eustache et Saba"
    parts = [p.strip() for p in f"France, {shown}, Mars".split(",")]
    assert country_codes(parts) == (["FR", "BQ"], ["Mars"])


def test_close_countries_are_named_in_the_active_language():
    with translation.override("fr"):
        assert close_countries("Allemagn") == ["Allemagne"]
    with translation.override("en"):
        assert close_countries("Germny")[0] == "Germany"


@settings(deadline=None, max_examples=60, derandomize=True)
@given(st.text(max_size=40))
def test_any_text_is_a_code_or_nothing(text):
    code = country_code(text)
    assert code is None or (len(code) == 2 and code.isupper())


def form_for(query, language="en"):
    data = QueryDict(query)
    with translation.override(language):
        filterset = filtersets.EventFilterSet(data, queryset=Event.objects.published())
        filterset.is_valid()
    return filterset.form, data


@pytest.mark.django_db
def test_a_canonical_query_is_left_alone():
    form, data = form_for("counterpart_country=NO,ET&region=africa&page=2")
    assert canonical_query(form, data) is None


@pytest.mark.django_db
def test_names_choices_and_repeats_become_what_the_url_keeps():
    form, data = form_for(
        "counterpart_country=Norway&counterpart_country=et&region=Africa&page=2&q=Oslo"
    )
    tidy = canonical_query(form, data)
    assert tidy.urlencode() == "counterpart_country=NO%2CET&region=africa&page=2&q=Oslo"


@pytest.mark.django_db
def test_a_field_in_error_keeps_what_was_typed():
    form, data = form_for("counterpart_country=Atlantis&region=Africa")
    assert canonical_query(form, data).urlencode() == "counterpart_country=Atlantis&region=africa"


@pytest.mark.django_db
def test_the_api_form_takes_no_record_names():
    form, _data = form_for("participant=Norwegian National Police")
    assert "participant" in form.errors
