import simple_history
from modeltranslation.translator import TranslationOptions, register

from .models import Page, PageVersion


@register(Page)
class PageTranslation(TranslationOptions):
    fields = ("title", "body")
    # Pages read one chosen language through PageVersion.reading(), which says when it stands in
    # for the reader's own; modeltranslation's silent fallback is not used there.


@register(PageVersion)
class PageVersionTranslation(TranslationOptions):
    fields = ("title", "body", "change_note")


# After the registration above: a history model made with the class would lack title_es, body_en...
simple_history.register(Page, excluded_fields=["updated_at", "order"])
