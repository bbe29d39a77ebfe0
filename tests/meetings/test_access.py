"""Who may reach each meetings URL (the same shape as the project's access matrix, whose RULES
should carry these entries)."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from community.meetings import services
from community.meetings.models import Material
from tests.factories import UserFactory

from .factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("visitor", "member", "moderator")
LOGIN = 302


def everyone(status=200):
    return dict.fromkeys(PERSONAS, status)


SIGNED_IN = {"visitor": LOGIN, "member": 200, "moderator": 200}
MODERATORS = {"visitor": LOGIN, "member": 403, "moderator": 200}
MEETING = "meeting"

RULES = {
    "meetings:calendar": (everyone(), None),
    "meetings:detail": (everyone(), lambda o: {"slug": o[MEETING].slug}),
    "meetings:register": (everyone(405), lambda o: {"slug": o[MEETING].slug}),
    # Only a registered member has an invitation to download.
    "meetings:invitation": (
        {"visitor": LOGIN, "member": 404, "moderator": 404},
        lambda o: {"slug": o[MEETING].slug},
    ),
    "meetings:mine": (SIGNED_IN, None),
    "meetings:feed_reset": (everyone(405), None),
    "meetings:feed": (everyone(), lambda o: {"token": o["feed_token"]}),
    "meetings:cancel_registration": (everyone(), lambda o: {"token": o["cancel_token"]}),
    "meetings:confirm_registration": (everyone(), lambda o: {"token": o["confirm_token"]}),
    "meetings:registration_sent": (everyone(), lambda o: {"slug": o[MEETING].slug}),
    "meetings:staff_list": (MODERATORS, None),
    "meetings:staff_create": (MODERATORS, None),
    "meetings:staff_statistics": (MODERATORS, None),
    "meetings:staff_statistics_csv": (MODERATORS, None),
    "meetings:staff_meeting": (MODERATORS, lambda o: {"pk": o[MEETING].pk}),
    "meetings:staff_edit": (MODERATORS, lambda o: {"pk": o[MEETING].pk}),
    "meetings:staff_cancel": (MODERATORS, lambda o: {"pk": o[MEETING].pk}),
    "meetings:staff_meeting_statistics": (MODERATORS, lambda o: {"pk": o[MEETING].pk}),
    "meetings:staff_publish": (everyone(405), lambda o: {"pk": o[MEETING].pk}),
    "meetings:staff_attendance": (everyone(405), lambda o: {"pk": o[MEETING].pk}),
    "meetings:staff_attendance_import": (everyone(405), lambda o: {"pk": o[MEETING].pk}),
    "meetings:staff_material_add": (everyone(405), lambda o: {"pk": o[MEETING].pk}),
    "meetings:staff_material_delete": (everyone(405), lambda o: {"pk": o["material"].pk}),
    "meetings:staff_recording": (everyone(405), lambda o: {"pk": o[MEETING].pk}),
    "meetings:material": (everyone(), lambda o: {"pk": o["material"].pk}),
    # An upcoming meeting that is no training gives nobody a certificate; no code is made up.
    "meetings:certificate_download": (
        {"visitor": LOGIN, "member": 404, "moderator": 404},
        lambda o: {"slug": o[MEETING].slug},
    ),
    "meetings:certificate_verify": (everyone(404), lambda o: {"code": "not-a-real-code"}),
}


def test_every_meetings_url_has_a_rule():
    from django.urls import get_resolver

    names = {
        f"meetings:{name}"
        for name in get_resolver().namespace_dict["meetings"][1].reverse_dict
        if isinstance(name, str)
    }
    assert names == set(RULES)


def test_each_persona_gets_the_declared_outcome(member, moderator_with_totp):
    meeting = MeetingFactory()
    feed_owner = UserFactory()
    objects = {
        MEETING: meeting,
        "feed_token": services.feed_token_for(user=feed_owner).token,
        "cancel_token": services.registration_cancel_path(RegistrationFactory(meeting=meeting))
        .rstrip("/")
        .split("/")[-2],
        "confirm_token": services.registration_confirm_url(
            RegistrationFactory(meeting=meeting, status="pending")
        ).split("/")[-3],
        "material": Material.objects.create(
            meeting=meeting,
            title="Minutes",
            file=ContentFile(b"%PDF-1.4 minutes", name="x.pdf"),
            original_name="acta.pdf",
            mimetype="application/pdf",
        ),
    }
    clients = {"visitor": Client()}
    for persona, user in (("member", member), ("moderator", moderator_with_totp)):
        clients[persona] = Client()
        clients[persona].force_login(user)
    wrong = []
    for name, (expect, kwargs) in RULES.items():
        url = reverse(name, kwargs=kwargs(objects) if kwargs else None)
        for persona in PERSONAS:
            response = clients[persona].get(url)
            if response.status_code != expect[persona]:
                wrong.append(f"{name} as {persona}: {response.status_code}, not {expect[persona]}")
            elif expect[persona] == LOGIN and "/accounts/login/" not in response["Location"]:
                wrong.append(f"{name} as {persona}: redirected to {response['Location']}")
    assert wrong == []
