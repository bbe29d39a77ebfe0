"""The embedded default: every email is printed to the console and written to a file.

Files land in `EMAIL_FILE_PATH` (var/mail/ by default), one `.eml` per message, so a newcomer can open
the verification email of a sign-up without any mail server.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend
from django.utils import timezone


class ConsoleAndFileBackend(BaseEmailBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_path = Path(file_path or settings.EMAIL_FILE_PATH)
        self.file_path.mkdir(parents=True, exist_ok=True)
        self._console = ConsoleBackend(*args, **kwargs)

    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        self._console.send_messages(email_messages)
        for message in email_messages:
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = self.file_path / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
            path.write_bytes(message.message().as_bytes())
        return len(email_messages)
