"""Throwaway moderation kinds, so that the queue is tested without depending on any other app."""

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import Group

from iapt_platform.accounts.models import User
from iapt_platform.moderation import registry, services
from iapt_platform.moderation.registry import ModerationKind
from tests.factories import UserFactory


@dataclass
class Recorder:
    """Remembers every callback the queue makes: (decision, object, moderator, comment)."""

    calls: list[tuple[str, Any, Any, str]] = field(default_factory=list)

    def callback(self, decision: str):
        def record(obj, *, moderator, comment):
            self.calls.append((decision, obj, moderator, comment))

        return record


@pytest.fixture
def recorder():
    """Two kinds: profiles (accounts with a country) and groups (no country)."""
    recorder = Recorder()
    callbacks = {
        "approve": recorder.callback("approve"),
        "request_changes": recorder.callback("request_changes"),
        "reject": recorder.callback("reject"),
    }
    registry.register(
        ModerationKind(
            key="test_profile",
            label="Test profile",
            model=User,
            title=lambda user: user.display_name,
            country=lambda user: user.country.code or "",
            preview_url=lambda user: f"/preview/profile/{user.pk}/",
            content=lambda user: [("Name", user.display_name)],
            submitter_url=lambda user: f"/mine/profile/{user.pk}/",
            **callbacks,
        )
    )
    registry.register(
        ModerationKind(
            key="test_group",
            label="Test group",
            model=Group,
            title=lambda group: group.name,
            country=lambda group: "",
            preview_url=lambda group: f"/preview/group/{group.pk}/",
            content=lambda group: [("Name", group.name)],
            **callbacks,
        )
    )
    yield recorder
    registry.unregister("test_profile")
    registry.unregister("test_group")


@pytest.fixture
def moderator_client(client, moderator_with_totp):
    # English pages, so that the assertions hold once the catalogues translate the new strings.
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    client.force_login(moderator_with_totp)
    return client


@pytest.fixture
def submit(recorder, promoter):
    """Submit a profile for review: submit("Avocado cluster", country="MX")."""

    def submit(title: str = "Avocado cluster", *, country: str = "MX", by=None):
        obj = UserFactory(display_name=title, country=country)
        return services.moderation_submit(
            obj=obj, kind="test_profile", submitted_by=by if by is not None else promoter
        )

    return submit
