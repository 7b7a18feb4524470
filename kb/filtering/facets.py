"""Facets: a list's main filters, each value with the number of current results that have it.

Datasette's facets, for the list pages and the API (`?facets=kind,region`).
A facet is named after the filter parameter it adds, and counts within the
rows every current filter gives, its own included: following a value's link
adds that filter, and gives exactly the count shown. A facet whose filter is
set already offers only its chosen values (`FacetResult.offered`), each to
remove: a second value would mean "any of", a union that no count here
states.

Cost: at most one GROUP BY per facet over the filtered rows, and none for a
region facet over rows that have one country each (summed in Python from the
country facet's counts), when not cached; nothing once cached. Counts are
cached, like list counts (kb/db/counts.py), under the data version and the
query string's own filters (filtering.keys), never under the SQL: a repeated
page or API call compiles no query. Facets counted through a join
(counterparts, parties, topics) read every related row of the listed records:
given the list's `total`, past JOINED_MAX rows they are left uncounted. Labels
(country names, kinds, topics in either language) are applied after the
cache, in the active language.
"""

import functools
import hashlib
from dataclasses import dataclass, field

from django.conf import global_settings
from django.core.cache import caches
from django.db.models import Case, CharField, Count, FilteredRelation, Value, When
from django.db.models.functions import ExtractYear
from django.http import QueryDict
from django.utils import translation
from django_countries import countries

from ..db.counts import COUNT_CACHE, COUNT_TIMEOUT
from ..db.version import data_version
from ..lib import regions
from ..lib.text import fold
from ..models import Agreement, Event, Organisation, Person, Source
from ..models.visibility import public
from .filtersets import join_counterparts, join_parties
from .keys import filter_key

# Values a facet keeps, most frequent first (the API's answer holds them all; pages
# show SHOWN, and the rest behind "more").
KEPT = 100
SHOWN = 10
BLANK = (None, "")  # no value to filter on: no country, no date
# Rows past which pages leave the facets counted through a join uncounted: about 0.1 ms
# a row cold on SQLite at scale 100 (counterparts: every participation of the events).
JOINED_MAX = 5_000


class Facet:
    """One facet: how its values are counted (`rows`) and named (`label`)."""

    # The facet whose rows this one is computed from (by `derive`), with no query.
    source = None
    # Whether only the KEPT most frequent values are kept (else all of them).
    cut = True
    # Whether it counts through a join (RelatedFacet): pages count it up to JOINED_MAX rows.
    joined = False

    def __init__(self, name):
        self.name = name

    def rows(self, filtered):
        """[(value, count, names or None)], most frequent first: one query."""
        raise NotImplementedError

    def label(self, value, names, language):
        return str(value)


def _grouped(queryset, column, count, cut=True):
    """(value, count) of `queryset` grouped by `column`, blanks left out, most first;
    `cut`: KEPT of them, and one more to tell whether there were more."""
    # Blanks are dropped here, not in SQL: a condition on a joined column would join again.
    grouped = queryset.values(column).annotate(facet_count=count).order_by("-facet_count", column)
    if cut:
        grouped = grouped[: KEPT + 2]  # and a blank, perhaps
    return [(row[column], row["facet_count"], None) for row in grouped if row[column] not in BLANK]


class ChoiceFacet(Facet):
    """A choice column of the listed rows (kind, legal status, language)."""

    def __init__(self, name, column, choices):
        super().__init__(name)
        self.column = column
        self.choices = dict(choices)

    def rows(self, filtered):
        return _grouped(filtered, self.column, Count("pk"))

    def label(self, value, names, language):
        label = self.choices.get(value, value)
        # Django's language names are marked for translation, not translated.
        return translation.gettext(label) if isinstance(label, str) else str(label)


class CountryFacet(Facet):
    """The listed rows' own country column: one country per row."""

    cut = False  # at most the 249 ISO codes, all kept: a region facet is summed from them

    def __init__(self, name, column="country"):
        super().__init__(name)
        self.column = column

    def rows(self, filtered):
        return _grouped(filtered, self.column, Count("pk"), cut=False)

    def label(self, value, names, language):
        return country_label(value, language)


def country_label(code, language):
    return _country_names(language).get(code) or code


@functools.cache
def _country_names(language):
    # Once per language: naming each code through django-countries cost 0.16 ms,
    # 40 ms for a list of every country.
    with translation.override(language):
        return {code: str(name) for code, name in countries}


@functools.lru_cache(maxsize=4096)
def _sort_name(label):
    return fold(label)


def region_label(slug):
    return str(regions.REGION_NAMES.get(slug, slug))


class RegionFacet(Facet):
    """The UN M49 region of a country facet's rows, summed from its counts: no query."""

    def __init__(self, name, source):
        super().__init__(name)
        self.source = source

    def derive(self, country_rows):
        totals = {}
        for code, count, _names in country_rows:
            region = regions.region_for(code)
            if region is not None:
                totals[region] = totals.get(region, 0) + count
        return sorted(((r, n, None) for r, n in totals.items()), key=lambda row: (-row[1], row[0]))

    def label(self, value, names, language):
        return region_label(value)


