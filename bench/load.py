"""A bounded loopback load test: gunicorn with production settings on PostgreSQL and Redis.

    .venv/bin/python bench/load.py [--rate 100] [--duration 30] [--find] [--skip-prepare]
        [--small] [--member-share 0.5] [--workers 3] [--threads 16] [--max-concurrent 5]
        [--queue-timeout 100] [--worker-class CLASS] [--tune] [--no-write]

Prepares a dedicated database: by default the scale database of bench/scale.py (iapt_scale:
migrate, seed_demo, 100,000 initiatives, 50,000 library resources, 100,000 forum posts, seeded
once by bulk inserts and reused by later runs), then 120 established members of its own
(`--small`: the database iapt_load at the platform's own scale instead, about 480 initiatives, 40
stories and 60 forum threads). It removes the replies an earlier run posted, empties its own
Redis database (LOAD_REDIS_URL, default db 13), starts gunicorn on 127.0.0.1:8077 (LOAD_PORT) with
the repository's gunicorn.conf.py (threaded workers, load shedding in Django), measures a
baseline (a static file served by the same gunicorn, open loop at the target rate), then sends
an open-loop mix at a target rate, then at twice that rate (`--find` then steps down, or up, by a
fifth of the rate to the highest rate that meets the target; `--tune` runs the target phase alone
and writes nothing, to compare server settings). Each page's p50 and p99 are also printed as
ratios to the static file's in the same run.

- visitors (no cookie): home, the directory with filters and pages, registry search, initiative
  pages, the story list and success-story pages, the library, its search and resource pages, in
  Spanish, Portuguese and English;
- signed-in members (`--member-share` of all requests, half by default): forum thread pages and
  the forum index, the same public pages as the visitors with their session cookie, and about 5%
  of all requests are forum replies posted through the form with its CSRF token (real writes,
  checked in the database afterwards). Posts rotate over the members, so the per-member posting
  limit (5 a minute) is not what is measured; any 429 is reported apart, as "rate limited by
  design".

Arrivals are a Poisson process at the rate asked, whatever the answers (open loop); a request's
time runs from when it was due to leave until its answer is read, so a slow server cannot hide
its queue by slowing the generator (no coordinated omission). Every request goes to 127.0.0.1; the
number of requests is bounded (rate x duration per phase) and the script stops by itself. The
results go to stdout and to bench/RESULTS.md between this script's markers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import common

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PORT = int(os.environ.get("LOAD_PORT", "8077"))
PYTHON = str(ROOT / ".venv" / "bin" / "python")
RESULTS = ROOT / "bench" / "RESULTS.md"
START_MARKER = "<!-- bench/load.py: start -->"
END_MARKER = "<!-- bench/load.py: end -->"

INITIATIVES = 480  # about what the press counted in the region
STORIES = 40
THREADS = 60
MEMBERS = 120
MEMBER_EMAIL = "load.member.{:03d}@load.iapt.local"
TARGET_P99_MS = 300.0
# Under overload (twice the rate) a refusal must come quickly: the p99 of the shed 503s.
QUICK_503_MS = 500.0
TIMEOUT_S = 10.0


# --- Environment ----------------------------------------------------------------------------------


def production_env(options: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "iapt_platform.settings",
            "DEBUG": "false",
            "SECRET_KEY": env.get("LOAD_SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{PORT}",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": env.get(
                "LOAD_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/"
                + ("iapt_load" if options.small else "iapt_scale"),
            ),
            "REDIS_URL": env.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/13"),
            "EMAIL_URL": "dummymail://",  # nothing leaves the machine
            # The project's own files stay untouched: static files and uploads live under bench/out.
            "STATIC_ROOT": str(OUT / "load-static"),
            "MEDIA_ROOT": str(OUT / "load-media"),
            "PRIVATE_MEDIA_ROOT": str(OUT / "load-private-media"),
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": str(options.workers),
            "GUNICORN_THREADS": str(options.threads),
            "MAX_CONCURRENT_REQUESTS": str(options.max_concurrent),
            "REQUEST_QUEUE_TIMEOUT": str(options.queue_timeout),
        }
    )
    env["LOAD_SECRET_KEY"] = env["SECRET_KEY"]
    return env


def run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def inside(step: str, env: dict[str, str]) -> dict:
    """Run one of the Django-side steps below in a subprocess; it prints JSON."""
    out = subprocess.run(
        [PYTHON, __file__, "--inside", step],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(env: dict[str, str], *, small: bool) -> None:
    database = env["DATABASE_URL"].rsplit("/", 1)[1]
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database) or database == "iapt":
        raise SystemExit(f"unexpected database name {database!r}")
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres"]
    query = f"SELECT 1 FROM pg_database WHERE datname='{database}'"  # noqa: S608 (name checked)
    exists = subprocess.run(
        [*psql, "-tAc", query], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not exists:
        subprocess.run([*psql, "-qc", f"CREATE DATABASE {database}"], check=True)
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    if small:
        run([PYTHON, "manage.py", "seed_demo"], env)
    else:  # the scale of issue 18 on top of seed_demo, bulk-seeded once and then reused
        subprocess.run(
            [PYTHON, str(ROOT / "bench" / "scale.py")],
            cwd=ROOT,
            env={**env, "SCALE_DATABASE_URL": env["DATABASE_URL"]},
            check=True,
        )
    if not any((ROOT / "locale").glob("*/LC_MESSAGES/django.mo")):
        run([PYTHON, "scripts/compile_translations.py"], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    print("seeded:", inside("seed", env))


def flush_redis(env: dict[str, str]) -> None:
    """Empty this benchmark's own Redis database: cache, posting counters, queued tasks."""
    import redis

    url = env["REDIS_URL"]
    if url.rstrip("/").rsplit("/", 1)[-1] in ("", "0", "15"):
        raise SystemExit(f"refusing to flush a shared Redis database: {url}")
    redis.Redis.from_url(url).flushdb()


