"""English and French fields (django-modeltranslation).

Each registered field gains `<field>_en` and `<field>_fr` columns; reading
`<field>` gives the active language, falling back to the other one.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Agreement, Claim, Event, Organisation, Post, Topic


@register(Topic)
class TopicTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Organisation)
class OrganisationTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Post)
class PostTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Event)
class EventTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Agreement)
class AgreementTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(Claim)
class ClaimTranslation(TranslationOptions):
    fields = ("statement",)
