"""Template helpers for the public pages: date windows, languages, published ends."""

import datetime
import functools
import itertools
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import setting_changed
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse, translate_url
from django.utils import timezone, translation
from django.utils.encoding import escape_uri_path, iri_to_uri
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django_countries import countries

from ..domain.coverage import quote_anchor as _quote_anchor
from ..lib import regions
from ..lib.windows import format_window
from ..models import Citation, DatePrecision, Participation, visibility

register = template.Library()


@register.simple_tag
def date_window(start, end, precision):
    """{% date_window event.start_date event.end_date event.date_precision %}"""
    return format_window(start, end, precision)


@register.simple_tag
def full_date(value):
    """A day in the page's language; a moment (updated_at) gives its local day."""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return format_window(value, value, DatePrecision.EXACT)


@register.simple_tag
def iso_date(value):
    """A day or a moment's local day as YYYY-MM-DD, for <time datetime="...">."""
    if isinstance(value, datetime.datetime):
        value = timezone.localdate(value)
    return value.isoformat()


@register.simple_tag
def accessed_today():
    return full_date(timezone.localdate())


@register.filter
def quote_anchor(quote):
    """{{ citation.quote|quote_anchor }}: the quote's id on its source's page and on
    every record's page that shows it (kb/domain/coverage.py)."""
    return _quote_anchor(quote)


@register.simple_tag(takes_context=True)
def page_quote(context, citation):
    """{% page_quote citation as entry %}: the page's numbered quote a fact links to
    (kb/domain/quotes.py), or None on a page that does not number its quotes."""
    quotes = context.get("quotes")
    return quotes.entry(citation) if quotes is not None else None


@register.simple_tag
def shown_translation(citation):
    """{% shown_translation citation as translation %}: (text, who made it) or None.

    The translations are English: English pages show them beside the
    original, which stays in the source's language; other pages show the
    original only. `translation_by` is "" when there is none.
    """
    text = citation.translation
    if not text or translation.get_language() != "en" or citation.source.language == "en":
        return None
    made_by = getattr(citation, "translation_by", "")
    if made_by:  # "Entente's translation", as Citation.TranslatedBy names it
        return text, str(choice_labels(Citation, "translation_by").get(made_by, made_by))
    return text, gettext("Translation")


@register.simple_tag
def reported_by(source, anchor):
    """Whose words a quote reports, and its source linked to the quote's place there.

    "Attributed to General Directorate for National Security (DGSN) (« Selon le
    communiqué de la DGSN »), as reported by <the source's title>" when the
    source names whom it takes its facts from (Source.attributed_to, and
    Source.attribution: its own words for it); the title alone otherwise.
    The source's attributed_to must be loaded.
    """
    title = format_html(
        '<a href="{}#{}"><cite lang="{}">{}</cite></a>',
        source.get_absolute_url(),
        anchor,
        source.language,
        source.title,
    )
    words = (
        format_html('<q lang="{}">{}</q>', source.language, source.attribution)
        if source.attribution
        else ""
    )
    body = source.attributed_to if visibility.is_public(source.attributed_to) else None
    body = format_html('<a href="{}">{}</a>', body.get_absolute_url(), body) if body else ""
    if body and words:
        text = gettext("Attributed to %(body)s (%(words)s), as reported by %(source)s")
    elif body:
        text = gettext("Attributed to %(body)s, as reported by %(source)s")
    elif words:
        text = gettext("%(words)s, as reported by %(source)s")
    else:
        return title
    # The translation is escaped, then given the pieces, each already HTML.
    pieces = {"words": words, "body": body, "source": title}
    return mark_safe(conditional_escape(text) % pieces)  # noqa: S308  (escaped just above)


@register.filter
def is_public(record):
    """Whether an optional related record (parent, organiser...) may be shown."""
    return visibility.is_public(record)


@register.filter
def region_name(slug):
    return regions.REGION_NAMES.get(slug, "")


@register.filter
def without_organisation(participations, organisation):
    """The other participants of an event: whom the organisation met there."""
    return [p for p in participations if p.organisation_id != organisation.pk]


@register.filter
def counterparts(participations):
    """Everyone but the host: whom the host met."""
    return [p for p in participations if p.role != Participation.Role.HOST]


@register.filter
def row_counterparts(event):
    """The counterparts an event's list row names, and how many more it has: the first
    few that EventQuerySet.for_list_rows() loaded, or all where it was not used."""
    first = getattr(event, "row_counterparts", None)
    if first is None:
        return counterparts(event.participations.all()), 0
    return first, (first[0].counterparts_total - len(first)) if first else 0


@register.filter
def language_name(code):
    """A language's name in the page's language, or its code when Django does not know it."""
    try:
        return translation.get_language_info(code)["name_translated"]
    except KeyError:
        return code


