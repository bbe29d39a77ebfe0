from modeltranslation.translator import TranslationOptions, register, translator

from iapt_platform.lib.taxonomy.translation import TopicTranslationOptions

from .models import Collection, CollectionItem, Topic

translator.register(Topic, TopicTranslationOptions)


@register(Collection)
class CollectionTranslation(TranslationOptions):
    fields = ("title", "description")


@register(CollectionItem)
class CollectionItemTranslation(TranslationOptions):
    fields = ("note",)
