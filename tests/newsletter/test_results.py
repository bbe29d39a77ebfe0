"""A sent issue's results: counted links (aggregate, signed, never an open redirect), departures
through an edition's link, bounces and complaints from the provider, the staff pages and CSV, and
the subscribers over time."""

import csv
import html
import io
import re
import socket
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
import time_machine
from aiosmtpd.controller import Controller
from anymail.signals import AnymailTrackingEvent, tracking
from django.core import signing
from django.urls import reverse

from newsletter import links, tokens
from newsletter.models import Delivery, Edition, EditionLink, Issue, MailEvent, Subscriber
from newsletter.rendering import freeze_editions
from newsletter.services import issues

from .factories import BlockFactory, IssueFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

REDIRECT = re.compile(r"http://testserver/bulletin/r/[^/\s\"<>]+/")


def _issue_with_links(languages=("es", "en")):
    issue = IssueFactory(languages=list(languages))
    BlockFactory(
        issue=issue,
        link_url="https://cepal.example/story?a=1&b=2",
        content={
            code: {
                "title": f"Title {code}",
                "body": f"See [the map](https://map.example/{code}) and https://plain.example/x.",
                "image_alt": "",
            }
            for code in languages
        },
    )
    return issue


def _frozen(issue, language="es"):
    freeze_editions(issue)
    return Edition.objects.get(issue=issue, language=language)


def _redirects(text):
    return REDIRECT.findall(html.unescape(text))


def _target(client, url):
    response = client.get(url.replace("http://testserver", ""))
    assert response.status_code == 302, response.status_code
    return response["Location"]


# --- Rewriting ---------------------------------------------------------------------------------
def test_every_web_link_of_both_parts_is_counted_and_personal_links_are_not(client):
    issue = _issue_with_links()
    edition = _frozen(issue)

    rows = list(EditionLink.objects.filter(edition=edition).values_list("url", flat=True))
    assert "https://cepal.example/story?a=1&b=2" in rows
    assert "https://map.example/es" in rows
    assert "https://plain.example/x" in rows  # the sentence's full stop is not part of it
    web = f"http://testserver/bulletin/issues/{issue.number}/es/"
    assert web in rows
    # No address of a link is left in either part: each became a counted one...
    for url in rows:
        assert f'href="{html.escape(url)}"' not in edition.rendered_html
        assert f"{url} " not in edition.rendered_text
    html_links, text_links = _redirects(edition.rendered_html), _redirects(edition.rendered_text)
    assert {_target(client, u) for u in html_links} == set(rows) - {"https://plain.example/x"}
    # (the text part has its Markdown links, the button's address and the web version)
    assert {_target(client, u) for u in text_links} >= {
        "https://map.example/es",
        "https://plain.example/x",
        "https://cepal.example/story?a=1&b=2",
    }
    assert "https://plain.example/x" not in edition.rendered_text
    # ...except the subscriber's own links, which stay placeholders for each message.
    for part in (edition.rendered_html, edition.rendered_text):
        assert "/bulletin/unsubscribe/NLXUNSUBSCRIBETOKENX/?e=" in part
        assert "/bulletin/preferences/NLXPREFERENCESTOKENX/" in part
    # The English edition has links of its own.
    english = Edition.objects.get(issue=issue, language="en")
    assert EditionLink.objects.filter(edition=english, url="https://map.example/en").exists()


def test_freezing_again_keeps_the_same_links():
    issue = _issue_with_links()
    first = _frozen(issue)
    ids = sorted(EditionLink.objects.filter(edition=first).values_list("pk", flat=True))
    again = _frozen(issue)
    assert sorted(EditionLink.objects.filter(edition=again).values_list("pk", flat=True)) == ids
    assert again.rendered_html == first.rendered_html


def test_the_archive_and_the_staff_preview_show_the_plain_links(client, staff_client):
    issue = _issue_with_links()
    _frozen(issue)
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT)

    page = client.get(reverse("newsletter:issue", args=[issue.number, "es"])).content.decode()
    preview = staff_client.get(
        reverse("newsletter:staff_preview", args=[issue.pk, "es", "html"])
    ).content.decode()

    for body in (page, preview):
        assert "https://map.example/es" in body
        assert "/bulletin/r/" not in body


