"""Cell conversions for import files: strict where the library is lenient.

django-import-export's stock widgets drop unknown many-to-many slugs
silently, hit the database once per foreign-key cell and accept any country
string. These widgets refuse what they cannot match (a ValueError becomes a
row error on that column) and resolve slugs from a cache that the resource
primes with one query per related model and file (engine.py). Every text
cell of a file is escaped against formulas by kb/lib/cells.py (engine.py),
and refused if it holds a control character (`refused_character`, checked
on every cell by checks.py before any query).
"""

import datetime
import json
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_countries import countries
from import_export import widgets

from ..lib.batching import batched
from ..models.redirects import SlugRedirect
from ..models.rules import aliases_valid

# Control characters (Unicode's Cc: U+0000-U+001F, U+007F-U+009F) and lone
# surrogates, which no cell may hold: PostgreSQL refuses NUL in text, XML (and
# so an XLSX export) refuses most of C0, a surrogate cannot even be encoded,
# and none is text an editor meant. Long text (a TextField: descriptions,
# quotes) keeps its layout: tabs, line feeds, and carriage returns in CRLF.
SHORT_TEXT_REFUSED = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
LONG_TEXT_REFUSED = re.compile(r"\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
LAYOUT = {
    "\t": gettext_noop("a tab"),
    "\n": gettext_noop("a line break"),
    "\r": gettext_noop("a carriage return"),
}


def refused_character(text, long_text=False):
    """Why `text` cannot be stored as a cell's text, or None if it can (the one rule)."""
    if text.isprintable():
        return None  # the common case, at C speed: no control character, no surrogate
    found = (LONG_TEXT_REFUSED if long_text else SHORT_TEXT_REFUSED).search(text)
    if found is None:
        return None
    char, position = found.group()[0], found.start() + 1
    if char in "\t\n\r" and not long_text:
        return _(
            "Character %(position)s is %(name)s: only long text (a description, a quote) "
            "may hold tabs and line breaks."
        ) % {"position": position, "name": _(LAYOUT[char])}
    if char == "\r":
        return _(
            "Character %(position)s is a carriage return without a line feed: end lines "
            "with a line feed (or CRLF)."
        ) % {"position": position}
    if "\ud800" <= char <= "\udfff":
        return _(
            "Character %(position)s is U+%(code)04X, half of a character (a lone "
            "surrogate), which cannot be stored: remove it."
        ) % {"position": position, "code": ord(char)}
    return _(
        "Character %(position)s is the control character U+%(code)04X, which cannot be "
        "stored: remove it."
    ) % {"position": position, "code": ord(char)}


def _escaped(match):
    """A refused character written as JSON writes it, so a message can show where it is."""
    return f"\\u{ord(match.group()):04x}"


class TextWidget(widgets.CharWidget):
    """Text, kept exactly (quotes are verbatim); an empty cell is ""."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


class FlagWidget(widgets.Widget):
    """A yes/no cell: true/false (1/0, yes/no, as spreadsheets write them); empty is false."""

    TRUE = {"true", "1", "yes", "oui", "vrai"}
    FALSE = {"false", "0", "no", "non", "faux", ""}

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = "" if value is None else str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("“%(value)s” is not true or false.") % {"value": value})

    def render(self, value, obj=None, **kwargs):
        return "true" if value else "false"


class DateWidget(widgets.DateWidget):
    """ISO dates (YYYY-MM-DD), or the date cells a spreadsheet stores."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)

    def clean(self, value, row=None, **kwargs):
        # openpyxl reads date cells as datetimes; the model stores dates.
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, str):
            value = value.strip()
        try:
            return super().clean(value, row, **kwargs)
        except ValueError:
            raise ValueError(
                _("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": value}
            ) from None


class CountryWidget(widgets.Widget):
    """An ISO 3166-1 alpha-2 code ("FR"), or empty for no country."""

    validates = True  # so the resource skips the model's own (slower) check

    def clean(self, value, row=None, **kwargs):
        code = str(value or "").strip().upper()
        if not code:
            return ""
        if len(code) != 2 or code not in countries:
            raise ValueError(
                _("“%(value)s” is not an ISO 3166-1 alpha-2 country code (such as FR).")
                % {"value": value}
            )
        return code

    def render(self, value, obj=None, **kwargs):
        return getattr(value, "code", value) or ""