# --- Django side (runs in a subprocess with the production environment) --------------------------

FIRST = ["Ana", "Bruno", "Camila", "Diego", "Elena", "Fábio", "Gabriela", "Hugo", "Inés", "Joaquín"]
LAST = ["Aguilar", "Barbosa", "Castro", "Duarte", "Escobar", "Ferreira", "Gómez", "Herrera"]
ZONES = ["America/Bogota", "America/Sao_Paulo", "America/Mexico_City", "America/Santiago"]
REPLIES = [
    "En nuestro clúster probamos algo parecido: **mesas técnicas** cada dos meses con las "
    "empresas líderes y la universidad. Lo difícil fue sostener la asistencia.",
    "Nos sirvió medir pocas cosas bien: ventas conjuntas, proyectos con universidades y "
    "empleo. ¿Alguien tiene una línea de base antes de la intervención?",
    "No nosso caso o financiamento veio de um fundo estadual com contrapartida das empresas; "
    "a governança foi o que mais pesou na aprovação.",
    "We ran a short training for cluster managers last year:\n\n- strategy\n- financing\n"
    "- impact evaluation\n\nHappy to share the materials.",
    "Gracias por compartir. ¿Cómo resolvieron la coordinación entre el gobierno provincial y "
    "la cámara de comercio?",
    "Concordo. Um diagnóstico participativo no início evitou muitos conflitos depois.",
]


