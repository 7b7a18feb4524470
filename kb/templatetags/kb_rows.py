"""A list page's rows, written in Python: `{% record_rows object_list %}`.

A list shows 25 rows. Through a template included once per row, they cost
a quarter of the request: the include, a dozen variable lookups, a URL
reversal and three or four translations for every row. Here each row is one format
string filled with escaped values; its language's words and labels
(countries, regions, kinds, fixed text) are translated and escaped once per
process and language, and a detail URL is its type's prefix plus the slug,
reversed once per page. The HTML is the row templates' own, byte for byte
(tests/templatetags/test_kb_rows.py renders both).

A type with pages needs a row here (ROWS); tests/templatetags fails until
it has one.
"""

import functools
import html
import re

from django import template
from django.core.signals import setting_changed
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ..models import Agreement, Event, Organisation, Person, Source, Topic, visibility
from ..models.base import Record
from .kb_tags import (
    choice_labels,
    format_window,
    full_date,
    language_name,
    region_name,
    row_counterparts,
)

register = template.Library()

# What the <slug:slug> converter accepts: such a slug goes into the URL as it is.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
SAMPLE_SLUG = "0-slug-0"

ORGANISATION = (
    '\n<li class="record">\n'
    '  <h3><a href="{url}">{name}</a>{acronym}</h3>\n'
    '  <p class="meta">\n'
    "    {kind}\n"
    "    · {place}\n"
    "    {parent}\n"
    "  </p>\n"
    "</li>\n"
)
ACRONYM = ' <span class="acronym">({})</span>'
PART_OF = '· {} <a href="{}">{}</a>'

PERSON = (
    '\n<li class="record">\n'
    '  <h3><a href="{url}">{name}</a></h3>\n'
    '  <p class="meta">\n'
    "    {country}\n"
    "    {memberships}\n"
    "  </p>\n"
    "</li>\n"
)

EVENT = (
    '\n<li class="record">\n'
    '  <h3><a href="{url}">{name}</a></h3>\n'
    '  <p class="meta">\n'
    "    {dates}\n"
    "    · {kind}\n"
    "    {place}\n"
    "  </p>\n"
    "  {others}\n"
    "</li>\n"
)
WITH = '\n  <p class="meta">{}\n    {}\n  </p>\n  '

AGREEMENT = (
    '\n<li class="record">\n'
    '  <h3><a href="{url}">{title}</a></h3>\n'
    '  <p class="meta">\n'
    "    {kind} · {status}\n"
    "    · {dates}\n"
    "  </p>\n"
    "  {parties}\n"
    "</li>\n"
)
PARTIES = '\n  <p class="meta">{}\n    {}\n  </p>\n  '

SOURCE = (
    '\n<li class="record">\n'
    '  <h3><a href="{url}" lang="{language}">{title}</a></h3>\n'
    '  <p class="meta">\n'
    "    {kind}\n"
    "    · {language_name}\n"
    "    · {publisher}\n"
    "    · {published}\n"
    "  </p>\n"
    "</li>\n"
)

TOPIC = '<li class="record">\n  <h3><a href="{url}">{name}</a></h3>\n</li>\n'

LINK = '<a href="{}">{}</a>'

# The rows' fixed words, marked here so that makemessages finds them.
WORDS = {
    "part of": _("part of"),
    "with": _("With:"),
    "parties": _("Parties:"),
    "publisher unknown": _("publisher unknown"),
    "date unknown": _("date unknown"),
}


def _text(value):
    """`{{ value }}` in a template: escaped unless safe."""
    if type(value) is str:
        # What conditional_escape() gives a plain string (Django's escape() is
        # html.escape()), without its checks for lazy and safe strings on each call.
        return html.escape(value)
    return conditional_escape(value)


@functools.lru_cache(maxsize=16)
def _words(language):
    """One language's translated, escaped words: filled as rows need them, never changed.

    Keyed by the active language, so a word is only ever made while its
    language is active; translations are fixed for the life of a process.
    """
    return {}


def _forget_words(**kwargs):
    # A test's changed setting (languages, translations) may change the words.
    _words.cache_clear()


setting_changed.connect(_forget_words)


class Rows:
    """What one page's rows share: its language's words and each type's URL prefix."""

    def __init__(self):
        self.words = _words(translation.get_language())
        self.url_parts = {}

    def word(self, key, make):
        try:
            return self.words[key]
        except KeyError:
            word = self.words[key] = _text(make())
            return word

    def text(self, name):
        """One of WORDS, as `{% translate %}` shows it."""
        return self.word(("text", name), lambda: WORDS[name])

    def label(self, record, field):
        """`record|choice_label:field`."""
        value = getattr(record, field)
        return self.word(
            ("choice", type(record), field, value),
            lambda: choice_labels(type(record), field).get(value, value),
        )

    def country(self, record):
        """`record.country.name` if it has a country, else "": kept per stored code."""

        def make():
            country = record.country
            return country.name if country else ""

        return self.word(("country", _stored_country(record)), make)

    def place(self, record):
        """`{% if record.country %}{{ record.country.name }}{% if record.region %},
        {{ record.region|region_name }}{% endif %}{% else %}International{% endif %}`.

        Keyed by the country: a record's region is its country's.
        """

        def make():
            country = record.country
            if not country:
                return gettext("International")
            if record.region:
                return format_html("{}, {}", country.name, region_name(record.region))
            return country.name

        return self.word(("place", _stored_country(record)), make)

    def language(self, code):
        return self.word(("language", code), lambda: language_name(code))

    def url(self, record):
        """`record.get_absolute_url`, escaped: one reversal per type and page."""
        if record is None:
            return ""  # as a template shows a missing record's URL
        model = type(record)
        parts = self.url_parts.get(model)
        if parts is None:
            parts = self.url_parts[model] = _url_parts(model)
        if parts and SLUG.fullmatch(record.slug):
            return f"{parts[0]}{record.slug}{parts[1]}"
        return _text(record.get_absolute_url())


