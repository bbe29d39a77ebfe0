"""Recovery under faults, on PostgreSQL and Redis with a real Celery worker and gunicorn.

    .venv/bin/python bench/faults.py [--subscribers 2000] [--digests 600] [--no-write]
                                     [--skip PHASE ...]

Phases (each bounded in time; the script stops by itself; only 127.0.0.1 is contacted):

  bulletin  a bulletin send to N subscribers through a real worker (queue "bulk") to an SMTP sink
            (aiosmtpd, a separate process); the worker is killed with SIGKILL (its whole process
            group) at about 30% and 70% of the send, the stuck-delivery sweeper runs once (what
            the beat does every minute; a dead worker's claims are stale), the worker restarts.
            Counts lost and duplicated messages.
  digests   the hourly digest run for M members through a real worker (queue "default"); the
            worker is killed at about a third, restarts, and the next hourly run is triggered
            (what the beat does every hour). A digest's row commits only once the SMTP server has
            accepted its email (community/digests.py), so the digests the dead worker was
            building have no row and that run sends them. Counts lost and duplicated digests, and
            what is left unacknowledged in Redis: Celery redelivers those only after the broker's
            visibility timeout, which the bench asks the running worker for (`inspect conf`).
  redis     gunicorn (production settings) serves pages at a steady rate while Redis is shut
            down (`redis-cli shutdown nosave`) and started again a few seconds later with the
            machine's own command line. Reports errors during the outage, whether each 500 was the
            friendly page, and the time from Redis being back to the pages answering again.
  postgres  the same, while every PostgreSQL connection of the bench database is terminated
            (`pg_terminate_backend`) five times, a second apart: failed requests, 500s without
            the friendly page, and whether the requests that follow succeed with no manual step.

Uses its own database (`iapt_bench_faults`, created, migrated and seeded with `seed_demo` when
missing) and Redis database 12. Redis itself is always restarted at the end of the redis phase,
whatever happens (try/finally). Writes its figures to bench/RESULTS.md (its own section).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import common

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
RESULTS = ROOT / "bench" / "RESULTS.md"
DATABASE = "iapt_bench_faults"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/12"
WEB_PORT = 8078
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]
PAGES = ["/", "/initiatives/", "/initiatives/?q=cluster", "/stories/", "/library/", "/bulletin/"]
FRIENDLY = b"error-page"  # templates/500.html
SECTION_START = "<!-- bench/faults.py: start -->"
SECTION_END = "<!-- bench/faults.py: end -->"
DOMAIN = "faults.bench.example"


# --- Environment -------------------------------------------------------------------------------


def environment(smtp_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "iapt_platform.settings",
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("FAULTS_SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "SITE_URL": f"http://127.0.0.1:{WEB_PORT}",
            "NEWSLETTER_RATE_LIMIT": "300",  # slow enough to kill the worker mid-send
            "CACHE_KEY_PREFIX": "iapt-faults-" + secrets.token_hex(4),
            "LOG_LEVEL": "ERROR",
        }
    )
    env["FAULTS_SECRET_KEY"] = env["SECRET_KEY"]
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def psql(sql: str, database: str = "postgres") -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def prepare(env: dict[str, str]) -> None:
    created = False
    if not psql(f"SELECT 1 FROM pg_database WHERE datname='{DATABASE}'"):  # noqa: S608 (constant)
        psql(f"CREATE DATABASE {DATABASE}")
        created = True
    manage = [PYTHON, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    if created:
        subprocess.run(
            [*manage, "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- The SMTP sink, a separate process that logs every message to a file -------------------------

SINK_CODE = """
import sys, time
from email import message_from_bytes
from aiosmtpd.controller import Controller
log = open(sys.argv[2], "a", buffering=1)
class Sink:
    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content or envelope.content)
        for rcpt in envelope.rcpt_tos:
            log.write(f"{rcpt}\\t{message['Message-ID']}\\n")
        return "250 OK"
controller = Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
while True:
    time.sleep(3600)
