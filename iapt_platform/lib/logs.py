"""What an operator reads when something breaks: the context on every log line, and Sentry.

Every record carries the request id and the signed-in user's id (set by RequestIdMiddleware) and,
inside a Celery task, the task's id and name (set by the task_prerun/task_postrun hooks in
iapt_platform/celery.py). `LOG_FORMAT=json` prints one JSON object a line for a log collector;
the default is plain text with the same context. The formatter is the standard library's logging
and json (python-json-logger would add a dependency for a fixed set of fields).

Sentry is optional (`SENTRY_DSN`); `sentry_init` collects no personal data and `scrub_event`
removes what could still carry some (addresses, cookies, query strings, emails, IPs, the keys
of Redis breadcrumbs).
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar, Token
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.signals import request_finished

if TYPE_CHECKING:
    from sentry_sdk.types import Event, Hint

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("task_id", default=None)
task_name_var: ContextVar[str | None] = ContextVar("task_name", default=None)
CONTEXT: dict[str, ContextVar[Any]] = {
    "request_id": request_id_var,
    "user_id": user_id_var,
    "task_id": task_id_var,
    "task_name": task_name_var,
}

# An incoming X-Request-ID is kept only if it cannot break a log line or a header.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is a sane token, else a new one."""
    if header and SANE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def request_started(rid: str) -> None:
    """A request begins: its id, and no user or task yet (a reused thread forgets the last one)."""
    request_id_var.set(rid)
    user_id_var.set(None)
    task_id_var.set(None)
    task_name_var.set(None)


def request_user(user: Any) -> None:
    user_id_var.set(user.pk if user is not None and user.is_authenticated else None)


def _request_ended(**kwargs: Any) -> None:
    # After the server's access line (runserver logs it before closing the response), so that line
    # still carries the request id.
    request_id_var.set(None)
    user_id_var.set(None)


request_finished.connect(_request_ended, dispatch_uid="iapt_platform.lib.logs.request_ended")

# task_prerun and task_postrun pair by task id; an eager task nested in a request (or in another
# task) gets its context back to what it was. An eager task that raises to its caller gets no
# postrun: its ids stay on the caller's lines (its error line too) until the request ends.
_task_tokens: dict[str, tuple[Token, Token]] = {}


def task_started(*, task_id: str, task: Any, **kwargs: Any) -> None:
    _task_tokens[task_id] = (task_id_var.set(task_id), task_name_var.set(task.name))


def task_ended(*, task_id: str, **kwargs: Any) -> None:
    tokens = _task_tokens.pop(task_id, None)
    if tokens:
        task_id_var.reset(tokens[0])
        task_name_var.reset(tokens[1])


def current_context() -> dict[str, Any]:
    """The context that is set, by name (nothing for what is unset)."""
    values = {name: var.get() for name, var in CONTEXT.items()}
    return {name: value for name, value in values.items() if value is not None}


class ContextFilter(logging.Filter):
    """Copies the context onto each record; on a handler, so it sees every logger's records."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in CONTEXT.items():
            if not hasattr(record, name):
                setattr(record, name, var.get())
        return True


def _record_context(record: logging.LogRecord) -> dict[str, Any]:
    values = {name: getattr(record, name, None) for name in CONTEXT}
    return {name: value for name, value in values.items() if value is not None}


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger [request_id=… user_id=…] message`: the default, for people."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        context = " ".join(f"{name}={value}" for name, value in _record_context(record).items())
        record.context = f"[{context}] " if context else ""
        return super().formatMessage(record)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, the context, the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_record_context(record),
        }
        if isinstance(getattr(record, "status_code", None), int):  # django.request, django.server
            line["status_code"] = record.status_code  # type: ignore[attr-defined]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


# --- Sentry --------------------------------------------------------------------------------------
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
# Request headers worth sending; the rest (Cookie, X-Forwarded-For, Referer, ...) may identify.
KEPT_HEADERS = {"host", "user-agent", "accept", "accept-language", "content-type", "x-request-id"}


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return IPV4.sub("[ip]", EMAIL.sub("[email]", value))
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    return value


def _scrub_breadcrumbs(event: "Event") -> None:
    """Redis breadcrumbs keep their command, never their key: a key may name a session (the
    cached_db session store keys by session id, which signs in as its member), a member or words
    searched."""
    breadcrumbs: Any = event.get("breadcrumbs")  # {"values": [...]} as the SDK fills it in
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or ():
        if isinstance(crumb, dict) and crumb.get("category") == "redis":
            data = crumb.get("data") or {}
            command = str(data.get("redis.command") or data.get("db.operation") or "")
            command = command or ("pipeline" if "redis.commands" in data else "")
            crumb["message"] = command
            crumb["data"] = {"redis.command": command} if command else {}


def scrub_event(event: "Event", hint: "Hint") -> "Event":
    """Sentry's before_send: no email, IP, cookie, query string or body leaves the server.

    The user is kept as an id only, and the request and task ids become tags, to find the
    matching log lines.
    """
    event.pop("user", None)
    request: Any = event.get("request")  # a dict as the SDK fills it in
    if isinstance(request, dict):
        for key in ("cookies", "query_string", "data", "env"):
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        headers = request.get("headers") or {}
        request["headers"] = {k: v for k, v in headers.items() if k.lower() in KEPT_HEADERS}
    _scrub_breadcrumbs(event)
    context = current_context()
    if "user_id" in context:
        event["user"] = {"id": str(context.pop("user_id"))}
    event["tags"] = {**(event.get("tags") or {}), **context}
    return _scrub(event)


def sentry_init(dsn: str, *, environment: str, **options: Any) -> None:
    """Errors of the web processes and of Celery to Sentry, without personal data."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # sentry-sdk 3 replaced send_default_pii=False with these categories: no user identity,
        # cookies, query strings, bodies, frame variables or SQL parameters.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "url_query_params": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": sorted(KEPT_HEADERS)}},
            "http_bodies": [],
            "stack_frame_variables": False,
            "database_query_data": False,
        },
        before_send=scrub_event,
        **options,
    )
