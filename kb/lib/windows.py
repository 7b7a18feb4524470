"""A date window in words, in the active language: the pages and the API say the same.

Below the models (it compares the precision with its stored value, "within"),
so the template tags and kb.domain both use it.
"""

from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

WITHIN = "within"  # DatePrecision.WITHIN's stored value


def format_window(start, end, precision):
    """A date window in the active language, never more precise than the data.

    `exact` reads as a day or a span ("24–27 November 2025"); `within` as a
    window the day falls in ("some day between 24 and 27 November 2025").
    Month names and the order of day, month and year come from Django's
    translations and the format strings below, which translators may reorder.
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
    if precision == WITHIN:
        # A window is not a span: the day is one of these, and the sources do not say which.
        return pgettext("date window", "some day between %(start)s and %(end)s") % dates
    if same_month:
        return pgettext("date span in one month", "%(start)s–%(end)s") % dates
    return pgettext("date span", "%(start)s – %(end)s") % dates
