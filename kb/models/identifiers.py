"""Identifiers of records in other systems (Wikidata, OpenSanctions): one row per identifier."""

import functools

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..db.idlists import IDS, rows_for_ids
from ..lib import identifiers as schemes


class Identifier(models.Model):
    """A record's identifier in another system, in that system's own format.

    A row rather than a JSON list on each record: the database keeps one
    record per identifier within a type (two organisations cannot both be
    Q7747), the admin edits them as an inline, and history follows them.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    scheme = models.CharField(max_length=20, choices=schemes.CHOICES)
    value = models.CharField(
        max_length=120,
        help_text=_("The identifier as the other system writes it (Wikidata: Q7747)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("identifier in another system")
        verbose_name_plural = _("identifiers in other systems")
        ordering = ["content_type", "object_id", "scheme", "value"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="identifier_record")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scheme__in=list(schemes.SCHEMES)) & ~Q(value=""),
                name="identifier_scheme_known",
            ),
            # One record of a type per identifier: a second one is a duplicate to merge.
            models.UniqueConstraint(
                fields=["content_type", "scheme", "value"],
                name="identifier_unique_per_type",
                violation_error_message=_("Another record already has this identifier."),
            ),
        ]

    def __str__(self):
        return f"{self.scheme}:{self.value}"

    @property
    def url(self):
        scheme = schemes.SCHEMES.get(self.scheme)
        return scheme.url(self.value) if scheme else ""

    def clean(self):
        super().clean()
        # The format, per scheme (the CHECK constraint holds the scheme itself).
        if self.scheme:
            error = schemes.format_error(self.scheme, self.value)
            if error:
                raise ValidationError({"value": error})


def identifier_rows(model, ids, alias=None):
    """[(record id, scheme, value)] of the records `ids` of `model`, in Meta's order.

    One query, in SQL compiled once per database alias (as citations.cited_quotes):
    building it through the ORM cost ten times its execution on every API list page.
    """
    if not ids:
        return []
    connection = connections[alias or "default"]
    content_type = ContentType.objects.db_manager(connection.alias).get_for_model(model)
    return rows_for_ids(connection, _identifiers_sql(connection.alias), ids, [content_type.pk])


@functools.cache
def _identifiers_sql(alias):
    table = connections[alias].ops.quote_name(Identifier._meta.db_table)
    return (
        f"SELECT object_id, scheme, value FROM {table} "
        f"WHERE content_type_id = %s AND object_id IN ({IDS}) "
        "ORDER BY object_id, scheme, value"
    )
