"""The SMTP transport of a send: one subscriber's message, the pace messages leave at, and what
a refusal means.

A chunk opens one connection and hands every message to `Sender`, which sends the edition's
message as bytes from a per-edition template (building MIME for every message cost more than
sending it), with ESMTP PIPELINING when the server offers it. Any backend other than Django's SMTP
one (an ESP's API, tests' locmem) gets a regular EmailMessage. `RateLimiter` holds every worker
together to the provider's rate; `is_permanent` and `was_refused` classify what went wrong for
the send's bookkeeping (newsletter/services/delivery.py).
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import time
from email.utils import parseaddr

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

from iapt_platform.lib import one_click

from . import conf
from .rendering import (
    PREFERENCES_PLACEHOLDER,
    UNSUBSCRIBE_PLACEHOLDER,
    RenderedEdition,
    unsubscribe_path,
)
from .tokens import LinkTokens


class RateLimiter:
    """At most `per_second` messages a second across every worker (a counter per second in the
    shared cache; Redis in production)."""

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second

    def wait(self, deadline: float | None = None) -> bool | None:
        """Wait for a free slot; True when it had to sleep, None when the deadline (a
        time.monotonic() value) came first: the caller gives its remaining rows back, so that a
        long pause (the cache away) never outlives the claim and the sweeper's patience."""
        if self.per_second <= 0:
            return False
        slept = False
        while True:
            if deadline is not None and time.monotonic() > deadline:
                return None
            now = time.time()
            key = f"newsletter:rate:{int(now)}"
            cache.add(key, 0, timeout=5)
            try:
                used = cache.incr(key)
            except ValueError:  # expired meanwhile, or the cache is away: sending pauses
                time.sleep(0.05)
                slept = True
                continue
            if used <= self.per_second:
                return slept
            time.sleep(max(int(now) + 1 - now, 0.001))
            slept = True


def is_permanent(error: Exception) -> bool:
    """A refusal that trying again will not change (5xx): the row is recorded as failed."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return False  # our sender address: every message would fail, so retry and alert
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    try:
        from anymail.exceptions import AnymailRecipientsRefused
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, AnymailRecipientsRefused)


def was_refused(error: Exception) -> bool:
    """The server answered and refused this message (as opposed to not being reachable)."""
    return isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused)


def build_message(
    *,
    rendered: RenderedEdition,
    issue_id: int,
    subscriber_id: int | str,
    email: str,
    unsubscribe: str,
    preferences: str,
    mail_connection=None,
) -> EmailMultiAlternatives:
    """One subscriber's message: their links, List-Unsubscribe (RFC 8058), a stable Message-ID."""
    html, text = rendered.personalise(unsubscribe=unsubscribe, preferences=preferences)
    headers = {
        "Message-ID": message_id(issue_id, subscriber_id),
        **one_click.headers(
            url=settings.SITE_URL
            + unsubscribe_path(unsubscribe, rendered.edition_id, language=rendered.language),
            token=unsubscribe,
        ),
        "List-Id": f"IAPT bulletin <bulletin.{conf.mail_host()}>",
        "Content-Language": rendered.language,
    }
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=text,
        from_email=conf.from_email(),
        to=[email],
        headers=headers,
        connection=mail_connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def message_id(issue_id: int, subscriber_id: int | str, *, host: str = "") -> str:
    return f"<issue-{issue_id}-sub-{subscriber_id}@{host or conf.mail_host()}>"


# Stand-ins for what differs per subscriber in the raw bytes of a message (see MessageTemplate).
SUBSCRIBER_PLACEHOLDER = "NLXSUBSCRIBERIDX"
RECIPIENT_PLACEHOLDER = "nlxrecipientx@nlx.invalid"
PLACEHOLDER_BYTES = tuple(
    p.encode()
    for p in (
        UNSUBSCRIBE_PLACEHOLDER,
        PREFERENCES_PLACEHOLDER,
        SUBSCRIBER_PLACEHOLDER,
        RECIPIENT_PLACEHOLDER,
    )
)


class MessageTemplate:
    """The MIME bytes of one edition's message, built once per chunk, with placeholders for the
    subscriber's address, id and tokens. Building MIME (header folding, the generator) costs more
    than sending over a local connection, so an SMTP send substitutes bytes instead.

    Only used when both parts are 8bit (the renderer keeps lines short for that): in a
    quoted-printable or base64 body a placeholder would not be found as it is.
    """

    # A group: split() keeps each placeholder found, between the text around it.
    PLACEHOLDERS = re.compile(b"(" + b"|".join(re.escape(p) for p in PLACEHOLDER_BYTES) + b")")

    def __init__(self, rendered: RenderedEdition, issue_id: int) -> None:
        message = build_message(
            rendered=rendered,
            issue_id=issue_id,
            subscriber_id=SUBSCRIBER_PLACEHOLDER,
            email=RECIPIENT_PLACEHOLDER,
            unsubscribe=UNSUBSCRIBE_PLACEHOLDER,
            preferences=PREFERENCES_PLACEHOLDER,
        )
        self.data = message.message().as_bytes(linesep="\r\n")
        self.usable = (
            b"quoted-printable" not in self.data.lower()
            and b"base64" not in self.data.lower()
            and self.data.count(UNSUBSCRIBE_PLACEHOLDER.encode()) >= 3
        )
        stuffed = re.sub(rb"(?m)^\.", b"..", self.data)
        self.stuffed = stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"
        # [text, placeholder, text, ..., text]: a join per message copies the bytes once, where
        # a replace per placeholder would copy them four times.
        self.parts = self.PLACEHOLDERS.split(self.data)
        self.stuffed_parts = self.PLACEHOLDERS.split(self.stuffed)

    def render(
        self,
        *,
        subscriber_id: int,
        email: str,
        unsubscribe: str,
        preferences: str,
        stuffed: bool = False,
    ) -> bytes:
        # No substituted value contains a line break or starts a line, so dot-stuffing (RFC 5321
        # 4.5.2) can be done once on the template.
        values = dict(
            zip(
                PLACEHOLDER_BYTES,
                (
                    unsubscribe.encode(),
                    preferences.encode(),
                    str(subscriber_id).encode(),
                    email.encode(),
                ),
                strict=True,
            )
        )
        pieces = (self.stuffed_parts if stuffed else self.parts).copy()
        for index in range(1, len(pieces), 2):
            pieces[index] = values[pieces[index]]
        return b"".join(pieces)


