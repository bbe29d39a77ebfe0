"""Bulletin benchmark: a send through Celery (a real worker on the "bulk" queue) to an SMTP sink,
against a raw smtplib loop to the same sink in the same run.

    .venv/bin/python bench/bulletin.py [--subscribers 100000] [--raw 100000] [--concurrency 2]

Uses its own PostgreSQL database and Redis database (--database-url, --redis-url; created and
migrated when missing, the subscribers seeded once), never those of the environment: the
database "iapt" and Redis db 15 (CI's and the test suite's) are refused. The sink is Postfix's
`smtp-sink` when it is on the PATH, else aiosmtpd in a separate process (much slower: it would be
the bottleneck of both sides). smtp-sink without installing Postfix:
`apt-get download postfix && dpkg -x postfix_*.deb /opt/postfix`, then a `smtp-sink` script on
the PATH that runs /opt/postfix/usr/sbin/smtp-sink with LD_LIBRARY_PATH=/opt/postfix/usr/lib/postfix.

The worker runs as docker-compose runs it: prefork, one process per CPU (Celery's default).
The raw loop sends the same bytes as one bulletin message over one connection with
`smtplib.sendmail`, client and sink pinned to one CPU (its fastest and steadiest); the Celery
figure includes everything a real send does (freezing the editions, one row per recipient,
chunk tasks, claims, a status read and a commit per message, personal links and headers). Reports messages per second, their ratio (target: 0.5 or better),
CPU per message of the worker and of the sink, and the worker's peak memory (VmHWM of each
worker process, from /proc). Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import secrets
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import common
from common import create_database_if_missing

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_bulletin_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"
TARGET_RATIO = 0.5
# CI and the test suite use these: a benchmark must never seed or flush them.
FORBIDDEN_DATABASES = {"iapt"}
FORBIDDEN_REDIS_DBS = {15}
SECTION_START = "<!-- bulletin benchmark -->"
SECTION_END = "<!-- /bulletin benchmark -->"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configure_environment(
    port: int, database_url: str = DEFAULT_DATABASE_URL, redis_url: str = DEFAULT_REDIS_URL
) -> None:
    database = urlsplit(database_url).path.lstrip("/")
    redis_db = int(urlsplit(redis_url).path.lstrip("/") or 0)
    if database in FORBIDDEN_DATABASES or redis_db in FORBIDDEN_REDIS_DBS:
        raise SystemExit(f"refusing to use database {database!r} / Redis db {redis_db}")
    # Set, not defaulted: a DATABASE_URL in the shell must not turn the benchmark onto it.
    os.environ["DATABASE_URL"] = database_url
    os.environ["REDIS_URL"] = redis_url
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "iapt_platform.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["ALLOWED_HOSTS"] = "localhost"
    os.environ["NEWSLETTER_RATE_LIMIT"] = "0"  # measure the machinery, not the limit
    os.environ["CACHE_KEY_PREFIX"] = "iapt-bench-" + secrets.token_hex(4)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))


def start_sink(port: int) -> tuple[subprocess.Popen, str]:
    if shutil.which("smtp-sink"):
        command = ["smtp-sink", "-u", "nobody", f"127.0.0.1:{port}", "1024"]
        if os.geteuid() != 0:
            command = ["smtp-sink", f"127.0.0.1:{port}", "1024"]
        kind = "Postfix smtp-sink"
    else:
        command = [
            sys.executable,
            "-c",
            "import asyncio, sys\n"
            "from aiosmtpd.controller import Controller\n"
            "class Sink:\n"
            "    async def handle_DATA(self, server, session, envelope):\n"
            "        return '250 OK'\n"
            f"c = Controller(Sink(), hostname='127.0.0.1', port={port}); c.start()\n"
            "import time\n"
            "while True: time.sleep(3600)\n",
        ]
        kind = "aiosmtpd (separate process)"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, kind
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the SMTP sink did not start")


def seed(subscribers: int) -> None:
    from newsletter.models import Subscriber

    have = Subscriber.objects.filter(email__endswith="@bench.example").count()
    if have >= subscribers:
        return
    print(f"seeding {subscribers - have} subscribers")
    languages = ["es", "en", "pt-br"]
    batch = []
    for n in range(have, subscribers):
        batch.append(
            Subscriber(
                email=f"reader{n}@bench.example",
                language=languages[n % 3],
                status=Subscriber.Status.CONFIRMED,
                country="EC",
            )
        )
        if len(batch) == 5000:
            Subscriber.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Subscriber.objects.bulk_create(batch, ignore_conflicts=True)


def make_issue():
    from newsletter.models import Block, Edition, Issue

    Issue.objects.filter(status__in=["sending", "scheduled", "draft"]).update(status="cancelled")
    last = Issue.objects.order_by("-number").first()
    issue = Issue.objects.create(number=(last.number + 1) if last else 1)
    body = {
        "es": "El clúster **lácteo** de Cayambe abrió un laboratorio. [Más](https://example.org/a)\n\n"
        + "- Un punto\n- Otro punto\n\n" * 3,
        "en": "The **dairy** cluster of Cayambe opened a lab. [More](https://example.org/a)\n\n"
        + "- One point\n- Another point\n\n" * 3,
        "pt-br": "O cluster **lácteo** de Cayambe abriu um laboratório. [Mais](https://example.org/a)\n\n"
        + "- Um ponto\n- Outro ponto\n\n" * 3,
    }
    for code, subject in (("es", "Boletín"), ("en", "Bulletin"), ("pt-br", "Boletim")):
        Edition.objects.create(
            issue=issue, language=code, subject=f"{subject} {issue.number}", preheader="Noticias"
        )
    for order, kind in enumerate(["intro", "news", "initiatives", "meetings", "call", "free"]):
        Block.objects.create(
            issue=issue,
            kind=kind,
            order=order,
            link_url="https://example.org/more",
            content={
                code: {"title": f"Bloque {order}", "body": text, "image_alt": ""}
                for code, text in body.items()
            },
        )
    return issue


def sample_message(issue) -> tuple[str, bytes]:
    from newsletter.conf import from_email
    from newsletter.models import Subscriber
    from newsletter.rendering import personal_tokens, render_edition
    from newsletter.transport import build_message

    subscriber = Subscriber.objects.filter(language="es").first()
    rendered = render_edition(issue.editions.get(language="es"))
    unsubscribe, preferences = personal_tokens(subscriber.pk)
    message = build_message(
        rendered=rendered,
        issue_id=issue.pk,
        subscriber_id=subscriber.pk,
        email=subscriber.email,
        unsubscribe=unsubscribe,
        preferences=preferences,
    )
    return from_email(), message.message().as_bytes(linesep="\r\n")


@dataclass
class RawRun:
    rate: float  # messages per second
    client_us: float  # CPU of this process per message
    sink_us: float  # CPU of the sink per message


def raw_loop(port: int, count: int, sender: str, data: bytes, sink_pid: int) -> RawRun:
    """The baseline: the same bytes, `count` times, over one smtplib connection.

    The client and the sink are pinned to one CPU for it: each message is four round trips
    between the two, and on this virtual machine waking the other CPU for every reply made the
    loop anywhere between 1,900 and 3,900 messages a second from one run to the next. On one CPU
    it is both steadier and faster, so the reference is the loop's best, not its luck."""
    everywhere = os.sched_getaffinity(0)
    one = {min(everywhere)}
    os.sched_setaffinity(0, one)
    os.sched_setaffinity(sink_pid, one)
    try:
        sink_before = cpu_seconds(sink_pid)
        cpu_before = time.process_time()
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for n in range(count):
                smtp.sendmail(sender, [f"reader{n}@bench.example"], data)
        elapsed = time.perf_counter() - started
    finally:
        os.sched_setaffinity(0, everywhere)
        os.sched_setaffinity(sink_pid, everywhere)
    return RawRun(
        rate=count / elapsed,
        client_us=(time.process_time() - cpu_before) / count * 1e6,
        sink_us=(cpu_seconds(sink_pid) - sink_before) / count * 1e6,
    )


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (0 when it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    pids = [pid]
    for child in Path(f"/proc/{pid}/task").glob("*/children"):
        for token in child.read_text().split():
            pids.extend(process_tree(int(token)))
    return pids


def status_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else 0


def start_worker(concurrency: int, log_path: str = "") -> subprocess.Popen:
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "iapt_platform",
            "worker",
            "-Q",
            "bulk",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-{secrets.token_hex(3)}@%h",
        ],
        cwd=ROOT,
        # The project's logging follows LOG_LEVEL (WARNING for the benchmark): the worker's
        # "ready." line, which this waits for, is INFO.
        env={**os.environ, "LOG_LEVEL": "INFO"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert worker.stdout is not None
    deadline = time.monotonic() + 60
    for line in worker.stdout:
        if "ready." in line:
            break
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not start")
    # Keep draining its output so that it never blocks on a full pipe.
    import threading

    def drain() -> None:
        log = open(log_path, "a") if log_path else None  # noqa: SIM115 (open for the thread's life)
        for line in worker.stdout:  # type: ignore[union-attr]
            if log:
                log.write(line)
                log.flush()

    threading.Thread(target=drain, daemon=True).start()
    return worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--raw", type=int, default=0, help="raw loop size (default: the same N)")
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--worker-log", default="", help="append the worker's output here")
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    raw_count = args.raw or args.subscribers

    # `timeout` or Ctrl-C: leave through `finally`, which stops the worker and the sink.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))
    port = free_port()
    configure_environment(port, args.database_url, args.redis_url)
    create_database_if_missing(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    redis.Redis.from_url(os.environ["REDIS_URL"]).delete("bulk")
    sink, sink_kind = start_sink(port)
    worker = None
    try:
        seed(args.subscribers)
        issue = make_issue()
        sender, data = sample_message(issue)
        print(f"sink: {sink_kind}; message size {len(data)} bytes")
        load_start = os.getloadavg()

        before = raw_loop(port, raw_count, sender, data, sink.pid)
        print(f"raw smtplib loop (before): {raw_count} messages, {before.rate:,.0f} messages/s")

        from newsletter.models import Delivery, Issue
        from newsletter.services import issues

        worker = start_worker(args.concurrency, args.worker_log)
        # CPU from here on: the worker's start-up (imports) is not part of the send.
        worker_before = sum(cpu_seconds(p) for p in process_tree(worker.pid))
        sink_before = cpu_seconds(sink.pid)
        started = time.perf_counter()
        issues.issue_send_now(issue=issue)
        peak_rss = 0
        progress = (-1, started)  # (rows not pending, when that last changed)
        while True:
            pids = process_tree(worker.pid)
            peak_rss = max(peak_rss, sum(status_kb(p, "VmRSS") for p in pids))
            state = Issue.objects.filter(pk=issue.pk).values_list("status", flat=True).get()
            if state == Issue.Status.SENT:
                break
            now = time.perf_counter()
            if now - progress[1] > 30:
                # Every 30 s only: counting rows costs the database what the send needs.
                moved = Delivery.objects.filter(issue=issue).exclude(status="pending").count()
                if moved == progress[0]:
                    raise SystemExit(f"the send stopped moving at {moved} rows")
                progress = (moved, now)
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        sink_cpu = cpu_seconds(sink.pid) - sink_before
        worker_pids = process_tree(worker.pid)
        peaks = {p: status_kb(p, "VmHWM") for p in worker_pids}
        worker_cpu = sum(cpu_seconds(p) for p in worker_pids) - worker_before
        sent = Delivery.objects.filter(issue=issue, status="sent").count()
        issue.refresh_from_db()
        first_claim = Delivery.objects.filter(issue=issue).order_by("claimed_at")[0].claimed_at
        prepare_seconds = (first_claim - issue.send_started_at).total_seconds()
        celery_rate = sent / elapsed
        _kill_worker(worker)
        worker = None
        # The machine's load drifts (other processes share it): the baseline is measured before
        # and after the Celery send, and their mean is the reference.
        after = raw_loop(port, raw_count, sender, data, sink.pid)
        load_end = os.getloadavg()
        print(f"raw smtplib loop (after): {raw_count} messages, {after.rate:,.0f} messages/s")
        raw_rate = (before.rate + after.rate) / 2
        ratio = celery_rate / raw_rate
        peak_process_mb = max(peaks.values()) / 1024
        per_message = {
            "worker": worker_cpu / sent * 1e6,
            "sink": sink_cpu / sent * 1e6,
            "raw_client": (before.client_us + after.client_us) / 2,
            "raw_sink": (before.sink_us + after.sink_us) / 2,
        }
        print(
            f"celery: {sent} messages in {elapsed:.1f} s ({prepare_seconds:.1f} s before the "
            f"first chunk), {celery_rate:,.0f} messages/s ({args.concurrency} worker processes)"
        )
        print(f"ratio celery/raw: {ratio:.2f} (target {TARGET_RATIO} or better)")
        print(
            "CPU per message: worker {worker:.0f} us, sink {sink:.0f} us; raw loop: client "
            "{raw_client:.0f} us, sink {raw_sink:.0f} us".format(**per_message)
        )
        print(
            f"worker peak memory: {peak_process_mb:.0f} MB per process (VmHWM), "
            f"{peak_rss / 1024:.0f} MB all processes together (sampled RSS)"
        )
        print("load average: start " + _load(load_start) + ", end " + _load(load_end))
        if not args.no_write:
            write_results(
                load_start=_load(load_start),
                load_end=_load(load_end),
                subscribers=args.subscribers,
                sent=sent,
                raw_count=raw_count,
                raw_rate=raw_rate,
                raw_before=before.rate,
                raw_after=after.rate,
                celery_rate=celery_rate,
                elapsed=elapsed,
                prepare_seconds=prepare_seconds,
                ratio=ratio,
                concurrency=args.concurrency,
                sink_kind=sink_kind,
                size=len(data),
                peak_process_mb=peak_process_mb,
                peak_total_mb=peak_rss / 1024,
                cpu=per_message,
            )
    finally:
        if worker is not None:
            _kill_worker(worker)
        sink.terminate()
        sink.wait(timeout=10)


def _load(values: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.1f}" for x in values)


def _kill_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)


def write_results(**r) -> None:
    cpu = r["cpu"]
    section = f"""{SECTION_START}
## Bulletin: a send through Celery to an SMTP sink

Run on {datetime.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} CPUs, Python
{platform.python_version()}, PostgreSQL and Redis on the same machine; sink: {r["sink_kind"]}.
Load average (1, 5, 15 min) at the start {r["load_start"]}, at the end {r["load_end"]}: other
processes shared the machine, so figures drift from run to run; the baseline is measured before
and after the Celery send, and the ratio is taken against their mean.
`.venv/bin/python bench/bulletin.py --subscribers {r["subscribers"]}` (smtp-sink on the PATH; its
own database iapt_bulletin_bench and Redis db 14)

| measure | value |
|---|---|
| subscribers sent to (Celery, {r["concurrency"]} worker processes, queue "bulk") | {r["sent"]:,} |
| message size | {r["size"]:,} bytes |
| Celery send, "send" pressed to issue "sent" (rows, chunks, claims, one commit per message) | {r["elapsed"]:.1f} s |
| of which before the first chunk started (freeze editions, create rows, queue chunks) | {r["prepare_seconds"]:.1f} s |
| Celery messages per second | {r["celery_rate"]:,.0f} |
| raw smtplib loop, same bytes, one connection, client and sink on one CPU ({r["raw_count"]:,} messages), before / after | {r["raw_before"]:,.0f} /s / {r["raw_after"]:,.0f} /s |
| raw smtplib loop, mean (the reference) | {r["raw_rate"]:,.0f} /s |
| **ratio Celery / raw** (target {TARGET_RATIO} or better) | **{r["ratio"]:.2f}** |
| CPU per message, Celery: worker processes / sink (PostgreSQL not counted) | {cpu["worker"]:.0f} / {cpu["sink"]:.0f} µs |
| CPU per message, raw loop: client / sink | {cpu["raw_client"]:.0f} / {cpu["raw_sink"]:.0f} µs |
| worker peak memory, largest process (VmHWM) | {r["peak_process_mb"]:.0f} MB |
| worker peak memory, all its processes (sampled RSS) | {r["peak_total_mb"]:.0f} MB |
{SECTION_END}
"""
    common.write_section(RESULTS, SECTION_START, SECTION_END, section)
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
