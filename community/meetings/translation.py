from modeltranslation.translator import TranslationOptions, register

from .models import Meeting


@register(Meeting)
class MeetingTranslation(TranslationOptions):
    fields = ("title", "description", "agenda")
    # The page reads the agenda through Meeting.agenda_reading(), which says when it stands in
    # for the reader's own language (modeltranslation's silent fallback is not used there).
