"""The filter forms render as Django renders them: kb/site/rendering.py against Django's renderer.

Each list page's form, bound to valid, invalid and generated query strings
(Hypothesis), in both languages: every field group and the form's own
errors are the same HTML, byte for byte, from either renderer, and from
field_groups(), which keeps the groups of valid fields by their values.
"""

import pytest
from django.forms.renderers import get_default_renderer
from django.http import QueryDict
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb import registry
from kb.filtering import filtersets
from kb.site import forms, rendering
from kb.site.forms import field_groups, present
from tests.api.test_properties import queries

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("article")]

LISTS = {entry.page: entry.model for entry in registry.with_pages()}
EXAMPLES = [
    {},
    {"region": ["europe"]},
    {"region": ["europe,africa"]},  # several values: a text input, not a drop-down
    {"region": ["mars"], "country": ["xx"], "kind": ["nope"]},
    {"q": ["<b>\"Police\"</b> & 'co'"], "ordering": ["-name"]},
    {"ordering": ["bogus"], "page": ["2"]},
    {"parent": ["interpol", "nope"], "event": ["<script>"]},
    {"date_from": ["2025-02-30"], "date_to": ["2025-11-27"], "signed_from": ["x"]},
    {"language": ["fr"], "counterpart_country": ["MA,FR"], "topic": ["cybercrime"]},
    {"q": ["x" * 300]},
]


def rendered(model, query, language, renderer, groups=None):
    """A list page's form: its errors, then each field's (has errors, group HTML).

    `groups` renders the fields as the page does (field_groups()); by default
    each is rendered by Django's BoundField.
    """
    data = QueryDict(mutable=True)
    for name, values in query.items():
        data.setlist(name, values)
    with translation.override(language):
        filterset_class = filtersets.for_model(model)
        filterset = filterset_class(data=data or None, queryset=model.objects.all())
        filterset.form.renderer = renderer
        filterset.is_valid()
        form = filterset.form
        if groups is None:
            present(form)
            fields = [(bool(field.errors), field.as_field_group()) for field in form]
        else:
            fields = groups(form, filterset_class)
        return [str(form.non_field_errors()), *fields]


def assert_same_html(model, query, language):
    plain = rendered(model, query, language, get_default_renderer())
    assert rendered(model, query, language, rendering.renderer) == plain, (query, language)
    page = rendered(model, query, language, rendering.renderer, groups=field_groups)
    assert page == plain, (query, language)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("query", EXAMPLES)
@pytest.mark.parametrize("page", LISTS)
def test_filter_forms_render_as_django_renders_them(page, query, language):
    assert_same_html(LISTS[page], query, language)


def html_of(model, query, language):
    return "".join(str(part) for part in rendered(model, query, language, rendering.renderer))


def test_examples_cover_errors_selects_and_text_inputs():
    html = html_of(LISTS["organisations"], EXAMPLES[3], "en")
    assert 'class="errorlist" id="id_region_error"' in html
    assert '<select name="ordering" id="id_ordering">' in html
    html = html_of(LISTS["organisations"], EXAMPLES[4], "fr")
    assert 'value="&lt;b&gt;&quot;Police&quot;&lt;/b&gt; &amp; &#x27;co&#x27;"' in html
    assert '<option value="-name" selected>' in html


@pytest.mark.parametrize("page", LISTS)
def test_generated_queries_render_as_django_renders_them(page):
    parameters = sorted({*filtersets.for_model(LISTS[page]).base_filters, "page", "x"})

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(query=queries(parameters), language=st.sampled_from(["en", "fr"]))
    def check(query, language):
        assert_same_html(LISTS[page], query, language)

    check()


def test_groups_are_kept_per_language_and_values_and_not_with_errors():
    model = LISTS["organisations"]
    queries = [{}, {"q": ["x"]}, {"region": ["mars"]}, {"region": ["europe"]}, {"q": ["y"]}]
    queries += [{"region": ["europe", "africa"]}, {"region": ["europe,africa"]}, {"q": [""]}]
    for language in ["fr", "en", "fr"]:
        for query in [*queries, *queries[::-1]]:
            assert_same_html(model, query, language)
    english, french = html_of(model, {}, "en"), html_of(model, {}, "fr")
    assert '<option value="" selected>Any</option>' in english
    assert '<option value="" selected>Tous</option>' in french and ">Any<" not in french


def test_kept_groups_are_forgotten_past_their_bound(monkeypatch):
    monkeypatch.setattr(forms, "MAX_GROUPS", 3)
    for n in range(12):
        assert_same_html(LISTS["people"], {"q": [f"name {n % 5}"]}, ["en", "fr"][n % 2])
    assert len(forms._GROUPS) <= 3


def test_templates_it_does_not_write_are_left_to_django():
    context = {"errors": {"q": ["Too long."]}.items(), "error_class": "errorlist"}
    template = "django/forms/errors/dict/default.html"
    assert rendering.renderer.render(template, context) == get_default_renderer().render(
        template, context
    )