"""


class Sink:
    def __init__(self, port: int) -> None:
        self.port = port
        self.path = Path(tempfile.mkstemp(prefix="faults-sink-", suffix=".log")[1])
        self.process = subprocess.Popen(
            [PYTHON, "-c", SINK_CODE, str(port), str(self.path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                return
            time.sleep(0.1)
        raise SystemExit("the SMTP sink did not start")

    def lines(self, since: int = 0) -> list[tuple[str, str]]:
        text = self.path.read_text()[since:]
        return [tuple(line.split("\t", 1)) for line in text.splitlines() if "\t" in line]  # type: ignore[misc]

    def offset(self) -> int:
        return len(self.path.read_text())

    def stop(self) -> None:
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self.path.unlink(missing_ok=True)


# --- The worker ----------------------------------------------------------------------------------


def start_worker(env: dict[str, str], queue: str, concurrency: int) -> subprocess.Popen:
    # FAULTS_WORKER_LOG=<file>: the workers' own output goes there (to see why a phase stalls).
    log_path = os.environ.get("FAULTS_WORKER_LOG")
    output = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "iapt_platform",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
            "-n",
            f"faults-{secrets.token_hex(3)}@%h",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: the kill takes the pool children too
        stdout=output,
        stderr=output,
    )
    if log_path:
        output.close()  # the worker holds its own copy
    return worker


def kill_worker(worker: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        worker.wait(timeout=10)


def stop_worker(worker: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        kill_worker(worker)


def wait_until(predicate, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def worker_visibility_timeout() -> float | None:
    """The broker's visibility timeout as a running worker reports it (remote control)."""
    from iapt_platform.celery import app

    replies = app.control.inspect(timeout=5).conf(with_defaults=True) or {}
    for conf in replies.values():
        options = conf.get("broker_transport_options") or {}
        if "visibility_timeout" in options:
            return float(options["visibility_timeout"])
    return None


def clear_broker() -> None:
    """Leftovers of an aborted earlier run must not be consumed by this run's workers."""
    client = redis_client()
    client.delete("bulk", "default", "unacked", "unacked_index", "unacked_mutex")


def unacked_tasks() -> Counter:
    """Messages a worker took and never acknowledged, by task name."""
    import json

    names: Counter = Counter()
    for raw in redis_client().hvals("unacked"):
        with contextlib.suppress(ValueError, TypeError, IndexError):
            names[json.loads(raw)[0].get("headers", {}).get("task", "?")] += 1
    return names


# --- Phase: bulletin -------------------------------------------------------------------------------


@dataclass
class MailFigures:
    expected: int = 0
    delivered: int = 0
    lost: int = 0
    duplicates: int = 0
    max_per_recipient: int = 0
    kills: int = 0
    seconds: float = 0.0
    unacked_after: int = 0
    queued_after: int = 0
    finished: bool = False
    note: str = ""
    visibility_timeout: float | None = None  # seconds, as the worker reported it


def phase_bulletin(env: dict[str, str], sink: Sink, subscribers: int) -> MailFigures:
    from datetime import timedelta

    from newsletter.models import Block, Edition, Issue, Subscriber
    from newsletter.services import delivery, issues

    Subscriber.objects.filter(email__endswith=f"@{DOMAIN}").delete()
    Subscriber.objects.bulk_create(
        Subscriber(
            email=f"reader{n}@{DOMAIN}",
            language=("es", "en", "pt-br")[n % 3],
            status=Subscriber.Status.CONFIRMED,
        )
        for n in range(subscribers)
    )
    # Other confirmed subscribers (from seed_demo) would get the issue too: leave them out.
    Issue.objects.filter(status__in=["sending", "scheduled", "draft"]).update(status="cancelled")
    last = Issue.objects.order_by("-number").first()
    issue = Issue.objects.create(number=(last.number + 1) if last else 1)
    for code in ("es", "en", "pt-br"):
        Edition.objects.create(issue=issue, language=code, subject=f"Faults {issue.number}")
    Block.objects.create(
        issue=issue,
        kind="intro",
        content={
            c: {"title": "Hola", "body": "Texto **breve**.", "image_alt": ""}
            for c in ("es", "en", "pt-br")
        },
    )
    outsiders = Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).exclude(
        email__endswith=f"@{DOMAIN}"
    )
    paused = list(outsiders.values_list("pk", flat=True))
    outsiders.update(status=Subscriber.Status.PAUSED)
    clear_broker()
    figures = MailFigures(expected=subscribers)
    offset = sink.offset()

    def received() -> list[tuple[str, str]]:
        return [
            (r, m)
            for r, m in sink.lines(offset)
            if r.endswith(f"@{DOMAIN}") and r.startswith("reader")
        ]

    worker = start_worker(env, "bulk", 1)
    started = time.monotonic()
    try:
        assert issues.issue_send_now(issue=issue)
        for fraction in (0.3, 0.7):
            if not wait_until(lambda f=fraction: len(received()) >= f * subscribers, timeout=60):
                figures.note = f"the send did not reach {fraction:.0%} within 60 s"
                break
            kill_worker(worker)
            figures.kills += 1
            time.sleep(1)
            # What the beat's sweeper does (every minute); the dead worker's claims are stale.
            delivery.deliveries_requeue_stuck(older_than=timedelta(0))
            worker = start_worker(env, "bulk", 1)

        def sent() -> bool:
            return Issue.objects.filter(pk=issue.pk, status=Issue.Status.SENT).exists()

        figures.finished = wait_until(sent, timeout=120)
        time.sleep(1)
        figures.seconds = time.monotonic() - started
    finally:
        stop_worker(worker)
        Subscriber.objects.filter(pk__in=paused).update(status=Subscriber.Status.CONFIRMED)
    counts = Counter(r for r, _m in received())
    figures.delivered = len(counts)
    figures.lost = subscribers - len(counts)
    figures.duplicates = sum(c - 1 for c in counts.values())
    figures.max_per_recipient = max(counts.values(), default=0)
    unacked = unacked_tasks()
    figures.unacked_after = sum(unacked.values())
    if unacked:
        figures.note = (
            (figures.note + " " if figures.note else "")
            + "unacked: "
            + ", ".join(f"{n} {k.rsplit('.', 1)[-1]}" for k, n in unacked.items())
        )
    figures.queued_after = redis_client().llen("bulk")
    return figures


