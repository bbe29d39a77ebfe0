"""Writes to the library: proposals and their review, file processing, download counts, link
checks."""

from __future__ import annotations

import http.client
import io
import ipaddress
import socket
import ssl
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import F, Value
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_countries import countries

from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import counters, listings, search
from iapt_platform.lib.queueing import delay_on_commit
from iapt_platform.lib.storage import delete_on_commit
from iapt_platform.lib.uploads import CleanFile, image_rendition
from iapt_platform.moderation.services import moderation_submit
from initiatives.matchmaking.selectors import projects_linkable_by

from . import announcements, counts, selectors
from .models import (
    Evidence,
    EvidenceOutcome,
    Resource,
    ResourceCountry,
    ResourceDailyStat,
    ResourceLanguage,
    SearchListing,
    picture_path,
)

MODERATION_KIND = "resource"
TEXT_CAP = 200_000  # characters of a PDF's text kept for search
TEXT_MAX_PAGES = 500
THUMBNAIL_BOX = (320, 420)  # the first page is rendered to fit this box, in pixels
LINK_TIMEOUT = 6  # seconds per request of the link checker
LINK_USER_AGENT = "IAPT-Platform-link-checker/1 (+library)"

# Fields a contributor fills in; the rest is ours (status, counts, processing, search).
CONTENT_FIELDS = (
    "title",
    "title_language",
    "summary",
    "summary_language",
    "type",
    "year",
    "authors",
    "publisher",
    "licence",
    "external_url",
)


class LibraryError(ValueError):
    """A refused action, with a message for the person who tried it."""


@dataclass
class ResourceData:
    """What a contributor proposes, already cleaned by the form."""

    fields: dict[str, Any]
    topics: list[Any] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    initiatives: list[Any] = field(default_factory=list)
    projects: list[Any] = field(default_factory=list)  # joint projects (matchmaking.Project)
    evidence: dict[str, Any] | None = None  # method, direction, sector, period_*, outcomes
    file: CleanFile | None = None
    cover: CleanFile | None = None
    remove_file: bool = False


# Paths of the library that a resource's slug must not take (see urls.py).
RESERVED_SLUGS = {"evidence", "collections", "propose", "mine", "broken-links"}


def _unique_slug(title: str) -> str:
    base = slugify(title)[:140] or "resource"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Resource.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(resource: Resource, data: ResourceData) -> bool:
    """Copy the data onto the resource and its rows; True when a new file needs processing."""
    for name in CONTENT_FIELDS:
        if name in data.fields:
            setattr(resource, name, data.fields[name])
    if not resource.slug:
        resource.slug = _unique_slug(resource.title)
    # Checked before any file reaches storage, so that a refusal leaves nothing behind.
    resource.full_clean(exclude=["slug", "search_vector", "file", "cover", "thumbnail"])
    new_file = False
    if data.file is not None:
        resource.file.save(data.file.content.name, data.file.content, save=False)
        resource.file_name = data.file.original_name[:200]
        resource.file_mimetype = data.file.mimetype
        resource.file_kind = data.file.kind
        resource.file_size = data.file.content.size
        resource.thumbnail = ""
        resource.extracted_text = ""
        resource.processed_at = None
        new_file = True
    elif data.remove_file:
        resource.file = ""
        resource.file_name = resource.file_mimetype = resource.file_kind = ""
        resource.file_size = None
        resource.thumbnail = ""
        resource.extracted_text = ""
    if data.cover is not None:
        resource.cover.save(data.cover.content.name, data.cover.content, save=False)
    resource.save()
    resource.topics.set(data.topics)
    resource.initiatives.set(data.initiatives)
    resource.projects.set(data.projects)
    _set_rows(resource, data)
    return new_file


