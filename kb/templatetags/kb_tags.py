"""Template helpers for the public pages: date windows, languages, published ends."""

import functools

from django import template
from django.urls import NoReverseMatch, reverse, translate_url
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, pgettext
from django_countries import countries

from ..lib import regions
from ..models import DatePrecision, Participation, visibility

register = template.Library()


def format_window(start, end, precision):
    """A date window in the active language, never more precise than the data.

    `exact` reads as a day or a span ("24–27 November 2025"); `within` as a
    window the day falls in ("between 24 and 27 November 2025"). Month names
    and the order of day, month and year come from Django's translations and
    the format strings below, which translators may reorder.
    """
    start, end = start or end, end or start
    if start is None:
        return gettext("date unknown")
    # Translators: a PHP-style date format (Django's `date` filter) for one full day.
    full = pgettext("date format", "j F Y")
    if start == end:
        return date_format(start, full)
    same_month = (start.year, start.month) == (end.year, end.month)
    if same_month:
        # Translators: a date format for the first day of a window ending in the same month.
        first = date_format(start, pgettext("date format", "j"))
    elif start.year == end.year:
        # Translators: a date format for the first day of a window ending in the same year.
        first = date_format(start, pgettext("date format", "j F"))
    else:
        first = date_format(start, full)
    dates = {"start": first, "end": date_format(end, full)}
    if precision == DatePrecision.WITHIN:
        return pgettext("date window", "between %(start)s and %(end)s") % dates
    if same_month:
        return pgettext("date span in one month", "%(start)s–%(end)s") % dates
    return pgettext("date span", "%(start)s – %(end)s") % dates


@register.simple_tag
def date_window(start, end, precision):
    """{% date_window event.start_date event.end_date event.date_precision %}"""
    return format_window(start, end, precision)


@register.simple_tag
def full_date(value):
    return format_window(value, value, DatePrecision.EXACT)


@register.simple_tag
def accessed_today():
    return full_date(timezone.localdate())


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
    """
    request = context["request"]
    here = request.get_full_path()
    there = translate_url(here, language)
    if there == here and language != translation.get_language():
        with translation.override(language):
            try:
                there = reverse("kb:home")
            except NoReverseMatch:
                there = "/"
    return there


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


@register.simple_tag
def country_datalist(element_id):
    """A <datalist> of every country code, named in the active language.

    Built once per language and process: django-countries translates and
    sorts all 249 names on every iteration, which cost a list page a third
    of its time.
    """
    return _country_datalist(element_id, translation.get_language())


@functools.lru_cache(maxsize=16)
def _country_datalist(element_id, language):
    options = format_html_join("", '<option value="{}">{}</option>', countries)
    return format_html('<datalist id="{}">{}</datalist>', element_id, options)