# --- Following a link --------------------------------------------------------------------------
def test_following_a_link_counts_one_click_and_redirects_to_it(client):
    edition = _frozen(_issue_with_links())
    link = EditionLink.objects.get(edition=edition, url="https://map.example/es")

    response = client.get(f"/bulletin/r/{links.token(edition.pk, link.pk)}/")

    assert response.status_code == 302
    assert response["Location"] == "https://map.example/es"
    assert response["Cache-Control"] == "no-store"
    link.refresh_from_db()
    assert link.clicks == 1
    assert set(EditionLink.objects.exclude(pk=link.pk).values_list("clicks", flat=True)) == {0}
    assert "sessionid" not in response.cookies


def test_a_reader_of_another_language_is_counted_at_once_without_a_language_detour(client):
    edition = _frozen(_issue_with_links())
    link = EditionLink.objects.get(edition=edition, url="https://map.example/es")
    client.cookies["iapt_language"] = "pt-br"  # a Portuguese reader's browser

    response = client.get(
        f"/bulletin/r/{links.token(edition.pk, link.pk)}/", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert response["Location"] == "https://map.example/es"  # not /pt-br/bulletin/r/…
    link.refresh_from_db()
    assert link.clicks == 1


def test_a_click_is_one_statement(client, django_assert_num_queries):
    edition = _frozen(_issue_with_links())
    link = EditionLink.objects.filter(edition=edition).first()
    url = f"/bulletin/r/{links.token(edition.pk, link.pk)}/"

    with django_assert_num_queries(1):
        assert client.get(url).status_code == 302


def test_a_stale_signature_still_leads_to_the_link_without_counting(client, settings):
    edition = _frozen(_issue_with_links())
    link = EditionLink.objects.get(edition=edition, url="https://map.example/es")
    # Signed with a key the site no longer has (rotated away, not kept as a fallback).
    old = signing.Signer(key="an old key", salt=links.SALT, sep=".").sign(f"{edition.pk}-{link.pk}")
    assert old != links.token(edition.pk, link.pk)

    response = client.get(f"/bulletin/r/{old}/")

    assert response.status_code == 302
    assert response["Location"] == "https://map.example/es"
    link.refresh_from_db()
    assert link.clicks == 0


def test_a_key_kept_as_a_fallback_still_counts(client, settings):
    edition = _frozen(_issue_with_links())
    link = EditionLink.objects.get(edition=edition, url="https://map.example/es")
    token = links.token(edition.pk, link.pk)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a brand new key " * 4

    assert client.get(f"/bulletin/r/{token}/").status_code == 302
    link.refresh_from_db()
    assert link.clicks == 1


def test_a_head_request_leads_on_without_counting(client):
    edition = _frozen(_issue_with_links())
    link = EditionLink.objects.filter(edition=edition).first()

    response = client.head(f"/bulletin/r/{links.token(edition.pk, link.pk)}/")

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.clicks == 0


@pytest.mark.parametrize(
    "make_token",
    [
        # another edition's link under this edition's id, with a good signature
        lambda ed, other, link: links.token(ed.pk, other.pk),
        # a link that does not exist
        lambda ed, other, link: links.token(ed.pk, 999999),
        # an address where the id should be, signed or not
        lambda ed, other, link: links.token(ed.pk, 0).replace("-0.", "-https:evil.example."),
        lambda ed, other, link: "https:evil.example",
        lambda ed, other, link: "@evil.example",
        lambda ed, other, link: "12-99999999999999999999999.x",
        lambda ed, other, link: "nothing",
    ],
)
def test_an_unknown_link_is_refused_and_leads_nowhere(client, make_token):
    issue = _issue_with_links()
    freeze_editions(issue)
    spanish = Edition.objects.get(issue=issue, language="es")
    english_link = EditionLink.objects.filter(edition__issue=issue, edition__language="en").first()
    link = EditionLink.objects.filter(edition=spanish).first()

    response = client.get(f"/bulletin/r/{make_token(spanish, english_link, link)}/")

    assert response.status_code == 404
    assert "Location" not in response
    assert "Este enlace no es válido" in response.content.decode()  # a visitor: in Spanish
    assert set(EditionLink.objects.values_list("clicks", flat=True)) == {0}


# --- Leaving through an issue ------------------------------------------------------------------
def _sent_to(issue, *subscribers, language="es"):
    for subscriber in subscribers:
        Delivery.objects.create(
            issue=issue, subscriber=subscriber, status=Delivery.Status.SENT, language=language
        )
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SENT)


