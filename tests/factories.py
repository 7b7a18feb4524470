"""factory_boy factories for every model; each builds a valid, published row."""

import datetime

import factory
from django.contrib.contenttypes.models import ContentType

from kb import models


class RecordFactory(factory.django.DjangoModelFactory):
    status = models.Status.PUBLISHED

    class Meta:
        abstract = True


class TopicFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"topic-{n}")
    name_en = factory.Sequence(lambda n: f"Topic {n}")
    name_fr = factory.Sequence(lambda n: f"Thème {n}")

    class Meta:
        model = models.Topic


class OrganisationFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    name_en = factory.Sequence(lambda n: f"Organisation {n}")
    name_fr = factory.Sequence(lambda n: f"Organisation {n} (fr)")
    kind = models.Organisation.Kind.POLICE
    country = "FR"

    class Meta:
        model = models.Organisation


class PersonFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"person-{n}")
    name = factory.Sequence(lambda n: f"Person {n}")

    class Meta:
        model = models.Person


class PostFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"post-{n}")
    name_en = factory.Sequence(lambda n: f"Post {n}")
    name_fr = factory.Sequence(lambda n: f"Poste {n}")
    organisation = factory.SubFactory(OrganisationFactory)

    class Meta:
        model = models.Post


class MembershipFactory(factory.django.DjangoModelFactory):
    person = factory.SubFactory(PersonFactory)
    post = factory.SubFactory(PostFactory)
    organisation = factory.SelfAttribute("post.organisation")

    class Meta:
        model = models.Membership


class EventFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"event-{n}")
    name_en = factory.Sequence(lambda n: f"Event {n}")
    name_fr = factory.Sequence(lambda n: f"Événement {n}")
    kind = models.Event.Kind.BILATERAL_MEETING
    start_date = datetime.date(2025, 11, 24)
    end_date = datetime.date(2025, 11, 27)
    date_precision = models.DatePrecision.WITHIN
    city = "Marrakech"
    country = "MA"

    class Meta:
        model = models.Event


class ParticipationFactory(factory.django.DjangoModelFactory):
    event = factory.SubFactory(EventFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = models.Participation.Role.COUNTERPART

    class Meta:
        model = models.Participation


class AgreementFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"agreement-{n}")
    title_en = factory.Sequence(lambda n: f"Agreement {n}")
    title_fr = factory.Sequence(lambda n: f"Accord {n}")
    kind = models.Agreement.Kind.MOU
    legal_status = models.Agreement.LegalStatus.SIGNED

    class Meta:
        model = models.Agreement


class AgreementPartyFactory(factory.django.DjangoModelFactory):
    agreement = factory.SubFactory(AgreementFactory)
    organisation = factory.SubFactory(OrganisationFactory)

    class Meta:
        model = models.AgreementParty


class SourceFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"source-{n}")
    title = factory.Sequence(lambda n: f"Source {n}")
    kind = models.Source.Kind.NEWS_ARTICLE
    language = "fr"

    class Meta:
        model = models.Source


class CitationFactory(factory.django.DjangoModelFactory):
    source = factory.SubFactory(SourceFactory)
    record = factory.SubFactory(OrganisationFactory)
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.record))
    object_id = factory.SelfAttribute("record.pk")
    quote = factory.Sequence(lambda n: f"Citation exacte numéro {n}.")

    class Meta:
        model = models.Citation
        exclude = ["record"]


class ClaimFactory(RecordFactory):
    slug = factory.Sequence(lambda n: f"claim-{n}")
    subject = factory.SubFactory(EventFactory, kind=models.Event.Kind.GENERAL_ASSEMBLY)
    subject_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.subject))
    subject_id = factory.SelfAttribute("subject.pk")
    statement_en = "At least 2 meetings"
    statement_fr = "Au moins 2 réunions"
    value = 2
    qualifier = models.Claim.Qualifier.AT_LEAST
    measure = models.Claim.Measure.MEETINGS_IN_EVENT

    class Meta:
        model = models.Claim
        exclude = ["subject"]


class IdentifierFactory(factory.django.DjangoModelFactory):
    record = factory.SubFactory(OrganisationFactory)
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.record))
    object_id = factory.SelfAttribute("record.pk")
    scheme = "wikidata"
    value = factory.Sequence(lambda n: f"Q{n + 1}")

    class Meta:
        model = models.Identifier
        exclude = ["record"]
