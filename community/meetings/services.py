"""Writes about meetings: creating and changing them, registrations and the waitlist, attendance,
materials and calendar feeds. Notices that go to many people at once live in `notices.py`."""

from __future__ import annotations

import csv
import io
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import emails
from iapt_platform.lib.queueing import delay_on_commit
from iapt_platform.lib.ratelimit import confirmation_request_allowed
from iapt_platform.lib.uploads import CleanFile

from . import announcements, hooks, ics
from .certificates.services import certificates_sync
from .models import Material, Meeting, MeetingFeedToken, Registration

CANCEL_SALT = "meetings.registration.cancel"
CONFIRM_SALT = "meetings.registration.confirm"
CONFIRM_MAX_AGE = timedelta(days=3)  # to follow the link a visitor's registration emails
LIVE = (
    Registration.Status.PENDING,
    Registration.Status.REGISTERED,
    Registration.Status.WAITLISTED,
)


class RegistrationRefused(Exception):
    """A registration or cancellation that cannot happen; `message` says why, for the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Gender, as people describe it -----------------------------------------------------------------
# Conservative on purpose: only these words count as woman or man; any other description is "other";
# nothing, or a refusal, is "not stated". Accents and case do not matter.
WOMAN_WORDS = {"woman", "mujer", "mulher", "female", "femenino", "feminino"}
MAN_WORDS = {"man", "hombre", "homem", "male", "masculino"}
NOT_STATED_WORDS = {
    "prefer not to say",
    "prefiero no decir",
    "prefiero no decirlo",
    "prefiro nao dizer",
    "prefiro nao informar",
}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().replace(".", " ").split())


def gender_category(text: str) -> str:
    """The statistics' category of a self-described gender (see Registration.Gender)."""
    plain = _plain(text)
    if not plain or plain in NOT_STATED_WORDS:
        return Registration.Gender.NOT_STATED
    if plain in WOMAN_WORDS:
        return Registration.Gender.WOMAN
    if plain in MAN_WORDS:
        return Registration.Gender.MAN
    return Registration.Gender.OTHER


# --- Meetings --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingSnapshot:
    """What a meeting was before an edit: the fields whose change attendees must hear about."""

    starts_at: datetime
    ends_at: datetime
    online_link: str
    capacity: int | None

    @classmethod
    def of(cls, meeting: Meeting) -> MeetingSnapshot:
        return cls(meeting.starts_at, meeting.ends_at, meeting.online_link, meeting.capacity)


