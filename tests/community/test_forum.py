"""The forum: starting threads, replying, quoting, mentions, attachments, editing with history,
reactions, accepted answers, private categories, search, first posts and the rate limit."""

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import selectors, services
from community.models import Attachment, Notification, Post, PostRevision, Reaction, Thread, Watch
from iapt_platform.moderation.models import ModerationItem
from iapt_platform.moderation.services import moderation_decide
from tests.factories import UserFactory

from . import factories
from .conftest import pdf_bytes, png_upload

pytestmark = pytest.mark.django_db


def test_visitors_are_sent_to_sign_in_and_accounts_without_the_member_role_get_403(client, alice):
    cat = factories.category()
    response = client.get(reverse("community:category", args=[cat.slug]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    outsider = UserFactory(roles=["promoter"])
    client.force_login(outsider)
    assert client.get(reverse("community:category", args=[cat.slug])).status_code == 403


def test_a_member_starts_a_thread_with_an_attachment_and_a_mention(
    client_for, alice, bruno, established, django_capture_on_commit_callbacks
):
    cat = factories.category()
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("community:thread_new", args=[cat.slug]),
            {
                "title": "Fondos para la gerencia",
                "body": "¿Cómo lo hacen? @bruno tiene experiencia.",
                "attachments": [png_upload(), SimpleUploadedFile("plan.pdf", pdf_bytes())],
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    thread = Thread.objects.get(title="Fondos para la gerencia")
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    opening = thread.posts.get()
    assert opening.is_opening and opening.status == Post.Status.PUBLISHED
    assert sorted(a.kind for a in opening.attachments.all()) == ["image", "pdf"]
    assert all("/" not in a.file.name.split("attachments/")[1] for a in opening.attachments.all())
    assert Watch.objects.filter(user=alice, thread=thread).exists()
    mention = Notification.objects.get(recipient=bruno)
    assert mention.kind == "mention" and mention.post == opening
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [bruno.email]
    assert "mentioned you" in mail.outbox[0].subject
    page = client.get(thread.get_absolute_url()).content.decode()
    assert (
        "Fondos para la gerencia" in page
        and reverse("community:attachment", args=[opening.attachments.first().pk]) in page
    )


def test_a_refused_upload_keeps_the_text_and_says_why(client_for, alice, established):
    cat = factories.category()
    response = client_for(alice).post(
        reverse("community:thread_new", args=[cat.slug]),
        {
            "title": "Con adjunto",
            "body": "Texto largo que no se pierde",
            "attachments": [SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>")],
        },
    )
    assert response.status_code == 200
    assert "Texto largo que no se pierde" in response.content.decode()
    assert response.context["form"].errors["attachments"]
    assert not Thread.objects.filter(title="Con adjunto").exists()


def test_replying_watches_the_thread_and_notifies_watchers(client_for, alice, bruno, established):
    thread = factories.thread(alice)
    Watch.objects.create(user=alice, thread=thread)
    response = client_for(bruno).post(thread.get_absolute_url(), {"body": "Mi experiencia"})
    reply = Post.objects.get(body="Mi experiencia")
    assert response.status_code == 302
    assert response["Location"] == reverse("community:post", args=[reply.pk])
    assert Watch.objects.filter(user=bruno, thread=thread).exists()
    assert Notification.objects.get(recipient=alice).kind == "reply"
    thread.refresh_from_db()
    assert thread.reply_count == 1
    # The stable post link lands on the thread, at the post.
    landing = client_for(bruno).get(reverse("community:post", args=[reply.pk]))
    assert landing["Location"].endswith(f"#post-{reply.pk}")


def test_quote_prefills_the_reply_with_a_blockquote_without_javascript(client_for, alice, bruno):
    thread = factories.thread(alice, body="Línea uno\nLínea dos")
    opening = thread.posts.get()
    response = client_for(bruno).get(
        thread.get_absolute_url(), {"quote": opening.pk}, HTTP_ACCEPT_LANGUAGE="en"
    )
    body = response.context["form"].initial["body"]
    assert body.startswith("> **@alicia wrote:**")
    assert "> Línea uno\n> Línea dos" in body
    assert "&gt; Línea uno" in response.content.decode()  # inside the textarea


def test_editing_keeps_the_history_visible_and_others_get_403(client_for, alice, bruno):
    thread = factories.thread(alice, body="Versión original")
    post = thread.posts.get()
    client = client_for(bruno)
    assert client.get(reverse("community:post_edit", args=[post.pk])).status_code == 403
    assert (
        client.post(reverse("community:post_edit", args=[post.pk]), {"body": "hack"}).status_code
        == 403
    )
    client = client_for(alice)
    response = client.post(
        reverse("community:post_edit", args=[post.pk]),
        {"title": thread.title, "body": "Versión corregida"},
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "Versión corregida" and post.edited_at is not None
    assert PostRevision.objects.get(post=post).body == "Versión original"
    page = client.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Versión original" in page and "Edit history" in page


def test_private_categories_are_404_for_members_outside_them(client_for, alice, bruno):
    group = factories.category("working-group", is_private=True)
    group.members.add(alice)
    thread = factories.thread(alice, cat=group, title="Plan del grupo")
    post = thread.posts.get()
    attachment = Attachment.objects.create(
        post=post, file=png_upload().name, kind="image", mimetype="image/png", original_name="x"
    )
    client = client_for(bruno)
    for url in (
        reverse("community:category", args=[group.slug]),
        thread.get_absolute_url(),
        reverse("community:post", args=[post.pk]),
        reverse("community:attachment", args=[attachment.pk]),
        reverse("community:thread_new", args=[group.slug]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(thread.get_absolute_url(), {"body": "entro"}).status_code == 404
    assert "Plan del grupo" not in client.get(reverse("community:index")).content.decode()
    assert client_for(alice).get(thread.get_absolute_url()).status_code == 200


def test_attachments_download_as_attachments_only_for_readers(
    client_for, alice, bruno, established
):
    cat = factories.category()
    client = client_for(alice)
    client.post(
        reverse("community:thread_new", args=[cat.slug]),
        {
            "title": "Con PDF",
            "body": "Adjunto",
            "attachments": [SimpleUploadedFile("Plan 2025.pdf", pdf_bytes())],
        },
    )
    attachment = Attachment.objects.get()
    response = client_for(bruno).get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Plan 2025.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    client.logout()
    assert client.get(attachment.get_absolute_url()).status_code == 302


def test_useful_is_one_per_member_and_post_and_toggles(client_for, alice, bruno):
    thread = factories.thread(alice)
    post = thread.posts.get()
    client = client_for(bruno)
    client.post(reverse("community:post_useful", args=[post.pk]))
    assert Reaction.objects.filter(post=post, user=bruno).count() == 1
    client.post(reverse("community:post_useful", args=[post.pk]))
    assert not Reaction.objects.filter(post=post).exists()
    client_for(alice).post(reverse("community:post_useful", args=[post.pk]))
    assert not Reaction.objects.filter(post=post).exists()  # not on one's own post


def test_watching_a_thread_or_a_category_toggles_and_says_which(client_for, alice, bruno):
    thread = factories.thread(alice)
    category = thread.category
    client = client_for(bruno)
    for noun, target, url in (
        ("thread", thread, reverse("community:thread_watch", args=[thread.pk])),
        ("category", category, reverse("community:category_watch", args=[category.slug])),
    ):
        response = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
        assert response.redirect_chain == [(target.get_absolute_url(), 302)]
        assert f"You now watch this {noun}." in response.content.decode()
        assert Watch.objects.filter(user=bruno, **{noun: target}).exists()
        response = client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="en")
        assert f"You no longer watch this {noun}." in response.content.decode()
        assert not Watch.objects.filter(user=bruno, **{noun: target}).exists()


def test_the_asker_accepts_an_answer_and_others_cannot(client_for, alice, bruno, carla):
    thread = factories.thread(alice, is_question=True)
    answer = factories.post(thread, bruno, "Respuesta")
    assert (
        client_for(carla).post(reverse("community:post_accept", args=[answer.pk])).status_code
        == 403
    )
    client_for(alice).post(reverse("community:post_accept", args=[answer.pk]))
    thread.refresh_from_db()
    assert thread.accepted_answer == answer
    assert Notification.objects.get(recipient=bruno).kind == "accepted"


def test_search_finds_threads_and_replies_without_accents(client_for, alice, bruno, carla):
    thread = factories.thread(alice, title="Evaluación de impacto", body="Metodología")
    factories.post(thread, bruno, "Usamos indicadores de exportación")
    hidden = factories.post(thread, bruno, "exportación escondida")
    hidden.hidden = True
    hidden.save()
    other = factories.thread(bruno, title="Otro tema", body="nada que ver")
    client = client_for(carla)
    results = client.get(reverse("community:search"), {"q": "evaluacion"}).context["page"]
    assert [p.thread_id for p in results] == [thread.pk]
    results = client.get(reverse("community:search"), {"q": "EXPORTACION"}).context["page"]
    assert [p.body for p in results] == ["Usamos indicadores de exportación"]
    assert other.pk not in [p.thread_id for p in results]


def test_a_new_members_first_two_posts_wait_for_approval(client_for, alice, moderator):
    cat = factories.category()
    client = client_for(alice)
    client.post(
        reverse("community:thread_new", args=[cat.slug]), {"title": "Hola", "body": "Soy nueva"}
    )
    thread = Thread.objects.get(title="Hola")
    opening = thread.posts.get()
    assert opening.status == Post.Status.PENDING and not thread.is_published
    item = ModerationItem.objects.get(kind="forum_post", object_id=opening.pk)
    # Other members do not see it yet; the author does.
    other = UserFactory()
    assert client_for(other).get(thread.get_absolute_url()).status_code == 404
    assert client_for(alice).get(thread.get_absolute_url()).status_code == 200
    moderation_decide(item=item, moderator=moderator, action="approve", comment="")
    opening.refresh_from_db()
    thread.refresh_from_db()
    assert opening.status == Post.Status.PUBLISHED and thread.is_published
    reply = services.post_reply(user=alice, thread=thread, body="Segundo")
    assert reply.status == Post.Status.PENDING
    moderation_decide(
        item=ModerationItem.objects.get(kind="forum_post", object_id=reply.pk),
        moderator=moderator,
        action="approve",
        comment="",
    )
    third = services.post_reply(user=alice, thread=thread, body="Tercero, ya sin espera")
    assert third.status == Post.Status.PUBLISHED


def test_a_new_members_posts_hold_at_most_two_links(client_for, alice):
    cat = factories.category()
    body = "Vean https://a.example y https://b.example y [c](https://c.example)"
    response = client_for(alice).post(
        reverse("community:thread_new", args=[cat.slug]),
        {"title": "Enlaces", "body": body},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "at most 2 links" in response.content.decode()
    assert response.context["form"]["body"].value() == body
    assert not Thread.objects.filter(title="Enlaces").exists()


def test_a_flood_is_throttled_with_a_clear_message_and_nothing_is_lost(
    client_for, alice, established
):
    thread = factories.thread(alice)
    client = client_for(alice)
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False) as clock:
        for n in range(5):
            response = client.post(thread.get_absolute_url(), {"body": f"Mensaje {n}"})
            assert response.status_code == 302
        response = client.post(
            thread.get_absolute_url(),
            {"body": "El sexto, escrito con cuidado"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 429
        page = response.content.decode()
        assert "You have sent 5 messages in the last minute" in page
        assert "El sexto, escrito con cuidado" in page  # still in the reply box
        assert Post.objects.filter(thread=thread, is_opening=False).count() == 5
        assert not Post.objects.filter(body="El sexto, escrito con cuidado").exists()
        # A minute later the same text goes through.
        clock.shift(61)
        response = client.post(thread.get_absolute_url(), {"body": "El sexto, escrito con cuidado"})
        assert response.status_code == 302
        assert Post.objects.filter(body="El sexto, escrito con cuidado").exists()


def test_the_hourly_limit_also_holds(alice, established):
    thread = factories.thread(alice)
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False) as traveller:
        for n in range(30):
            if n and n % 5 == 0:
                traveller.shift(61)
            services.post_reply(user=alice, thread=thread, body=f"Mensaje {n}")
        traveller.shift(61)
        with pytest.raises(services.PostingTooFast, match="last hour"):
            services.post_reply(user=alice, thread=thread, body="Uno más")


def test_locked_threads_refuse_replies(client_for, alice, bruno, established):
    thread = factories.thread(alice, locked=True)
    response = client_for(bruno).post(
        thread.get_absolute_url(), {"body": "¿Puedo?"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert "closed to new replies" in response.content.decode()
    assert not Post.objects.filter(body="¿Puedo?").exists()


def _thread_page_queries(client, thread, page=1) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(thread.get_absolute_url(), {"page": page})
    assert response.status_code == 200
    return len(queries)


def _fill(thread, authors, count):
    from django.utils import timezone

    Post.objects.bulk_create(
        Post(
            thread=thread,
            author=authors[n % len(authors)],
            body=f"Respuesta **{n}** con [enlace](https://example.org/{n})",
            status=Post.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        for n in range(count)
    )
    services.thread_refresh(thread=thread)  # its reply count, as each reply keeps it


def _edited(post: Post) -> None:
    """An earlier version of the post, as an edit leaves it (services.post_edit)."""
    PostRevision.objects.create(post=post, body="antes", editor=post.author)
    Post.objects.filter(pk=post.pk).update(edited_at=timezone.now())


def test_the_thread_page_uses_a_fixed_number_of_queries(client_for, alice, bruno, carla):
    small = factories.thread(alice, title="Pequeño")
    large = factories.thread(alice, title="Grande")
    authors = [alice, bruno, carla]
    _fill(small, authors, 10)
    _fill(large, authors, 500)
    # Edited, with files, found useful: the first posts of each thread, the last of the large
    # one (its eleventh page).
    edited = [*small.posts.all()[:3], *large.posts.all()[:3], large.posts.last()]
    for post in edited:
        Reaction.objects.create(post=post, user=carla)
        _edited(post)
        Attachment.objects.create(
            post=post,
            file="community/attachments/x.png",
            kind="image",
            mimetype="image/png",
            original_name="x.png",
        )
    client = client_for(bruno)
    cache.clear()
    client.get(reverse("community:index"))  # warm the session and permission caches
    cold = [
        _thread_page_queries(client, small),
        _thread_page_queries(client, large),
        _thread_page_queries(client, large, page=11),
    ]
    kept = [
        _thread_page_queries(client, small),
        _thread_page_queries(client, large),
        _thread_page_queries(client, large, page=11),
    ]
    # A page's posts are counted in the page's own query, at any length; the large thread's
    # row is kept from its first page when its eleventh is read.
    assert cold[0] == cold[1] == cold[2] + 1
    # Kept whole for members (views/forum.py): the same queries on any page of any thread.
    assert kept[0] == kept[1] == kept[2] < cold[0]
    print(f"thread page queries: {cold[0]} rendering its posts, {kept[0]} with them kept")


# --- What a thread page keeps: the posts as everyone sees them, never a reader's own bits ----------


def _renders(monkeypatch) -> list[str]:
    """The texts the one Markdown path renders from now on."""
    from iapt_platform.lib import markdown

    rendered: list[str] = []
    real = markdown._markdown.render

    def counting(text, env=None):
        rendered.append(text)
        return real(text, env)

    monkeypatch.setattr(markdown._markdown, "render", counting)
    return rendered


def test_a_thread_s_posts_are_rendered_once_for_every_member(
    client, alice, bruno, carla, monkeypatch
):
    thread = factories.thread(alice, title="Financing", body="First **question**")
    factories.post(thread, alice, "A *reply* quoting @alicia")
    rendered = _renders(monkeypatch)
    client.force_login(bruno)
    first = client.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<strong>question</strong>" in first
    assert len(rendered) == 2

    again = client.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.force_login(carla)
    other = client.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert len(rendered) == 2  # nothing rendered again, for the same reader or another
    for page in (again, other):
        assert "<strong>question</strong>" in page
        assert (
            'href="/en/community/members/alicia/" rel="nofollow noopener noreferrer">@alicia</a>'
            in page
        )


def test_a_kept_thread_page_asks_only_for_the_reader_s_own_parts(client_for, alice, bruno):
    thread = factories.thread(alice, title="Financing")
    _fill(thread, [alice, bruno], 20)
    factories.post(thread, alice, "Thank you @bruno")
    for post in thread.posts.all()[:3]:
        _edited(post)
    client = client_for(bruno)
    cache.clear()
    client.get(reverse("community:index"))  # the session and permission caches
    cold = _thread_page_queries(client, thread)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(thread.get_absolute_url()).status_code == 200
    kept = [q["sql"] for q in queries.captured_queries]

    # The posts' attachments, edit history and mentioned members are in what is kept.
    assert [sql for sql in kept if "community_attachment" in sql] == []
    assert [sql for sql in kept if "community_postrevision" in sql] == []
    assert [sql for sql in kept if "community_memberprofile" in sql and " IN (" in sql] == []
    assert len(kept) <= cold - 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan (CI runs it)")
def test_the_recent_threads_are_read_from_an_index_not_sorted_from_every_thread(alice, bruno):
    from django.utils import timezone

    cat = factories.category()
    now = timezone.now()
    Thread.objects.bulk_create(
        Thread(category=cat, title=f"T{n}", author=alice, last_posted_at=now) for n in range(2000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE community_thread")
    recent = selectors.thread_list(user=bruno)[:10]
    assert "Index Scan using thread_recent" in recent.explain()


def test_the_forum_index_counts_threads_without_reading_them_at_each_view(client_for, alice, bruno):
    for n in range(3):
        factories.thread(alice, title=f"Thread {n}")
    client = client_for(bruno)
    page = client.get(reverse("community:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4 threads" in page or "3 threads" in page
    with CaptureQueriesContext(connection) as queries:
        again = client.get(reverse("community:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()] == []
    assert again.content.decode().count("3 threads") == page.count("3 threads")

    factories.thread(alice, title="Thread 4")  # the next request counts it
    assert "4 threads" in client.get(reverse("community:index")).content.decode()
