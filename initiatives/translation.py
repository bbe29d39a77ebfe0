from modeltranslation.translator import TranslationOptions, register

from .models import Sector


@register(Sector)
class SectorTranslation(TranslationOptions):
    fields = ("name",)
