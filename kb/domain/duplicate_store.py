"""Storing the possible duplicates found (kb/domain/duplicates.py, the rule), keeping
reviewers' marks: what `recompute()` writes, inside its one transaction."""

from django.contrib.contenttypes.models import ContentType

from ..lib.batching import batched
from ..models import DuplicateCandidate

# Pairs read and written at a time: scale 100 finds some 300,000.
READ_CHUNK = 5000
WRITE_BATCH = 1000


def store(spec, found, now):
    """Make the stored pairs of `spec`'s type those found, keeping reviewers' marks.

    New pairs are added open; a pair found again keeps its status and takes the new
    reasons and score; an open pair no longer found is removed; a pair marked "Not
    duplicates" stays marked (it never reappears as open), until one of its records
    is gone.
    """
    content_type = ContentType.objects.get_for_model(spec.model)
    stored = DuplicateCandidate.objects.filter(content_type=content_type)
    existing = {
        (low, high): (pk, status, reasons, alias, score)
        for pk, low, high, status, reasons, alias, score in stored.values_list(
            "pk", "low_id", "high_id", "status", "reasons", "alias", "score"
        ).iterator(chunk_size=READ_CHUNK)
    }
    live = set(spec.model._default_manager.values_list("pk", flat=True))
    new, changed, again, stale, orphans = [], [], [], [], []
    for (low, high), match in found.pairs.items():
        if (low, high) not in existing:
            new.append((low, high))
            continue
        fields = {"reasons": match.reasons, "alias": match.alias[:300], "score": match.score}
        pk, _status, *before = existing[(low, high)]
        again.append(pk)
        if tuple(before) != (fields["reasons"], fields["alias"], fields["score"]):
            changed.append(DuplicateCandidate(pk=pk, **fields))
    for (low, high), (pk, status, *_rest) in existing.items():
        if (low, high) in found.pairs:
            continue
        if low not in live or high not in live:
            orphans.append(pk)
        elif status == DuplicateCandidate.Status.OPEN:
            stale.append(pk)
    for batch in batched(orphans, WRITE_BATCH):
        stored.filter(pk__in=batch).delete()
    for batch in batched(stale, WRITE_BATCH):
        # Marked "Not duplicates" meanwhile by a reviewer: the mark stays.
        stored.filter(pk__in=batch, status=DuplicateCandidate.Status.OPEN).delete()
    for batch in batched(new, WRITE_BATCH):
        # Made a batch at a time, not 300,000 model instances at once.
        DuplicateCandidate.objects.bulk_create(
            DuplicateCandidate(
                content_type=content_type,
                low_id=low,
                high_id=high,
                reasons=(match := found.pairs[(low, high)]).reasons,
                alias=match.alias[:300],
                score=match.score,
                computed_at=now,
            )
            for low, high in batch
        )
    DuplicateCandidate.objects.bulk_update(
        changed, ["reasons", "alias", "score"], batch_size=WRITE_BATCH
    )
    for batch in batched(again):
        stored.filter(pk__in=batch).update(computed_at=now)