# The alias a related facet joins its rows under.
JOINED = "facet_join"


class RelatedFacet(Facet):
    """A value of the listed records' related rows (participations, parties, topics),
    each record counted once per value.

    `join(records, alias)` joins the records to the related rows that may count
    (published ends only), as `alias`; it is the filters' own rule, as a join.
    Joined costs more than a column of the listed rows (about 0.1 ms per event,
    cold, on SQLite at scale 100), so pages count these up to JOINED_MAX rows
    (`facet_counts`' `total`).
    """

    joined = True

    def __init__(self, name, join):
        super().__init__(name)
        self.join = join

    def joined_rows(self, filtered):
        return self.join(filtered.order_by(), JOINED)


class RelatedCountryFacet(RelatedFacet):
    """The country of a record's related organisations (counterparts, parties)."""

    cut = False

    def rows(self, filtered):
        column = f"{JOINED}__organisation__country"
        return _grouped(self.joined_rows(filtered), column, Count("pk", distinct=True), cut=False)

    def label(self, value, names, language):
        return country_label(value, language)


def _region_of(column):
    """The UN M49 region of a country column, in SQL; empty for none."""
    whens = [
        When(**{f"{column}__in": regions.countries_in(slug)}, then=Value(slug))
        for slug in regions.REGION_NAMES
    ]
    return Case(*whens, default=Value(""), output_field=CharField())


class RelatedRegionFacet(RelatedFacet):
    """The region of a record's related organisations: a record with two parties in
    one region counts once there, so this is counted in SQL, not summed."""

    def rows(self, filtered):
        region = _region_of(f"{JOINED}__organisation__country")
        grouped = self.joined_rows(filtered).annotate(facet_region=region)
        return _grouped(grouped, "facet_region", Count("pk", distinct=True))

    def label(self, value, names, language):
        return region_label(value)


def join_topics(records, alias):
    """Records joined, as `alias`, to their published topics (the topic filters' rule)."""
    return records.annotate(**{alias: FilteredRelation("topics", condition=public("topics"))})


class TopicFacet(RelatedFacet):
    """A record's published topics; their names in both languages come with the counts."""

    def __init__(self, name):
        super().__init__(name, join_topics)

    def rows(self, filtered):
        slug, *names = (f"{JOINED}__{f}" for f in ("slug", "name_en", "name_fr"))
        grouped = (
            self.joined_rows(filtered)
            .values(slug, *names)
            # A record has a topic once (the join's unique pair): no DISTINCT needed.
            .annotate(facet_count=Count("pk"))
            .order_by("-facet_count", slug)[: KEPT + 2]  # and the records without a topic
        )
        return [
            (row[slug], row["facet_count"], {"en": row[names[0]], "fr": row[names[1]]})
            for row in grouped
            if row[slug] is not None
        ]

    def label(self, value, names, language):
        names = names or {}
        return names.get(language) or names.get("en") or value


class YearFacet(Facet):
    """The year of a date column (the `year` filter's)."""

    def __init__(self, name, column):
        super().__init__(name)
        self.column = column

    def rows(self, filtered):
        years = filtered.exclude(**{f"{self.column}__isnull": True}).annotate(
            facet_year=ExtractYear(self.column)
        )
        return _grouped(years, "facet_year", Count("pk"))


def _facets(*facets):
    return {facet.name: facet for facet in facets}


_ORGANISATION_COUNTRY = CountryFacet("country")
_EVENT_COUNTRY = CountryFacet("country")

# Each type's facets, in the order pages show them; names are filter parameters.
FACETS = {
    Organisation: _facets(
        ChoiceFacet("kind", "kind", Organisation.Kind.choices),
        _ORGANISATION_COUNTRY,
        RegionFacet("region", _ORGANISATION_COUNTRY),
    ),
    Person: _facets(CountryFacet("country")),
    Event: _facets(
        ChoiceFacet("kind", "kind", Event.Kind.choices),
        _EVENT_COUNTRY,
        RegionFacet("region", _EVENT_COUNTRY),
        RelatedCountryFacet("counterpart_country", join_counterparts),
        RelatedRegionFacet("counterpart_region", join_counterparts),
        TopicFacet("topic"),
        YearFacet("year", "start_date"),
    ),
    Agreement: _facets(
        ChoiceFacet("kind", "kind", Agreement.Kind.choices),
        ChoiceFacet("legal_status", "legal_status", Agreement.LegalStatus.choices),
        RelatedCountryFacet("party_country", join_parties),
        RelatedRegionFacet("party_region", join_parties),
        TopicFacet("topic"),
        YearFacet("year", "signed_start"),
    ),
    Source: _facets(
        ChoiceFacet("kind", "kind", Source.Kind.choices),
        # The filter's own choices: a source's language is any of Django's.
        ChoiceFacet("language", "language", global_settings.LANGUAGES),
        YearFacet("year", "published_on"),
    ),
}


