"""The tables of the bulk files: one per record type plus the connections, published rows only.

One description serves every relational file: the CSV zip and its Data
Package (`datapackage`), the SQLite file and Datasette's metadata
(`sqlite`). A type's columns are those of its import/export file
(kb/transfer/resources.py), cell for cell as an editor's export writes
them, so a table of the zip can be imported back; the connections table has
the columns of /api/v1/connections/?format=csv (kb/domain/connections.py).

Only what the public may see (kb/models/visibility.py): published records;
join rows and citations whose every end is published; a reference to a
record that is not (a draft parent, a draft topic) is left empty, as the
API shows it as null. Rows are read in chunks (`iterator(chunk_size=...)`,
each chunk with its prefetches), never a whole table at once.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django_countries.fields import CountryField

from ... import registry
from ...domain.connections import FLAT_COLUMNS, connections, flat, rows
from ...domain.records import public_records
from ...lib.batching import batched
from ...models import Citation, Event, Record, Source
from ...models.visibility import ends_shown, is_public, public
from ...transfer.resources import RESOURCES

# Rows per database round trip (each chunk costs its query and one per prefetch).
CHUNK = 2000

STRING, INTEGER, DATE, ARRAY = "string", "integer", "date", "array"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Table Schema type: string, integer, date, array (a JSON list)
    description: str
    # The table whose `slug` this column holds (a foreign key), if any.
    references: str | None = None
    required: bool = False
    enum: tuple = ()
    pattern: str = ""
    # Free text worth a full-text search (names, descriptions, quotes).
    searchable: bool = False


@dataclass(frozen=True)
class Link:
    """A many-to-many column as a table of its own in SQLite (events_topics: event, topic)."""

    name: str
    column: str  # the column of the main table whose cells list the slugs
    owner: str  # the owner's column in the link table (event)
    target: str  # the linked table (topics)
    target_column: str  # the linked column in the link table (topic)


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    # Iterates the rows: a tuple of cells per row, in column order ("" when empty).
    rows: Callable[[], Iterator[tuple]]
    primary_key: tuple[str, ...] = ()
    # The column Datasette shows for a row that another table points to.
    label: str | None = None
    links: tuple[Link, ...] = field(default=())

    @property
    def searchable(self):
        return [c.name for c in self.columns if c.searchable]


def table_name(model):
    """A type's table and file name: its API prefix (people), else its plural (memberships)."""
    entry = registry.of(model)
    if entry.api:
        return entry.api
    return str(model._meta.verbose_name_plural).replace(" ", "_")


# Descriptions of the columns no model field describes.
COMPUTED = {
    "identifiers": (
        "Its identifiers in other systems, as scheme:value, separated by semicolons "
        "(wikidata:Q7747)."
    ),
    "record_type": "The type of the record the quote supports (organisation, event...).",
    "record": (
        "The record the quote supports: its slug, or a join row's key, its parts joined by | "
        "(event|organisation|person|post)."
    ),
    "subject_type": "The type of the record the figure is about (event...).",
    "subject": "The slug of the record the figure is about.",
}
# Computed columns that name a record: the attribute holding it, to check it is shown.
REFERENCES = {"subject": "subject"}
# Columns the public may read only sometimes: the property giving what it may read
# (None: the cell is left empty). A source's text is someone else's work unless
# its publication is allowed (Source.public_text).
WITHHELD = {(Source, "text"): "public_text"}
# The first of these a table has is the label Datasette shows for its rows.
LABELS = ("name_en", "title_en", "statement_en", "name", "title")


def _describe(model_field):
    text = model_field.help_text or model_field.verbose_name
    text = str(text)
    return text[:1].upper() + text[1:]


