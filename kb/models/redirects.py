"""Old slugs that answer with another record: what a merge leaves behind.

When duplicates are merged (kb/history/merging.py), each merged record's slug
becomes a redirect to the record kept, so links, API clients and import files
that name the old slug keep working (301 on pages and in the API; the kept
record in imports). A live record may not take a slug that redirects
(`Record.validate_unique`, the import's row checks).

May import: Django only (base.py imports this module).
"""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class SlugRedirectQuerySet(models.QuerySet):
    def of_model(self, model):
        return self.filter(content_type=ContentType.objects.get_for_model(model))

    def targets(self, model, slugs):
        """{old slug: the record it redirects to} for those of `slugs` that redirect.

        Two queries whatever the number of slugs (the redirects, then the records).
        """
        pairs = dict(
            self.of_model(model)
            .filter(old_slug__in=list(slugs))
            .values_list("old_slug", "target_id")
        )
        if not pairs:
            return {}
        records = model._default_manager.in_bulk(set(pairs.values()))
        return {old: records[pk] for old, pk in pairs.items() if pk in records}

    def target(self, model, slug):
        """The record `slug` redirects to, or None."""
        return self.targets(model, [slug]).get(slug)


class SlugRedirect(models.Model):
    """A merged record's old slug, answering with the record it was merged into.

    Created by a merge and saved in none of its revisions: the kept record
    follows its redirects in history (kb/registry.py), so reverting the merge
    deletes them, and deleting the kept record deletes them with it.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    # Looked up with its type: the unique constraint's index serves it.
    old_slug = models.SlugField(max_length=200, db_index=False)
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "target_id")
    # The merge's revision (django-reversion), to tell editors where the redirect came from.
    # A plain id: the history tables are the library's, and a redirect outlives nothing.
    revision_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SlugRedirectQuerySet.as_manager()

    class Meta:
        verbose_name = _("slug redirect")
        verbose_name_plural = _("slug redirects")
        ordering = ["content_type", "old_slug"]
        indexes = [models.Index(fields=["content_type", "target_id"], name="redirect_target")]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "old_slug"],
                name="redirect_old_slug_unique",
                violation_error_message=_("This slug already redirects to another record."),
            ),
        ]

    def __str__(self):
        return f"{self.old_slug} → #{self.target_id}"
