"""Log lines an operator can follow: request, user and task ids; failures at ERROR; Sentry without
personal data."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
import sentry_sdk
from celery import shared_task
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpResponse
from django.urls import path
from sentry_sdk.transport import Transport

from iapt_platform.lib import logs
from iapt_platform.urls import urlpatterns as project_urlpatterns

log = logging.getLogger("tests.logs")


def logged_view(request):
    log.info("looking at the page")
    return HttpResponse("ok")


def failing_view(request):
    raise ValueError(f"no luck for {request.user.email} at {request.META['REMOTE_ADDR']}")


urlpatterns = [path("log-me/", logged_view), path("boom/", failing_view), *project_urlpatterns]


@shared_task(name="tests.logs.note")
def note_task():
    log.info("inside the task")


@shared_task(name="tests.logs.fail")
def failing_task():
    raise RuntimeError("the task broke")


@pytest.fixture
def json_lines():
    """The root handler's shape (the context filter, the JSON formatter) writing to a buffer."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.mark.urls(__name__)
def test_a_request_line_is_json_with_the_request_and_user_ids(member_client, member, json_lines):
    response = member_client.get("/log-me/")

    assert response.status_code == 200
    [line] = [line for line in json_lines() if line["logger"] == "tests.logs"]
    assert line["message"] == "looking at the page"
    assert line["level"] == "INFO"
    assert line["user_id"] == member.pk
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32
    assert logs.current_context() == {}  # nothing left over for the next request on this thread


@pytest.mark.urls(__name__)
def test_a_visitors_line_has_no_user_id_and_keeps_the_proxys_request_id(client, json_lines):
    response = client.get("/log-me/", HTTP_X_REQUEST_ID="lb-4f1c.22:7")

    assert response["X-Request-ID"] == "lb-4f1c.22:7"
    [line] = [line for line in json_lines() if line["logger"] == "tests.logs"]
    assert line["request_id"] == "lb-4f1c.22:7"
    assert "user_id" not in line


@pytest.mark.parametrize("unsafe", ["", "two words", "a\\nb", "x" * 129, "<script>", "ñ"])
def test_an_unsafe_incoming_request_id_is_replaced(client, unsafe):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=unsafe)

    assert response["X-Request-ID"] != unsafe
    assert len(response["X-Request-ID"]) == 32


def test_a_task_line_carries_the_task_id_and_name(json_lines):
    result = note_task.delay()

    [line] = [line for line in json_lines() if line["message"] == "inside the task"]
    assert line["task_id"] == result.id
    assert line["task_name"] == "tests.logs.note"
    assert logs.current_context() == {}


def test_a_failing_task_is_logged_at_error_with_its_id_and_traceback(json_lines):
    # As a worker runs it (an eager call in tests raises to the caller instead).
    result = failing_task.apply(throw=False)

    assert result.failed()
    assert logs.current_context() == {}
    [line] = [line for line in json_lines() if line["level"] == "ERROR"]
    assert line["logger"] == "celery.app.trace"
    assert "tests.logs.fail" in line["message"]
    assert line["task_id"] == result.id
    assert result.id in line["message"]
    assert "RuntimeError: the task broke" in line["exception"]


def run_with_settings(code: str, **environ: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "iapt_platform.settings",
        "SECRET_KEY": "tests-only-logs",
        **environ,
    }
    env.pop("SENTRY_DSN", None)
    return subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_log_format_json_makes_every_line_a_json_object():
    code = "import logging; logging.getLogger('x').warning('hello %s', 'there')"

    json_run = run_with_settings(code, LOG_FORMAT="json")
    plain_run = run_with_settings(code, LOG_FORMAT="plain")

    line = json.loads(json_run.stderr.strip().splitlines()[-1])
    assert line["message"] == "hello there"
    assert line["level"] == "WARNING"
    assert line["logger"] == "x"
    assert plain_run.stderr.strip().splitlines()[-1].endswith("WARNING x hello there")


def test_plain_lines_show_the_context():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    record.request_id, record.user_id = "abc", 7
    formatter = logs.PlainFormatter("%(levelname)s %(name)s %(context)s%(message)s")

    assert formatter.format(record) == "INFO x [request_id=abc user_id=7] hello"


class KeptEnvelopes(Transport):
    """Sentry's transport, without the network: the envelopes stay here."""

    def __init__(self, options=None):
        super().__init__(options)
        self.envelopes = []

    def capture_envelope(self, envelope):
        self.envelopes.append(envelope)