# --- Phase: digests ----------------------------------------------------------------------------------


def phase_digests(env: dict[str, str], sink: Sink, members: int) -> MailFigures:
    from django.utils import timezone

    from community import services as forum
    from community import tasks
    from community.digests import period_for
    from community.models import Digest, EmailFrequency, MemberProfile
    from iapt_platform.accounts.models import User
    from initiatives.models import Initiative

    have = set(
        User.objects.filter(email__endswith=f"@{DOMAIN}", email__startswith="digest").values_list(
            "email", flat=True
        )
    )
    new = [
        User(
            email=f"digest{n}@{DOMAIN}",
            display_name=f"Digest {n}",
            time_zone="UTC",
            language=("es", "en", "pt-br")[n % 3],
        )
        for n in range(members)
        if f"digest{n}@{DOMAIN}" not in have
    ]
    for user in new:
        user.set_unusable_password()
    User.objects.bulk_create(new)
    users = User.objects.filter(email__startswith="digest", email__endswith=f"@{DOMAIN}")
    for user in users:
        profile = forum.profile_for(user=user)
        if profile.email_frequency != EmailFrequency.DAILY:
            profile.email_frequency = EmailFrequency.DAILY
            profile.save(update_fields=["email_frequency"])
    # Nobody else gets a digest in this run.
    others = MemberProfile.objects.exclude(user__in=users).filter(
        email_frequency__in=[EmailFrequency.DAILY, EmailFrequency.WEEKLY]
    )
    restore = list(others.values_list("pk", "email_frequency"))
    others.update(email_frequency=EmailFrequency.NONE)
    start, _end = period_for(kind="daily", now=timezone.now(), zone="UTC")
    Digest.objects.filter(user__in=users, period_start=start).delete()
    # Something to tell: an initiative published during the period.
    news = Initiative.objects.published().order_by("pk").first()
    if news is not None:
        Initiative.objects.filter(pk=news.pk).update(published_at=start + dt.timedelta(hours=1))
    clear_broker()
    figures = MailFigures(expected=members)
    offset = sink.offset()

    def received() -> list[tuple[str, str]]:
        return [
            (r, m)
            for r, m in sink.lines(offset)
            if r.startswith("digest") and r.endswith(f"@{DOMAIN}")
        ]

    unacked: Counter = Counter()
    worker = start_worker(env, "default", 2)
    started = time.monotonic()
    try:
        tasks.send_due_digests.delay()
        if wait_until(lambda: len(received()) >= members / 3, timeout=90):
            kill_worker(worker)
            figures.kills = 1
            time.sleep(1)
            worker = start_worker(env, "default", 2)
        else:
            figures.note = "the run did not reach a third within 90 s"
        time.sleep(3)
        tasks.send_due_digests.delay()  # the next hourly run (beat)

        last = [len(received()), time.monotonic()]

        def settled() -> bool:
            now = len(received())
            if now != last[0]:
                last[:] = [now, time.monotonic()]
            return now >= members or time.monotonic() - last[1] > 10

        wait_until(settled, timeout=120)
        figures.finished = len(set(r for r, _m in received())) >= members
        figures.seconds = time.monotonic() - started
        # What the restarted worker itself uses (the settings it loaded, through Celery).
        figures.visibility_timeout = worker_visibility_timeout()
        unacked = unacked_tasks()
        figures.unacked_after = sum(unacked.values())
        figures.queued_after = redis_client().llen("default")
    finally:
        stop_worker(worker)
        for pk, frequency in restore:
            MemberProfile.objects.filter(pk=pk).update(email_frequency=frequency)
    counts = Counter(r for r, _m in received())
    figures.delivered = len(counts)
    figures.lost = members - len(counts)
    figures.duplicates = sum(c - 1 for c in counts.values())
    figures.max_per_recipient = max(counts.values(), default=0)
    rows = Digest.objects.filter(user__in=users, period_start=start, sent=True).count()
    parts = [figures.note] if figures.note else []
    parts.append(f"{rows} digests recorded as sent")
    if unacked:
        parts.append(
            "unacked: " + ", ".join(f"{n} {k.rsplit('.', 1)[-1]}" for k, n in unacked.items())
        )
    figures.note = "; ".join(parts)
    return figures


