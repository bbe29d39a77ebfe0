from modeltranslation.translator import TranslationOptions, register, translator

from iapt_platform.lib.taxonomy.translation import TopicTranslationOptions

from .models import Opportunity, Topic

translator.register(Topic, TopicTranslationOptions)


@register(Opportunity)
class OpportunityTranslation(TranslationOptions):
    fields = ("title", "description")
    # Pages read one chosen language through Opportunity.reading(), which falls back to the
    # language it was written in (modeltranslation's silent fallback is not used there).
