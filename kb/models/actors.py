"""Who acts: organisations, people, the posts they hold, and their memberships."""

import functools

from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from ..db.idlists import IDS, rows_for_ids
from ..lib import regions
from .base import (
    NO_DATE,
    NO_ID,
    CitedRecord,
    JoinRow,
    Record,
    UnicodeJSONEncoder,
    country_names,
    reference_index,
    translated,
)
from .citations import CitedQuerySet, published_citations
from .ordering import NameOrder
from .rules import DateWindow, validate_aliases, validate_post_organisation
from .visibility import shown

MEMBERSHIP_WINDOW = DateWindow(
    "membership_dates_in_order", "start_date", "end_date", complete=False
)
ORGANISATION_ORDER = NameOrder("organisation", "name")
PERSON_ORDER = NameOrder("person", "name", translated=False)
POST_ORDER = NameOrder("post", "name")


class OrganisationQuerySet(CitedQuerySet):
    def for_listing(self):
        return self.select_related("parent").prefetch_related(published_citations())


class Organisation(CitedRecord):
    """A police force, security service, delegation, ministry or international body."""

    class Kind(models.TextChoices):
        POLICE = "police", _("Police")
        SECURITY_SERVICE = "security_service", _("Security service")
        DELEGATION = "delegation", _("National delegation")
        MINISTRY = "ministry", _("Ministry")
        INTERGOVERNMENTAL = "intergovernmental_organisation", _("Intergovernmental organisation")
        INTERNATIONAL_BODY = "international_body", _("International body")
        UN_BODY = "un_body", _("United Nations body")
        ACADEMIC = "academic", _("Academic institution")
        OTHER = "other", _("Other")

    name = models.CharField(max_length=300)
    acronym = models.CharField(max_length=50, blank=True, default="", db_index=True)
    kind = models.CharField(max_length=40, choices=Kind.choices, db_index=True)
    country = CountryField(
        blank=True,
        default="",
        db_index=True,
        help_text=_("Leave empty for international bodies."),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text=_("The body this one is part of (the DGSN is part of the pôle DGSN-DGST)."),
    )
    aliases = models.JSONField(
        default=list,
        encoder=UnicodeJSONEncoder,
        blank=True,
        help_text=_("Other names and spellings, in any language, as a list of strings."),
    )
    website = models.URLField(blank=True, default="")
    description = models.TextField(blank=True, default="")

    objects = OrganisationQuerySet.as_manager()
    list_order = ORGANISATION_ORDER

    class Meta(Record.Meta):
        indexes = [
            *Record.Meta.indexes,
            *ORGANISATION_ORDER.indexes(),
            reference_index("organisation"),
        ]

    def __str__(self):
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def search_terms(self):
        return [
            self.slug,
            *translated(self, "name"),
            self.acronym,
            *self.aliases,
            *country_names(self.country),
        ]

    @property
    def region(self):
        return regions.region_for(self.country)

    def clean(self):
        super().clean()
        validate_aliases(self.aliases)
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("An organisation cannot be its own parent.")})


def organisation_names(ids, alias=None):
    """[(id, slug, name_en, name_fr)] of the organisations `ids`, in no order, whatever
    their status (the caller's ids come from rows the public may see).

    SQL compiled once per database alias (kb/db/idlists.py): the map names every
    international body of its scope (1,615 for three years at scale 100), and
    through the ORM that list of ids cost 6 ms to write and its rows 4 times the
    query in modeltranslation's reading; 1.4 ms so.
    """
    if not ids:
        return []
    connection = connections[alias or "default"]
    return rows_for_ids(connection, _organisation_names_sql(connection.alias), ids)


@functools.cache
def _organisation_names_sql(alias):
    table = connections[alias].ops.quote_name(Organisation._meta.db_table)
    return f"SELECT id, slug, name_en, name_fr FROM {table} WHERE id IN ({IDS})"


class PersonQuerySet(CitedQuerySet):
    def for_listing(self):
        # Meta's ordering, made total: two memberships from the same date keep their order.
        memberships = (
            Membership.objects.filter(shown("organisation", "post"))
            .select_related("organisation", "post")
            .order_by("person", "start_date", "pk")
        )
        return self.prefetch_related(
            models.Prefetch("memberships", queryset=memberships), published_citations()
        )


class Person(CitedRecord):
    """A named person. The article names only one; posts stand in for the rest."""

    name = models.CharField(max_length=300)
    aliases = models.JSONField(
        default=list,
        encoder=UnicodeJSONEncoder,
        blank=True,
        help_text=_("Other names and spellings, as a list of strings."),
    )
    country = CountryField(blank=True, default="", db_index=True)
    description = models.TextField(blank=True, default="")

    class Meta(Record.Meta):
        verbose_name_plural = "people"
        indexes = [*Record.Meta.indexes, *PERSON_ORDER.indexes(), reference_index("person")]

    objects = PersonQuerySet.as_manager()
    list_order = PERSON_ORDER

    def __str__(self):
        return self.name

    def search_terms(self):
        return [self.slug, self.name, *self.aliases, *country_names(self.country)]

    def clean(self):
        super().clean()
        validate_aliases(self.aliases)


class PostQuerySet(CitedQuerySet):
    def for_listing(self):
        holders = Membership.objects.filter(shown("person")).select_related("person")
        return self.select_related("organisation").prefetch_related(
            models.Prefetch("memberships", queryset=holders), published_citations()
        )


class Post(CitedRecord):
    """A seat that exists apart from whoever holds it, in one organisation.

    Sources often name the seat ("le président d'Interpol") and not the
    person; a post lets the data say exactly that and no more.
    """

    name = models.CharField(max_length=300)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="posts")
    description = models.TextField(blank=True, default="")

    objects = PostQuerySet.as_manager()
    list_order = POST_ORDER

    class Meta(Record.Meta):
        indexes = [*Record.Meta.indexes, *POST_ORDER.indexes(), reference_index("post")]

    def __str__(self):
        return self.name

    def search_terms(self):
        return [self.slug, *translated(self, "name")]

    def get_absolute_url(self):
        # Posts have no page of their own: they are listed on their organisation's.
        return f"{self.organisation.get_absolute_url()}#post-{self.slug}"


class Membership(JoinRow):
    """A person holds a post, or belongs to an organisation, over a window of time."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        blank=True,  # clean() fills it in from the post
        related_name="memberships",
        help_text=_("The organisation; for a post, the post's own organisation."),
    )
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    start_date = models.DateField(null=True, blank=True, help_text=_("Empty when unknown."))
    end_date = models.DateField(
        null=True, blank=True, help_text=_("Empty when unknown or current.")
    )

    class Meta:
        ordering = ["person", "start_date"]
        constraints = [
            models.UniqueConstraint(
                F("person"),
                F("organisation"),
                Coalesce("post", NO_ID),
                Coalesce("start_date", NO_DATE),
                name="membership_natural_key",
                violation_error_message=_("This membership is already recorded."),
            ),
            MEMBERSHIP_WINDOW.constraint(),
        ]

    def __str__(self):
        return f"{self.person} — {self.post or self.organisation}"

    def clean(self):
        super().clean()
        validate_post_organisation(self)
        if not self.organisation_id:
            raise ValidationError({"organisation": _("Name an organisation or a post.")})