# --- Web phases: gunicorn under a steady load --------------------------------------------------------


@dataclass
class Sample:
    at: float
    path: str
    status: int  # 0: no HTTP answer (connection refused, reset, timeout)
    friendly: bool
    ms: float


@dataclass
class Load:
    rate: float = 20.0
    samples: list[Sample] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, threads: int = 4) -> list[threading.Thread]:
        workers = [
            threading.Thread(target=self._loop, args=(n,), daemon=True) for n in range(threads)
        ]
        for t in workers:
            t.start()
        return workers

    def _loop(self, n: int, threads: int = 4) -> None:
        interval = threads / self.rate  # each thread's share of the rate
        k = n
        while not self.stop.is_set():
            began = time.monotonic()
            path = PAGES[k % len(PAGES)]
            k += 1
            status, body = 0, b""
            try:
                connection = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=10)
                connection.request("GET", path, headers={"Host": "127.0.0.1"})
                response = connection.getresponse()
                status, body = response.status, response.read()
                connection.close()
            except (OSError, http.client.HTTPException):
                pass
            took = time.monotonic() - began
            with self.lock:
                # Stamped with its end: a request in flight when the fault starts belongs to it.
                self.samples.append(
                    Sample(began + took, path, status, FRIENDLY in body, took * 1000)
                )
            time.sleep(max(0.0, interval - took))


# gunicorn reads the project's gunicorn.conf.py from the working directory (its worker class and
# threads); the command line below wins for what it sets.
GUNICORN_CONF = " (the project's gunicorn.conf.py)" if (ROOT / "gunicorn.conf.py").exists() else ""


def start_gunicorn(env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "iapt_platform.wsgi:application",
            "--bind",
            f"127.0.0.1:{WEB_PORT}",
            "--workers",
            "3",
            "--timeout",
            "30",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def healthy() -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=2)
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False

    if not wait_until(healthy, timeout=60):
        process.kill()
        raise SystemExit("gunicorn did not become healthy in 60 s")
    # Warm every page once (templates, caches, connections).
    for path in PAGES:
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", WEB_PORT, timeout=30)
            connection.request("GET", path, headers={"Host": "127.0.0.1"})
            connection.getresponse().read()
    return process


