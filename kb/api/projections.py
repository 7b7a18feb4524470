"""API rows straight from values(): the serializers' JSON, without model instances.

Building 50 model instances and running them through DRF's fields cost
more than half of a list request, and ten times its SQL. A projection
reads the columns a serializer shows with `values()`, each relation with
one query for the whole page, and assembles exactly the dict the
serializer would give (tests/api/test_projections.py compares the two byte
for byte, on the seed data and on random data, on both databases).

The serializers stay the contract: they define the fields, the OpenAPI
schema and the CSV columns; a projection gives the same keys in the same
order. A type without a
projection (claims: their figures are computed per row) is serialised by
its serializer, as before.
"""

from ..lib import regions
from ..models import (
    Agreement,
    AgreementParty,
    Event,
    Membership,
    Organisation,
    Person,
    Post,
    Source,
    Topic,
)
from ..models.citations import public_text
from ..models.relation_rows import kept_lists, topic_rows
from ..models.visibility import shown
from .fields import country_code
from .projection_base import Projection, identifiers_of, iso_date, published_slug, utc_time


class OrganisationProjection(Projection):
    model = Organisation
    columns = (
        "id",
        "slug",
        "name_en",
        "name_fr",
        "acronym",
        "kind",
        "country",
        "parent__slug",
        "parent__status",
        "aliases",
        "updated_at",
    )

    def related(self, rows, alias):
        # Its identifiers and citations of published sources, as the database keeps them.
        return kept_lists(Organisation, [r["id"] for r in rows], alias, as_text=self.as_text)

    def row(self, row, related):
        code = country_code(row["country"])
        return {
            **self.base(row),
            "names": self.names(row),
            "acronym": row["acronym"],
            "kind": row["kind"],
            "country": code,
            "region": regions.region_for(code),
            "parent": published_slug(row["parent__slug"], row["parent__status"]),
            "aliases": row["aliases"],
            "identifiers": related["identifiers"].get(row["id"], []),
            "citations": related["citations"].get(row["id"], []),
            "updated_at": utc_time(row["updated_at"]),
        }


class PersonProjection(Projection):
    model = Person
    translated = False
    columns = ("id", "slug", "name", "country", "updated_at")

    def related(self, rows, alias):
        related = super().related(rows, alias)
        memberships = {}
        if rows:
            # PersonQuerySet.for_listing(): memberships whose ends are published.
            shown_rows = (
                Membership.objects.using(alias)
                .filter(shown("organisation", "post"), person_id__in=[r["id"] for r in rows])
                .order_by("person", "start_date", "pk")
                .values_list(
                    "person_id", "post__slug", "organisation__slug", "start_date", "end_date"
                )
            )
            for person, post, organisation, start, end in shown_rows:
                memberships.setdefault(person, []).append(
                    {
                        "post": post,
                        "organisation": organisation,
                        "start_date": iso_date(start),
                        "end_date": iso_date(end),
                    }
                )
        related["memberships"] = memberships
        return related

    def row(self, row, related):
        return {
            **self.base(row),
            "country": country_code(row["country"]),
            "memberships": related["memberships"].get(row["id"], []),
            "identifiers": self.identifiers(row, related),
            "citations": self.citations(row, related),
            "updated_at": utc_time(row["updated_at"]),
        }


class PostProjection(Projection):
    model = Post
    columns = (
        "id",
        "slug",
        "name_en",
        "name_fr",
        "organisation__slug",
        "organisation__status",
        "updated_at",
    )

    def __init__(self, context):
        super().__init__(context)
        self.organisation_page = self._url_maker("kb:organisation-detail")

    def related(self, rows, alias):
        related = super().related(rows, alias)
        holders = {}
        if rows:
            # PostQuerySet.for_listing(): memberships of published people.
            held = (
                Membership.objects.using(alias)
                .filter(shown("person"), post_id__in=[r["id"] for r in rows])
                .values_list("post_id", "person__slug")
            )
            for post, person in held:
                holders.setdefault(post, {})[person] = None
        related["holders"] = holders
        return related

    def row(self, row, related):
        data = self.base(row)
        organisation = published_slug(row["organisation__slug"], row["organisation__status"])
        # Post.get_absolute_url(): an anchor on its organisation's page, if that is shown.
        page = self.organisation_page(organisation) if organisation else None
        data["html_url"] = f"{page}#post-{row['slug']}" if page else None
        data.update(
            names=self.names(row),
            organisation=organisation,
            holders=list(related["holders"].get(row["id"], {})),
            identifiers=self.identifiers(row, related),
            citations=self.citations(row, related),
            updated_at=utc_time(row["updated_at"]),
        )
        return data


