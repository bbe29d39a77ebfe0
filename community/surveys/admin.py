from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from .models import Choice, Invitation, Question, Survey


class QuestionInline(TranslationTabularInline):
    model = Question
    extra = 0


@admin.register(Survey)
class SurveyAdmin(TranslationAdmin):
    list_display = ["title", "audience", "meeting", "opens_at", "closes_at", "published_at"]
    list_filter = ["audience"]
    raw_id_fields = ["meeting", "created_by"]
    inlines = [QuestionInline]


@admin.register(Choice)
class ChoiceAdmin(TranslationAdmin):
    list_display = ["label", "question", "position"]
    raw_id_fields = ["question"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Who a meeting's survey went to (read only: rows are written by the sender)."""

    list_display = ["survey", "registration", "language", "sent_at"]
    raw_id_fields = ["survey", "registration"]
    readonly_fields = ["survey", "registration", "language", "token", "sent_at"]