def stop_gunicorn(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def ok(sample: Sample) -> bool:
    return 200 <= sample.status < 400


@dataclass
class WebFigures:
    requests: int = 0
    before_errors: Counter = field(default_factory=Counter)
    during: int = 0
    during_errors: Counter = field(default_factory=Counter)
    unfriendly_500: int = 0
    after: int = 0
    after_errors: int = 0
    recovery_s: float | None = None
    fault_s: float = 0.0
    during_median_ms: float = 0.0
    during_max_ms: float = 0.0
    note: str = ""


def summarise(samples: list[Sample], fault_start: float, fault_end: float) -> WebFigures:
    figures = WebFigures(requests=len(samples), fault_s=fault_end - fault_start)
    before = [s for s in samples if s.at < fault_start]
    during = [s for s in samples if fault_start <= s.at < fault_end]
    after = sorted((s for s in samples if s.at >= fault_end), key=lambda s: s.at)
    figures.before_errors = Counter(str(s.status or "no answer") for s in before if not ok(s))
    figures.during = len(during)
    if during:
        times = sorted(s.ms for s in during)
        figures.during_median_ms = times[len(times) // 2]
        figures.during_max_ms = times[-1]
    figures.during_errors = Counter(str(s.status or "no answer") for s in during if not ok(s))
    figures.unfriendly_500 = sum(s.status == 500 and not s.friendly for s in samples)
    failed_pages = Counter(s.path for s in during if not ok(s))
    tried_pages = Counter(s.path for s in during)
    figures.note = "failed during: " + (
        ", ".join(f"{p} {failed_pages[p]}/{tried_pages[p]}" for p in PAGES if failed_pages[p])
        or "none"
    )
    figures.after = len(after)
    failures_after = [s for s in after if not ok(s)]
    figures.after_errors = len(failures_after)
    # Recovered: from the end of the fault to the first success after which nothing failed.
    last_failure = max((s.at for s in failures_after), default=None)
    later = [s for s in after if last_failure is None or s.at > last_failure]
    if later:
        figures.recovery_s = max(0.0, later[0].at - fault_end)
    return figures


def redis_up() -> bool:
    return (
        subprocess.run(["redis-cli", "ping"], capture_output=True, text=True).stdout.strip()
        == "PONG"
    )


def ensure_redis() -> None:
    if not redis_up():
        subprocess.run(REDIS_START, check=False)
        wait_until(redis_up, timeout=15)


def phase_redis(env: dict[str, str], outage: float) -> WebFigures:
    server = start_gunicorn(env)
    load = Load()
    try:
        threads = load.run()
        time.sleep(5)
        fault_start = time.monotonic()
        try:
            subprocess.run(["redis-cli", "shutdown", "nosave"], capture_output=True, check=False)
            wait_until(lambda: not redis_up(), timeout=10)
            time.sleep(outage)
        finally:
            subprocess.run(REDIS_START, check=False)
            wait_until(redis_up, timeout=15)
        fault_end = time.monotonic()
        time.sleep(15)
        load.stop.set()
        for t in threads:
            t.join(timeout=15)
    finally:
        load.stop.set()
        ensure_redis()
        stop_gunicorn(server)
    return summarise(load.samples, fault_start, fault_end)


def phase_postgres(env: dict[str, str], times: int) -> WebFigures:
    from django.db import connection

    server = start_gunicorn(env)
    load = Load()
    terminated = 0
    try:
        threads = load.run()
        time.sleep(5)
        fault_start = time.monotonic()
        for _ in range(times):
            count = psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "  # noqa: S608
                f"WHERE datname = '{DATABASE}' AND pid <> pg_backend_pid()"
            )
            terminated += int(count or 0)
            time.sleep(1)
        fault_end = time.monotonic()
        time.sleep(10)
        load.stop.set()
        for t in threads:
            t.join(timeout=15)
    finally:
        load.stop.set()
        stop_gunicorn(server)
        connection.close()  # this process's own connection was terminated too
    figures = summarise(load.samples, fault_start, fault_end)
    figures.note = f"{terminated} connections terminated in {times} rounds; {figures.note}"
    return figures


# --- Report ----------------------------------------------------------------------------------------


def mail_row(name: str, f: MailFigures) -> str:
    return (
        f"| {name} | {f.expected:,} | {f.kills} | {f.delivered:,} | **{f.lost}** | **{f.duplicates}** | "
        f"{f.max_per_recipient} | {f.unacked_after} | {f.queued_after} | {f.seconds:.0f} s | "
        f"{'yes' if f.finished else 'no'} | {f.note} |"
    )


def web_row(name: str, f: WebFigures) -> str:
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(f.during_errors.items())) or "none"
    before = ", ".join(f"{k}: {v}" for k, v in sorted(f.before_errors.items())) or "none"
    recovery = "not recovered" if f.recovery_s is None else f"{f.recovery_s:.1f} s"
    return (
        f"| {name} | {f.requests:,} | {before} | {f.fault_s:.1f} s | {f.during} | "
        f"{f.during_median_ms:.0f} / {f.during_max_ms:.0f} ms | {errors} | "
        f"**{f.unfriendly_500}** | {f.after} | {f.after_errors} | **{recovery}** | {f.note} |"
    )