def _stored_country(record):
    """The code a record's country field holds ("" for none), as Django keeps it.

    Reading `record.country` makes a Country (its code looked up) on every read:
    a tenth of the rows' time. The rows' words are kept by this code, and a
    Country is made only to word one. A deferred field is read as before.
    """
    try:
        return record.__dict__["country"]
    except KeyError:
        return record.country.code


def _url_parts(model):
    """The escaped text before and after the slug in `model`'s detail URL, or () if it differs."""
    if model.get_absolute_url is not Record.get_absolute_url:
        return ()
    url = reverse(f"kb:{model._meta.model_name}-detail", kwargs={"slug": SAMPLE_SLUG})
    before, found, after = url.partition(SAMPLE_SLUG)
    if not found or SAMPLE_SLUG in after:
        return ()
    return _text(before), _text(after)


def organisation(rows, record):
    parent = record.parent
    return ORGANISATION.format(
        url=rows.url(record),
        name=_text(record.name),
        acronym=ACRONYM.format(_text(record.acronym)) if record.acronym else "",
        kind=rows.label(record, "kind"),
        place=rows.place(record),
        parent=(
            PART_OF.format(rows.text("part of"), rows.url(parent), _text(parent.name))
            if visibility.is_public(parent)
            else ""
        ),
    )


def person(rows, record):
    country = rows.country(record)
    held = "; ".join(
        _text(membership.post.name if membership.post else membership.organisation.name)
        for membership in record.memberships.all()
    )
    if held and country:
        held = f" · {held}"
    return PERSON.format(
        url=rows.url(record),
        name=_text(record.name),
        country=country,
        memberships=held,
    )


def participant(rows, participation):
    """kb/includes/participant.html: the person, the post or the organisation."""
    person, post = participation.person, participation.post
    organisation = participation.organisation
    who = ""
    if person:
        who = LINK.format(rows.url(person), _text(person.name))
        if post or organisation:
            who += ", "
    if post:
        seat = LINK.format(f"{rows.url(organisation)}#post-{_text(post.slug)}", _text(post.name))
    elif organisation:
        seat = LINK.format(rows.url(organisation), _text(organisation.name))
    else:
        seat = ""
    return f"\n{who}\n{seat}\n"


def event(rows, record):
    city, country = record.city, rows.country(record)
    place = ""
    if city or country:
        place = "· "
        if city:
            place += _text(city) + (", " if country else "")
        place += country
    url = rows.url(record)
    others, more = row_counterparts(record)
    named = "; ".join(participant(rows, p) for p in others)
    if more:
        # The template's {% blocktranslate count counter=... %}, and its message.
        text = ngettext("and %(counter)s more", "and %(counter)s more", more) % {"counter": more}
        named += "; " + LINK.format(f"{url}#participants", _text(text))
    return EVENT.format(
        url=url,
        name=_text(record.name),
        dates=_text(format_window(record.start_date, record.end_date, record.date_precision)),
        kind=rows.label(record, "kind"),
        place=place,
        others=WITH.format(rows.text("with"), named) if others else "",
    )


def agreement(rows, record):
    parties = list(record.parties.all())
    links = "; ".join(
        LINK.format(rows.url(party.organisation), _text(party.organisation.name))
        for party in parties
    )
    return AGREEMENT.format(
        url=rows.url(record),
        title=_text(record.title),
        kind=rows.label(record, "kind"),
        status=rows.label(record, "legal_status"),
        dates=_text(format_window(record.signed_start, record.signed_end, record.date_precision)),
        parties=PARTIES.format(rows.text("parties"), links) if parties else "",
    )


def source(rows, record):
    return SOURCE.format(
        url=rows.url(record),
        language=_text(record.language),
        title=_text(record.title),
        kind=rows.label(record, "kind"),
        language_name=rows.language(record.language),
        publisher=_text(record.publisher) if record.publisher else rows.text("publisher unknown"),
        published=(
            _text(full_date(record.published_on))
            if record.published_on
            else rows.text("date unknown")
        ),
    )


def topic(rows, record):
    return TOPIC.format(url=rows.url(record), name=_text(record.name))


ROWS = {
    Organisation: organisation,
    Person: person,
    Event: event,
    Agreement: agreement,
    Source: source,
    Topic: topic,
}


@register.simple_tag
def record_rows(records):
    """Each record's <li>, as the list page shows it."""
    rows = Rows()
    return mark_safe("".join(ROWS[type(record)](rows, record) for record in records))