def _column(model, resource_field):
    """The column of a resource's field, and how a row's cell is read (`_cells`)."""
    name = resource_field.column_name
    attribute = resource_field.attribute
    try:
        model_field = model._meta.get_field(attribute) if attribute else None
    except FieldDoesNotExist:
        model_field = None
    if model_field is None:  # computed by the resource (dehydrate_<name>)
        kind = ("reference", REFERENCES[name]) if name in REFERENCES else ("cell", attribute)
        return Column(name, STRING, COMPUTED.get(name, name)), kind
    description = _describe(model_field)
    required = not (model_field.null or model_field.blank)
    if (model, name) in WITHHELD:
        description = f"{description} Empty unless publish_full_text is true."
        column = Column(name, STRING, description, searchable=True)
        return column, ("withheld", WITHHELD[(model, name)])
    if isinstance(model_field, models.ForeignKey):
        target = model_field.related_model
        column = Column(
            name,
            STRING,
            f"The slug of its {target._meta.verbose_name} ({table_name(target)}.slug). "
            f"{description}".strip(),
            references=table_name(target),
            required=required,
        )
        return column, ("fk", attribute)
    if isinstance(model_field, models.ManyToManyField):
        target = model_field.related_model
        description = (
            f"The slugs of its {target._meta.verbose_name_plural} "
            f"({table_name(target)}.slug), separated by commas."
        )
        return Column(name, STRING, description), ("m2m", attribute)
    kind = ("cell", attribute)
    if isinstance(model_field, CountryField):
        description = f"{description}: its ISO 3166-1 alpha-2 code."
        return Column(name, STRING, description, pattern="[A-Z]{2}"), kind
    if isinstance(model_field, models.DateField):
        return Column(name, DATE, description, required=required), kind
    if isinstance(model_field, models.IntegerField):
        return Column(name, INTEGER, description, required=required), ("integer", attribute)
    if isinstance(model_field, models.JSONField):
        return Column(name, ARRAY, f"{description} (a JSON list).", searchable=True), kind
    enum = tuple(str(value) for value, _label in model_field.choices or ())
    searchable = (
        isinstance(model_field, models.CharField | models.TextField)
        and not enum
        and not isinstance(model_field, models.SlugField | models.URLField)
        and name != "language"
    )
    column = Column(name, STRING, description, required=required, enum=enum, searchable=searchable)
    return column, kind


def _shown(obj):
    """Whether a record (or a join row) the public may see: published, every end published."""
    if obj is None:
        return False
    if isinstance(obj, Record):
        return is_public(obj)
    entry = registry.of(type(obj))
    return all(
        getattr(obj, f"{end}_id") is None or is_public(getattr(obj, end)) for end in entry.ends
    )


def _citations_shown():
    """Citations from a published source of a record the public may see (public_records())."""
    types = public_records()
    content_types = ContentType.objects.get_for_models(*(model for model, _t, _q in types))
    shown = reduce(
        or_,
        (
            Q(content_type=content_types[model], object_id__in=queryset.values("pk"))
            for model, _title, queryset in types
        ),
    )
    return public("source") & shown


def _published(entry):
    model = entry.model
    if model is Citation:
        return Citation.objects.filter(_citations_shown()).order_by("pk")
    if entry.is_record:
        queryset = model.objects.published().order_by("slug")
    else:
        queryset = model.objects.order_by("pk")
    if entry.ends:
        queryset = queryset.filter(ends_shown(model, entry.ends))
    return queryset


def _cells(resource, fields, kinds):
    """A function of a record: its cells, as the resource exports them, drafts left out."""

    def cells(obj):
        row = []
        for resource_field, (kind, attribute) in zip(fields, kinds, strict=True):
            if kind == "fk":
                related = getattr(obj, attribute)
                row.append(related.slug if _shown(related) else "")
            elif kind == "m2m":
                related = getattr(obj, attribute).all()
                row.append(",".join(sorted(o.slug for o in related if is_public(o))))
            elif kind == "integer":
                value = getattr(obj, attribute)
                row.append("" if value is None else value)
            elif kind == "withheld":
                shown = getattr(obj, attribute) is not None
                row.append(resource.export_field(resource_field, obj) if shown else "")
            elif kind == "reference":
                # A claim's subject: empty when the public may not see it.
                target = getattr(obj, attribute)
                row.append(resource.export_field(resource_field, obj) if _shown(target) else "")
            else:
                value = resource.export_field(resource_field, obj)
                row.append("" if value is None else str(value))
        return tuple(row)

    return cells


