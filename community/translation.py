from modeltranslation.translator import TranslationOptions, register, translator

from iapt_platform.lib.taxonomy.translation import TopicTranslationOptions

from .models import Category, Topic

translator.register(Topic, TopicTranslationOptions)


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "description")
