"""Short changelist columns, so that every list fits a 1,280 px window (admin.css).

A long name is clamped to two lines, whole in its title (what a pointer shows);
a date window is one short cell; a date precision is one word, the full
explanation in its title. Each column reads only the row's own fields, or
relations the admin's `list_select_related` already fetched: no query per row.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext_lazy

from ..models import DatePrecision

# One word for each precision, in a column a few letters wide.
PRECISION_SHORT = {
    DatePrecision.EXACT: pgettext_lazy("date precision, short", "exact"),
    DatePrecision.WITHIN: pgettext_lazy("date precision, short", "within"),
}


def clamped(text):
    """Text on two lines at most, whole in the cell's title."""
    if text in (None, ""):
        return admin.site.empty_value_display
    return format_html('<span class="kb-clamp" title="{}">{}</span>', text, text)


def clamped_column(model, attribute):
    """A changelist column of `model` showing the field `attribute` (its text, or the
    related row's name) clamped, headed and sorted as the field itself would be."""
    field = model._meta.get_field(attribute)

    @admin.display(description=field.verbose_name, ordering=attribute)
    def column(obj):
        return clamped(getattr(obj, attribute))

    column.__name__ = f"{attribute}_clamped"
    return column


def short_date(value):
    return date_format(value, "j M Y") if value else ""


def date_window(start, end):
    """ "24–27 Nov 2025", "30 Nov – 2 Dec 2025", or one date, on one line."""
    if start is None:
        return admin.site.empty_value_display
    if end is None or end == start:
        text = short_date(start)
    elif (start.year, start.month) == (end.year, end.month):
        text = f"{date_format(start, 'j')}–{short_date(end)}"
    elif start.year == end.year:
        text = f"{date_format(start, 'j M')} – {short_date(end)}"
    else:
        text = f"{short_date(start)} – {short_date(end)}"
    return format_html('<span class="kb-nowrap">{}</span>', text)


def dates_column(start, end, description):
    @admin.display(description=description, ordering=start)
    def column(obj):
        return date_window(getattr(obj, start), getattr(obj, end))

    column.__name__ = f"{start}_window"
    return column


@admin.display(description=pgettext_lazy("column", "precision"), ordering="date_precision")
def precision(obj):
    value = obj.date_precision
    short = PRECISION_SHORT.get(value, value)
    return format_html('<span title="{}">{}</span>', obj.get_date_precision_display(), short)


@admin.display(description=pgettext_lazy("column", "updated"), ordering="updated_at")
def updated(obj):
    """The day of the last change; the time in the title."""
    when = timezone.localtime(obj.updated_at)
    return format_html(
        '<span class="kb-nowrap" title="{}">{}</span>',
        date_format(when, "DATETIME_FORMAT"),
        short_date(when),
    )


# The citations inline on a cited row's own page (GenericTabularInline's formset prefix).
CITATIONS_GROUP = "kb-citation-content_type-object_id-group"


def quotes_link(row):
    """A join row's link to its own page, at its quotes: "2 quotes ›".

    `row.quote_count` is annotated by the inline's queryset (records.py).
    """
    if row is None or row.pk is None:
        return _("Save first, then add its quotes.")
    opts = row._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk])
    count = getattr(row, "quote_count", None) or 0
    if count:
        text = ngettext("%(count)d quote", "%(count)d quotes", count) % {"count": count}
    else:
        text = _("Add quotes")
    return format_html(
        '<a class="kb-quotes-link" href="{}#{}">{} ›</a>', url, CITATIONS_GROUP, text
    )
