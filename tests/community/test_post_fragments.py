"""A thread's posts are rendered once and kept for every reader in the same situation, whatever
their language and time zone (community/views/posts.py, iapt_platform/lib/holes.py): each reader
gets their own dates, labels, addresses and CSRF token, and never another reader's controls.

Each test reads the thread first as a member in one language and zone (the posts are rendered
and kept then), then as others: what they see is what the page rendered for them from nothing
would show."""

import itertools
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from community import services
from community.models import Attachment, Post, PostRevision
from tests.factories import UserFactory

from . import factories

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 10, 3, 30, tzinfo=UTC)  # the 9th in the Americas, the 10th in Tokyo
EDITED = datetime(2026, 3, 11, 15, 5, tzinfo=UTC)
READERS = {  # name: (language, time zone)
    "lena": ("es", "America/Mexico_City"),
    "tom": ("en", "Asia/Tokyo"),
    "joao": ("pt-br", "America/Sao_Paulo"),
}


@pytest.fixture
def forum(db, moderator, monkeypatch):
    """A question by Ana; Raúl's reply mentions her, carries a PDF and was edited by a
    moderator; three readers in three languages and zones."""
    monkeypatch.setattr(services, "NEW_MEMBER_POSTS", 0)
    moderator.language = "es"
    moderator.save(update_fields=["language"])
    ana = UserFactory(email="ana@example.org", display_name="Ana Autora", language="pt-br")
    raul = UserFactory(email="raul@example.org", display_name="Raúl Replica", language="es")
    factories.profile(ana, handle="ana")
    factories.profile(raul, handle="raul")
    topic = factories.thread(ana, title="Financing", body="Opening text", is_question=True)
    reply = factories.post(topic, raul, "Ask @ana about it")
    revision = PostRevision.objects.create(post=reply, body="First text", editor=moderator)
    PostRevision.objects.filter(pk=revision.pk).update(created_at=EDITED)
    Post.objects.filter(pk=reply.pk).update(created_at=MOMENT, edited_at=EDITED)
    pdf = Attachment.objects.create(
        post=reply,
        file="community/attachments/plan.pdf",
        kind="pdf",
        mimetype="application/pdf",
        original_name="plan.pdf",
        size=2_500_000,
    )
    clients = {"ana": _client(ana), "moderator": _client(moderator)}
    for name, (language, zone) in READERS.items():
        reader = UserFactory(email=f"{name}@example.org", language=language, time_zone=zone)
        factories.profile(reader, handle=name)
        clients[name] = _client(reader)
    cache.clear()
    return {"topic": topic, "reply": reply, "pdf": pdf, "clients": clients, "ana": ana}


def _client(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _address(name: str, language: str, *args) -> str:
    with translation.override(language):
        return reverse(name, args=args)


def _posts(client: Client, topic, language: str) -> str:
    """The posts of the thread's page as this reader sees it, their CSRF tokens set aside (a
    token is masked anew on each request)."""
    response = client.get(_address("community:thread", language, topic.pk))
    assert response.status_code == 200
    page = response.content.decode()
    posts = page[page.index('<div class="posts">') : page.index('<section id="reply"')]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "token", posts)


def _shown(moment: datetime, language: str, zone: str, format_name: str) -> str:
    """The date as the `date` filter writes it for this reader."""
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        return formats.date_format(timezone.localtime(moment), format_name)


