"""Which published records and facts the public may see, and which lack a citation.

Join rows are facts about their records: they show only when every end they
name is published (kb/models/visibility.py). The source page (through
coverage.py) and the quality page share these reads.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef

from .. import registry
from ..db.counts import cached_count
from ..models import Citation
from ..models.visibility import ends_shown, public


def visible_rows(model):
    """The rows of a registry type the public may see: published records; join rows (and
    citations) whose every end is published, optional ends also when empty."""
    entry = registry.of(model)
    queryset = model.objects.published() if entry.is_record else model.objects.all()
    if entry.ends:
        queryset = queryset.filter(ends_shown(model, entry.ends))
    return queryset


def public_records():
    """(model, heading, queryset) for every cited type, published and shown rows only."""
    sections = []
    for entry in registry.cited():
        queryset = visible_rows(entry.model)
        if entry.ends:
            queryset = queryset.select_related(*entry.ends)
        sections.append((entry.model, entry.title, queryset))
    return sections


def uncited_records(limit, version=None):
    """Published records and facts that no published source cites, by type.

    One NOT EXISTS query per type (and one count, cached under the data
    version), not a query per record.
    """
    checked = public_records()
    types = ContentType.objects.get_for_models(*(model for model, _title, _qs in checked))
    sections = []
    for model, title, queryset in checked:
        cited = Citation.objects.filter(
            public("source"), content_type=types[model], object_id=OuterRef("pk")
        )
        rows = queryset.filter(~Exists(cited))
        count = cached_count(rows, version)
        if count:
            sections.append(
                {
                    "title": title,
                    "kind": model._meta.model_name,
                    "count": count,
                    "rows": rows[:limit],
                }
            )
    return sections