@pytest.fixture
def sentry_envelopes():
    transport = KeptEnvelopes()
    logs.sentry_init("https://public@sentry.invalid/1", environment="tests", transport=transport)
    yield transport.envelopes
    sentry_sdk.get_client().close()
    sentry_sdk.init()  # no DSN: an inactive client for the tests that follow


@pytest.mark.urls(__name__)
def test_sentry_gets_the_error_without_email_ip_cookie_or_query_string(
    client, member, sentry_envelopes, wsgi_keeps_the_test_connection
):
    client.force_login(member)
    # Through the WSGI handler, as in production: Sentry reads the request there.
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/boom/",
        "QUERY_STRING": "email=member%40example.org&token=s3cret",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_X_FORWARDED_FOR": "198.51.100.4",
        "HTTP_USER_AGENT": "Firefox",
        "HTTP_REFERER": "https://elsewhere.example/?email=member@example.org",
        "HTTP_COOKIE": f"sessionid={client.cookies['sessionid'].value}; tz=America/Santiago",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    statuses = []
    b"".join(get_wsgi_application()(environ, lambda status, headers: statuses.append(status)))
    sentry_sdk.flush()

    assert statuses == ["500 Internal Server Error"]
    events = [item.get_event() for env in sentry_envelopes for item in env if item.get_event()]
    assert events
    sent = b"".join(envelope.serialize() for envelope in sentry_envelopes).decode()
    assert "ValueError" in sent
    for personal in ("member@example.org", "member%40example.org", "203.0.113.9", "198.51.100.4"):
        assert personal not in sent
    for leak in (client.cookies["sessionid"].value, "Santiago", "s3cret", "elsewhere.example"):
        assert leak not in sent
    event = events[0]
    assert event["user"] == {"id": str(member.pk)}
    assert event["tags"]["request_id"]
    assert event["request"]["url"] == "http://testserver/boom/"
    assert event["request"]["headers"] == {"User-Agent": "Firefox"}
    assert event["transaction"] == "/boom/"


def test_scrub_event_keeps_the_shape_and_drops_what_identifies():
    event = {
        "user": {"id": "3", "email": "a@b.org", "ip_address": "192.0.2.1", "username": "a"},
        "request": {
            "url": "https://site/x/?q=1",
            "query_string": "q=1",
            "cookies": {"sessionid": "s"},
            "headers": {"User-Agent": "UA", "Cookie": "sessionid=s", "X-Real-Ip": "192.0.2.1"},
            "env": {"REMOTE_ADDR": "192.0.2.1"},
            "data": {"email": "a@b.org"},
        },
        "breadcrumbs": {"values": [{"message": "mail to a@b.org from 192.0.2.1"}]},
    }

    scrubbed = logs.scrub_event(event, {})

    assert "user" not in scrubbed
    assert scrubbed["request"] == {"url": "https://site/x/", "headers": {"User-Agent": "UA"}}
    assert scrubbed["breadcrumbs"]["values"][0]["message"] == "mail to [email] from [ip]"


@pytest.mark.urls(__name__)
def test_a_server_error_is_still_emailed_to_the_admins(client, settings, mailoutbox):
    settings.ADMINS = [("Operators", "ops@example.org")]
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    [report] = mailoutbox
    assert report.to == ["ops@example.org"]
    assert "/boom/" in report.subject


def test_redis_breadcrumbs_keep_the_command_not_the_key():
    """A cache key may be a session id (cached_db sessions): Sentry gets the command alone."""
    event = {
        "breadcrumbs": {
            "values": [
                {
                    "category": "redis",
                    "message": "GET 'p:1:django.contrib.sessions.cached_dbSECRETSESSION'",
                    "data": {"redis.command": "GET", "redis.key": "p:1:sessions.SECRETSESSION"},
                },
                {
                    "category": "redis",
                    "message": "redis.pipeline.execute",
                    "data": {"redis.commands": {"count": 1, "first_ten": ["GET SECRETKEY"]}},
                },
                {"category": "query", "message": "SELECT 1"},
            ]
        }
    }
    scrubbed = logs.scrub_event(event, {})
    crumbs = scrubbed["breadcrumbs"]["values"]
    assert "SECRET" not in json.dumps(scrubbed)
    assert [crumb["message"] for crumb in crumbs] == ["GET", "pipeline", "SELECT 1"]
