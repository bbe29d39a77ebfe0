"""Bulletin benchmark: a send to N subscribers through Celery (a real worker on the "bulk" queue)
to an SMTP sink, against a raw smtplib loop to the same sink in the same run.

    .venv/bin/python bench/bulletin.py [--subscribers 100000] [--raw 100000] [--concurrency 2]

Uses a dedicated PostgreSQL database (created and migrated when missing; the subscribers are seeded
once) and Redis. The sink is Postfix's `smtp-sink` when installed, else aiosmtpd in a separate
process. The raw loop sends the same bytes as one bulletin message over one connection, the fastest
a Python client can go; the Celery figure includes everything a real send does (rows, claims, a
status read and a commit per message, personal links, MIME per message). Reports messages per
second, their ratio (target: 0.5 or better), and the worker's peak memory (VmHWM of each worker
process, from /proc). Appends its section to bench/RESULTS.md.
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
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_bench_bulletin"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
TARGET_RATIO = 0.5
SECTION_START = "<!-- bulletin benchmark -->"
SECTION_END = "<!-- /bulletin benchmark -->"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configure_environment(port: int) -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "iapt_platform.settings"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["ALLOWED_HOSTS"] = "localhost"
    os.environ["NEWSLETTER_RATE_LIMIT"] = "0"  # measure the machinery, not the limit
    os.environ["CACHE_KEY_PREFIX"] = "iapt-bench-" + secrets.token_hex(4)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))


def create_database_if_missing(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


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
    from newsletter.services.delivery import build_message

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


def raw_loop(port: int, count: int, sender: str, data: bytes) -> float:
    """The baseline: the same bytes, `count` times, over one smtplib connection."""
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for n in range(count):
            smtp.sendmail(sender, [f"reader{n}@bench.example"], data)
    return count / (time.perf_counter() - started)


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


def start_worker(concurrency: int) -> subprocess.Popen:
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

    threading.Thread(target=lambda: [None for _ in worker.stdout], daemon=True).start()  # type: ignore[union-attr]
    return worker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--raw", type=int, default=0, help="raw loop size (default: the same N)")
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()
    raw_count = args.raw or args.subscribers

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    port = free_port()
    configure_environment(port)
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

        raw_before = raw_loop(port, raw_count, sender, data)
        print(f"raw smtplib loop (before): {raw_count} messages, {raw_before:,.0f} messages/s")

        from newsletter.models import Delivery, Issue
        from newsletter.services import issues

        worker = start_worker(args.concurrency)
        started = time.perf_counter()
        issues.issue_send_now(issue=issue)
        peak_rss = 0
        while True:
            pids = process_tree(worker.pid)
            peak_rss = max(peak_rss, sum(status_kb(p, "VmRSS") for p in pids))
            state = Issue.objects.filter(pk=issue.pk).values_list("status", flat=True).get()
            if state == Issue.Status.SENT:
                break
            if time.perf_counter() - started > 3600:
                raise SystemExit("the send did not finish within an hour")
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        peaks = {p: status_kb(p, "VmHWM") for p in process_tree(worker.pid)}
        sent = Delivery.objects.filter(issue=issue, status="sent").count()
        celery_rate = sent / elapsed
        _kill_worker(worker)
        worker = None
        # The machine's load drifts (other processes share it): the baseline is measured before
        # and after the Celery send, and their mean is the reference.
        raw_after = raw_loop(port, raw_count, sender, data)
        print(f"raw smtplib loop (after): {raw_count} messages, {raw_after:,.0f} messages/s")
        raw_rate = (raw_before + raw_after) / 2
        ratio = celery_rate / raw_rate
        peak_process_mb = max(peaks.values()) / 1024
        print(
            f"celery: {sent} messages in {elapsed:.1f} s, {celery_rate:,.0f} messages/s "
            f"({args.concurrency} worker processes)"
        )
        print(f"ratio celery/raw: {ratio:.2f} (target {TARGET_RATIO} or better)")
        print(
            f"worker peak memory: {peak_process_mb:.0f} MB per process (VmHWM), "
            f"{peak_rss / 1024:.0f} MB all processes together (sampled RSS)"
        )
        if not args.no_write:
            write_results(
                load=load,
                subscribers=args.subscribers,
                sent=sent,
                raw_count=raw_count,
                raw_rate=raw_rate,
                raw_before=raw_before,
                raw_after=raw_after,
                celery_rate=celery_rate,
                elapsed=elapsed,
                ratio=ratio,
                concurrency=args.concurrency,
                sink_kind=sink_kind,
                size=len(data),
                peak_process_mb=peak_process_mb,
                peak_total_mb=peak_rss / 1024,
            )
    finally:
        if worker is not None:
            _kill_worker(worker)
        sink.terminate()
        sink.wait(timeout=10)


def _kill_worker(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)


def write_results(**r) -> None:
    section = f"""{SECTION_START}
## Bulletin: a send through Celery to an SMTP sink

Run on {datetime.date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} CPUs, Python
{platform.python_version()}, PostgreSQL and Redis on the same machine; sink: {r["sink_kind"]};
load average at the start {r["load"]}. Other processes shared the machine, so figures drift from
run to run; the baseline is measured before and after the Celery send.
`.venv/bin/python bench/bulletin.py --subscribers {r["subscribers"]}`

| measure | value |
|---|---|
| subscribers sent to (Celery, {r["concurrency"]} worker processes, queue "bulk") | {r["sent"]:,} |
| message size | {r["size"]:,} bytes |
| Celery send, start to "sent" (rows, chunks, claims, one commit per message) | {r["elapsed"]:.1f} s |
| Celery messages per second | {r["celery_rate"]:,.0f} |
| raw smtplib loop, same bytes, one connection ({r["raw_count"]:,} messages), before / after | {r["raw_before"]:,.0f} /s / {r["raw_after"]:,.0f} /s |
| raw smtplib loop, mean (the reference) | {r["raw_rate"]:,.0f} /s |
| **ratio Celery / raw** (target {TARGET_RATIO} or better) | **{r["ratio"]:.2f}** |
| worker peak memory, largest process (VmHWM) | {r["peak_process_mb"]:.0f} MB |
| worker peak memory, all its processes (sampled RSS) | {r["peak_total_mb"]:.0f} MB |
{SECTION_END}
"""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if SECTION_START in text:
        text = re.sub(
            re.escape(SECTION_START) + ".*?" + re.escape(SECTION_END) + "\n?",
            section,
            text,
            flags=re.S,
        )
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
