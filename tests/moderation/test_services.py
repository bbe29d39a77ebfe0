import dataclasses

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import IntegrityError, transaction

from iapt_platform.moderation import registry, selectors, services
from iapt_platform.moderation.models import ModerationEvent, ModerationItem
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

Status = ModerationItem.Status
Action = ModerationEvent.Action


def test_submitting_creates_a_pending_item_with_a_submitted_event(submit, promoter):
    item = submit("Avocado cluster", country="mx")
    item.refresh_from_db()
    assert (item.kind, item.title, item.country, item.status) == (
        "test_profile",
        "Avocado cluster",
        "MX",
        Status.PENDING,
    )
    assert item.submitted_by == promoter
    assert item.content_object.display_name == "Avocado cluster"
    assert [(e.action, e.actor) for e in item.events.all()] == [(Action.SUBMITTED, promoter)]


def test_resubmitting_reopens_the_same_item_and_refreshes_its_title(
    submit, promoter, moderator_with_totp
):
    item = submit("Avocado cluster")
    services.moderation_decide(
        item=item, moderator=moderator_with_totp, action="request_changes", comment="Add a city."
    )
    obj = item.content_object
    obj.display_name = "Avocado cluster of Michoacán"
    obj.country = "PE"
    obj.save()

    again = services.moderation_submit(obj=obj, kind="test_profile", submitted_by=promoter)

    assert again.pk == item.pk
    assert ModerationItem.objects.count() == 1
    again.refresh_from_db()
    assert (again.status, again.title, again.country, again.decided_at) == (
        Status.PENDING,
        "Avocado cluster of Michoacán",
        "PE",
        None,
    )
    assert [e.action for e in again.events.all()] == [
        Action.SUBMITTED,
        Action.CHANGES_REQUESTED,
        Action.RESUBMITTED,
    ]


def test_a_decided_object_submitted_again_gets_a_new_item(submit, promoter, moderator_with_totp):
    item = submit()
    services.moderation_decide(
        item=item, moderator=moderator_with_totp, action="approve", comment=""
    )
    again = services.moderation_submit(
        obj=item.content_object, kind="test_profile", submitted_by=promoter
    )
    assert again.pk != item.pk
    assert list(ModerationItem.objects.values_list("status", flat=True).order_by("id")) == [
        Status.APPROVED,
        Status.PENDING,
    ]


def test_the_database_holds_at_most_one_open_item_per_object_and_kind(submit):
    item = submit()
    with pytest.raises(IntegrityError), transaction.atomic():
        ModerationItem.objects.create(
            kind=item.kind,
            content_type=item.content_type,
            object_id=item.object_id,
            title="Duplicate",
            status=Status.CHANGES_REQUESTED,
        )


def test_submitting_an_object_of_the_wrong_model_is_a_programming_error(recorder, promoter):
    with pytest.raises(TypeError):
        services.moderation_submit(obj=promoter, kind="test_group", submitted_by=promoter)
    with pytest.raises(KeyError):
        services.moderation_submit(obj=promoter, kind="no_such_kind", submitted_by=promoter)
    assert ModerationItem.objects.count() == 0


def test_approving_calls_the_kind_and_records_who_when_and_why(
    submit, recorder, moderator_with_totp
):
    item = submit()
    decided = services.moderation_decide(
        item=item, moderator=moderator_with_totp, action="approve", comment="  Well documented. "
    )
    assert [(c[0], c[1].pk, c[2], c[3]) for c in recorder.calls] == [
        ("approve", item.object_id, moderator_with_totp, "Well documented.")
    ]
    decided.refresh_from_db()
    assert decided.status == Status.APPROVED
    assert decided.decided_at is not None
    event = decided.events.last()
    assert (event.action, event.actor, event.comment) == (
        Action.APPROVED,
        moderator_with_totp,
        "Well documented.",
    )


@pytest.mark.parametrize(
    ("action", "message"),
    [("request_changes", "Say what must change."), ("reject", "Give the reason")],
)
def test_changes_and_rejections_need_a_comment(
    submit, recorder, moderator_with_totp, action, message
):
    item = submit()
    with pytest.raises(services.ModerationError, match=message) as refused:
        services.moderation_decide(
            item=item, moderator=moderator_with_totp, action=action, comment=" "
        )
    assert refused.value.field == "comment"
    item.refresh_from_db()
    assert item.status == Status.PENDING
    assert recorder.calls == []
    assert item.events.count() == 1