REPLY_MARK = "\n\n(carga "  # ends every reply the load test posts, so the next run can remove it


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed_inside() -> dict:
    """The platform at its real size, on top of seed_demo (idempotent: tops up what is missing)."""
    _django()
    from allauth.account.models import EmailAddress
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from community import services as forum
    from community.models import Category, Post, Thread
    from iapt_platform.accounts import roles
    from iapt_platform.accounts.models import User
    from initiatives import demo
    from initiatives import services as registry
    from initiatives.models import Initiative, Sector
    from initiatives.stories.models import Story

    rng = random.Random(11)
    now = timezone.now()
    with transaction.atomic():
        members = []
        for n in range(MEMBERS):
            user, created = User.objects.get_or_create(
                email=MEMBER_EMAIL.format(n),
                defaults={
                    "display_name": f"{FIRST[n % len(FIRST)]} {LAST[n // len(FIRST) % len(LAST)]}",
                    "organisation": f"Clúster {n}",
                    "language": ("es", "pt-br", "en")[n % 3],
                    "time_zone": ZONES[n % len(ZONES)],
                    "country": ("CO", "BR", "MX", "CL", "AR", "PE")[n % 6],
                },
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                EmailAddress.objects.create(
                    user=user, email=user.email, verified=True, primary=True
                )
                roles.grant_role(user, roles.MEMBER)
                forum.profile_for(user=user)
            members.append(user)

        sectors = {s.slug: s for s in Sector.objects.all()}
        have = Initiative.objects.published().count()
        names = set(Initiative.objects.values_list("name", flat=True))
        made_initiatives = 0
        for suffix in ("", " Norte", " Sur", " Centro"):
            for index, (country, territory, city, lat, lng, language) in enumerate(demo.PLACES):
                for offset in range(len(demo.PATTERNS)):
                    if have + made_initiatives >= INITIATIVES:
                        break
                    pattern = demo.PATTERNS[(index + offset) % len(demo.PATTERNS)]
                    sector, kind, stage, es, pt, en, digital = pattern
                    template = {"es": es, "pt-br": pt, "en": en}[language]
                    name = template.format(city=city, territory=territory) + suffix
                    if name in names:
                        continue
                    names.add(name)
                    initiative = Initiative.objects.create(
                        slug=slugify(name)[:120],
                        name=name,
                        kind=kind,
                        country=country,
                        territory=territory,
                        city=city,
                        latitude=round(lat + rng.uniform(-0.2, 0.2), 4),
                        longitude=round(lng + rng.uniform(-0.2, 0.2), 4),
                        year_founded=1990 + rng.randrange(34),
                        description=f"Empresas, universidades y gobierno local de {city} "
                        f"trabajan juntos en {territory}.",
                        description_language="es" if language == "es" else language,
                        status=Initiative.Status.PUBLISHED,
                        stage=stage or "developing",
                        digital_focus=digital,
                        contact_name="Equipo de coordinación",
                        contact_email=f"contacto{made_initiatives}@load.example.org",
                        contact_email_visibility="members",
                        published_at=now,
                        last_verified_at=now,
                    )
                    initiative.sectors.set([sectors[sector]])
                    registry.initiative_refresh_search(initiative=initiative)
                    made_initiatives += 1

        demo_stories = list(Story.objects.public().exclude(slug__startswith="load-"))
        made_stories = 0
        for n in range(STORIES - Story.objects.public().count()):
            base = demo_stories[n % len(demo_stories)]
            story = Story.objects.create(
                slug=f"load-{n}-{base.slug}"[:160],
                kind=base.kind,
                status=Story.Status.PUBLISHED,
                countries=base.countries,
                author_credits=base.author_credits,
                hero_image=base.hero_image.name,
                hero_width=base.hero_width,
                hero_height=base.hero_height,
                hero_renditions=base.hero_renditions,
                video_provider=base.video_provider,
                video_id=base.video_id,
                published_at=now - timezone.timedelta(days=30 + n * 11),
                **{
                    f"{f}_{code}": getattr(base, f"{f}_{code}")
                    for f in ("title", "summary", "body", "hero_alt")
                    for code in ("es", "en", "pt_br")
                },
            )
            story.initiatives.set(base.initiatives.all())
            story.topics.set(base.topics.all())
            story.sectors.set(base.sectors.all())
            made_stories += 1

        categories = list(Category.objects.filter(is_private=False))
        made_threads = 0
        for n in range(THREADS - Thread.objects.count()):
            author = members[n % len(members)]
            thread = Thread.objects.create(
                category=categories[n % len(categories)],
                title=f"Experiencias de los clústeres, tema {n + 1}: financiamiento y gobernanza",
                author=author,
                is_question=n % 3 == 0,
                last_posted_at=now,
            )
            for order in range(rng.choice([2, 4, 6, 10, 15, 25, 40])):
                writer = author if order == 0 else rng.choice(members)
                post = Post.objects.create(
                    thread=thread,
                    author=writer,
                    body=REPLIES[(n + order) % len(REPLIES)],
                    language=writer.language,
                    is_opening=order == 0,
                    status=Post.Status.PUBLISHED,
                    published_at=now,
                )
                forum.post_refresh_search(post=post)
            forum.thread_refresh(thread=thread)
            made_threads += 1
        # Every load member is established (two published posts), so replies publish at once.
        for user in members:
            missing = 2 - Post.objects.filter(author=user, status=Post.Status.PUBLISHED).count()
            for _ in range(max(missing, 0)):
                thread = rng.choice(list(Thread.objects.filter(category__in=categories)[:20]))
                post = Post.objects.create(
                    thread=thread,
                    author=user,
                    body=rng.choice(REPLIES),
                    language=user.language,
                    status=Post.Status.PUBLISHED,
                    published_at=now,
                )
                forum.post_refresh_search(post=post)
    return {
        "initiatives made": made_initiatives,
        "stories made": made_stories,
        "threads made": made_threads,
        "published initiatives": Initiative.objects.published().count(),
        "public stories": Story.objects.public().count(),
        "threads": Thread.objects.count(),
        "posts": Post.objects.count(),
    }


def reset_forum() -> int:
    """Back to the seeded forum: earlier runs' replies, their notifications and watches go.

    Without it every run would measure fuller thread pages and a wider notification fan-out."""
    from django.db import transaction

    from community import services as forum
    from community.models import Post, Thread, Watch

    members = {"email__endswith": "@load.iapt.local"}
    with transaction.atomic():
        replies = Post.objects.filter(body__contains=REPLY_MARK)
        touched = set(replies.values_list("thread_id", flat=True))
        removed, _detail = replies.delete()  # their notifications go with them (cascade)
        Watch.objects.filter(user__in=_users(members)).delete()
        seeded = Post.objects.filter(author__in=_users(members)).values_list("author", "thread")
        Watch.objects.bulk_create(
            [Watch(user_id=u, thread_id=t) for u, t in set(seeded)], ignore_conflicts=True
        )
        for thread in Thread.objects.filter(pk__in=touched):
            forum.thread_refresh(thread=thread)
    return removed


def _users(lookup: dict):
    from iapt_platform.accounts.models import User

    return User.objects.filter(**lookup)


def targets_inside() -> dict:
    """Fresh sessions for the load members, and the pages the mix picks from."""
    _django()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from community.models import Category, Post, Thread
    from iapt_platform.accounts.models import User
    from initiatives.models import Initiative
    from initiatives.stories.models import Story

    removed = reset_forum()

    store = import_module(settings.SESSION_ENGINE).SessionStore
    sessions = []
    for user in User.objects.filter(email__endswith="@load.iapt.local").order_by("email"):
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        sessions.append(session.session_key)
    public = Category.objects.filter(is_private=False)
    threads = Thread.objects.filter(
        category__in=public, is_published=True, hidden=False, locked=False
    )
    published = Initiative.objects.published()
    from library.models import Resource

    with open(Path(settings.STATIC_ROOT) / "staticfiles.json") as manifest:
        paths = json.load(manifest)["paths"]
    css = sorted(v for k, v in paths.items() if k.endswith(".css") and "admin" not in k)
    return {
        "static": settings.STATIC_URL + css[0],
        "resource count": Resource.objects.published().count(),
        "resources": list(
            Resource.objects.published()
            .order_by("-published_at")
            .values_list("slug", flat=True)[:5000]
        ),
        "sessions": sessions,
        "initiatives": list(published.values_list("slug", flat=True)),
        **common.list_filter_values(),
        "stories": list(Story.objects.public().values_list("slug", flat=True)),
        "threads": list(threads.values_list("pk", flat=True)),
        "posts": Post.objects.count(),
        "load_posts": Post.objects.filter(author__email__endswith="@load.iapt.local").count(),
        "removed": removed,
    }


def count_inside() -> dict:
    _django()
    from community.models import Post

    mine = Post.objects.filter(author__email__endswith="@load.iapt.local")
    return {"load_posts": mine.count(), "published": mine.filter(status="published").count()}


# --- The server ------------------------------------------------------------------------------------


WORKER_CLASS = ""  # gunicorn.conf.py's unless --worker-class says otherwise


def start_gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "iapt_platform.wsgi:application",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "info",  # worker boots and timeouts, counted afterwards
            *(["--worker-class", WORKER_CLASS] if WORKER_CLASS else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
        status, _headers, _body = asyncio.run(fetch("GET", "/healthz", {}))
        if status == 200:
            return process
        time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not become healthy in 90 s")


# --- The client ------------------------------------------------------------------------------------


async def fetch(
    method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> tuple[int, dict[str, list[str]], bytes]:
    """One HTTP/1.1 exchange on a fresh connection (as a proxy without upstream keep-alive does).

    Status 0: refused or dropped connection; -1: no full answer within TIMEOUT_S (and -2, set by
    the caller: a page cut short)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{PORT}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    writer = None
    try:
        async with asyncio.timeout(TIMEOUT_S):
            reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
            writer.write(raw)
            await writer.drain()
            data = await reader.read()
    except TimeoutError:
        return -1, {}, b""
    except OSError:
        return 0, {}, b""
    finally:
        if writer is not None:
            writer.close()
    head, _sep, content = data.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(head_lines[0].split()[1])
    except (IndexError, ValueError):
        return 0, {}, b""
    parsed: dict[str, list[str]] = {}
    for line in head_lines[1:]:
        name, _colon, value = line.partition(":")
        parsed.setdefault(name.strip().lower(), []).append(value.strip())
    return status, parsed, content


@dataclass
class Member:
    session: str
    csrf_cookie: str = ""
    csrf_token: str = ""
    prefix: str = ""  # the address prefix of the member's language ("/en"; Spanish has none)

    def cookie(self) -> str:
        return f"sessionid={self.session}; csrftoken={self.csrf_cookie}"


async def member_csrf(member: Member, thread: int) -> None:
    """A member opens a thread page once: the CSRF cookie and the reply form's token."""
    path = f"/community/t/{thread}/"
    for _attempt in range(8):
        status, headers, body = await fetch("GET", path, {"Cookie": f"sessionid={member.session}"})
        if status in (301, 302) and headers.get("location"):
            # A member's pages live under the prefix of their language (/en/, /pt-br/).
            path = re.sub(r"^https?://[^/]+", "", headers["location"][0])
            member.prefix = path.split("/community/", 1)[0]
            continue
        if status != 503:
            break
        await asyncio.sleep(1)  # a cold server may shed the first requests: as a browser would
    cookie = next(
        (
            m.group(1)
            for c in headers.get("set-cookie", [])
            if (m := re.match(r"csrftoken=([^;]+)", c))
        ),
        "",
    )
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not cookie or token is None:
        raise SystemExit(f"no reply form for a load member (status {status})")
    member.csrf_cookie, member.csrf_token = cookie, token.group(1).decode()


LANGUAGES = [("es", 6), ("pt-BR,pt;q=0.9", 2), ("en", 2)]


class Mix:
    """What a request is: (kind, method, path, member or None), drawn by weight."""

    def __init__(
        self, targets: dict, members: list[Member], rng: random.Random, member_share: float = 0.5
    ):
        self.t, self.members, self.rng = targets, members, rng
        self.next_poster = 0
        self.kinds = [
            ("home", 8, self.home),
            ("directory", 10, self.directory),
            ("directory filtered", 12, self.filtered),
            ("search", 12, self.search),
            ("initiative", 14, self.initiative),
            ("story list", 4, lambda: "/stories/"),
            ("story", 10, self.story),
            ("library", 4, self.library),
            ("library search", 4, self.library_search),
            ("resource", 4, self.resource),
            ("forum thread", 15, self.thread),
            ("forum index", 3, lambda: "/community/"),
            ("post reply", 5, None),
        ]
        self.weights = [w for _k, w, _f in self.kinds]
        # Forum requests always carry a member's cookie; the other pages do with the chance that
        # makes `member_share` of all requests signed in.
        forum = sum(w for k, w, _f in self.kinds if k.startswith(("forum", "post")))
        public = sum(self.weights) - forum
        self.member_chance = min(1.0, max(0.0, (member_share * sum(self.weights) - forum) / public))

    def library(self) -> str:
        return self.rng.choice(["/library/", "/library/?page=2", "/library/?sort=title"])

    def library_search(self) -> str:
        return common.library_search_address(self.rng)

    def resource(self) -> str:
        if not self.t.get("resources"):
            return "/library/"
        return f"/library/{self.rng.choice(self.t['resources'])}/"

    def home(self) -> str:
        return "/"

    def directory(self) -> str:
        return self.rng.choice(["/initiatives/", "/initiatives/?page=2", "/initiatives/?page=3"])

    def filtered(self) -> str:
        return common.filtered_address(self.rng, self.t["countries"], self.t["sectors"])

    def search(self) -> str:
        return common.directory_search_address(self.rng, self.t["countries"])

    def initiative(self) -> str:
        return f"/initiatives/{self.rng.choice(self.t['initiatives'])}/"

    def story(self) -> str:
        return f"/stories/{self.rng.choice(self.t['stories'])}/"

    def thread(self) -> str:
        return f"/community/t/{self.rng.choice(self.t['threads'])}/"

    def draw(self) -> tuple[str, str, str, Member | None, bytes]:
        kind, _w, make = self.rng.choices(self.kinds, weights=self.weights)[0]
        if kind == "post reply":
            # Round robin over the members: each posts well under the limit of 5 a minute.
            member = self.members[self.next_poster % len(self.members)]
            self.next_poster += 1
            body = urlencode(
                {
                    "csrfmiddlewaretoken": member.csrf_token,
                    "body": f"{self.rng.choice(REPLIES)}{REPLY_MARK}{self.next_poster})",
                }
            ).encode()
            return kind, "POST", member.prefix + self.thread(), member, body
        if kind.startswith("forum"):
            member = self.rng.choice(self.members)
        elif self.rng.random() < self.member_chance:
            member = self.rng.choice(self.members)
            kind += " (member)"
        else:
            member = None
        return kind, "GET", (member.prefix if member else "") + make(), member, b""


@dataclass
class Result:
    kind: str
    status: int
    ms: float
    lag_ms: float
    shed: bool


async def one(mix_entry, due: float, language: str) -> Result:
    kind, method, path, member, body = mix_entry
    lag = (time.perf_counter() - due) * 1000
    headers = {"Accept-Language": language, "User-Agent": "iapt-bench-load"}
    if member is not None:
        headers["Cookie"] = member.cookie()
    status, answer, content = await fetch(method, path, headers, body)
    for _ in range(2):  # a redirect to the reader's language, followed as a browser does
        if method != "GET" or status not in (301, 302) or not answer.get("location"):
            break
        path = re.sub(r"^https?://[^/]+", "", answer["location"][0])
        status, answer, content = await fetch(method, path, headers, body)
    if status == 200 and kind != STATIC and b"</html>" not in content[-2000:]:
        status = -2  # a page cut short
    shed = status == 503 and "retry-after" in answer
    return Result(kind, status, (time.perf_counter() - due) * 1000, lag, shed)


STATIC = "static file (baseline)"


class StaticMix:
    """The baseline: a static file served by WhiteNoise in the same gunicorn."""

    def __init__(self, path: str):
        self.path = path

    def draw(self) -> tuple[str, str, str, Member | None, bytes]:
        return STATIC, "GET", self.path, None, b""


async def phase(
    mix: Mix | StaticMix, rate: float, duration: float, rng: random.Random
) -> list[Result]:
    """Poisson arrivals at `rate` for `duration` seconds; every request runs to its answer."""
    tasks = []
    start = time.perf_counter()
    due = start
    languages = [lang for lang, _w in LANGUAGES]
    language_weights = [w for _lang, w in LANGUAGES]
    while True:
        due += rng.expovariate(rate)
        if due - start >= duration:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        entry = mix.draw()
        language = rng.choices(languages, weights=language_weights)[0]
        tasks.append(asyncio.create_task(one(entry, due, language)))
    return list(await asyncio.gather(*tasks))


# --- Figures --------------------------------------------------------------------------------------


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def is_success(r: Result) -> bool:
    return 200 <= r.status < 300 or (r.kind == "post reply" and r.status == 302)


def summarise(label: str, rate: float, duration: float, results: list[Result]) -> dict:
    statuses: dict[int, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    shed = [r for r in results if r.shed]
    limited = [r for r in results if r.kind == "post reply" and r.status == 429]
    errors = [
        r
        for r in results
        if not is_success(r) and not r.shed and not (r.kind == "post reply" and r.status == 429)
    ]
    ok = [r.ms for r in results if is_success(r)]
    all_ms = [r.ms for r in results]
    posts = [r for r in results if r.kind == "post reply"]
    return {
        "phase": label,
        "rate": rate,
        "sent rate": len(results) / duration,
        "requests": len(results),
        "errors": len(errors),
        "error kinds": {
            "refused/dropped": sum(1 for r in errors if r.status == 0),
            "timeouts": sum(1 for r in errors if r.status == -1),
            "cut short": sum(1 for r in errors if r.status == -2),
            "5xx": sum(1 for r in errors if r.status >= 500),
            "other": sum(1 for r in errors if 0 < r.status < 500),
        },
        "error rate": len(errors) / len(results) if results else 0.0,
        "shed": len(shed),
        "rate limited": len(limited),
        "posts": len(posts),
        "posts written": sum(1 for r in posts if r.status == 302),
        "p50": quantile(all_ms, 0.50),
        "p95": quantile(all_ms, 0.95),
        "p99": quantile(all_ms, 0.99),
        "ok p50": quantile(ok, 0.50),
        "ok p95": quantile(ok, 0.95),
        "ok p99": quantile(ok, 0.99),
        "max lag": max((r.lag_ms for r in results), default=0.0),
        "shed p99": quantile([r.ms for r in shed], 0.99),
        "statuses": dict(sorted(statuses.items())),
        "by kind": {
            kind: {
                "n": sum(1 for r in results if r.kind == kind),
                "p50": quantile([r.ms for r in results if r.kind == kind and is_success(r)], 0.5),
                "p99": quantile([r.ms for r in results if r.kind == kind and is_success(r)], 0.99),
                "not ok": sum(1 for r in results if r.kind == kind and not is_success(r)),
            }
            for kind in sorted({r.kind for r in results})
        },
    }


def meets(row: dict) -> bool:
    return row["errors"] == 0 and row["shed"] == 0 and row["p99"] < TARGET_P99_MS


def graceful(row: dict) -> bool:
    """Overload is graceful: nothing refused, dropped, timed out or failed; only quick 503s."""
    shed_p99 = row["shed p99"]
    return row["errors"] == 0 and (shed_p99 != shed_p99 or shed_p99 < QUICK_503_MS)


def alive_and_well(events: dict, options) -> bool:
    """No crash: the server still runs, no worker timed out or was started again."""
    return (
        events["alive"]
        and events["worker timeouts"] == 0
        and events["worker boots"] <= options.workers
    )


def print_row(row: dict) -> None:
    print(
        f"{row['phase']:>22} {row['rate']:5.0f} rps ({row['sent rate']:5.1f} sent): "
        f"n={row['requests']} errors={row['errors']} {row['error kinds']} shed={row['shed']} "
        f"(p99 {fmt(row['shed p99'])} ms) "
        f"429={row['rate limited']} posts={row['posts written']}/{row['posts']} | "
        f"p50 {row['p50']:.0f} p95 {row['p95']:.0f} p99 {row['p99']:.0f} ms "
        f"(ok: {row['ok p50']:.0f}/{row['ok p95']:.0f}/{row['ok p99']:.0f}) "
        f"max lag {row['max lag']:.0f} ms, cores: server {row['server cores']:.2f}, "
        f"postgres {row['postgres cores']:.2f}, redis {row['redis cores']:.2f}",
        flush=True,
    )


def _cpu(chosen) -> float:
    """CPU seconds used so far by the processes `chosen(name, ppid)` picks, from /proc."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.find("(") + 1 : text.rfind(")")]
        fields = text.rsplit(")", 1)[1].split()  # after the name: state, ppid, ..., utime, stime
        if chosen(name, int(fields[1])):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def workers_cpu(master: int) -> float:
    """CPU seconds used so far by the gunicorn workers (children of the master)."""
    return _cpu(lambda _name, ppid: ppid == master)


def services_cpu() -> dict[str, float]:
    """CPU seconds used so far by PostgreSQL's and Redis's processes (every client's: other work
    on the machine counts too, so read them from a quiet machine)."""
    return {
        "postgres cores": _cpu(lambda name, _ppid: name == "postgres"),
        "redis cores": _cpu(lambda name, _ppid: name.startswith("redis-server")),
    }


def server_events(log: Path) -> dict[str, int]:
    text = log.read_text(errors="replace") if log.exists() else ""
    return {
        "worker boots": text.count("Booting worker"),
        "worker timeouts": text.count("WORKER TIMEOUT"),
        "tracebacks": text.count("Traceback"),
    }


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu})"


def fmt(value: float) -> str:
    return "n/a" if value != value else f"{value:.0f}"  # NaN when there is nothing to measure


def report(options, rows, before, after, generator_cpu, events, written, seconds) -> str:
    command = (
        f".venv/bin/python bench/load.py --rate {options.rate:g} --duration {options.duration:g}"
        + (" --find" if options.find else "")
        + (" --skip-prepare" if options.skip_prepare else "")
        + (" --small" if options.small else "")
        + (f" --member-share {options.member_share:g}" if options.member_share != 0.5 else "")
        + (f" --threads {options.threads}" if options.threads != 16 else "")
        + (f" --queue-timeout {options.queue_timeout}" if options.queue_timeout != 100 else "")
    )
    baseline, sustained, doubled = rows[0], rows[1], rows[2]
    lines = [
        START_MARKER,
        f"## Load: gunicorn on loopback at {options.rate:g} and {options.rate * 2:g} requests/s "
        f"({datetime.now(UTC):%Y-%m-%d})",
        "",
        f"Command: `{command}` (database `{options.database}`, Redis `{options.redis}`, emptied "
        f"first; without `--skip-prepare` it migrates and seeds the database first, once: later "
        f"runs find the rows in place; whole run {seconds:.0f} s).",
        "",
        f"Machine: {machine()}, shared with the load generator, PostgreSQL and Redis; other "
        "sessions' tests may run too. Load average (1, 5, 15 min) before: "
        f"{before[0]:.2f} {before[1]:.2f} {before[2]:.2f}; after: "
        f"{after[0]:.2f} {after[1]:.2f} {after[2]:.2f}. The generator (one asyncio process) "
        f"used {generator_cpu:.0%} of a core.",
        "",
        f"Server: gunicorn with `gunicorn.conf.py`: {options.workers} gthread workers x "
        f"{options.threads} threads, `MAX_CONCURRENT_REQUESTS={options.max_concurrent}` per "
        f"worker (past it, up to {options.max_concurrent} more wait "
        f"`REQUEST_QUEUE_TIMEOUT={options.queue_timeout}` ms for a slot, the rest get a 503 with "
        "Retry-After at once); production settings (DEBUG off, manifest "
        "static files, Redis cache, sessions in PostgreSQL, `CONN_MAX_AGE` 60). Data: "
        f"{written['initiatives']:,} published initiatives, {written['resources']:,} published "
        f"library resources, {written['posts']:,} forum posts in {written['threads']:,} "
        f"threads, {written['stories']} stories, {written['members']} member sessions.",
        "",
        "Mix (weights): home 8, directory 10, filtered directory 12, search 12, initiative "
        "pages 14, story list 4, stories 10, library 4, library search 4, resources 4, forum "
        "threads 15, forum index 3, replies posted through the form with CSRF 5. The forum is "
        "always signed in; the other pages carry a member's session cookie often enough that "
        f'{options.member_share:.0%} of all requests are signed in (marked "(member)" below). '
        "Accept-Language es 60%, pt-BR "
        "20%, en 20%. Poisson arrivals, open loop, a fresh connection per request, latency "
        "counted from when the request was due. *Errors*: refused or dropped connections, "
        f"time-outs ({TIMEOUT_S:g} s), 5xx other than a shed 503, and any unexpected status. "
        "*Shed*: 503 with Retry-After from the load shedding. *429*: forum replies refused by "
        "the per-member posting limit (rate limited by design). *Server cores*: CPU time of the "
        "gunicorn workers over the phase, in cores; *PostgreSQL*, *Redis*: the same for their "
        "processes (all of their clients').",
        "",
        "| phase | target req/s | sent req/s | requests | errors | error rate | shed 503 | 429 "
        "| replies written | p50 ms | p95 ms | p99 ms | ok p50 | ok p95 | ok p99 | server cores "
        "| PostgreSQL | Redis | statuses |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['phase']} | {r['rate']:g} | {r['sent rate']:.1f} | {r['requests']} "
            f"| {r['errors']} | {r['error rate']:.2%} | {r['shed']} | {r['rate limited']} "
            f"| {r['posts written']}/{r['posts']} | {fmt(r['p50'])} | {fmt(r['p95'])} "
            f"| {fmt(r['p99'])} | {fmt(r['ok p50'])} | {fmt(r['ok p95'])} | {fmt(r['ok p99'])} "
            f"| {r['server cores']:.2f} | {r['postgres cores']:.2f} | {r['redis cores']:.2f} "
            f"| {r['statuses']} |"
        )
    lines += [
        "",
        f"Per page at {options.rate:g} req/s (successful answers), and as ratios to the static "
        f"file's p50 ({fmt(baseline['ok p50'])} ms) and p99 ({fmt(baseline['ok p99'])} ms) at "
        "the same rate in the same run (the baseline row above):",
        "",
        "| page | requests | p50 ms | p99 ms | p50 / static p50 | p99 / static p99 | not ok |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, k in sustained["by kind"].items():
        lines.append(
            f"| {kind} | {k['n']} | {fmt(k['p50'])} | {fmt(k['p99'])} "
            f"| {k['p50'] / baseline['ok p50']:.1f} | {k['p99'] / baseline['ok p99']:.1f} "
            f"| {k['not ok']} |"
        )
    sustainable = [r for r in rows[1:] if meets(r)]
    lines += [
        "",
        f"Database check: {written['posted']} new replies in PostgreSQL after the run, for "
        f"{written['replied']} replies answered 302 (warm-up included). Server log: {events['worker boots']} worker "
        f"boots ({options.workers} at start), {events['worker timeouts']} worker time-outs, "
        f"{events['tracebacks']} tracebacks.",
        "",
        "### Targets",
        "",
        f"- No errors and p99 under {TARGET_P99_MS:g} ms at {options.rate:g} req/s: "
        f"{sustained['errors']} errors, {sustained['shed']} shed, p99 {fmt(sustained['p99'])} ms: "
        f"**{'met' if meets(sustained) else 'not met'}**.",
        f"- At twice the rate ({options.rate * 2:g} req/s), quick 503s (p99 of a shed answer "
        f"under {QUICK_503_MS:g} ms) or 429s, never an error or a crash: "
        f"{doubled['errors']} errors, {doubled['shed']} shed with a 503 (p99 of a shed answer "
        f"{fmt(doubled['shed p99'])} ms), p99 of the pages served {fmt(doubled['ok p99'])} ms, "
        f"the server process {'still running' if events['alive'] else 'GONE'}, "
        f"{events['worker timeouts']} worker time-outs: "
        f"**{'met' if graceful(doubled) and alive_and_well(events, options) else 'not met'}**.",
    ]
    if options.find:
        best = max((r["rate"] for r in sustainable), default=None)
        lines.append(
            "- Sustainable rate (highest step with no errors, nothing shed and p99 under "
            f"{TARGET_P99_MS:g} ms): "
            + (f"**{best:g} req/s**." if best is not None else "none of the steps.")
        )
    lines.append(END_MARKER)
    return "\n".join(lines)


def write_results(block: str) -> None:
    common.write_section(RESULTS, START_MARKER, END_MARKER, block)


# --- Main -------------------------------------------------------------------------------------------


async def drive(options, targets: dict, master: int) -> tuple[list[dict], int]:
    """The phases; also the number of replies answered 302 (written), warm-up included."""
    rng = random.Random(7)
    members = [Member(session) for session in targets["sessions"]]
    for start in range(0, len(members), 3):  # outside the measured phases
        await asyncio.gather(
            *(member_csrf(m, targets["threads"][0]) for m in members[start : start + 3])
        )
    mix = Mix(targets, members, rng, options.member_share)
    # Warm-up: caches, database connections, workers.
    warm = await phase(mix, options.rate / 2, options.warmup, rng)
    replied = sum(1 for r in warm if r.kind == "post reply" and r.status == 302)
    rows: list[dict] = []
    # The baseline of this run: the same arrivals, every request for a static file.
    await asyncio.sleep(3)
    seconds = min(options.duration, 15.0)
    baseline = summarise(
        STATIC,
        options.rate,
        seconds,
        await phase(StaticMix(targets["static"]), options.rate, seconds, rng),
    )
    baseline["server cores"] = baseline["postgres cores"] = baseline["redis cores"] = 0.0
    print_row(baseline)

    async def measure(label: str, rate: float, duration: float) -> dict:
        await asyncio.sleep(3)  # let queues drain between phases
        cpu, services = workers_cpu(master), services_cpu()
        results = await phase(mix, rate, duration, rng)
        row = summarise(label, rate, duration, results)
        row["server cores"] = (workers_cpu(master) - cpu) / duration
        for name, used in services_cpu().items():
            row[name] = (used - services[name]) / duration
        rows.append(row)
        print_row(row)
        return row

    first = await measure("target rate", options.rate, options.duration)
    rows.insert(0, baseline)
    if options.tune:
        return rows, 0
    await measure("twice the rate", options.rate * 2, options.duration)
    if options.find:
        # Steps of a fifth of the rate, up from the target if it was met, else down from it:
        # the highest step that meets the target is the sustainable rate.
        step = options.rate * 0.2
        if meets(first):
            rate = options.rate + step
            while rate < options.rate * 2 and meets(
                await measure(f"step {rate:g}", rate, options.step_duration)
            ):
                rate += step
        else:
            rate = options.rate - step
            while rate > 0 and not meets(
                await measure(f"step {rate:g}", rate, options.step_duration)
            ):
                rate -= step
    return rows, replied + sum(r["posts written"] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="requests/s of the first phase")
    parser.add_argument(
        "--small", action="store_true", help="the platform's own size (iapt_load), not issue 18's"
    )
    parser.add_argument(
        "--member-share", type=float, default=0.5, help="share of requests signed in"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds at half the rate")
    parser.add_argument("--find", action="store_true", help="then step up to find the limit")
    parser.add_argument("--step-duration", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=3, help="WEB_CONCURRENCY")
    parser.add_argument("--threads", type=int, default=16, help="GUNICORN_THREADS")
    parser.add_argument("--max-concurrent", type=int, default=5, help="MAX_CONCURRENT_REQUESTS")
    parser.add_argument("--queue-timeout", type=int, default=100, help="REQUEST_QUEUE_TIMEOUT (ms)")
    parser.add_argument(
        "--worker-class", default="", help="gunicorn's worker class (gthread: gunicorn's own)"
    )
    parser.add_argument("--skip-prepare", action="store_true", help="database already seeded")
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument(
        "--tune", action="store_true", help="the target phase only, printed (to compare settings)"
    )
    parser.add_argument("--inside", choices=["seed", "targets", "count"], help=argparse.SUPPRESS)
    options = parser.parse_args()

    if options.inside:
        step = {"seed": seed_inside, "targets": targets_inside, "count": count_inside}
        print(json.dumps(step[options.inside]()))
        return

    global WORKER_CLASS
    WORKER_CLASS = options.worker_class
    started = time.perf_counter()
    env = production_env(options)
    before = os.getloadavg()
    print(f"load average before: {before[0]:.2f} {before[1]:.2f} {before[2]:.2f}", flush=True)
    if not options.skip_prepare:
        prepare(env, small=options.small)
    flush_redis(env)
    targets = inside("targets", env)
    log = OUT / "load-gunicorn.log"
    server = start_gunicorn(env, log)
    usage_before = resource.getrusage(resource.RUSAGE_SELF)
    clock_before = time.perf_counter()
    try:
        rows, replied = asyncio.run(drive(options, targets, server.pid))
        if options.tune:
            return
        alive = server.poll() is None
    finally:
        usage_after = resource.getrusage(resource.RUSAGE_SELF)
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
    generator_cpu = (
        usage_after.ru_utime + usage_after.ru_stime - usage_before.ru_utime - usage_before.ru_stime
    ) / (time.perf_counter() - clock_before)
    after = os.getloadavg()
    events = {**server_events(log), "alive": alive}
    counted = inside("count", env)
    written = {
        "initiatives": len(targets["initiatives"]),
        "stories": len(targets["stories"]),
        "resources": targets["resource count"],
        "posts": targets["posts"],
        "threads": len(targets["threads"]),
        "members": len(targets["sessions"]),
        "posted": counted["load_posts"] - targets["load_posts"],
        "replied": replied,
    }
    options.database = env["DATABASE_URL"].rsplit("/", 1)[1]
    options.redis = (
        env["REDIS_URL"].rsplit("/", 1)[1] and "db " + env["REDIS_URL"].rsplit("/", 1)[1]
    )
    block = report(
        options, rows, before, after, generator_cpu, events, written, time.perf_counter() - started
    )
    print(block)
    if not options.no_write:
        write_results(block)


if __name__ == "__main__":
    sys.exit(main())