def write_results(command: str, mail: dict[str, MailFigures], web: dict[str, WebFigures]) -> None:
    load1, _l5, _l15 = os.getloadavg()
    lines = [
        SECTION_START,
        f"## Faults: worker kills, a Redis restart, dropped PostgreSQL connections ({dt.date.today()})",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL "
        f"{psql('SHOW server_version')}, Redis {redis_client().info().get('redis_version')}, all on "
        f"127.0.0.1; load average {load1:.1f} at the end. Production settings (DEBUG off), the "
        "bench's own database and Redis database 12; SMTP sink: aiosmtpd in a separate process.",
        "",
    ]
    if mail:
        reported = next(
            (f.visibility_timeout for f in mail.values() if f.visibility_timeout is not None), None
        )
        timeout = (
            f"{reported:.0f} s, as the worker reports it"
            if reported is not None
            else "not reported by the worker"
        )
        lines += [
            "### Emails while the Celery worker is killed (SIGKILL of its process group)",
            "",
            "| run | recipients | kills | delivered | lost | duplicates | max per recipient | "
            "unacked in Redis after | still queued | time | finished | note |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
            *(mail_row(k, v) for k, v in mail.items()),
            "",
            "Bulletin: after each kill the stuck-delivery sweeper runs once (the beat runs it every "
            "minute), then the worker restarts. Digests: after the kill the worker restarts and the "
            "next hourly run is triggered (the beat's); a digest's row commits only once the SMTP "
            "server accepted its email, so what the dead worker was building has no row and that "
            "run sends it. *Unacked in Redis* are messages a dead worker had taken; Celery's Redis "
            f"transport hands them out again only after the visibility timeout ({timeout}), "
            "after this run: they are not counted as delivered here. A redelivered send_chunk "
            "or send_digest finds its rows already sent and sends nothing.",
            "",
        ]
    if web:
        lines += [
            "### Pages while Redis restarts or PostgreSQL drops connections",
            "",
            f"gunicorn, 3 workers{GUNICORN_CONF}, 127.0.0.1:{WEB_PORT}; 4 client threads at "
            "about 20 requests/s "
            f"over {', '.join(PAGES)}. *Unfriendly 500* counts 500 answers without the friendly "
            "error page (any phase). *Recovery* runs from the end of the fault (Redis answering "
            "again; the last termination) to the first success after which nothing failed. "
            "*Time during* is the median and the slowest answer (or failure) during the fault.",
            "",
            "| fault | requests | errors before | fault length | requests during | time during | "
            "errors during | unfriendly 500 | requests after | errors after | recovery | note |",
            "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
            *(web_row(k, v) for k, v in web.items()),
            "",
        ]
    lines += ["### Targets (issue 10)", ""]
    for name, f in mail.items():
        met = f.lost == 0 and f.duplicates <= f.kills
        lines.append(
            f"- {name}: no lost email and at most one duplicate per kill: "
            f"{'**met**' if met else '**not met**'} ({f.lost} lost, {f.duplicates} duplicates, "
            f"{f.kills} kills)."
        )
    for name, w in web.items():
        met = w.unfriendly_500 == 0 and w.recovery_s is not None and w.after_errors == 0
        lines.append(
            f"- {name}: no 500 without the friendly page, recovery without a manual step: "
            f"{'**met**' if met else '**not met**'}."
        )
    lines += ["", SECTION_END]
    section = "\n".join(lines) + "\n"
    common.write_section(RESULTS, SECTION_START, SECTION_END, section)
    print(f"written to {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--digests", type=int, default=600)
    parser.add_argument("--outage", type=float, default=5.0, help="seconds Redis stays down")
    parser.add_argument("--terminations", type=int, default=5)
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["bulletin", "digests", "redis", "postgres"]
    )
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()

    if not redis_up():
        raise SystemExit("Redis is not running on 127.0.0.1:6379")
    smtp_port = free_port()
    env = environment(smtp_port)
    prepare(env)
    setup_django(env)
    sink = Sink(smtp_port)
    mail: dict[str, MailFigures] = {}
    web: dict[str, WebFigures] = {}
    try:
        if "bulletin" not in options.skip:
            mail["bulletin send"] = phase_bulletin(env, sink, options.subscribers)
            print("bulletin:", mail["bulletin send"])
        if "digests" not in options.skip:
            mail["daily digests"] = phase_digests(env, sink, options.digests)
            print("digests:", mail["daily digests"])
        if "redis" not in options.skip:
            web[f"Redis shut down for {options.outage:.0f} s"] = phase_redis(env, options.outage)
            print("redis:", web)
        if "postgres" not in options.skip:
            web["PostgreSQL backends terminated"] = phase_postgres(env, options.terminations)
            print("postgres:", web)
    finally:
        ensure_redis()
        sink.stop()
    if not options.no_write:
        command = ".venv/bin/python bench/faults.py " + " ".join(sys.argv[1:])
        write_results(command.strip(), mail, web)


if __name__ == "__main__":
    main()
