"""The demo accounts printed by `make run`: the moderator can work at once, second factor included."""

import io

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command

from iapt_platform.accounts.demo import seed
from iapt_platform.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_moderator_has_an_authenticator_whose_code_the_command_prints():
    out = []
    seed(out.append)
    seed(out.append)  # idempotent: one authenticator, not two
    moderator = User.objects.get(email="moderator@demo.iapt.local")
    authenticator = Authenticator.objects.get(user=moderator, type=Authenticator.Type.TOTP)
    assert any("demo_totp_code" in line for line in out)
    printed = io.StringIO()
    call_command("demo_totp_code", stdout=printed)
    code = printed.getvalue().split()[-1]
    assert len(code) == 6 and code.isdigit()
    assert TOTP(authenticator).validate_code(code)
    # Nobody else gets one: members and promoters sign in with their password alone.
    assert Authenticator.objects.count() == 1
