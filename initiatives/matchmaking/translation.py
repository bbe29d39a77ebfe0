from modeltranslation.translator import translator

from iapt_platform.lib.taxonomy.translation import TopicTranslationOptions

from .models import Topic

translator.register(Topic, TopicTranslationOptions)