def _set_rows(resource: Resource, data: ResourceData) -> None:
    languages = list(dict.fromkeys(data.languages or [resource.title_language]))
    ResourceLanguage.objects.filter(resource=resource).exclude(language__in=languages).delete()
    existing = set(resource.language_rows.values_list("language", flat=True))
    ResourceLanguage.objects.bulk_create(
        [ResourceLanguage(resource=resource, language=c) for c in languages if c not in existing]
    )
    codes = list(dict.fromkeys(data.countries))
    ResourceCountry.objects.filter(resource=resource).exclude(country__in=codes).delete()
    existing = set(resource.country_rows.values_list("country", flat=True))
    ResourceCountry.objects.bulk_create(
        [ResourceCountry(resource=resource, country=c) for c in codes if c not in existing]
    )
    if resource.type == Resource.Type.IMPACT_EVALUATION and data.evidence:
        evidence_save(resource=resource, **data.evidence)
    elif resource.type != Resource.Type.IMPACT_EVALUATION:
        Evidence.objects.filter(resource=resource).delete()


def evidence_save(
    *,
    resource: Resource,
    method: str,
    direction: str,
    outcomes: list[str],
    sector: Any = None,
    period_start: int | None = None,
    period_end: int | None = None,
) -> Evidence:
    evidence, _created = Evidence.objects.update_or_create(
        resource=resource,
        defaults={
            "method": method,
            "direction": direction,
            "sector": sector,
            "period_start": period_start,
            "period_end": period_end,
        },
    )
    evidence.full_clean()
    outcomes = list(dict.fromkeys(outcomes))
    evidence.outcome_rows.exclude(outcome__in=outcomes).delete()
    existing = set(evidence.outcome_rows.values_list("outcome", flat=True))
    EvidenceOutcome.objects.bulk_create(
        [EvidenceOutcome(evidence=evidence, outcome=o) for o in outcomes if o not in existing]
    )
    return evidence