def test_leaving_through_an_editions_link_counts_once_for_that_edition(client):
    issue = _issue_with_links()
    spanish = _frozen(issue)
    reader, stranger = SubscriberFactory(), SubscriberFactory()
    _sent_to(issue, reader)
    url = reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(reader.pk)])

    page = client.get(f"{url}?e={spanish.pk}").content.decode()
    assert f'name="e" value="{spanish.pk}"' in page
    client.post(url, {"e": spanish.pk})  # the page's button
    client.post(f"{url}?e={spanish.pk}", {"List-Unsubscribe": "One-Click"})  # already gone
    # Someone who never received the issue counts nothing for it.
    other = reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(stranger.pk)])
    client.post(f"{other}?e={spanish.pk}", {"List-Unsubscribe": "One-Click"})

    spanish.refresh_from_db()
    assert spanish.unsubscribes == 1
    assert Subscriber.objects.get(pk=stranger.pk).status == Subscriber.Status.UNSUBSCRIBED
    assert Edition.objects.get(issue=issue, language="en").unsubscribes == 0


# --- Bounces and complaints --------------------------------------------------------------------
def _report(kind, email, reason=""):
    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(
            event_type=kind,
            recipient=email,
            mta_response=reason,
            timestamp=datetime(2026, 11, 3, 10, 0, tzinfo=UTC),
        ),
        esp_name="TestESP",
    )


def test_a_bounce_is_kept_with_the_issue_last_sent_to_the_address():
    older, latest = _issue_with_links(), _issue_with_links()
    reader = SubscriberFactory(email="gone@example.org", language="en")
    _sent_to(older, reader, language="en")
    _sent_to(latest, reader, language="en")
    Delivery.objects.filter(issue=older).update(sent_at=datetime(2026, 10, 1, tzinfo=UTC))
    Delivery.objects.filter(issue=latest).update(sent_at=datetime(2026, 11, 1, tzinfo=UTC))

    _report("bounced", "Gone@Example.org", "550 5.1.1 mailbox unknown")
    _report("complained", "nobody@example.org")  # not a subscriber: not the bulletin's

    event = MailEvent.objects.get()
    assert (event.kind, event.issue, event.language) == ("bounced", latest, "en")
    assert event.subscriber == reader
    assert event.reason == "550 5.1.1 mailbox unknown"


# --- Staff pages -------------------------------------------------------------------------------
def _results_fixture():
    issue = _issue_with_links()
    freeze_editions(issue)
    readers = SubscriberFactory.create_batch(3, language="es")
    english = SubscriberFactory(language="en", email="bounce@example.org")
    _sent_to(issue, *readers, language="es")
    _sent_to(issue, english, language="en")
    _report("bounced", "bounce@example.org", "550 mailbox unknown")
    _report("complained", readers[0].email)
    Edition.objects.filter(issue=issue, language="es").update(unsubscribes=2)
    EditionLink.objects.filter(edition__language="es", url="https://map.example/es").update(
        clicks=5
    )
    EditionLink.objects.filter(edition__language="en", url="https://map.example/en").update(
        clicks=3
    )
    return issue


def _cells(page, caption):
    table = page.split(caption, 1)[1].split("</table>", 1)[0]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def test_the_results_page_shows_each_editions_figures(staff_client, django_assert_max_num_queries):
    issue = _results_fixture()
    url = reverse("newsletter:staff_results", args=[issue.pk])

    with django_assert_max_num_queries(16):
        response = staff_client.get(url)

    page = response.content.decode()
    assert response.status_code == 200
    rows = _cells(page, "Results per edition")
    # Edition, sent, delivered, bounced, complaints, left, clicks
    assert ["Spanish", "3", "3", "0", "1", "2", "5"] in rows
    assert ["English", "1", "0", "1", "0", "0", "3"] in rows
    assert ["All editions", "4", "3", "1", "1", "2", "8"] in rows
    assert "Clicks per link, Spanish edition" in page
    assert "https://map.example/es" in page
    assert "550 mailbox unknown" in page
    assert "bounce@example.org" in page  # moderators see the addresses
    # More links and events cost no more queries.
    BlockFactory(issue=issue, link_url="https://more.example/")
    freeze_editions(issue)
    _report("bounced", "bounce@example.org", "another reason")
    with django_assert_max_num_queries(16):
        assert staff_client.get(url).status_code == 200


def test_the_results_are_for_moderators_only(client, member):
    issue = _results_fixture()
    client.force_login(member)
    for name in ("newsletter:staff_results", "newsletter:staff_results_csv"):
        response = client.get(reverse(name, args=[issue.pk]))
        assert response.status_code in (302, 403)
        assert b"bounce@example.org" not in response.content


