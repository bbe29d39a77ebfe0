"""Agendas are staff content in three languages, like titles and descriptions: each reader gets
the agenda in their language, or another language's with an "Available in …" notice; the agendas
written before in one language are kept in the language they were written in."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from community.meetings.forms import MeetingForm
from tests.addresses import address

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db

PT = {"HTTP_ACCEPT_LANGUAGE": "pt-br"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_staff_write_the_agenda_in_each_language(moderator):
    form = MeetingForm(user=moderator)
    assert {"agenda_es", "agenda_en", "agenda_pt_br"} <= set(form.fields)
    assert form.fields["agenda_pt_br"].label == "Agenda in Portuguese"


def test_a_reader_gets_the_agenda_in_their_language_without_a_notice(client):
    meeting = MeetingFactory(
        agenda_es="1. Bienvenida", agenda_en="1. Welcome", agenda_pt_br="1. Boas-vindas"
    )
    page = client.get(
        address("meetings:detail", args=[meeting.slug], language="pt-br"), **PT
    ).content.decode()
    assert "Boas-vindas" in page and "Bienvenida" not in page
    assert "translation-notice" not in page


def test_an_agenda_missing_in_the_readers_language_says_which_one_it_is(client):
    meeting = MeetingFactory(agenda_es="1. Bienvenida\n2. Financiamiento", agenda_en="1. Welcome")
    page = client.get(
        address("meetings:detail", args=[meeting.slug], language="pt-br"), **PT
    ).content.decode()
    assert '<div class="prose" lang="es">' in page
    assert "Bienvenida" in page
    assert "Disponível em Espanhol" in page  # "Available in Spanish" (Django names the language)
    english = client.get(
        address("meetings:detail", args=[meeting.slug], language="en"), **EN
    ).content.decode()
    assert "Welcome" in english and "translation-notice" not in english


def test_a_meeting_without_an_agenda_shows_no_notice(client):
    meeting = MeetingFactory()
    page = client.get(
        address("meetings:detail", args=[meeting.slug], language="pt-br"), **PT
    ).content.decode()
    assert "agenda-heading" not in page and "translation-notice" not in page


def test_the_migration_guesses_the_language_an_agenda_was_written_in():
    migration = importlib.import_module(
        "community.meetings.migrations.0005_meeting_agenda_translations"
    )
    guess = migration.written_in
    assert guess("1. Bienvenida y presentación de los programas\n2. Mesa de financiamiento") == "es"
    assert guess("1. Welcome and introductions\n2. Panel on financing the clusters") == "en"
    assert guess("1. Boas-vindas e apresentação dos programas\n2. Mesa sobre o financiamento") == (
        "pt-br"
    )
    assert guess("1. Agenda\n2. Q&A", fallback="en") == "en"


@pytest.fixture
def back_to_the_latest_migrations():
    """Leave the schema as every later test expects it: at the latest migrations, not at 0005
    (a later migration of meetings, added since, is otherwise missing for the next tests)."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_migrations")
def test_the_migration_keeps_each_existing_agenda_in_its_language():
    executor = MigrationExecutor(connection)
    before = [("meetings", "0004_registration_confirmation_and_cancellation_note")]
    after = [("meetings", "0005_meeting_agenda_translations")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("meetings", "Meeting")
    common = {"starts_at": "2030-01-01T10:00Z", "ends_at": "2030-01-01T12:00Z"}
    portuguese = old.objects.create(
        slug="pt", title_es="Encuentro", agenda="1. Abertura e boas-vindas dos programas", **common
    )
    english_only = old.objects.create(
        slug="en",
        title_es="Encuentro",
        description_en="Only in English",
        agenda="1. Opening",
        **common,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    new = executor.loader.project_state(after).apps.get_model("meetings", "Meeting")
    moved = new.objects.get(pk=portuguese.pk)
    assert (moved.agenda_es or "", moved.agenda_en or "", moved.agenda_pt_br) == (
        "",
        "",
        "1. Abertura e boas-vindas dos programas",
    )
    # Too short to tell: the language the meeting's description is written in.
    assert new.objects.get(pk=english_only.pk).agenda_en == "1. Opening"