def record_table(entry):
    model = entry.model
    resource = RESOURCES[model]()
    fields = resource.get_export_fields()
    columns, kinds = zip(*(_column(model, f) for f in fields), strict=True)
    cells = _cells(resource, fields, kinds)

    def table_rows():
        queryset = resource.for_export(_published(entry))
        for obj in queryset.iterator(chunk_size=CHUNK):
            yield cells(obj)

    name = table_name(model)
    names = [c.name for c in columns]
    links = tuple(
        Link(
            f"{name}_{column.name}",
            column.name,
            model._meta.model_name,
            table_name(model._meta.get_field(attribute).related_model),
            model._meta.get_field(attribute).related_model._meta.model_name,
        )
        for column, (kind, attribute) in zip(columns, kinds, strict=True)
        if kind == "m2m"
    )
    return Table(
        name=name,
        title=str(entry.title),
        description=entry.description or _join_description(entry),
        columns=tuple(columns),
        rows=table_rows,
        primary_key=("slug",) if entry.is_record else (),
        label=next((label for label in LABELS if label in names), None),
        links=links,
    )


def _join_description(entry):
    model = entry.model
    if model is Citation:
        return (
            "Every quote behind a fact: the source, its exact words, and the record they support."
        )
    if entry.key:
        return (
            f"{entry.title}: one row per {model._meta.verbose_name}, unique by "
            f"({', '.join(entry.key)})."
        )
    return str(entry.title)


# --- Who met whom ----------------------------------------------------------------------

CONNECTION_COLUMNS = {
    "event": ("The event's slug (events.slug).", "events"),
    "event_name": ("The event's name.", None),
    "start_date": ("The event's first day.", None),
    "end_date": ("The event's last day.", None),
    "date_precision": (
        "exact: it ran from the first day to the last; within: on some day of that window.",
        None,
    ),
    "dates": ("The dates in words.", None),
    "host": ("The host: person, post and organisation, as named; several joined by ; .", None),
    "counterpart": ("The counterpart: person, post and organisation, as named.", None),
    "sources": ("The titles of the sources quoted, joined by ; .", None),
    "source_slugs": ("The slugs of the sources quoted, joined by ; .", None),
    "quotes": ("The exact words that say this counterpart was there.", None),
}
SIDE_PARTS = {
    "organisation": ("organisations", "The slug of the {side}'s organisation"),
    "person": ("people", "The slug of the {side}'s person"),
    "post": ("posts", "The slug of the {side}'s post"),
    "country": (None, "The {side}'s country: its ISO 3166-1 alpha-2 code"),
    "country_name": (None, "The {side}'s country, by name"),
    "region": (None, "The {side}'s UN M49 region (a slug)"),
    "region_name": (None, "The {side}'s UN M49 region, by name"),
    "role": (None, "The {side}'s role (host, counterpart...)"),
    "role_name": (None, "The {side}'s role, in words"),
}


def _connection_column(name):
    if name in CONNECTION_COLUMNS:
        description, references = CONNECTION_COLUMNS[name]
    else:
        side, _sep, part = name.partition("_")
        references, text = SIDE_PARTS[part]
        description = text.format(side=side) + "."
        if side == "host":
            # Several hosts: their slugs joined by "; ", which no foreign key can hold.
            references = None
            description = description[:-1] + "; several joined by ; ."
    column_type = DATE if name in ("start_date", "end_date") else STRING
    searchable = name in ("event_name", "host", "counterpart", "quotes")
    return Column(
        name,
        column_type,
        description,
        references=references,
        required=name == "event",
        searchable=searchable,
    )


def connections_table():
    names = [name for name, _read in FLAT_COLUMNS]

    def table_rows():
        participations = connections(Event.objects.published())
        for chunk in batched(participations.iterator(chunk_size=CHUNK), CHUNK):
            for connection in rows(chunk):
                yield tuple(flat(connection).values())

    return Table(
        name="connections",
        title="Who met whom",
        description=(
            "One row per counterpart participation in an event, with the event's host: "
            "the table of /api/v1/connections/."
        ),
        columns=tuple(_connection_column(name) for name in names),
        rows=table_rows,
        label="event_name",
    )


def tables():
    """Every table, in the order the files list them: the record types, then the connections."""
    return [*(record_table(entry) for entry in registry.standalone()), connections_table()]
