from modeltranslation.translator import TranslationOptions


class TopicTranslationOptions(TranslationOptions):
    """Register each app's topic model with these: `translator.register(Topic, TopicTranslationOptions)`."""

    fields = ("name",)