class EventProjection(Projection):
    model = Event
    columns = (
        "id",
        "slug",
        "name_en",
        "name_fr",
        "kind",
        "start_date",
        "end_date",
        "date_precision",
        "city",
        "country",
        "parent__slug",
        "parent__status",
        "organiser__slug",
        "organiser__status",
        "updated_at",
    )
    unconverted = ("start_date", "end_date", "updated_at")

    def related(self, rows, alias):
        # EventQuerySet.for_listing()'s relations, as the database keeps them, one row
        # per event: published topics (by slug), the participations whose participants
        # are all published (Meta order), identifiers, citations of published sources.
        return kept_lists(Event, [r["id"] for r in rows], alias, as_text=self.as_text)

    def row(self, row, related):
        return {
            **self.base(row),
            "names": self.names(row),
            "kind": row["kind"],
            "start_date": iso_date(row["start_date"]),
            "end_date": iso_date(row["end_date"]),
            "date_precision": row["date_precision"],
            "city": row["city"],
            "country": country_code(row["country"]),
            "parent": published_slug(row["parent__slug"], row["parent__status"]),
            "organiser": published_slug(row["organiser__slug"], row["organiser__status"]),
            "topics": related["topics"].get(row["id"], []),
            "participants": related["participants"].get(row["id"], []),
            "identifiers": related["identifiers"].get(row["id"], []),
            "citations": related["citations"].get(row["id"], []),
            "updated_at": utc_time(row["updated_at"]),
        }


class AgreementProjection(Projection):
    model = Agreement
    name_field = "title"
    columns = (
        "id",
        "slug",
        "title_en",
        "title_fr",
        "kind",
        "legal_status",
        "signed_start",
        "signed_end",
        "date_precision",
        "signed_at__slug",
        "signed_at__status",
        "updated_at",
    )
    unconverted = ("signed_start", "signed_end", "updated_at")

    def related(self, rows, alias):
        related = super().related(rows, alias)
        ids = [r["id"] for r in rows]
        topics, parties = {}, {}
        if ids:
            for agreement, slug in topic_rows(Agreement, ids, alias):
                topics.setdefault(agreement, []).append(slug)
            signed = (
                AgreementParty.objects.using(alias)
                .filter(shown("organisation"), agreement_id__in=ids)
                .values_list("agreement_id", "organisation__slug", "role")
            )
            for agreement, organisation, role in signed:
                parties.setdefault(agreement, []).append(
                    {"organisation": organisation, "role": role}
                )
        related.update(topics=topics, parties=parties)
        return related

    def row(self, row, related):
        return {
            **self.base(row),
            "names": self.names(row),
            "kind": row["kind"],
            "legal_status": row["legal_status"],
            "signed_start": iso_date(row["signed_start"]),
            "signed_end": iso_date(row["signed_end"]),
            "date_precision": row["date_precision"],
            "signed_at": published_slug(row["signed_at__slug"], row["signed_at__status"]),
            "parties": related["parties"].get(row["id"], []),
            "topics": related["topics"].get(row["id"], []),
            "identifiers": self.identifiers(row, related),
            "citations": self.citations(row, related),
            "updated_at": utc_time(row["updated_at"]),
        }


class TopicProjection(Projection):
    model = Topic
    columns = ("id", "slug", "name_en", "name_fr", "updated_at")

    def row(self, row, related):
        return {
            **self.base(row),
            "names": self.names(row),
            "identifiers": self.identifiers(row, related),
            "citations": self.citations(row, related),
            "updated_at": utc_time(row["updated_at"]),
        }


class SourceProjection(Projection):
    model = Source
    name_field = "title"
    translated = False
    columns = (
        "id",
        "slug",
        "title",
        "kind",
        "publisher",
        "language",
        "published_on",
        "url",
        "attribution",
        "attributed_to__slug",
        "attributed_to__status",
        "publish_full_text",
        "text",
        "updated_at",
    )
    unconverted = ("published_on", "updated_at")

    def related(self, rows, alias):
        # A source cites nothing (SourceSerializer.get_citations): its identifiers only.
        ids = [row["id"] for row in rows]
        return {"identifiers": identifiers_of(self.model, ids, alias)}

    def row(self, row, related):
        data = self.base(row)
        # SourceSerializer shows the title twice: as `name`, as every type does, and as itself.
        data.update(
            title=data["name"],
            kind=row["kind"],
            publisher=row["publisher"],
            language=row["language"],
            published_on=iso_date(row["published_on"]),
            document_url=row["url"] or None,
            attribution=row["attribution"],
            attributed_to=published_slug(row["attributed_to__slug"], row["attributed_to__status"]),
            publish_full_text=row["publish_full_text"],
            text=public_text(row["text"], row["publish_full_text"]),
            identifiers=self.identifiers(row, related),
            citations=[],
            updated_at=utc_time(row["updated_at"]),
        )
        return data


PROJECTIONS = {
    projection.model: projection
    for projection in (
        OrganisationProjection,
        PersonProjection,
        PostProjection,
        EventProjection,
        AgreementProjection,
        TopicProjection,
        SourceProjection,
    )
}


def for_model(model):
    """The type's projection class, or None: its serializer then makes its rows."""
    return PROJECTIONS.get(model)
