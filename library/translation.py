from modeltranslation.translator import TranslationOptions, register

from .models import Collection, CollectionItem, Topic


@register(Topic)
class TopicTranslation(TranslationOptions):
    fields = ("name",)


@register(Collection)
class CollectionTranslation(TranslationOptions):
    fields = ("title", "description")


@register(CollectionItem)
class CollectionItemTranslation(TranslationOptions):
    fields = ("note",)