class AliasesWidget(widgets.Widget):
    """A JSON list of names, written with its accents as they are."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return []
        try:
            aliases = json.loads(value)
        except (TypeError, ValueError):
            aliases = None
        if not aliases_valid(aliases):
            raise ValueError(_('Give the aliases as a JSON list, such as ["DGSN", "Sûreté"].'))
        # The cell was checked as text, but JSON escapes ("\u0000") decode only here.
        for alias in aliases:
            if refused := refused_character(alias):
                raise ValueError(
                    _("The alias “%(alias)s”: %(reason)s")
                    % {"alias": SHORT_TEXT_REFUSED.sub(_escaped, alias), "reason": refused}
                )
        return aliases

    def render(self, value, obj=None, **kwargs):
        return json.dumps(value, ensure_ascii=False) if value else ""


class SlugCache:
    """slug -> object for one model, filled by prime() with one query per batch of slugs."""

    def __init__(self, model, select_related=()):
        self.model = model
        self.select_related = select_related
        self.objects = {}
        self.missing = set()

    def prime(self, slugs):
        wanted = sorted({s for s in slugs if s} - self.objects.keys() - self.missing)
        queryset = self.model._default_manager.select_related(*self.select_related)
        for chunk in batched(wanted):
            for obj in queryset.filter(slug__in=chunk):
                self.objects[obj.slug] = obj
            if unfound := set(chunk) - self.objects.keys():
                # A merged record's old slug names the record it was merged into.
                self.objects.update(SlugRedirect.objects.targets(self.model, unfound))
            self.missing.update(set(chunk) - self.objects.keys())

    def get(self, slug):
        if slug not in self.objects and slug not in self.missing:
            self.prime([slug])
        return self.objects.get(slug)

    def unknown(self, slug):
        return ValueError(
            _("No %(model)s has the slug “%(slug)s”.")
            % {"model": self.model._meta.verbose_name, "slug": slug}
        )


class SlugWidget(widgets.ForeignKeyWidget):
    """A foreign key given by the related record's slug; unknown slugs are errors."""

    def __init__(self, model, select_related=(), **kwargs):
        super().__init__(model, field="slug", **kwargs)
        self.cache = SlugCache(model, select_related)

    def clean(self, value, row=None, **kwargs):
        slug = str(value).strip() if value not in (None, "") else ""
        if not slug:
            return None
        obj = self.cache.get(slug)
        if obj is None:
            raise self.cache.unknown(slug)
        return obj

    def slugs_in(self, values):
        return [str(v).strip() for v in values if v not in (None, "")]


class SlugsWidget(widgets.ManyToManyWidget):
    """Many-to-many by slug, comma-separated; any unknown slug is an error.

    The stock ManyToManyWidget filters with `slug__in` and so silently drops
    what it does not find.
    """

    def __init__(self, model, **kwargs):
        super().__init__(model, separator=",", field="slug", **kwargs)
        self.cache = SlugCache(model)

    def slugs_in(self, values):
        slugs = []
        for value in values:
            slugs.extend(self.split(value))
        return slugs

    def split(self, value):
        if value in (None, ""):
            return []
        return [s.strip() for s in str(value).split(self.separator) if s.strip()]

    def clean(self, value, row=None, **kwargs):
        slugs = self.split(value)
        found = [self.cache.get(s) for s in slugs]
        unknown = [s for s, obj in zip(slugs, found, strict=True) if obj is None]
        if unknown:
            raise ValueError(
                _("No %(model)s has the slug(s) %(slugs)s.")
                % {
                    "model": self.model._meta.verbose_name,
                    "slugs": ", ".join(f"“{s}”" for s in unknown),
                }
            )
        # Order-independent and free of duplicates, like the relation itself.
        return list({obj.pk: obj for obj in found}.values())

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        # Sorted so that an export is stable and a re-import compares equal.
        return self.separator.join(sorted(o.slug for o in value.all()))