@register.simple_tag(takes_context=True)
def language_url(context, language):
    """The same page, query string included, in another language.

    A path that no page matches (a 404) gets the home page in that language.
    Found once per page and language: the head and the header both link it.
    """
    found = context.render_context.setdefault(language_url, {})
    if language not in found:
        found[language] = _language_url(context["request"], language)
    return found[language]


def _language_url(request, language):
    # As translate_url(request.get_full_path(), language): the query string is kept
    # as it is, so the path alone is translated.
    path, translated = _translated_path(
        escape_uri_path(request.path),
        language,
        translation.get_language(),
        get_script_prefix(),
        get_urlconf(),
    )
    query = request.META.get("QUERY_STRING", "")
    return f"{path}?{iri_to_uri(query)}" if translated and query else path


@functools.lru_cache(maxsize=4096)
def _translated_path(path, language, current, script_prefix, urlconf):
    """`path` in `language` (while `current` is active) and True, or, when no page
    matches it, that language's home page and False.

    Kept per path: resolving and reversing it cost a list page some 0.1 ms; the
    answer depends on the URLconf alone (the key holds what could change it).
    """
    there = translate_url(path, language)
    if there == path and language != current:
        return _home_path(language), False
    return there, True


def _home_path(language):
    with translation.override(language):
        try:
            return reverse("kb:home")
        except NoReverseMatch:
            return "/"


def _forget_translated_paths(**kwargs):
    # A test's changed setting (the URLconf, the languages) may change the paths.
    _translated_path.cache_clear()


setting_changed.connect(_forget_translated_paths)


@register.simple_tag(takes_context=True)
def absolute_url(context, record):
    return context["request"].build_absolute_uri(record.get_absolute_url())


@register.filter
def choice_label(record, field_name):
    """`record.get_<field>_display()`, without its cost per row.

    Django's method rebuilds a dict of every choice, translating each label
    to hash it, on every call; a list page calls it for each of its rows.
    """
    value = getattr(record, field_name)
    return choice_labels(type(record), field_name).get(value, value)


@functools.cache
def choice_labels(model, field_name):
    # The labels stay lazy: each is translated when the page renders it.
    return dict(model._meta.get_field(field_name).flatchoices)


# As Django's json_script: inside a <script> element, "</script>" or "<!--" in a
# name would end or change it, so "<", ">" and "&" are written as JSON escapes,
# which a JSON-LD reader decodes back.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def ld_json(data):
    """{{ linked_data|ld_json }}: a dict as a JSON-LD data block for the page's head.

    A data block is never run: the CSP's script-src does not apply to it, and
    it needs no nonce.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script type="application/ld+json">{}</script>',
        mark_safe(text.translate(_SCRIPT_ESCAPES)),  # noqa: S308  (escaped just above)
    )


@register.simple_tag
def country_datalist(element_id):
    """A <datalist> of every country's name in the active language (its code beside it),
    for the country filters, which take names (kb/filtering/names.py).

    Built once per language and process: django-countries translates and
    sorts all 249 names on every iteration, which cost a list page a third
    of its time.
    """
    return _country_datalist(element_id, translation.get_language())


@functools.lru_cache(maxsize=16)
def _country_datalist(element_id, language):
    options = format_html_join("", '<option value="{1}">{0}</option>', countries)
    return format_html('<datalist id="{}">{}</datalist>', element_id, options)


# (tag, language, script prefix, URLconf, key values) -> HTML, for {% memo %}.
_MEMOS = {}
MAX_MEMOS = 1000  # a bound, should a key ever take values without end
# Each parsed {% memo %} tag's number: a template parsed again (a test's, a
# changed file's in development) gets new ones, never another tag's HTML.
_memo_numbers = itertools.count()


@register.tag
def memo(parser, token):
    """{% memo key... %}...{% endmemo %}: rendered once per process, language and key.

    For the parts of a page that depend on nothing but the language and the
    key's values (a variable or two, such as the current page's URL name):
    the header's links and words, the footer. The language, the script
    prefix and the URLconf are part of every key, as `{% url %}` and
    `{% translate %}` inside depend on them; nothing else may vary inside
    (no request, no data, no nonce), or every page would get the first.
    """
    keys = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, keys)


class MemoNode(template.Node):
    def __init__(self, nodelist, keys):
        self.nodelist = nodelist
        self.keys = keys
        self.number = next(_memo_numbers)

    def render(self, context):
        key = (
            self.number,
            translation.get_language(),
            get_script_prefix(),
            get_urlconf(),
            *(k.resolve(context) for k in self.keys),
        )
        html = _MEMOS.get(key)
        if html is None:
            html = self.nodelist.render(context)
            if len(_MEMOS) >= MAX_MEMOS:
                _MEMOS.clear()
            _MEMOS[key] = html
        return html


def _forget_memos(**kwargs):
    # A test's changed setting (ROOT_URLCONF, STATIC_URL, LANGUAGES...) changes what they render.
    _MEMOS.clear()


setting_changed.connect(_forget_memos)
