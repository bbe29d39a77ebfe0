"""Two beat processes started by mistake: is anything sent twice?

    .venv/bin/python bench/two_beats.py [--minutes 2] [--people 40] [--no-write]

Starts two real `celery beat` processes (django-celery-beat's scheduler, on one database) and
real workers against PostgreSQL (its own database, `iapt_bench_beats`, created afresh) and Redis
(database 10), with every schedule entry due every minute (bench/two_beats_settings.py), and an
SMTP sink (aiosmtpd, a separate process). Due at the start: a meeting's 1-hour reminder to N
registered people, the daily digest of N members, a scheduled bulletin to N subscribers and the
yearly freshness request to the manager of N initiatives. Two phases of --minutes each:

  lock    two beats, one worker: the second beat's copy of each tick is dropped by the task class
          (iapt_platform/lib/beat.py, a cache `add` per task and minute).
  claims  two beats, two workers whose caches do not share keys (so the lock never holds): what
          the services' own claims do alone, with the two copies running at the same moment.

Counts, per kind, the emails received and the recipients who got more than one. Only 127.0.0.1
is contacted. Writes its figures to bench/RESULTS.md (its own section).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from faults import Sink, free_port, psql, stop_worker  # the SMTP sink and helpers of faults.py

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
CELERY = str(ROOT / ".venv" / "bin" / "celery")
RESULTS = ROOT / "bench" / "RESULTS.md"
DATABASE = "iapt_bench_beats"
REDIS_DB = 10
SECTION_START = "<!-- bench/two_beats.py: start -->"
SECTION_END = "<!-- bench/two_beats.py: end -->"
DOMAIN = "beats.bench.example"
KINDS = ("reminder", "digest", "bulletin", "freshness")


def environment(smtp_port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.two_beats_settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": "http://127.0.0.1:8000",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
            "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "CACHE_KEY_PREFIX": "iapt-beats",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def prepare(env: dict[str, str]) -> None:
    psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    psql(f"CREATE DATABASE {DATABASE}")
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], check=True, capture_output=True)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(people: int) -> None:
    """Everything due at once: reminders, digests, a scheduled bulletin, freshness requests."""
    from django.utils import timezone

    from community import services as forum
    from community.digests import period_for
    from community.meetings.models import Meeting, Registration
    from community.models import EmailFrequency
    from iapt_platform.accounts.models import User
    from initiatives.models import Initiative, Sector
    from newsletter.models import Block, Edition, Issue, Subscriber

    now = timezone.now()
    users = []
    for n in range(people):
        user = User(email=f"member{n}@{DOMAIN}", display_name=f"Member {n}", time_zone="UTC")
        user.set_unusable_password()
        users.append(user)
    users = User.objects.bulk_create(users)
    for user in users:
        profile = forum.profile_for(user=user)
        profile.email_frequency = EmailFrequency.DAILY
        profile.save(update_fields=["email_frequency"])

    meeting = Meeting.objects.create(
        slug="two-beats",
        title_es="Encuentro",
        title_en="Meeting",
        title_pt_br="Encontro",
        starts_at=now + dt.timedelta(minutes=50),
        ends_at=now + dt.timedelta(minutes=110),
        organiser_time_zone="America/Santiago",
        online_link="https://meet.example.org/abc",
        status=Meeting.Status.SCHEDULED,
        published_at=now - dt.timedelta(days=10),
    )
    Registration.objects.bulk_create(
        Registration(
            meeting=meeting,
            name=f"Persona {n}",
            email=f"attendee{n}@{DOMAIN}",
            language="es",
            time_zone="America/Guayaquil",
            status=Registration.Status.REGISTERED,
            created_at=now - dt.timedelta(days=5),
        )
        for n in range(people)
    )

    sector = Sector.objects.create(slug="tourism", name="Turismo")
    start, _end = period_for(kind="daily", now=now, zone="UTC")
    for n, user in enumerate(users):
        initiative = Initiative.objects.create(
            slug=f"cluster-{n}",
            name=f"Clúster {n}",
            country="EC",
            city="Quito",
            status=Initiative.Status.PUBLISHED,
            published_at=start + dt.timedelta(hours=1),  # news for the digests
            last_verified_at=now - dt.timedelta(days=400),  # due for a freshness request
        )
        initiative.sectors.add(sector)
        initiative.managers.add(user)

    Subscriber.objects.bulk_create(
        Subscriber(email=f"reader{n}@{DOMAIN}", language="es", status=Subscriber.Status.CONFIRMED)
        for n in range(people)
    )
    issue = Issue.objects.create(
        number=1, status=Issue.Status.SCHEDULED, scheduled_at=now - dt.timedelta(minutes=1)
    )
    for code in ("es", "en", "pt-br"):
        Edition.objects.create(issue=issue, language=code, subject="Boletín de prueba")
    Block.objects.create(
        issue=issue,
        kind="intro",
        content={
            c: {"title": "Hola", "body": "Texto.", "image_alt": ""} for c in ("es", "en", "pt-br")
        },
    )


def kind_of(recipient: str, subject: str) -> str:
    if recipient.startswith("attendee"):
        return "reminder"
    if recipient.startswith("reader"):
        return "bulletin"
    return "freshness" if re.search(r"Cl[uú]ster \d+", subject) else "digest"


def start(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    output = log.open("ab")
    process = subprocess.Popen(
        [CELERY, "-A", "iapt_platform", *args],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=output,
        stderr=output,
    )
    output.close()
    return process


def run_phase(name: str, env: dict[str, str], sink: Sink, minutes: float, log: Path) -> dict:
    from django.db import connection

    from newsletter.models import Issue

    offset = sink.offset()
    log_offset = log.stat().st_size if log.exists() else 0
    processes = []
    workers = 1 if name == "lock" else 2
    try:
        for n in range(workers):
            worker_env = dict(env)
            if name == "claims":  # caches that share no key: the lock never holds
                worker_env["CACHE_KEY_PREFIX"] = f"iapt-beats-{n}"
            processes.append(
                start(
                    worker_env,
                    "worker",
                    "-Q",
                    "default,bulk",
                    "--concurrency",
                    "2",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "-n",
                    f"beats{n}-{secrets.token_hex(2)}@%h",
                    log=log,
                )
            )
        for n in range(2):
            schedule = f"/tmp/two-beats-{secrets.token_hex(3)}-{n}"  # noqa: S108 (beat's own state)
            processes.append(
                start(env, "beat", "-s", schedule, "--pidfile=", "--loglevel", "INFO", log=log)
            )
        time.sleep(minutes * 60)
    finally:
        for process in processes:
            stop_worker(process)  # SIGTERM to its process group, SIGKILL after 20 s
    connection.close()
    received = sink.lines_with_subject(offset)
    counts = Counter((kind_of(r, s), r) for r, s in received)
    figures = {"phase": name, "workers": workers}
    for kind in KINDS:
        per_kind = {r: c for (k, r), c in counts.items() if k == kind}
        figures[kind] = (len(per_kind), sum(c - 1 for c in per_kind.values()))
    figures["issue"] = Issue.objects.get(number=1).status
    output = log.read_bytes()[log_offset:].decode(errors="replace")
    figures["sent_by_beats"] = output.count("Sending due task")
    figures["dropped_by_lock"] = output.count("is a second beat running?")
    figures["errors"] = len(re.findall(r"\] ERROR|Traceback", output))
    return figures


class SubjectSink(Sink):
    """The faults bench's sink, logging the Subject instead of the Message-ID."""

    def __init__(self, port: int) -> None:
        import faults

        faults.SINK_CODE = faults.SINK_CODE.replace("message['Message-ID']", "message['Subject']")
        super().__init__(port)

    def lines_with_subject(self, since: int = 0) -> list[tuple[str, str]]:
        from email.header import decode_header, make_header

        return [(r, str(make_header(decode_header(s)))) for r, s in self.lines(since)]