def names_for(model):
    """The facet names a type offers, in order (none for types without facets)."""
    return list(FACETS.get(model, {}))


class UnknownFacet(ValueError):
    """A requested facet name the type does not offer; the message lists those it does."""


def requested(model, values):
    """The facet names in `values` (repeated or comma-separated), checked, in order given."""
    names = list(dict.fromkeys(n.strip() for v in values for n in v.split(",") if n.strip()))
    allowed = names_for(model)
    unknown = [n for n in names if n not in allowed]
    if unknown:
        shown = ", ".join(n[:40] for n in unknown[:5])
        if not allowed:
            raise UnknownFacet(f"Unknown facet: {shown}. This list has no facets.")
        raise UnknownFacet(f"Unknown facet: {shown}. Choose from: {', '.join(allowed)}.")
    return names


@dataclass
class FacetValue:
    value: object
    label: str
    count: int
    selected: bool


@dataclass
class FacetResult:
    name: str
    title: str
    values: list = field(default_factory=list)
    truncated: bool = False  # more values exist than KEPT
    counted: bool = True  # False: too many rows to count through a join (JOINED_MAX)

    @property
    def selected(self):
        return [v for v in self.values if v.selected]

    @property
    def offered(self):
        """What a page offers: the chosen values once the filter is set, else every value."""
        return self.selected or self.values


def _digest(*parts):
    return "facet:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def _counted(filterset, facets, version):
    """{name: (rows, truncated)} for `facets` and their sources, from the cache or counted."""
    filtered = filterset.qs
    needed = dict(facets)
    for facet in facets.values():
        if facet.source is not None:
            needed.setdefault(f"source:{facet.name}", facet.source)
    if version is None:
        version = data_version(filtered.db)
    key = filter_key(type(filterset).__qualname__, filterset.data or QueryDict())
    label = filtered.model._meta.label
    digests = {
        name: _digest(filtered.db, label, type(filterset).__module__, facet.name, key, version)
        for name, facet in needed.items()
    }
    cache = caches[COUNT_CACHE]
    found = cache.get_many(list(set(digests.values()))) if version is not None else {}
    fresh = {}
    # Sources first: a derived facet reads its source's rows.
    for name, facet in sorted(needed.items(), key=lambda item: item[1].source is not None):
        digest = digests[name]
        if digest in found or digest in fresh:
            continue
        if facet.source is not None:
            source_rows = {**found, **fresh}[digests[f"source:{facet.name}"]][0]
            rows = facet.derive(source_rows)
        else:
            rows = facet.rows(filtered)
        kept = KEPT if facet.cut else len(rows)
        fresh[digest] = (rows[:kept], len(rows) > kept)
    if fresh and version is not None:
        cache.set_many(fresh, COUNT_TIMEOUT)
    counted = {**found, **fresh}
    return {name: counted[digest] for name, digest in digests.items()}


def facet_counts(filterset, names=None, version=None, total=None):
    """The FacetResults of a bound, valid FilterSet's rows (`names`: all of the type's).

    `version` is the data version when the caller has read it already (one
    query fewer). `total`, the number of rows when the caller knows it, lets
    a facet counted through a join be left uncounted past JOINED_MAX rows
    (`counted` False, its chosen values only): pages count every facet
    unasked. An invalid FilterSet gives none: its rows are not defined.
    """
    available = FACETS.get(filterset._meta.model, {})
    names = list(available) if names is None else names
    if not names or (filterset.is_bound and not filterset.is_valid()):
        return []
    facets = {name: available[name] for name in names}
    too_many = total is not None and total > JOINED_MAX
    counting = {n: f for n, f in facets.items() if not (too_many and f.joined)}
    counted = _counted(filterset, counting, version) if counting else {}
    chosen = filterset.form.cleaned_data if filterset.is_bound else {}
    filters = type(filterset).base_filters
    language = translation.get_language()
    results = []
    for name, facet in facets.items():
        selected = list(chosen.get(name) or [])
        title = str(filters[name].label) if name in filters else name
        if name not in counting:
            values = [FacetValue(v, facet.label(v, None, language), None, True) for v in selected]
            results.append(FacetResult(name, title, values, counted=False))
            continue
        rows, truncated = counted[name]
        values = [
            FacetValue(value, facet.label(value, labels, language), count, value in selected)
            for value, count, labels in rows
        ]
        # A chosen value that no current row has still shows, to be removed.
        present = {v.value for v in values}
        values += [
            FacetValue(value, facet.label(value, None, language), 0, True)
            for value in selected
            if value not in present
        ]
        # Most frequent first, then by name as the reader sees it (accents and case folded).
        values.sort(key=lambda v: (-v.count, _sort_name(v.label)))
        results.append(FacetResult(name, title, values, truncated))
    return results
