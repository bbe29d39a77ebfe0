import pytest
from django.core import mail
from django.urls import reverse

from iapt_platform.moderation import services
from iapt_platform.moderation.models import ModerationEvent, ModerationItem
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = ModerationItem.Status
Action = ModerationEvent.Action


def url(item) -> str:
    return reverse("moderation:item", args=[item.pk])


def test_the_item_page_shows_the_submission_its_preview_and_history(
    moderator_client, moderator_with_totp, submit
):
    item = submit("Avocado cluster", country="MX")
    services.moderation_note(item=item, actor=moderator_with_totp, comment="Checked the website.")
    response = moderator_client.get(url(item))
    assert response.status_code == 200
    html = response.text
    assert "<h1>Avocado cluster</h1>" in html
    assert f'href="/preview/profile/{item.object_id}/"' in html
    assert "Submitted" in html
    assert "Checked the website." in html
    assert moderator_with_totp.get_full_name() in html
    assert '<label for="id_comment">Comment for the submitter' in html
    for value, label in [
        ("approve", "Approve"),
        ("request_changes", "Request changes"),
        ("reject", "Reject"),
    ]:
        assert f'name="action" value="{value}"' in html
        assert f">{label}</button>" in html


def test_an_unknown_item_is_a_404(moderator_client):
    assert moderator_client.get("/moderation/999999/").status_code == 404


def test_approving_records_the_decision_and_emails_the_submitter_in_their_language(
    moderator_client, moderator_with_totp, submit, recorder, django_capture_on_commit_callbacks
):
    submitter = UserFactory(language="pt-br", display_name="Paula")
    item = submit("Software cluster", by=submitter)

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(
            url(item), {"action": "approve", "comment": "Complete and clear."}, follow=True
        )

    assert response.redirect_chain == [(reverse("moderation:queue"), 302)]
    assert "Approved: “Software cluster”." in response.text

    item.refresh_from_db()
    assert item.status == Status.APPROVED
    assert item.decided_at is not None
    event = item.events.last()
    assert (event.action, event.actor, event.comment) == (
        Action.APPROVED,
        moderator_with_totp,
        "Complete and clear.",
    )
    assert [(c[0], c[1].pk, c[2], c[3]) for c in recorder.calls] == [
        ("approve", item.object_id, moderator_with_totp, "Complete and clear.")
    ]

    [message] = mail.outbox
    assert message.to == [submitter.email]
    assert message.extra_headers["Content-Language"] == "pt-br"
    assert "Software cluster" in message.subject
    assert "Complete and clear." in message.body
    assert f"http://testserver/mine/profile/{item.object_id}/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'lang="pt-br"' in html
    assert "Complete and clear." in html
    assert f'href="http://testserver/mine/profile/{item.object_id}/"' in html


def test_requesting_changes_records_the_comment(moderator_client, submit, recorder):
    item = submit()
    response = moderator_client.post(
        url(item), {"action": "request_changes", "comment": "Add the city."}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == Status.CHANGES_REQUESTED
    assert item.events.last().comment == "Add the city."
    assert [c[0] for c in recorder.calls] == ["request_changes"]


@pytest.mark.parametrize(
    ("action", "message"),
    [("request_changes", "Say what must change."), ("reject", "Give the reason")],
)
def test_changes_and_rejections_without_a_comment_are_refused_with_a_clear_message(
    moderator_client, submit, recorder, action, message, django_capture_on_commit_callbacks
):
    item = submit()
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post(url(item), {"action": action, "comment": "  "})
    assert response.status_code == 200
    assert message in response.text
    assert 'class="field field-invalid"' in response.text
    item.refresh_from_db()
    assert item.status == Status.PENDING
    assert item.decided_at is None
    assert item.events.count() == 1
    assert recorder.calls == []
    assert mail.outbox == []


def test_an_already_decided_item_is_refused(
    moderator_client, moderator_with_totp, submit, recorder
):
    item = submit()
    services.moderation_decide(
        item=item, moderator=moderator_with_totp, action="reject", comment="Spam."
    )
    response = moderator_client.get(url(item))
    assert 'name="action"' not in response.text
    assert "This submission is closed: Rejected." in response.text

    response = moderator_client.post(url(item), {"action": "approve", "comment": ""})
    assert response.status_code == 200
    assert "This submission was already decided: Rejected." in response.text
    item.refresh_from_db()
    assert item.status == Status.REJECTED
    assert [c[0] for c in recorder.calls] == ["reject"]
    assert item.events.count() == 2


def test_a_post_without_a_decision_is_refused(moderator_client, submit, recorder):
    item = submit()
    response = moderator_client.post(url(item), {"comment": "Looks fine."})
    assert response.status_code == 200
    assert "Choose approve, request changes or reject." in response.text
    item.refresh_from_db()
    assert item.status == Status.PENDING
    assert recorder.calls == []