class Sender:
    """Sends one subscriber's message over the chunk's one open connection."""

    def __init__(self, mail_connection, editions: dict[str, RenderedEdition], issue_id: int):
        self.connection = mail_connection
        self.editions = editions
        self.issue_id = issue_id
        self.templates: dict[str, MessageTemplate] = {}
        # Raw bytes only through Django's own SMTP backend; any other backend (an ESP's API,
        # tests' locmem) gets a regular EmailMessage.
        self.raw = isinstance(mail_connection, SMTPBackend)
        self.from_address = sanitize_address(conf.from_email(), "utf-8")
        # The envelope sender: the bare address of "Name <address>".
        self.envelope_from = parseaddr(self.from_address)[1]
        self.pipelining: bool | None = None  # known after the first EHLO
        self.tokens = LinkTokens()

    def _can_pipeline(self, smtp: smtplib.SMTP) -> bool:
        if self.pipelining is None:
            smtp.ehlo_or_helo_if_needed()
            self.pipelining = bool(smtp.has_extn("pipelining")) and self.envelope_from.isascii()
        return self.pipelining

    def send(self, *, rendered: RenderedEdition, subscriber_id: int, email: str) -> None:
        unsubscribe = self.tokens.unsubscribe(subscriber_id)
        preferences = self.tokens.preferences(subscriber_id)
        if self.raw:
            template = self.templates.get(rendered.language)
            if template is None:
                template = self.templates[rendered.language] = MessageTemplate(
                    rendered, self.issue_id
                )
            if template.usable and self.connection.connection is not None:
                smtp = self.connection.connection
                # A stored address is a validated addr-spec: plain ASCII needs no parsing (which
                # costs more per message than the rest of the building).
                address = email if email.isascii() else sanitize_address(email, "utf-8")
                pipelined = self._can_pipeline(smtp) and address.isascii()
                data = template.render(
                    subscriber_id=subscriber_id,
                    email=address,
                    unsubscribe=unsubscribe,
                    preferences=preferences,
                    stuffed=pipelined,
                )
                if pipelined:
                    pipelined_sendmail(smtp, self.envelope_from, address, data)
                else:
                    smtp.sendmail(self.from_address, [address], data)
                return
        message = build_message(
            rendered=rendered,
            issue_id=self.issue_id,
            subscriber_id=subscriber_id,
            email=email,
            unsubscribe=unsubscribe,
            preferences=preferences,
            mail_connection=self.connection,
        )
        self.connection.send_messages([message])


def pipelined_sendmail(smtp: smtplib.SMTP, sender: str, recipient: str, stuffed: bytes) -> None:
    """smtplib's sendmail with ESMTP PIPELINING (RFC 2920): MAIL, RCPT and DATA go in one write
    and their replies are read together, two round trips per message instead of four. Raises the
    exceptions sendmail raises, so that failures are classified the same way.

    `sender` and `recipient` are bare ASCII addresses; `stuffed` is the message already
    dot-stuffed and ending with CRLF.
    """
    envelope = f"MAIL FROM:<{sender}>\r\nRCPT TO:<{recipient}>\r\n"
    smtp.send((envelope + "DATA\r\n").encode("ascii"))
    mail_code, mail_reply = smtp.getreply()
    rcpt_code, rcpt_reply = smtp.getreply()
    data_code, data_reply = smtp.getreply()
    if data_code == 354 and (mail_code != 250 or rcpt_code not in (250, 251)):
        # A server that accepted DATA anyway gets an empty message, which it cannot deliver.
        smtp.send(b".\r\n")
        smtp.getreply()
    if mail_code != 250:
        _reset(smtp)
        raise smtplib.SMTPSenderRefused(mail_code, mail_reply, sender)
    if rcpt_code not in (250, 251):
        _reset(smtp)
        raise smtplib.SMTPRecipientsRefused({recipient: (rcpt_code, rcpt_reply)})
    if data_code != 354:
        _reset(smtp)
        raise smtplib.SMTPDataError(data_code, data_reply)
    smtp.send(stuffed + b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        _reset(smtp)
        raise smtplib.SMTPDataError(code, reply)


def _reset(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()
