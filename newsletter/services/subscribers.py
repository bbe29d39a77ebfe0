"""Subscribing, confirming, preferences, leaving, suppression, and staff import and export.

Nobody receives a bulletin before confirming: the form, the account page (unless the account's
address is verified) and the import (unless staff state documented prior consent) all leave the
subscriber "pending" and send a confirmation link.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries

from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import emails, one_click
from iapt_platform.lib.ratelimit import confirmation_request_allowed
from iapt_platform.pages import selectors as pages

from .. import conf, tokens
from ..consent import CONSENT_VERSION
from ..models import Subscriber, Topic
from . import results

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class SubscriptionError(ValueError):
    """A refused request, with a message for the person who made it."""


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


# --- Flood protection ------------------------------------------------------------------------
def subscription_allowed(*, ip: str | None, email: str) -> bool:
    """False once an IP address or an email address asked too often (counters in the cache)."""
    return confirmation_request_allowed(
        "newsletter:subscribe", ip=ip, email=email, limits=conf.subscribe_limits()
    )


# --- Subscribing -----------------------------------------------------------------------------
@transaction.atomic
def subscriber_request(
    *,
    email: str,
    language: str,
    name: str = "",
    topics: Iterable[Topic] = (),
    country: str = "",
    source_url: str = "",
    ip: str | None = None,
) -> Subscriber:
    """Someone asked for the bulletin through the form: send them a confirmation link.

    An address that is already subscribed gets a reminder with its preference link instead, and its
    preferences stay as they are (anyone can type anyone's address into the form).
    """
    email = normalise_email(email)
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is not None and subscriber.status in (
        Subscriber.Status.CONFIRMED,
        Subscriber.Status.PAUSED,
    ):
        _send_already_subscribed(subscriber)
        return subscriber
    if subscriber is None:
        subscriber = Subscriber(email=email)
    subscriber.name = name.strip()[:120]
    subscriber.language = language if language in LANGUAGE_CODES else settings.LANGUAGE_CODE
    subscriber.country = country or ""
    subscriber.status = Subscriber.Status.PENDING
    subscriber.consent_text_version = CONSENT_VERSION
    subscriber.privacy_notice_version = privacy_notice_version()
    subscriber.consent_source = Subscriber.Source.FORM
    subscriber.consent_source_detail = source_url[:300]
    subscriber.consent_ip = ip or None
    subscriber.consent_at = None  # given when the link is followed
    subscriber.save()
    subscriber.topics.set(list(topics))
    subscriber_send_confirmation(subscriber=subscriber)
    return subscriber


def privacy_notice_version() -> int | None:
    """The number of the privacy notice in force, which the subscription forms link to."""
    version = pages.version_current(slug="privacy")
    return version.number if version else None


def subscriber_send_confirmation(*, subscriber: Subscriber) -> None:
    confirmation_queue(subscriber=subscriber)
    subscriber.confirmation_sent_at = timezone.now()
    subscriber.save(update_fields=["confirmation_sent_at", "updated_at"])


def confirmation_queue(*, subscriber: Subscriber) -> None:
    """Write the confirmation email to the outbox (callers record `confirmation_sent_at`)."""
    token = tokens.confirm_token(subscriber_id=subscriber.pk, email=subscriber.email)
    emails.send(
        template="newsletter/confirm",
        to=subscriber.email,
        language=subscriber.language,
        context={
            "subscriber": subscriber,
            "confirm_url": settings.SITE_URL + reverse("newsletter:confirm", args=[token]),
            "max_days": tokens.CONFIRM_MAX_AGE // 86400,
        },
    )


def _send_already_subscribed(subscriber: Subscriber) -> None:
    emails.send(
        template="newsletter/already_subscribed",
        to=subscriber.email,
        language=subscriber.language,
        context={"subscriber": subscriber, "preferences_url": preferences_url(subscriber)},
    )


def preferences_url(subscriber: Subscriber) -> str:
    token = tokens.preferences_token(subscriber_id=subscriber.pk)
    return settings.SITE_URL + reverse("newsletter:preferences", args=[token])


def unsubscribe_url(subscriber: Subscriber) -> str:
    return settings.SITE_URL + reverse(
        "newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscriber.pk)]
    )


@transaction.atomic
def subscriber_confirm(*, token: str) -> Subscriber:
    """Follow a confirmation link. Raises tokens.BadToken or SubscriptionError."""
    subscriber_id, email = tokens.read_confirm_token(token)
    subscriber = Subscriber.objects.select_for_update().filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.email != email:
        raise SubscriptionError(_("This confirmation link is no longer valid. Subscribe again."))
    if subscriber.status == Subscriber.Status.CONFIRMED:
        return subscriber
    if subscriber.status != Subscriber.Status.PENDING:
        raise SubscriptionError(
            _("This address left the bulletin after the link was sent. Subscribe again.")
        )
    now = timezone.now()
    subscriber.status = Subscriber.Status.CONFIRMED
    subscriber.confirmed_at = subscriber.consent_at = now
    subscriber.unsubscribed_at = None
    subscriber.suppressed_reason = ""
    subscriber.save()
    return subscriber


def subscriber_send_preferences_link(*, email: str) -> None:
    """Email a fresh preference link to a known address; say nothing about unknown ones."""
    subscriber = Subscriber.objects.filter(email=normalise_email(email)).first()
    if subscriber is None or subscriber.status == Subscriber.Status.UNSUBSCRIBED:
        return
    if subscriber.status == Subscriber.Status.PENDING:
        subscriber_send_confirmation(subscriber=subscriber)
        return
    _send_already_subscribed(subscriber)


# --- Preferences and leaving -----------------------------------------------------------------
@transaction.atomic
def subscriber_update_preferences(
    *,
    subscriber: Subscriber,
    language: str,
    topics: Iterable[Topic],
    country: str = "",
    name: str | None = None,
) -> Subscriber:
    subscriber.language = language if language in LANGUAGE_CODES else subscriber.language
    subscriber.country = country or ""
    fields = ["language", "country", "updated_at"]
    if name is not None:
        subscriber.name = name.strip()[:120]
        fields.append("name")
    subscriber.save(update_fields=fields)
    subscriber.topics.set(list(topics))
    return subscriber


def subscriber_pause(*, subscriber: Subscriber) -> Subscriber:
    if subscriber.status == Subscriber.Status.CONFIRMED:
        subscriber.status = Subscriber.Status.PAUSED
        subscriber.save(update_fields=["status", "updated_at"])
    return subscriber


def subscriber_resume(*, subscriber: Subscriber) -> Subscriber:
    if subscriber.status == Subscriber.Status.PAUSED:
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.save(update_fields=["status", "updated_at"])
    return subscriber


def subscriber_unsubscribe(*, subscriber: Subscriber, reason: str = "") -> Subscriber:
    """Leave. One UPDATE, committed at once: the next chunk of a running send reads it."""
    now = timezone.now()
    Subscriber.objects.filter(pk=subscriber.pk).update(
        status=Subscriber.Status.UNSUBSCRIBED,
        unsubscribed_at=now,
        suppressed_reason=reason,
        updated_at=now,
    )
    subscriber.refresh_from_db()
    return subscriber


def subscriber_unsubscribe_by_token(
    *, token: str, edition_id: int | None = None
) -> Subscriber | None:
    """The one-click unsubscribe (RFC 8058) and the mailto route. Raises tokens.BadToken.
    `edition_id`: the bulletin edition whose link was used, which counts the departure."""
    subscriber_id = tokens.read_unsubscribe_token(token)
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None:
        return None  # already erased: leaving is done
    if subscriber.status != Subscriber.Status.UNSUBSCRIBED:
        subscriber_unsubscribe(subscriber=subscriber)
        if edition_id is not None:
            results.edition_count_unsubscribe(edition_id=edition_id, subscriber_id=subscriber.pk)
    return subscriber


def subscriber_unsubscribe_by_mail(*, recipients: Iterable[str]) -> int:
    """The mailto route of List-Unsubscribe: a message to `<mailbox>+<token>@<domain>`, handed
    over by the mail provider's inbound webhook. Addresses of other mailboxes and bad tokens are
    ignored (anyone may write to the mailbox); returns how many subscribers left."""
    left = 0
    for token in one_click.tokens_mailed(recipients):
        try:
            if subscriber_unsubscribe_by_token(token=token) is not None:
                left += 1
        except tokens.BadToken:
            continue
    return left


def subscriber_suppress(*, email: str, reason: str) -> int:
    """A bounce, a complaint or a rejection reported by the mail provider: stop sending there."""
    now = timezone.now()
    return (
        Subscriber.objects.filter(email=normalise_email(email))
        .exclude(status=Subscriber.Status.UNSUBSCRIBED)
        .update(
            status=Subscriber.Status.UNSUBSCRIBED,
            unsubscribed_at=now,
            suppressed_reason=reason[:20],
            updated_at=now,
        )
    )


# --- Members ---------------------------------------------------------------------------------
@transaction.atomic
def subscriber_from_account(
    *, user: Any, language: str, topics: Iterable[Topic], account_url: str = ""
) -> Subscriber:
    """A member subscribes from their account page.

    An address the member verified with allauth is confirmed at once (it proved it is theirs);
    otherwise a confirmation link goes out as for the public form.
    """
    from allauth.account.models import EmailAddress

    email = normalise_email(user.email)
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is None:
        subscriber = Subscriber(email=email)
    verified = EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()
    subscriber.user = user
    subscriber.name = subscriber.name or user.get_full_name()[:120]
    subscriber.language = language if language in LANGUAGE_CODES else user.language
    subscriber.country = subscriber.country or (user.country.code if user.country else "")
    if subscriber.status != Subscriber.Status.CONFIRMED:
        subscriber.consent_text_version = CONSENT_VERSION
        subscriber.privacy_notice_version = privacy_notice_version()
        subscriber.consent_source = Subscriber.Source.ACCOUNT
        subscriber.consent_source_detail = account_url[:300]
        subscriber.consent_ip = None
        if verified:
            now = timezone.now()
            subscriber.status = Subscriber.Status.CONFIRMED
            subscriber.confirmed_at = subscriber.consent_at = now
            subscriber.unsubscribed_at = None
            subscriber.suppressed_reason = ""
        else:
            subscriber.status = Subscriber.Status.PENDING
    subscriber.save()
    subscriber.topics.set(list(topics))
    if subscriber.status == Subscriber.Status.PENDING:
        subscriber_send_confirmation(subscriber=subscriber)
    return subscriber


# --- Staff import and export -----------------------------------------------------------------
IMPORT_COLUMNS = ["email", "name", "language", "country", "topics", "consent_source"]
EXPORT_COLUMNS = [
    "email",
    "name",
    "language",
    "country",
    "topics",
    "status",
    "consent_at",
    "consent_text_version",
    "consent_source",
    "consent_source_detail",
    "confirmed_at",
    "unsubscribed_at",
    "suppressed_reason",
]


# Why an import refuses a line, by code: the job keeps the code and its values, and the page and
# the download say it in the reader's language.
IMPORT_REFUSALS = {
    "no_email": gettext_lazy("The email is missing."),
    "bad_email": gettext_lazy("“%(email)s” is not a valid email address."),
    "bad_language": gettext_lazy("Unknown language “%(language)s”: use es, en or pt-br."),
    "bad_country": gettext_lazy("Unknown country “%(country)s”: use the two-letter ISO code."),
    "bad_topics": gettext_lazy("Unknown topics: %(topics)s."),
    "duplicate": gettext_lazy("This address appears earlier in the file."),
    "no_consent": gettext_lazy(
        "No consent source: fill the “consent_source” column or the form's field."
    ),
    "suppressed": gettext_lazy(
        "This address was suppressed (%(reason)s): an import never adds it back."
    ),
    "left": gettext_lazy("This person left the bulletin: an import never adds them back."),
}


def import_refusal_text(code: str, params: dict[str, Any]) -> str:
    return str(IMPORT_REFUSALS[code]) % params


def _refuse(code: str, **params: Any) -> ValidationError:
    return ValidationError(IMPORT_REFUSALS[code], code=code, params=params)


def import_row_clean(row: dict, topics_by_slug: dict[str, Topic]) -> dict:
    """One CSV row as clean data, or ValidationError (code and params: IMPORT_REFUSALS)."""
    email = normalise_email(row.get("email") or "")
    if not email:
        raise _refuse("no_email")
    try:
        validate_email(email)
    except ValidationError:
        raise _refuse("bad_email", email=email) from None
    language = (row.get("language") or "").strip().lower() or settings.LANGUAGE_CODE
    if language in ("pt", "pt_br", "pt-br"):
        language = "pt-br"
    if language not in LANGUAGE_CODES:
        raise _refuse("bad_language", language=language)
    country = (row.get("country") or "").strip().upper()
    if country and country not in countries:
        raise _refuse("bad_country", country=country)
    slugs = [s.strip().lower() for s in (row.get("topics") or "").split(";") if s.strip()]
    unknown = [s for s in slugs if s not in topics_by_slug]
    if unknown:
        raise _refuse("bad_topics", topics=", ".join(unknown))
    return {
        "email": email,
        "name": (row.get("name") or "").strip()[:120],
        "language": language,
        "country": country,
        "topics": [topics_by_slug[s] for s in slugs],
        # Where this person's consent comes from, when the file says so line by line.
        "consent_source": (row.get("consent_source") or "").strip()[:300],
    }


def subscribers_export_rows() -> Iterator[list]:
    """Every subscriber with their consent record, for a CSV download (a fixed number of queries)."""
    queryset = Subscriber.objects.order_by("email").prefetch_related("topics")
    for s in queryset.iterator(chunk_size=2000):
        yield [
            s.email,
            s.name,
            s.language,
            s.country.code if s.country else "",
            ";".join(t.slug for t in s.topics.all()),
            s.status,
            s.consent_at.isoformat() if s.consent_at else "",
            s.consent_text_version,
            s.consent_source,
            s.consent_source_detail,
            s.confirmed_at.isoformat() if s.confirmed_at else "",
            s.unsubscribed_at.isoformat() if s.unsubscribed_at else "",
            s.suppressed_reason,
        ]


# --- A member leaves --------------------------------------------------------------------------------
def subscriber_depart(*, closing: Closing) -> None:
    """The bulletin forgets the person: the subscription of their account and of each of their
    addresses goes, consent record and delivery rows included (a past issue's progress then counts
    one recipient fewer: it holds no copy of the address). Their bulletin contributions go with the account
    (on_delete=CASCADE; a block made from one keeps its copied text), open ones leaving the
    queue first."""
    from iapt_platform.moderation.services import moderation_withdraw

    from ..models import Contribution

    theirs = Q(user=closing.user)
    for address in closing.addresses():
        theirs |= Q(email__iexact=address)
    Subscriber.objects.filter(theirs).delete()
    moderation_withdraw(objects=Contribution.objects.filter(submitted_by=closing.user))
