"""Email backends that stand in for an SMTP server in tests."""

import smtplib

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class CountingBackend(LocmemBackend):
    """Like locmem, and counts how many connections were opened."""

    opened = 0

    def open(self):
        type(self).opened += 1
        return True


class RefusingBackend(LocmemBackend):
    """Refuses addresses by their local part: perm@... (550), temp@... (451), down@... (lost
    connection); everything else is accepted into mail.outbox."""

    def send_messages(self, messages):
        for message in messages:
            local = message.to[0].split("@")[0]
            if local.startswith("perm"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"No such user")})
            if local.startswith("temp"):
                raise smtplib.SMTPRecipientsRefused({message.to[0]: (451, b"Try again later")})
            if local.startswith("down"):
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)