def test_posts_kept_for_one_reader_show_in_each_other_reader_s_language_and_zone(
    forum, written_posts
):
    f = forum
    seen = {"lena": _posts(f["clients"]["lena"], f["topic"], "es")}
    assert len(written_posts) == 2  # the opening post and the reply, once
    for name in ("tom", "joao"):
        seen[name] = _posts(f["clients"][name], f["topic"], READERS[name][0])
    assert len(written_posts) == 2  # nothing written again for the other languages and zones

    reply, pdf = f["reply"], f["pdf"]
    for name, (language, zone) in READERS.items():
        page = seen[name]
        iso = timezone.localtime(MOMENT, ZoneInfo(zone)).isoformat()
        assert (
            f'<time datetime="{iso}">{_shown(MOMENT, language, zone, "DATETIME_FORMAT")}<' in page
        )
        assert _shown(EDITED, language, zone, "DATETIME_FORMAT") in page
        prefix = "" if language == "es" else f"/{language}"
        assert f'href="{prefix}/community/p/{reply.pk}/flag/"' in page
        assert f'href="{prefix}/community/members/ana/"' in page  # the mention, in the text
        assert f'href="{prefix}/community/members/raul/"' in page  # the author
        assert f'href="{prefix}/community/attachments/{pdf.pk}/"' in page
        assert "hole" not in page
    assert 'datetime="2026-03-10T12:30:00+09:00">March 10, 2026, 12:30 p.m.<' in seen["tom"]
    assert ">9 de marzo de 2026 a las 21:30<" in seen["lena"]

    labels = {  # a label of each language that the two others write differently
        "lena": ("Reportar</a>", "(PDF, 2,4\xa0MB)", "Historial de ediciones: 1 versión anterior"),
        "tom": ("Flag</a>", "(PDF, 2.4\xa0MB)", "Edit history: 1 earlier version"),
        "joao": ("Sinalizar</a>", "(PDF, 2,4\xa0MB)", "Histórico de edições: 1 versão anterior"),
    }
    for name, own in labels.items():
        for other, theirs in labels.items():
            for label in theirs:
                assert (label in seen[name]) == (other == name or label in own), (name, label)
    assert "editado por Mónica Moderadora" in seen["lena"]
    assert "edited by Mónica Moderadora" in seen["tom"]
    assert "editada por Mónica Moderadora" in seen["joao"]


def test_a_page_of_kept_posts_is_the_page_rendered_for_its_reader_from_nothing(
    forum, written_posts
):
    f = forum
    order = ["lena", "tom", "joao", "lena"]
    from_kept = {}
    for first, name in itertools.pairwise(order):
        cache.clear()
        _posts(f["clients"][first], f["topic"], READERS[first][0])
        from_kept[name] = _posts(f["clients"][name], f["topic"], READERS[name][0])
    written = len(written_posts)
    for name, page in from_kept.items():
        cache.clear()
        assert _posts(f["clients"][name], f["topic"], READERS[name][0]) == page
    assert written == 6 and len(written_posts) == 12  # the comparison read them from nothing


def test_sharing_across_languages_leaks_no_reader_s_controls_or_marks(forum):
    f = forum
    topic, reply, clients = f["topic"], f["reply"], f["clients"]
    moderator = _posts(clients["moderator"], topic, "es")  # kept first, in Spanish
    assert "Ocultar</a>" in moderator and "Marcar como respuesta" in moderator
    asker = _posts(clients["ana"], topic, "pt-br")  # then the asker's, in Portuguese
    assert "Marcar como resposta" in asker and "Ocultar</a>" not in asker

    def others_see_none_of_it() -> None:
        for name in ("tom", "lena", "joao"):
            page = _posts(clients[name], topic, READERS[name][0])
            for control in ("Hide</a>", "Ocultar</a>", "Mark as the answer", "Marcar como res"):
                assert control not in page, (name, control)
            for mark in ('aria-pressed="true"', "flagged", "reportó", "sinalizou"):
                assert mark not in page, (name, mark)
            for count in ("1 flag", "1 report", "1 sinaliza"):
                assert count not in page, (name, count)

    others_see_none_of_it()
    services.post_toggle_useful(user=f["ana"], post=reply)
    services.post_flag(user=f["ana"], post=reply, reason="spam")
    asker = _posts(clients["ana"], topic, "pt-br")
    assert "Você sinalizou esta mensagem" in asker
    assert 'aria-pressed="true">Útil (1)' in asker
    assert "1 reporte" in _posts(clients["moderator"], topic, "es")
    others_see_none_of_it()
    assert "Useful (1)" in _posts(clients["tom"], topic, "en")


def test_each_reader_of_shared_posts_gets_their_own_valid_token(forum):
    f = forum
    _posts(f["clients"]["lena"], f["topic"], "es")  # kept with Lena's situation, in Spanish
    tom = UserFactory(email="tom2@example.org", language="en", time_zone="Asia/Tokyo")
    factories.profile(tom, handle="tom2")
    client = _client(tom, enforce_csrf_checks=True)
    page = client.get(_address("community:thread", "en", f["topic"].pk)).content.decode()
    useful = _address("community:post_useful", "en", f["reply"].pk)
    token = re.search(
        rf'action="{re.escape(useful)}"[^>]*><input type="hidden" '
        r'name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
    )
    assert token is not None
    assert client.post(useful, {"csrfmiddlewaretoken": token.group(1)}).status_code == 302
    assert f["reply"].reactions.filter(user=tom).exists()
