from modeltranslation.translator import TranslationOptions, register, translator

from iapt_platform.lib.taxonomy.translation import TopicTranslationOptions

from .models import GalleryImage, InterviewBlock, Story, Topic

translator.register(Topic, TopicTranslationOptions)


@register(Story)
class StoryTranslation(TranslationOptions):
    fields = ("title", "summary", "body", "hero_alt")
    # Pages read the fields of one chosen language through Story.reading(), which says when it
    # stands in for the reader's own (modeltranslation's silent fallback is not used there).


@register(InterviewBlock)
class InterviewBlockTranslation(TranslationOptions):
    fields = ("question", "answer")


@register(GalleryImage)
class GalleryImageTranslation(TranslationOptions):
    fields = ("caption",)
