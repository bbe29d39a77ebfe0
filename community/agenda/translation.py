from modeltranslation.translator import TranslationOptions, register, translator

from iapt_platform.lib.taxonomy.translation import TopicTranslationOptions

from .models import AgendaItem, AgendaUpdate, LineOfWork, Proposal, Round

translator.register(LineOfWork, TopicTranslationOptions)


@register(Round)
class RoundTranslation(TranslationOptions):
    fields = ("title", "description")


@register(Proposal)
class ProposalTranslation(TranslationOptions):
    # Only the official answer's reason is staff's, in three languages; the proposal itself keeps
    # the language its author wrote it in.
    fields = ("answer_reason",)


@register(AgendaItem)
class AgendaItemTranslation(TranslationOptions):
    fields = ("title",)


@register(AgendaUpdate)
class AgendaUpdateTranslation(TranslationOptions):
    fields = ("body",)