def test_the_results_download_as_csv_with_the_pages_figures(staff_client):
    issue = _results_fixture()

    response = staff_client.get(reverse("newsletter:staff_results_csv", args=[issue.pk]))

    assert response["Content-Disposition"].endswith(f'"bulletin-{issue.number}-results.csv"')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["edition", "figure", "link", "count"]
    assert ["es", "sent", "", "3"] in rows
    assert ["en", "bounced", "", "1"] in rows
    assert ["all", "clicks", "", "8"] in rows
    assert ["es", "unsubscribed", "", "2"] in rows
    assert ["es", "link_clicks", "https://map.example/es", "5"] in rows
    assert not any("@" in cell for row in rows for cell in row)  # no address in the download


def test_subscribers_over_time_by_month_and_language(staff_client, django_assert_max_num_queries):
    def at(month, day=10):
        return datetime(2026, month, day, 12, 0, tzinfo=UTC)

    SubscriberFactory(confirmed_at=at(1), language="es")  # before the period: the starting total
    SubscriberFactory(
        confirmed_at=at(1),
        unsubscribed_at=at(6),
        language="es",
        status=Subscriber.Status.UNSUBSCRIBED,
    )
    SubscriberFactory(confirmed_at=at(10), language="en")
    SubscriberFactory(confirmed_at=at(10), language="pt-br", status=Subscriber.Status.PAUSED)
    SubscriberFactory(
        confirmed_at=at(11),
        unsubscribed_at=at(11, 20),
        language="en",
        status=Subscriber.Status.UNSUBSCRIBED,
    )
    SubscriberFactory(confirmed_at=None, status=Subscriber.Status.PENDING)
    url = reverse("newsletter:staff_growth")

    with time_machine.travel(datetime(2026, 12, 7, 12, 0, tzinfo=UTC), tick=False):
        with django_assert_max_num_queries(14):
            response = staff_client.get(url, {"months": 6})
        page = response.content.decode()
        spanish_only = staff_client.get(url, {"months": 6, "language": "es"}).content.decode()

    rows = _cells(page, "Subscribers gained and lost, by month")
    # Month, gained, lost, at the end of the month (the period starts in July)
    assert ["July 2026", "0", "0", "1"] in rows
    assert ["October 2026", "2", "0", "3"] in rows
    assert ["November 2026", "1", "1", "3"] in rows
    assert ["December 2026", "0", "0", "3"] in rows
    languages = _cells(page, "By language, over the period and now")
    assert ["English", "2", "1", "1"] in languages
    assert ["Spanish", "0", "0", "1"] in languages
    assert "Subscribers at the end of each month" in page
    assert ["October 2026", "0", "0", "1"] in _cells(
        spanish_only, "Subscribers gained and lost, by month"
    )


# --- The whole path ----------------------------------------------------------------------------
class _Sink:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp_sink(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = _Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    controller.stop()


def test_two_links_followed_from_a_sent_bulletin_show_as_two_clicks_and_nothing_else(
    smtp_sink, client, staff_client, django_capture_on_commit_callbacks
):
    issue = _issue_with_links()
    reader = SubscriberFactory(email="reader@example.org", language="es")
    SubscriberFactory(email="other@example.org", language="en")

    with django_capture_on_commit_callbacks(execute=True):
        assert issues.issue_send_now(issue=issue) is True

    assert len(smtp_sink.messages) == 2
    message = next(
        message_from_bytes(data, policy=policy.default)
        for data in smtp_sink.messages
        if b"To: reader@example.org" in data
    )
    text = message.get_body(("plain",)).get_content()
    body = message.get_body(("html",)).get_content()
    assert tokens.unsubscribe_token(reader.pk) in text  # the reader's own message
    counted = _redirects(body)
    assert len(counted) >= 3
    followed = {_target(client, counted[0]), _target(client, _redirects(text)[-1])}
    assert len(followed) == 2  # two different links, once each

    page = staff_client.get(reverse("newsletter:staff_results", args=[issue.pk])).content.decode()

    clicks = {link.url: link.clicks for link in EditionLink.objects.filter(edition__issue=issue)}
    assert {url for url, n in clicks.items() if n} == followed
    assert sorted(clicks.values(), reverse=True)[:3] == [1, 1, 0]
    rows = _cells(page, "Results per edition")
    assert ["Spanish", "1", "1", "0", "0", "0", "2"] in rows
    assert ["English", "1", "1", "0", "0", "0", "0"] in rows
    spanish_links = _cells(page, "Clicks per link, Spanish edition</caption>")
    assert sorted(row[-1] for row in spanish_links[1:]) == ["0"] * (len(spanish_links) - 3) + [
        "1",
        "1",
    ]
