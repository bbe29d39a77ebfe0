"""The outbox under faults: transactional emails while Redis restarts empty and the worker is
killed, on PostgreSQL and Redis with a real Celery worker and an SMTP sink.

    .venv/bin/python bench/outbox_faults.py [--emails 1000] [--sweep-every 5] [--no-write]

N emails to N distinct addresses are queued through the real helper (`emails.send`, one
transaction each, as requests do) while a real worker (queue "default", one process) sends them to
an SMTP sink (aiosmtpd in a separate process, logging each recipient). At about 30% Redis is shut
down without saving (`redis-cli shutdown nosave`: every queued task is lost) and started again a
few seconds later with the machine's own command line (always, in a `finally`); at about 60% the
worker is killed with SIGKILL (its whole process group) and started again. A "beat" thread queues
the outbox sweep every few seconds (the beat does it every minute; faster here to keep the run
short) until every row is sent. Counts delivered, lost and duplicated emails (per recipient) and
the time to recover.

Uses its own database (`iapt_bench_outbox`, created and migrated when missing) and Redis
database 11. Writes its figures to bench/RESULTS.md (its own section). Redis restarts empty: on a
shared machine, whoever else uses this Redis loses its queued tasks too.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import faults

ROOT = faults.ROOT
RESULTS = faults.RESULTS
DATABASE = "iapt_bench_outbox"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/11"
DOMAIN = "outbox.bench.example"
SWEEP_AFTER = 15  # OUTBOX_SWEEP_AFTER_SECONDS for the run (60 in production)
SECTION_START = "<!-- bench/outbox_faults.py: start -->"
SECTION_END = "<!-- bench/outbox_faults.py: end -->"


def environment(smtp_port: int) -> dict[str, str]:
    env = faults.environment(smtp_port)
    env.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "OUTBOX_SWEEP_AFTER_SECONDS": str(SWEEP_AFTER),
            "CACHE_KEY_PREFIX": "iapt-outbox-faults",
        }
    )
    return env


def prepare(env: dict[str, str]) -> None:
    if not faults.psql(f"SELECT 1 FROM pg_database WHERE datname='{DATABASE}'"):  # noqa: S608
        faults.psql(f"CREATE DATABASE {DATABASE}")
    subprocess.run(
        [faults.PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL)


def restart_redis_empty(outage: float) -> float:
    """Shut Redis down without saving and start it again; returns the seconds it was away."""
    started = time.monotonic()
    try:
        subprocess.run(["redis-cli", "shutdown", "nosave"], capture_output=True, check=False)
        faults.wait_until(lambda: not faults.redis_up(), timeout=10)
        time.sleep(outage)
    finally:
        subprocess.run(faults.REDIS_START, check=False, capture_output=True)
        faults.wait_until(faults.redis_up, timeout=15)
    return time.monotonic() - started


@dataclass
class Figures:
    emails: int = 0
    delivered: int = 0
    lost: int = 0
    duplicates: int = 0
    max_per_recipient: int = 0
    kills: int = 0
    redis_restarts: int = 0
    redis_away_s: float = 0.0
    tasks_lost: int = 0  # send tasks waiting in Redis when it went down: only the sweep sends those
    queue_s: float = 0.0
    recovered_s: float = 0.0  # from the last email queued to the last row sent
    total_s: float = 0.0
    sweeps: int = 0
    failed_rows: int = 0
    unacked_after: int = 0
    finished: bool = False


def run(env: dict[str, str], sink: faults.Sink, count: int, sweep_every: float) -> Figures:
    from django.db import transaction

    from iapt_platform.lib import emails, tasks
    from iapt_platform.outbox.models import OutgoingEmail

    OutgoingEmail.objects.all().delete()
    redis_client().flushdb()
    figures = Figures(emails=count)
    offset = sink.offset()
    worker = faults.start_worker(env, "default", 1)
    stop_beat = threading.Event()

    def beat() -> None:
        while not stop_beat.wait(sweep_every):
            with contextlib.suppress(Exception):  # the broker away: the beat fails too
                tasks.sweep_outbox.delay()
                figures.sweeps += 1

    def redis_fault() -> None:
        with contextlib.suppress(Exception):
            figures.tasks_lost = redis_client().llen("default")
        figures.redis_away_s = restart_redis_empty(3.0)
        figures.redis_restarts += 1

    beat_thread = threading.Thread(target=beat, daemon=True)
    fault_thread = threading.Thread(target=redis_fault)
    start = time.monotonic()
    try:
        time.sleep(3)  # the worker connects
        beat_thread.start()
        for n in range(count):
            if n == int(count * 0.3):  # the emails go on being queued while Redis is away
                fault_thread.start()
            if n == int(count * 0.6):
                faults.kill_worker(worker)
                figures.kills += 1
                worker = faults.start_worker(env, "default", 1)
            with transaction.atomic():
                emails.send(template="welcome", to=f"reader{n}@{DOMAIN}", language="es")
        fault_thread.join()
        queued_at = time.monotonic()
        figures.queue_s = queued_at - start

        def all_sent() -> bool:
            return not OutgoingEmail.objects.exclude(status="sent").exists()

        figures.finished = faults.wait_until(all_sent, timeout=600)
        figures.recovered_s = time.monotonic() - queued_at
        figures.total_s = time.monotonic() - start
        time.sleep(2)  # the sink writes its last lines
    finally:
        stop_beat.set()
        if fault_thread.is_alive():
            fault_thread.join()
        faults.ensure_redis()
        faults.stop_worker(worker)

    per_recipient = Counter(rcpt for rcpt, _id in sink.lines(offset) if rcpt.endswith(DOMAIN))
    figures.delivered = len(per_recipient)
    figures.lost = count - figures.delivered
    figures.duplicates = sum(n - 1 for n in per_recipient.values())
    figures.max_per_recipient = max(per_recipient.values(), default=0)
    figures.failed_rows = OutgoingEmail.objects.filter(status="failed").count()
    figures.unacked_after = redis_client().hlen("unacked")
    return figures


def write_results(command: str, f: Figures, sweep_every: float) -> None:
    load1, _l5, _l15 = os.getloadavg()
    met = f.lost == 0 and f.duplicates <= f.kills and f.finished
    section = "\n".join(
        [
            SECTION_START,
            f"## Outbox: {f.emails} transactional emails, Redis restarted empty, the worker "
            f"killed ({dt.date.today()})",
            "",
            f"Command: `{command}`",
            "",
            f"Machine: {os.cpu_count()} cores (shared), Python {platform.python_version()}, "
            f"PostgreSQL {faults.psql('SHOW server_version')}, Redis "
            f"{redis_client().info().get('redis_version')}, all on 127.0.0.1; load average "
            f"{load1:.1f} at the end. Production settings (DEBUG off), the bench's own database "
            "and Redis database 11; one worker process (queue default); SMTP sink: aiosmtpd in "
            "a separate process, one line per recipient.",
            "",
            "Each email is queued through `emails.send` in its own transaction. At 30% Redis is "
            f"shut down without saving and started again ({f.redis_away_s:.1f} s away: the "
            f"{f.tasks_lost} send tasks waiting in it are lost); at 60% the worker's process group is killed with SIGKILL and "
            f"a new worker started. The sweep is queued every {sweep_every:g} s (the beat: every "
            f"minute) and takes rows pending for over {SWEEP_AFTER} s (60 s in production).",
            "",
            "| emails | Redis restarts | kills | delivered | lost | duplicates | max per "
            "recipient | failed rows | queueing | last row sent after | whole run | sweeps "
            "| unacked in Redis after |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {f.emails} | {f.redis_restarts} | {f.kills} | {f.delivered} | {f.lost} | "
            f"{f.duplicates} | {f.max_per_recipient} | {f.failed_rows} | {f.queue_s:.1f} s | "
            f"{f.recovered_s:.1f} s | {f.total_s:.1f} s | {f.sweeps} | {f.unacked_after} |",
            "",
            "*Unacked in Redis* are messages the killed worker had taken (acks_late): Celery hands "
            "them out again after the visibility timeout, when their rows are already sent, and "
            "they send nothing.",
            "",
            f"- No email lost, at most one duplicate per kill: {'**met**' if met else '**not met**'}"
            f" ({f.lost} lost, {f.duplicates} duplicates, {f.kills} kill).",
            "",
            SECTION_END,
        ]
    )
    common.write_section(RESULTS, SECTION_START, SECTION_END, section)
    print(f"written to {RESULTS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--sweep-every", type=float, default=5.0, help="seconds between sweeps")
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()

    if not faults.redis_up():
        raise SystemExit("Redis is not running on 127.0.0.1:6379")
    smtp_port = faults.free_port()
    env = environment(smtp_port)
    prepare(env)
    faults.setup_django(env)
    sink = faults.Sink(smtp_port)
    try:
        figures = run(env, sink, options.emails, options.sweep_every)
    finally:
        faults.ensure_redis()
        sink.stop()
    print(figures)
    if not options.no_write:
        command = ".venv/bin/python bench/outbox_faults.py " + " ".join(sys.argv[1:])
        write_results(command.strip(), figures, options.sweep_every)


if __name__ == "__main__":
    main()