def _unique_slug(meeting: Meeting) -> str:
    title = meeting.title_es or meeting.title_en or meeting.title_pt_br or meeting.title  # type: ignore[attr-defined]
    base = slugify(f"{title[:100]} {meeting.starts_at:%Y-%m-%d}")[:120] or "meeting"
    slug, n = base, 2
    while Meeting.objects.filter(slug=slug).exclude(pk=meeting.pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def meeting_create(
    *, meeting: Meeting, initiatives: Iterable, resources: Iterable = (), created_by
) -> Meeting:
    """Save a new meeting (unpublished: nobody hears of it until `meeting_publish`)."""
    meeting.slug = _unique_slug(meeting)
    meeting.created_by = created_by
    with transaction.atomic():
        meeting.save()
        meeting.initiatives.set(initiatives)
        meeting.resources.set(resources)
    return meeting


def meeting_update(
    *,
    meeting: Meeting,
    previous: MeetingSnapshot,
    initiatives: Iterable,
    resources: Iterable = (),
) -> bool:
    """Save an edited meeting. When its time or online link changed, the SEQUENCE goes up and
    registered people get one update notice; a larger capacity promotes people from the waitlist.
    Returns whether an update notice was queued."""
    from . import tasks

    changed = (meeting.starts_at, meeting.ends_at, meeting.online_link) != (
        previous.starts_at,
        previous.ends_at,
        previous.online_link,
    )
    with transaction.atomic():
        # The lock orders this edit with registrations and cancellations of the same meeting.
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        notify = changed and meeting.is_published and locked.status == Meeting.Status.SCHEDULED
        meeting.sequence = locked.sequence + (1 if notify else 0)
        meeting.save()
        meeting.initiatives.set(initiatives)
        meeting.resources.set(resources)
        _promote_waitlist(meeting)
        if notify:
            _queue_notices(tasks.send_update_notices, meeting.pk, meeting.sequence)
        # Marked as training (or no longer) after it ended: certificates issued or revoked.
        certificates_sync(meeting=meeting)
    return notify


def meeting_publish(*, meeting: Meeting, notify_subscribers: bool = False) -> None:
    """Make the meeting public and announce it to members (once)."""
    from . import tasks

    if meeting.is_published:
        return
    meeting.published_at = timezone.now()
    meeting.notify_subscribers = notify_subscribers
    meeting.save(update_fields=["published_at", "notify_subscribers", "updated_at"])
    if meeting.starts_at > meeting.published_at:
        _queue_notices(tasks.announce_meeting, meeting.pk)
        announcements.meeting_announce(meeting=meeting)


def meeting_cancel(*, meeting: Meeting, note: str = "", note_language: str = "") -> None:
    """Cancel a scheduled meeting: everyone registered gets a METHOD:CANCEL notice, with the
    organisers' note (plain text, in the language they wrote it in) if they wrote one."""
    from . import tasks

    note = note.strip()
    languages = [code for code, _name in settings.LANGUAGES]
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if locked.status != Meeting.Status.SCHEDULED:
            raise RegistrationRefused(_("Only a scheduled meeting can be cancelled."))
        meeting.status = Meeting.Status.CANCELLED
        meeting.sequence = locked.sequence + 1
        meeting.cancellation_note = note
        meeting.cancellation_note_language = (
            (note_language if note_language in languages else settings.LANGUAGE_CODE)
            if note
            else ""
        )
        meeting.save(
            update_fields=[
                "status",
                "sequence",
                "cancellation_note",
                "cancellation_note_language",
                "updated_at",
            ]
        )
        if meeting.is_published:
            _queue_notices(tasks.send_cancellation_notices, meeting.pk, meeting.sequence)
        # A meeting cancelled after its end (it was never marked held) gives no certificates.
        certificates_sync(meeting=meeting)


def _queue_notices(task, *args: int) -> None:
    # Nothing sweeps up a lost announcement, update or cancellation (beat sends only reminders):
    # with the broker away, the staff member's request sends them rather than lose them.
    delay_on_commit(task, *args, run_here_if_broker_down=True)


def meeting_mark_held(*, meeting: Meeting) -> None:
    if meeting.status == Meeting.Status.SCHEDULED and meeting.has_started():
        meeting.status = Meeting.Status.HELD
        meeting.save(update_fields=["status", "updated_at"])


# --- Registrations ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Registrant:
    name: str
    email: str
    organisation: str = ""
    country: str = ""
    language: str = settings.LANGUAGE_CODE
    time_zone: str = settings.DEFAULT_READER_TIME_ZONE

    @classmethod
    def of_user(cls, user) -> Registrant:
        return cls(
            name=user.get_full_name(),
            email=user.email,
            organisation=user.organisation,
            country=str(user.country or ""),
            language=user.language,
            time_zone=user.time_zone,
        )


def _closed_reason(meeting: Meeting, now: datetime) -> str:
    if not meeting.is_published:
        return _("This meeting is not open for registration.")
    if meeting.status == Meeting.Status.CANCELLED:
        return _("This meeting was cancelled.")
    if meeting.status == Meeting.Status.HELD or meeting.has_started(now=now):
        return _("This meeting has already taken place.")
    if now >= meeting.closes_at:
        return _("The registration deadline for this meeting has passed.")
    return ""


def registration_create(
    *,
    meeting: Meeting,
    registrant: Registrant,
    user=None,
    gender: str = "",
    gender_consent: bool = False,
) -> Registration:
    """Register a person in one step (a member signed in, whose address is their account's), or
    put them on the waitlist when the meeting is full.

    Raises RegistrationRefused (and writes nothing) after the deadline or for a second
    registration of the same email. A visitor's unconfirmed request for the same address gives
    way: the member has shown the address is theirs.
    """
    now = timezone.now()
    email = registrant.email.strip().lower()
    already = RegistrationRefused(
        _(
            "%(email)s is already registered for this meeting. The confirmation email has a "
            "link to cancel the registration."
        )
        % {"email": email}
    )
    try:
        with transaction.atomic():
            # The lock serialises registrations of one meeting: two people cannot both take the
            # last seat.
            locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
            reason = _closed_reason(locked, now)
            if reason:
                raise RegistrationRefused(reason)
            active = locked.registrations.active()
            if active.filter(email__iexact=email).exists() or (
                user is not None and active.filter(user=user).exists()
            ):
                raise already
            locked.registrations.pending().filter(email__iexact=email).delete()
            registration = Registration(meeting=locked, user=user, email=email, created_at=now)
            _fill(registration, registrant, gender=gender, gender_consent=gender_consent, now=now)
            _take_place(locked, registration, now=now)
            registration.save()
            registration_notify(
                registration,
                template="registered",
                method=ics.REQUEST
                if registration.status == Registration.Status.REGISTERED
                else None,
            )
    except IntegrityError:
        # Another request registered the same email a moment earlier.
        raise already from None
    return registration


def _fill(
    registration: Registration,
    registrant: Registrant,
    *,
    gender: str,
    gender_consent: bool,
    now: datetime,
) -> None:
    registration.name = registrant.name.strip()[:200]
    registration.organisation = registrant.organisation.strip()[:200]
    registration.country = registrant.country
    registration.language = registrant.language
    registration.time_zone = registrant.time_zone
    # Gender is kept only with explicit consent, and only as the person wrote it.
    gender = gender.strip()[:60] if gender_consent else ""
    registration.gender = gender
    registration.gender_category = gender_category(gender)
    registration.gender_consent_at = now if gender else None


def _take_place(meeting: Meeting, registration: Registration, *, now: datetime) -> None:
    """A seat if one is free, else the end of the waitlist. Call with the meeting locked."""
    registered = meeting.registrations.registered().exclude(pk=registration.pk).count()
    full = meeting.capacity is not None and registered >= meeting.capacity
    registration.waitlist_position = None
    registration.status = Registration.Status.REGISTERED
    if full:
        last = meeting.registrations.aggregate(last=Max("waitlist_position"))["last"]
        registration.status = Registration.Status.WAITLISTED
        registration.waitlist_position = (last or 0) + 1
    registration.confirmed_at = now


# --- A visitor's registration, confirmed from the email ------------------------------------------
class BadConfirmationLink(Exception):
    def __init__(self, *, expired: bool) -> None:
        super().__init__("expired" if expired else "bad signature")
        self.expired = expired


def visitor_registration_allowed(*, ip: str | None, email: str) -> bool:
    """False once an IP address or an email address asked too often (counters in the cache)."""
    return confirmation_request_allowed(
        "meetings:register", ip=ip, email=email, limits=settings.MEETINGS_REGISTRATION_LIMITS
    )


def registration_request(
    *,
    meeting: Meeting,
    registrant: Registrant,
    gender: str = "",
    gender_consent: bool = False,
) -> None:
    """A visitor asked for a seat. Nothing is held: the address gets a link to confirm, and only
    the confirmation takes a seat (see `registration_confirm`).

    The caller answers the same whatever happened here: a new or pending address gets the link
    (again), an address already registered gets a reminder of its registration instead, and its
    registration stays as it is (anyone can type anyone's address into the form). Raises
    RegistrationRefused only when the meeting takes no registrations, which anyone can see.
    """
    now = timezone.now()
    email = registrant.email.strip().lower()
    try:
        with transaction.atomic():
            locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
            reason = _closed_reason(locked, now)
            if reason:
                raise RegistrationRefused(reason)
            live = (
                locked.registrations.filter(email__iexact=email, status__in=LIVE)
                .select_for_update()
                .first()
            )
            if live is not None and live.status != Registration.Status.PENDING:
                # Whoever typed the address may not be its owner: no link to the meeting room.
                registration_notify(
                    live, template="already_registered", method=None, extra={"show_link": False}
                )
                return
            registration = live or Registration(
                meeting=locked, email=email, status=Registration.Status.PENDING
            )
            _fill(registration, registrant, gender=gender, gender_consent=gender_consent, now=now)
            registration.created_at = now  # the unconfirmed row lives as long as its newest link
            registration.save()
            _send_confirmation(registration)
    except IntegrityError:
        pass  # another request for the same address, a moment earlier, sent the link


def registration_confirm_url(registration: Registration) -> str:
    # The address is part of the token: a link confirms only the request it was sent for.
    token = signing.dumps({"r": registration.pk, "e": registration.email}, salt=CONFIRM_SALT)
    return settings.SITE_URL + reverse("meetings:confirm_registration", args=[token])


def registration_pending_from_token(token: str) -> Registration:
    """The registration a confirmation link names, whatever its state now (pending, confirmed,
    cancelled). Raises BadConfirmationLink for a damaged, expired or superseded link."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise BadConfirmationLink(expired=True) from None
    except signing.BadSignature:
        raise BadConfirmationLink(expired=False) from None
    if not isinstance(data, dict) or not isinstance(data.get("r"), int):
        raise BadConfirmationLink(expired=False)
    registration = (
        Registration.objects.select_related("meeting", "user")
        .filter(pk=data["r"], email=data.get("e"))
        .first()
    )
    if registration is None:  # forgotten after its links expired, or the address changed
        raise BadConfirmationLink(expired=True)
    return registration


def registration_confirm(*, registration: Registration) -> Registration:
    """Follow a confirmation link: a seat if one is free (capacity is checked now, not at the
    request), else the waitlist; then the usual confirmation with the calendar invitation.
    A registration that is no longer pending is returned as it is. Raises RegistrationRefused
    when the meeting stopped taking registrations since the link was sent."""
    now = timezone.now()
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=registration.meeting_id)
        fresh = Registration.objects.select_for_update().get(pk=registration.pk)
        if fresh.status != Registration.Status.PENDING:
            return fresh
        reason = _closed_reason(locked, now)
        if reason:
            raise RegistrationRefused(reason)
        fresh.meeting = locked
        _take_place(locked, fresh, now=now)
        fresh.created_at = now  # registered now: reminders due before this moment are not owed
        fresh.save(update_fields=["status", "waitlist_position", "confirmed_at", "created_at"])
        registration_notify(
            fresh,
            template="registered",
            method=ics.REQUEST if fresh.status == Registration.Status.REGISTERED else None,
        )
    return fresh


def registrations_forget_unconfirmed(*, now: datetime | None = None) -> int:
    """Delete requests whose link expired unconfirmed (they hold personal data nobody confirmed)."""
    cutoff = (now or timezone.now()) - CONFIRM_MAX_AGE
    deleted, _by_model = Registration.objects.pending().filter(created_at__lt=cutoff).delete()
    return deleted


def _send_confirmation(registration: Registration) -> None:
    # Nothing the visitor typed goes into this email (not even the greeting): it reaches an
    # address nobody has confirmed yet, and must not carry someone else's text or link to it.
    meeting = registration.meeting
    emails.send(
        template="meetings/confirm_registration",
        to=registration.email,
        language=registration.language,
        time_zone=registration.time_zone,
        context={
            "meeting": meeting,
            "confirm_url": registration_confirm_url(registration),
            "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
            "max_days": CONFIRM_MAX_AGE.days,
            "full": meeting.capacity is not None
            and meeting.registrations.registered().count() >= meeting.capacity,
        },
    )


def registration_cancel(*, registration: Registration) -> list[Registration]:
    """Cancel a registration (or leave the waitlist); a freed seat goes to the next person on the
    waitlist, who is told so. Returns the people promoted."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=registration.meeting_id)
        fresh = Registration.objects.select_for_update().get(pk=registration.pk)
        if fresh.status not in (Registration.Status.REGISTERED, Registration.Status.WAITLISTED):
            raise RegistrationRefused(_("This registration was already cancelled."))
        if meeting.has_started():
            raise RegistrationRefused(_("This meeting has already taken place."))
        was_registered = fresh.status == Registration.Status.REGISTERED
        fresh.status = Registration.Status.CANCELLED
        fresh.waitlist_position = None
        fresh.cancelled_at = timezone.now()
        fresh.save(update_fields=["status", "waitlist_position", "cancelled_at"])
        registration.status, registration.cancelled_at = fresh.status, fresh.cancelled_at
        registration_notify(
            fresh,
            template="left",
            method=ics.CANCEL if was_registered else None,
            extra={"removes_event": was_registered},
        )
        return _promote_waitlist(meeting) if was_registered else []


def _promote_waitlist(meeting: Meeting) -> list[Registration]:
    """Give free seats to the waitlist, first come first served. Call with the meeting locked."""
    if meeting.status != Meeting.Status.SCHEDULED or meeting.has_started():
        return []
    waiting = meeting.registrations.waitlisted().select_related("user", "meeting")
    waiting = waiting.order_by("waitlist_position", "pk")
    if meeting.capacity is not None:
        free = meeting.capacity - meeting.registrations.registered().count()
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = []
    for registration in waiting:
        registration.status = Registration.Status.REGISTERED
        registration.waitlist_position = None
        registration.promoted_at = timezone.now()
        registration.save(update_fields=["status", "waitlist_position", "promoted_at"])
        registration_notify(registration, template="registered", method=ics.REQUEST, promoted=True)
        promoted.append(registration)
    return promoted


def waitlist_rank(registration: Registration) -> int | None:
    """Place in the queue, counting only people still waiting."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    return (
        registration.meeting.registrations.waitlisted()
        .filter(waitlist_position__lte=registration.waitlist_position)
        .count()
    )


def registration_cancel_path(registration: Registration) -> str:
    """The signed link that lets the person cancel without signing in (it is in every email)."""
    token = signing.dumps(registration.pk, salt=CANCEL_SALT)
    return reverse("meetings:cancel_registration", args=[token])


def registration_cancel_url(registration: Registration) -> str:
    return settings.SITE_URL + registration_cancel_path(registration)


def registration_from_token(token: str) -> Registration | None:
    """The registration a cancellation link names, or None for a forged or damaged link."""
    try:
        pk = signing.loads(token, salt=CANCEL_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Registration.objects.select_related("meeting", "user").filter(pk=pk).first()


def registration_notify(
    registration: Registration,
    *,
    template: str,
    method: str | None,
    promoted: bool = False,
    extra: dict | None = None,
) -> None:
    """Email one registered person in their language and zone, with an invitation if asked."""
    meeting = registration.meeting
    language = registration.recipient_language
    is_registered = registration.status == Registration.Status.REGISTERED
    attachments = []
    if method:
        content = ics.invitation(
            meeting,
            method=method,
            attendee_email=registration.email,
            attendee_name=registration.name,
            language=language,
            include_link=is_registered,
        )
        name = "cancel.ics" if method == ics.CANCEL else "invitation.ics"
        attachments.append((name, content, ics.content_type(method)))
    to = registration.recipient
    emails.send(
        template=f"meetings/{template}",
        to=to,
        language=language,
        time_zone=registration.recipient_time_zone,
        context={
            "meeting": meeting,
            "registration": registration,
            "show_link": is_registered and bool(meeting.online_link),
            "promoted": promoted,
            "rank": waitlist_rank(registration),
            "cancel_url": registration_cancel_url(registration),
            "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
            **(extra or {}),
        },
        attachments=attachments,
    )


# --- Attendance ------------------------------------------------------------------------------------
def _pages_changed() -> None:
    from .selectors import MEETINGS_VERSION

    MEETINGS_VERSION.bump_around_commit()


def attendance_set(*, meeting: Meeting, attended_ids: set[int]) -> int:
    """Mark exactly these registrations as attended; returns how many attended."""
    with transaction.atomic():
        active = meeting.registrations.active()
        active.filter(pk__in=attended_ids).update(attended=True)
        active.exclude(pk__in=attended_ids).update(attended=False)
        meeting_mark_held(meeting=meeting)
        # After its end, a training meeting's certificates follow the attendance at once.
        certificates_sync(meeting=meeting)
        hooks.attendance_recorded(meeting)
        _pages_changed()  # update() sends no signal: the participation figures change
        return active.filter(attended=True).count()


EMAIL_HEADER_WORDS = ("email", "e-mail", "correo", "mail")


@dataclass
class AttendanceImport:
    """What a CSV import did: who was marked, and the lines it left alone (and why)."""

    matched: list[str] = field(default_factory=list)
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (line, email)
    broken: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    error: str = ""  # the whole file was refused

    @property
    def ok(self) -> bool:
        return not self.error


def _email_column(rows: list[list[str]]) -> tuple[int, int] | None:
    """(header row index, column) of the email column; a header-less list uses the first cell
    with an @ in its first row (header row index -1)."""
    for index, row in enumerate(rows[:30]):
        for column, cell in enumerate(row):
            plain = _plain(cell)
            if plain and "@" not in plain and any(w in plain for w in EMAIL_HEADER_WORDS):
                return index, column
    for index, row in enumerate(rows[:30]):
        if any(cell.strip() for cell in row):
            for column, cell in enumerate(row):
                if "@" in cell:
                    return index - 1, column
            return None
    return None


def attendance_import(*, meeting: Meeting, text: str) -> AttendanceImport:
    """Mark as attended everyone whose email appears in an attendance list (a video platform's
    CSV export). Unknown emails and broken rows are reported and change nothing."""
    report = AttendanceImport()
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as error:
        report.error = _("The file could not be read as CSV: %(error)s") % {"error": error}
        return report
    found = _email_column(rows)
    if found is None:
        report.error = _(
            "No email column was found. The file needs a column named “Email” (or one email "
            "address per line)."
        )
        return report
    header, column = found
    by_email = {r.email.lower(): r for r in meeting.registrations.active()}
    attended: set[int] = set()
    for index in range(header + 1, len(rows)):
        row, line = rows[index], index + 1
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= column:
            report.broken.append((line, _("the row has no email column")))
            continue
        value = row[column].strip().lower()
        try:
            validate_email(value)
        except ValidationError:
            report.broken.append(
                (line, _("“%(value)s” is not an email address") % {"value": value[:80]})
            )
            continue
        registration = by_email.get(value)
        if registration is None:
            report.unknown.append((line, value))
        elif registration.pk not in attended:
            attended.add(registration.pk)
            report.matched.append(value)
    with transaction.atomic():
        meeting.registrations.filter(pk__in=attended).update(attended=True)
        if attended:
            meeting_mark_held(meeting=meeting)
            certificates_sync(meeting=meeting)
            hooks.attendance_recorded(meeting)
        _pages_changed()
    return report


# --- Material after the meeting --------------------------------------------------------------------
def material_add(*, meeting: Meeting, upload: CleanFile, kind: str, title: str) -> Material:
    material = Material(
        meeting=meeting,
        kind=kind,
        title=title.strip() or upload.original_name,
        original_name=upload.original_name,
        mimetype=upload.mimetype,
        size=upload.content.size,
    )
    material.file.save(upload.content.name, upload.content, save=False)
    material.save()
    return material


def material_delete(*, material: Material) -> None:
    material.delete()  # its file leaves storage once this commits (lib/storage.py)


def meeting_set_recording(*, meeting: Meeting, recording_url: str) -> None:
    meeting.recording_url = recording_url
    meeting.save(update_fields=["recording_url", "updated_at"])


# --- Calendar feeds --------------------------------------------------------------------------------
def feed_token_for(*, user) -> MeetingFeedToken:
    token, _created = MeetingFeedToken.objects.get_or_create(user=user)
    return token


def feed_token_reset(*, user) -> MeetingFeedToken:
    """A new secret address; the old one stops working at once."""
    token = feed_token_for(user=user)
    token.token = MeetingFeedToken._meta.get_field("token").get_default()
    token.created_at = timezone.now()
    token.save(update_fields=["token", "created_at"])
    return token


# --- A participant leaves ---------------------------------------------------------------------------
def participant_depart(*, closing: Closing) -> None:
    """Meetings without the person. Registrations for meetings yet to start go (pending ones
    too), and a seat they held goes to the waitlist. Registrations for meetings that started
    stay for the meetings' statistics, without the person: no account, no name, no gender in
    their words; one made-up address replaces theirs in all of them, so that first-time
    attendance still counts them once. Country, organisation and the gender category stay (the
    statistics count them); the calendar feed token and notice records go with the account."""
    theirs = Registration.objects.filter(Q(user=closing.user) | Q(email__in=closing.addresses()))
    now = timezone.now()
    ahead = theirs.filter(meeting__starts_at__gt=now)
    freed = set(
        ahead.filter(status=Registration.Status.REGISTERED).values_list("meeting_id", flat=True)
    )
    ahead.delete()
    for meeting in Meeting.objects.select_for_update().filter(pk__in=freed).order_by("pk"):
        _promote_waitlist(meeting)
    theirs.filter(meeting__starts_at__lte=now).update(
        user=None,
        name="",
        email=f"former-member-{secrets.token_hex(8)}@invalid",
        gender="",
        gender_consent_at=None,
    )