def _check_projects(*, user: Any, resource: Resource, projects: list[Any]) -> None:
    """A contributor links a resource only to projects in which they manage an active partner;
    links the resource already has stay allowed."""
    wanted = {project.pk for project in projects}
    if not wanted:
        return
    allowed = set(
        projects_linkable_by(user=user).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    if resource.pk:
        allowed |= set(resource.projects.filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise ValidationError(
            {
                "projects": _(
                    "You can link a resource only to joint projects in which you manage a "
                    "partner initiative."
                )
            }
        )


def _queue_processing(resource: Resource) -> None:
    from . import tasks

    # Too heavy for the member's request (up to 500 pages of text): with the broker away, the
    # periodic sweep (`resource_files_to_process`) processes the file instead.
    delay_on_commit(tasks.process_resource_file, resource.pk)


@transaction.atomic
def resource_propose(*, user: Any, data: ResourceData) -> Resource:
    """A member proposes a resource: it is stored in review and enters the moderation queue."""
    resource = Resource(contributed_by=user, status=Resource.Status.IN_REVIEW)
    _check_projects(user=user, resource=resource, projects=data.projects)
    new_file = _apply(resource, data)
    resource_refresh_search(resource=resource)
    moderation_submit(obj=resource, kind=MODERATION_KIND, submitted_by=user)
    if new_file:
        _queue_processing(resource)
    return resource


@transaction.atomic
def resource_revise(*, resource: Resource, user: Any, data: ResourceData) -> Resource:
    """The contributor changes a resource sent back for changes, and submits it again."""
    if resource.contributed_by_id != user.pk:
        raise PermissionDenied
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if resource.status != Resource.Status.DRAFT:
        raise LibraryError(_("This resource is not waiting for changes, so it cannot be edited."))
    resource.status = Resource.Status.IN_REVIEW
    _check_projects(user=user, resource=resource, projects=data.projects)
    new_file = _apply(resource, data)
    resource_refresh_search(resource=resource)
    moderation_submit(obj=resource, kind=MODERATION_KIND, submitted_by=user)
    if new_file:
        _queue_processing(resource)
    return resource


# --- Moderation callbacks (registered in apps.py) ---------------------------------------------------


def approve(resource: Resource, *, moderator: Any, comment: str) -> None:
    first_time = resource.published_at is None
    resource.status = Resource.Status.PUBLISHED
    resource.published_at = resource.published_at or timezone.now()
    resource.save(update_fields=["status", "published_at", "updated_at"])
    resource_refresh_search(resource=resource)
    resource_write_pictures(resource=resource)
    if first_time:  # an approved edit of a published resource is not news
        announcements.resource_announce(resource=resource)
    transaction.on_commit(selectors.library_changed)


def request_changes(resource: Resource, *, moderator: Any, comment: str) -> None:
    was_published = resource.is_published
    resource.status = Resource.Status.DRAFT
    resource.save(update_fields=["status", "updated_at"])
    resource_write_pictures(resource=resource)  # removes the public copies
    if was_published:
        transaction.on_commit(selectors.library_changed)


def reject(resource: Resource, *, moderator: Any, comment: str) -> None:
    was_published = resource.is_published
    resource.status = Resource.Status.REJECTED
    resource.save(update_fields=["status", "updated_at"])
    resource_write_pictures(resource=resource)
    if was_published:
        transaction.on_commit(selectors.library_changed)


# --- Files ------------------------------------------------------------------------------------------


def resource_process_file(*, resource_id: int) -> None:
    """Render a PDF's first page as a PNG thumbnail and extract its text for search.

    Other kinds of file have nothing to extract; they are only marked as processed.
    """
    import pypdfium2

    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        return
    updates: dict[str, Any] = {"processed_at": timezone.now(), "processing_error": ""}
    if resource.file and resource.file_kind == "pdf":
        with resource.file.open("rb") as handle:
            data = handle.read()
        try:
            thumbnail, text = _render_pdf(pypdfium2, data)
        except pypdfium2.PdfiumError as error:
            updates["processing_error"] = f"PDF could not be read: {error}"[:300]
        else:
            storage = resource.thumbnail.storage
            # The old picture goes once the row names the new one.
            delete_on_commit(storage, [resource.thumbnail.name])
            name = storage.save(
                f"library/thumbnails/{uuid.uuid4().hex}.png", ContentFile(thumbnail)
            )
            updates["thumbnail"] = name
            updates["extracted_text"] = text
    Resource.objects.filter(pk=resource.pk).update(**updates)
    resource.refresh_from_db()
    resource_refresh_search(resource=resource)
    if resource.is_published:
        resource_write_pictures(resource=resource)
        selectors.library_changed()


PROCESSING_GRACE = timedelta(minutes=10)  # the file's own task normally runs within seconds
PROCESSING_GIVE_UP = timedelta(days=1)  # still unprocessed: the worker cannot finish this file


def resource_files_to_process() -> list[int]:
    """Files whose processing was never queued (the broker was away when they were saved)."""
    now = timezone.now()
    return list(
        Resource.objects.filter(
            processed_at__isnull=True,
            updated_at__lt=now - PROCESSING_GRACE,
            updated_at__gt=now - PROCESSING_GIVE_UP,
        )
        .exclude(file="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


PICTURE_BOX = (320, 420)  # the cover on a resource's page: 160 CSS pixels, twice for sharp screens
PICTURE_SMALL_BOX = (128, 168)  # in lists: 64 CSS pixels


def resource_write_pictures(*, resource: Resource) -> bool:
    """Write the public pictures of a published resource (its cover, else the first page of its
    file) as files in the public storage, or remove them when it is not public. Pages link to
    these files: no request per picture reaches Django. True when there are pictures."""
    source = resource.cover or resource.thumbnail
    old = [name for name in (resource.picture.name, resource.picture_small.name) if name]
    storage = Resource._meta.get_field("picture").storage
    names = {"picture": "", "picture_small": ""}
    if resource.is_published and source:
        with source.open("rb") as handle:
            data = handle.read()
        names = {
            "picture": _save_picture(storage, image_rendition(data, box=PICTURE_BOX)),
            "picture_small": _save_picture(storage, image_rendition(data, box=PICTURE_SMALL_BOX)),
        }
    if names["picture"] or old:
        Resource.objects.filter(pk=resource.pk).update(**names)
        resource.picture.name, resource.picture_small.name = (
            names["picture"],
            names["picture_small"],
        )
        # Only once the change is committed: a rolled-back decision keeps the files it links to.
        delete_on_commit(storage, old)
    return bool(names["picture"])


def _save_picture(storage: Any, content: ContentFile) -> str:
    return str(storage.save(picture_path(None, str(content.name)), content))


def _render_pdf(pypdfium2: Any, data: bytes) -> tuple[bytes, str]:
    document = pypdfium2.PdfDocument(data)
    try:
        if len(document) == 0:
            raise pypdfium2.PdfiumError("no pages")
        page = document[0]
        width, height = page.get_size()
        scale = min(THUMBNAIL_BOX[0] / max(width, 1), THUMBNAIL_BOX[1] / max(height, 1))
        image = page.render(scale=scale).to_pil().convert("RGB")
        page.close()
        out = io.BytesIO()
        image.save(out, "PNG", optimize=True)  # our own pixels, encoded by us
        parts: list[str] = []
        total = 0
        for index in range(min(len(document), TEXT_MAX_PAGES)):
            page = document[index]
            textpage = page.get_textpage()
            chunk = textpage.get_text_range()
            textpage.close()
            page.close()
            parts.append(chunk)
            total += len(chunk)
            if total >= TEXT_CAP:
                break
    finally:
        document.close()
    # PostgreSQL text cannot hold NUL; runs of whitespace carry nothing for search.
    text = " ".join("\n".join(parts).replace("\x00", " ").split())
    return out.getvalue(), text[:TEXT_CAP]


# --- Search -----------------------------------------------------------------------------------------


def search_text(resource: Resource) -> dict[str, str]:
    """The normalised text by weight: A (title), B (authors, publisher, topics, places),
    C (summary, evidence), D (the text inside the file)."""
    topic_names: list[str] = []
    for topic in resource.topics.all():
        topic_names += [getattr(topic, f"name_{c}", "") or "" for c in ("es", "en", "pt_br")]
    country_names: list[str] = []
    codes = sorted(resource.country_rows.values_list("country", flat=True))
    for language in ("es", "en", "pt-br"):
        with translation.override(language):
            country_names += [str(countries.name(code)) for code in codes]
    evidence = Evidence.objects.filter(resource=resource).first()
    evidence_words: list[str] = []
    if evidence is not None:
        outcomes = dict(Evidence.Outcome.choices)
        measured = sorted(evidence.outcome_rows.values_list("outcome", flat=True))
        for language in ("es", "en", "pt-br"):
            with translation.override(language):
                evidence_words.append(str(evidence.get_method_display()))
                evidence_words += [str(outcomes[code]) for code in measured]
    return {
        "A": search.normalise(resource.title),
        "B": search.normalise(
            " ".join(
                [
                    " ".join(resource.authors or []),
                    resource.publisher,
                    *topic_names,
                    *country_names,
                    str(resource.year or ""),
                ]
            )
        ),
        "C": search.normalise(" ".join([resource.summary, *evidence_words])),
        "D": search.normalise(resource.extracted_text),
    }


def resource_refresh_search(*, resource: Resource) -> None:
    parts = search_text(resource)
    document = " ".join(p for p in parts.values() if p)
    updates: dict[str, Any] = {"search_document": document}
    if search.is_postgres():
        updates["search_vector"] = (
            SearchVector(Value(parts["A"]), weight="A", config="simple")
            + SearchVector(Value(parts["B"]), weight="B", config="simple")
            + SearchVector(Value(parts["C"]), weight="C", config="simple")
            + SearchVector(Value(parts["D"]), weight="D", config="simple")
        )
        updates["rank_vector"] = (
            SearchVector(Value(parts["A"]), weight="A", config="simple")
            + SearchVector(Value(parts["B"]), weight="B", config="simple")
            + SearchVector(Value(parts["C"]), weight="C", config="simple")
        )
    Resource.objects.filter(pk=resource.pk).update(**updates)
    # An UPDATE sends no signal: the search listing copies the new vector now.
    search_listings_refresh(resource_ids=[resource.pk])


# --- The search listing: a narrow copy of what a search and its facets read ---------------------

_SEARCH_COLUMNS = ("search_vector", "type", "year", "topics", "languages", "countries", "methods")
# facet column: (table, column) of the rows each holds the values of
_SEARCH_LISTS = {
    "topics": ("library_resource_topics", "topic_id"),
    "languages": ("library_resourcelanguage", "language"),
    "countries": ("library_resourcecountry", "country"),
    "methods": ("library_evidence", "method"),
}


def search_listing_select(vendor: str) -> str:
    """The SELECT list of the search listing's columns from a resource row `r` (also frozen in
    the migration that fills the table)."""
    postgres = vendor == "postgresql"
    parts = [
        "r.id",
        "strip(r.search_vector)" if postgres else "r.search_vector",
        "r.type",
        "r.year",
    ]
    for table, column in _SEARCH_LISTS.values():
        # Names from this module only; no value from outside.
        if postgres:
            joined = f"(SELECT string_agg({column}::text, ' ' ORDER BY {column}) FROM {table} x WHERE x.resource_id = r.id)"  # noqa: S608
        else:
            joined = f"(SELECT group_concat({column}, ' ') FROM (SELECT {column} FROM {table} x WHERE x.resource_id = r.id ORDER BY {column}))"  # noqa: S608
        parts.append(f"COALESCE({joined}, '')")
    return ", ".join(parts)


def _search_listings_sync(resource_ids: list[int] | None) -> int:
    """Make the search listing match the resources (these ones, or all): a row per published
    resource with its current values, none for the others (lib/listings.py); the rows written
    or removed."""
    sync = lambda: listings.sync_listing(  # noqa: E731
        listing=SearchListing,
        key="resource_id",
        source=Resource,
        alias="r",
        published="r.status = %s",
        params=[Resource.Status.PUBLISHED],
        columns=_SEARCH_COLUMNS,
        select=search_listing_select(connection.vendor),
        ids=resource_ids,
    )
    if resource_ids is None:
        return sync()
    # The facet counts follow the listing's rows in the same transaction.
    return counts.refresh(resource_ids, sync)


@transaction.atomic
def search_listings_refresh(*, resource_ids: list[int]) -> None:
    """Rewrite the search rows of these resources from what they are now (none unless
    published). Called by each save of a resource and of its search columns."""
    _search_listings_sync(list(resource_ids))


def search_listings_rebuild() -> int:
    """The whole search listing again (the daily sweep, after a bulk load or a raw UPDATE that
    bypassed the signals), then the facet counts from it (a transaction each); the number of
    listing rows put right."""
    with transaction.atomic():
        written = _search_listings_sync(None)
    counts.rebuild()
    return written


# --- Counts -----------------------------------------------------------------------------------------


def _bump(resource_id: int, column: str, day: date) -> None:
    counters.bump(ResourceDailyStat, column, day=day, resource_id=resource_id)


def download_visitor(*, user_id: int | None, address: str, user_agent: str) -> str:
    """Who downloads, for counting once a day: the account, else a keyed hash of the address and
    the browser (the key is the site's secret, so the hash reveals neither)."""
    if user_id is not None:
        return f"u{user_id}"
    return salted_hmac("library.download", f"{address}|{user_agent[:300]}").hexdigest()[:32]


def resource_record_download(*, resource: Resource, visitor: str) -> bool:
    """Count a download in today's aggregate (UTC day), once per visitor and day, so that
    repeated requests cannot lift a resource up "most downloaded". Nothing about who downloaded
    is stored: the "already counted" mark is a cache key that expires with the day. Returns
    whether the download was counted (not while the cache is away: `add` then answers False)."""
    now = timezone.now()
    day = now.date()
    end_of_day = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)
    key = f"library:downloaded:{resource.pk}:{day.isoformat()}:{visitor}"
    if not cache.add(key, 1, timeout=int((end_of_day - now).total_seconds()) + 60):
        return False
    _bump(resource.pk, "downloads", day)
    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)
    return True


def resource_record_view(*, resource: Resource) -> None:
    resource_record_view_of(resource_id=resource.pk)


def resource_record_view_of(*, resource_id: int) -> None:
    """resource_record_view for a page served from the visitors' cache, which knows the id only.

    Counted in Redis and written to the day's row within a minute (`counters.bump_later`): a
    reading costs no UPDATE. Nothing shows the views yet; a figure shown one day should add
    `counters.pending(...)` to the row's, or say it is a minute behind."""
    counters.bump_later(
        ResourceDailyStat, "views", day=timezone.now().date(), resource_id=resource_id
    )


# --- External links ---------------------------------------------------------------------------------


class _Refused(Exception):
    pass


def _connect_checked(host: str, port: int, timeout: Any, allow_private: bool) -> socket.socket:
    """Resolve `host` once, refuse addresses inside our network (loopback, private, link-local:
    the checker must not become a way to probe them), and connect to an address just checked.

    Checking a name and then letting the HTTP client resolve it again would let a name answer a
    public address to the check and a private one to the connection (DNS rebinding)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private and not all(ipaddress.ip_address(a).is_global for a in addresses):
        raise _Refused(_("private address, not checked"))
    error: OSError = OSError(f"no address for {host}")
    for address in dict.fromkeys(addresses):
        try:
            return socket.create_connection((address, port), timeout)
        except OSError as exc:
            error = exc
    raise error


class _CheckedHTTPConnection(http.client.HTTPConnection):
    allow_private = False

    def connect(self) -> None:
        self.sock = _connect_checked(self.host, self.port, self.timeout, self.allow_private)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    allow_private = False

    def connect(self) -> None:
        sock = _connect_checked(self.host, self.port, self.timeout, self.allow_private)
        # The certificate is checked against the name (SNI too), the socket is the address.
        context: ssl.SSLContext = self._context  # type: ignore[attr-defined]
        self.sock = context.wrap_socket(sock, server_hostname=self.host)


def _opener(*, allow_private: bool) -> urllib.request.OpenerDirector:
    class HTTP(_CheckedHTTPConnection):
        pass

    class HTTPS(_CheckedHTTPSConnection):
        pass

    HTTP.allow_private = HTTPS.allow_private = allow_private

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(HTTP, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(HTTPS, req, context=ssl.create_default_context())

    class Redirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
            if urlsplit(newurl).scheme not in ("http", "https"):
                raise _Refused(_("redirects to a non-web address"))
            # A redirect's host is checked when its connection is made, like the first one's.
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    # No proxy from the environment: the address checked must be the one connected to.
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), HTTPHandler, HTTPSHandler, Redirects
    )


def link_check(url: str, *, allow_private: bool = False, timeout: float = LINK_TIMEOUT) -> str:
    """ "" when `url` answers (HEAD, then GET if HEAD fails), otherwise what went wrong."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("not a web address")
    opener = _opener(allow_private=allow_private)
    problem = ""
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url, method=method, headers={"User-Agent": LINK_USER_AGENT}
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                if method == "GET":
                    response.read(1024)
                if response.status < 400:
                    return ""
                problem = f"HTTP {response.status}"
        except urllib.error.HTTPError as error:
            problem = f"HTTP {error.code}"
        except _Refused as error:
            return str(error)
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            problem = str(reason)[:200] or error.__class__.__name__
    return problem


def resource_links_to_check() -> list[int]:
    return list(
        Resource.objects.filter(status=Resource.Status.PUBLISHED)
        .exclude(external_url="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def resource_check_links(*, resource_ids: list[int], allow_private: bool = False) -> int:
    """Check the external link of each resource and record the result; returns the broken."""
    broken = 0
    for resource in Resource.objects.filter(pk__in=resource_ids).exclude(external_url=""):
        problem = link_check(resource.external_url, allow_private=allow_private)
        broken += bool(problem)
        Resource.objects.filter(pk=resource.pk).update(
            link_status=Resource.LinkStatus.BROKEN if problem else Resource.LinkStatus.OK,
            link_error=problem[:300],
            link_checked_at=timezone.now(),
        )
    return broken


# --- A contributor leaves ---------------------------------------------------------------------------
def contributor_depart(*, closing: Closing) -> None:
    """The library without the person. Published resources they contributed stay, without them
    (Resource.contributed_by goes to NULL with the account); those never published (drafts,
    in review, rejected) were theirs alone and go, with their queue items and, after the commit,
    their files (django-cleanup)."""
    from iapt_platform.moderation.services import moderation_withdraw

    private = list(
        Resource.objects.filter(contributed_by=closing.user).exclude(
            status=Resource.Status.PUBLISHED
        )
    )
    moderation_withdraw(objects=private)
    for resource in private:
        resource.delete()
