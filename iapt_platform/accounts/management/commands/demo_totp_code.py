import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand

from iapt_platform.accounts.demo import DEMO_MODERATOR, DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current authenticator code of the demo moderator (demo data only)."

    def handle(self, *args, **options):
        # The same computation as an authenticator app: RFC 6238, 30-second steps, 6 digits.
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30))
        self.stdout.write(f"{DEMO_MODERATOR} {code}")