def reset_due_items(people: int) -> None:
    """Make everything due again for the next phase (what a new day would do)."""
    from django.utils import timezone

    from community.meetings.models import NoticeDelivery
    from community.models import Digest
    from initiatives.models import Initiative
    from newsletter.models import Delivery, Issue

    NoticeDelivery.objects.all().delete()
    Digest.objects.all().delete()
    Initiative.objects.update(freshness_requested_at=None)
    Delivery.objects.all().delete()
    Issue.objects.filter(number=1).update(
        status=Issue.Status.SCHEDULED, scheduled_at=timezone.now() - dt.timedelta(minutes=1)
    )


def write_results(rows: list[dict], people: int, minutes: float) -> None:
    lines = [
        SECTION_START,
        "## Two beats at once (bench/two_beats.py)",
        "",
        f"`.venv/bin/python bench/two_beats.py --minutes {minutes:g} --people {people}` on "
        f"{dt.date.today().isoformat()}: two `celery beat` processes, every entry due every "
        f"minute, PostgreSQL and Redis on 127.0.0.1, an aiosmtpd sink. {people} items of each "
        "kind due at the start of each phase.",
        "",
        "| phase | workers | beat messages | dropped by the lock | "
        + " | ".join(f"{k}: received / duplicates" for k in KINDS)
        + " | bulletin | errors |",
        "|---|---|---|---|" + "---|" * len(KINDS) + "---|---|",
    ]
    for row in rows:
        cells = " | ".join(f"{row[k][0]} / {row[k][1]}" for k in KINDS)
        lines.append(
            f"| {row['phase']} | {row['workers']} | {row['sent_by_beats']} | "
            f"{row['dropped_by_lock']} | {cells} | {row['issue']} | {row['errors']} |"
        )
    claims = rows[-1]
    past_the_lock = claims["sent_by_beats"] // 2 - claims["dropped_by_lock"]
    lines += [
        "",
        "`lock`: one worker; the second beat's message of each task and minute is dropped "
        "(`iapt_platform/lib/beat.py`). `claims`: two workers whose caches share no key, so the "
        "lock holds only when one worker happens to take both copies; here "
        f"{past_the_lock} second copies ran beside the first, in the other worker, and the "
        "services' claims (conditional UPDATEs, unique rows, `select_for_update(skip_locked)`) "
        "alone kept each email single.",
        SECTION_END,
    ]
    text = RESULTS.read_text() if RESULTS.exists() else ""
    section = "\n".join(lines)
    if SECTION_START in text:
        before, rest = text.split(SECTION_START, 1)
        text = before + section + rest.split(SECTION_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument("--no-write", action="store_true")
    options = parser.parse_args()

    port = free_port()
    env = environment(port)
    prepare(env)
    seed(options.people)
    log = Path(f"/tmp/two-beats-{secrets.token_hex(3)}.log")  # noqa: S108
    sink = SubjectSink(port)
    rows = []
    try:
        for number, phase in enumerate(("lock", "claims")):
            if number:
                reset_due_items(options.people)
            row = run_phase(phase, env, sink, options.minutes, log)
            print(row, flush=True)
            rows.append(row)
    finally:
        sink.stop()
    print(f"celery output: {log}")
    if not options.no_write:
        write_results(rows, options.people, options.minutes)


if __name__ == "__main__":
    socket.setdefaulttimeout(30)
    main()