def test_only_moderators_decide(submit, recorder, promoter, other_promoter):
    item = submit(by=other_promoter)
    with pytest.raises(services.ModerationError, match="Only moderators"):
        services.moderation_decide(item=item, moderator=promoter, action="approve", comment="")
    item.refresh_from_db()
    assert item.status == Status.PENDING
    assert recorder.calls == []


def test_a_decided_item_cannot_be_decided_again(submit, recorder, moderator_with_totp):
    item = submit()
    services.moderation_decide(
        item=item, moderator=moderator_with_totp, action="reject", comment="Spam."
    )
    # `item` is the stale copy a second moderator would still hold.
    with pytest.raises(services.ModerationError, match="already decided"):
        services.moderation_decide(
            item=item, moderator=moderator_with_totp, action="approve", comment=""
        )
    item.refresh_from_db()
    assert item.status == Status.REJECTED
    assert [c[0] for c in recorder.calls] == ["reject"]
    assert item.events.count() == 2


def test_an_unknown_decision_is_refused(submit, recorder, moderator_with_totp):
    item = submit()
    with pytest.raises(services.ModerationError):
        services.moderation_decide(
            item=item, moderator=moderator_with_totp, action="publish", comment=""
        )
    assert recorder.calls == []


def test_a_callback_that_refuses_leaves_nothing_behind(submit, recorder, moderator_with_totp):
    item = submit()
    kind = registry.get_kind("test_profile")

    def refuse(obj, *, moderator, comment):
        raise services.ModerationError("The initiative has no sector.")

    registry.unregister("test_profile")
    registry.register(dataclasses.replace(kind, approve=refuse))
    with pytest.raises(services.ModerationError, match="no sector"):
        services.moderation_decide(
            item=item, moderator=moderator_with_totp, action="approve", comment=""
        )
    item.refresh_from_db()
    assert item.status == Status.PENDING
    assert item.events.count() == 1


def test_the_submitter_is_emailed_after_commit(
    submit, moderator_with_totp, django_capture_on_commit_callbacks
):
    submitter = UserFactory(language="en")
    item = submit("Software cluster", by=submitter)
    with django_capture_on_commit_callbacks(execute=True):
        services.moderation_decide(
            item=item, moderator=moderator_with_totp, action="reject", comment="Not in the region."
        )
    [message] = mail.outbox
    assert message.to == [submitter.email]
    assert message.subject == "Not approved: Software cluster"
    assert "Not in the region." in message.body


def test_a_decision_on_an_anonymous_submission_sends_no_email(
    recorder, moderator_with_totp, django_capture_on_commit_callbacks
):
    group = Group.objects.create(name="Cusco tourism network")
    item = services.moderation_submit(obj=group, kind="test_group", submitted_by=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.moderation_decide(
            item=item, moderator=moderator_with_totp, action="approve", comment=""
        )
    assert mail.outbox == []
    assert item.events.last().action == Action.APPROVED


def test_a_note_adds_to_the_history_and_changes_nothing_else(submit, moderator_with_totp):
    item = submit()
    services.moderation_note(item=item, actor=moderator_with_totp, comment="Called the promoter.")
    item.refresh_from_db()
    assert item.status == Status.PENDING
    assert [(e.action, e.comment) for e in item.events.all()] == [
        (Action.SUBMITTED, ""),
        (Action.NOTE, "Called the promoter."),
    ]
    with pytest.raises(services.ModerationError):
        services.moderation_note(item=item, actor=moderator_with_totp, comment="")


def test_counts_are_pending_items_per_kind_in_one_query(
    submit, recorder, promoter, moderator_with_totp, django_assert_num_queries
):
    submit("One")
    submit("Two")
    decided = submit("Three")
    services.moderation_decide(
        item=decided, moderator=moderator_with_totp, action="request_changes", comment="More."
    )
    services.moderation_submit(
        obj=Group.objects.create(name="G"), kind="test_group", submitted_by=promoter
    )
    with django_assert_num_queries(1):
        counts = selectors.moderation_counts()
    assert counts == {"test_profile": 2, "test_group": 1}


def test_the_queue_selector_filters_by_status(submit, moderator_with_totp):
    submit("Pending one")
    changes = submit("Changes one")
    approved = submit("Approved one")
    services.moderation_decide(
        item=changes, moderator=moderator_with_totp, action="request_changes", comment="More."
    )
    services.moderation_decide(
        item=approved, moderator=moderator_with_totp, action="approve", comment=""
    )

    def titles(**filters):
        return [item.title for item in selectors.moderation_queue(**filters)]

    assert titles() == ["Pending one", "Changes one"]
    assert titles(status="all") == ["Pending one", "Changes one", "Approved one"]
    assert titles(status="approved") == ["Approved one"]
    assert titles(status="bogus") == []
