"""What the load bench's mix costs the server, request by request, in CPU: the capacity figure.

    .venv/bin/python bench/mix_cost.py [--requests 2000] [--warmup 500] [--profile FILE [--only KIND]]

bench/load.py drives gunicorn at 100 requests/s with a mix of pages (its `Mix`: random
initiatives among 100,000, threads among 2,013, search words, three languages, half of the
requests signed in) and reports latencies and sheds, which move with everything else the machine
does. This replays the same mix in-process, one request after another (django.test.Client, the
production settings, PostgreSQL and Redis, the scale database of bench/scale.py, Redis emptied
first): `--warmup` requests first (load.py's warm-up at half the rate for 10 s asks 500), then
`--requests` measured ones (its 20 s phase at 100/s asks 2,000). For each kind of request: how
many, CPU milliseconds of this process (p50, p95, mean; PostgreSQL's and Redis's own CPU not
included), queries, and its share of the whole. The mean CPU per request times the rate is the
cores the gunicorn workers need for it: at 100 requests/s a mean of 10 ms is one core.

Like load.py it writes forum replies (removed by the next run of either) and members' sessions.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import time
from collections import defaultdict
from http.cookies import SimpleCookie
from pathlib import Path

import common

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--member-share", type=float, default=0.5)
    parser.add_argument("--profile", default="", help="cProfile the measured requests into FILE")
    parser.add_argument("--only", default="", help="with --profile: the kinds that contain this")
    options = parser.parse_args()

    os.environ.setdefault("CACHE_KEY_PREFIX", "iapt-mix-cost")
    common.configure_environment(
        database_url="postgres://postgres@127.0.0.1:5432/iapt_scale",
        redis_url="redis://127.0.0.1:6379/3",
    )
    os.environ["EMAIL_URL"] = "dummymail://"
    os.environ["STATIC_ROOT"] = str(OUT / "load-static")  # load.py's, collected by its first run
    os.environ["MEDIA_ROOT"] = str(OUT / "load-media")
    import load

    targets = load.targets_inside()  # sets Django up; fresh sessions, earlier replies removed
    common.setup_django()

    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from iapt_platform.accounts.models import User

    cache.clear()
    members = [load.Member(session) for session in targets["sessions"]]
    languages = {
        str(pk): language
        for pk, language in User.objects.filter(email__endswith="@load.iapt.local").values_list(
            "pk", "language"
        )
    }
    from django.contrib.sessions.backends.db import SessionStore

    for member in members:
        language = languages.get(str(SessionStore(member.session).get("_auth_user_id")), "es")
        member.prefix = "" if language == "es" else f"/{language}"  # as the site's addresses
    mix = load.Mix(targets, members, random.Random(7), options.member_share)
    rng = random.Random(5)
    accept = [lang for lang, _w in load.LANGUAGES]
    accept_weights = [w for _lang, w in load.LANGUAGES]
    # One client (one handler: building the middleware again per client reads every static
    # file's headers, as a new gunicorn worker does once), with each member's own cookies.
    client = Client()
    jars: dict[str | None, SimpleCookie] = {}

    def client_of(member) -> Client:
        key = member.session if member else None
        if key not in jars:
            jars[key] = SimpleCookie()
            if member:
                jars[key]["sessionid"] = member.session
        client.cookies = jars[key]
        return client

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    def ask(drawn) -> tuple[int, int]:
        nonlocal queries
        _kind, method, path, member, body = drawn
        language = rng.choices(accept, weights=accept_weights)[0]
        client = client_of(member)
        queries = 0
        if method == "POST":
            answer = client.post(
                path,
                data=body,
                content_type="application/x-www-form-urlencoded",
                HTTP_ACCEPT_LANGUAGE=language,
            )
        else:
            answer = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
            if answer.status_code in (301, 302):  # to the reader's language, as load.py follows
                answer = client.get(answer["Location"], HTTP_ACCEPT_LANGUAGE=language)
        return answer.status_code, queries

    with connection.execute_wrapper(count):
        for _ in range(options.warmup):
            ask(mix.draw())
        profile = cProfile.Profile() if options.profile else None
        cpu: dict[str, list[float]] = defaultdict(list)
        asked: dict[str, list[int]] = defaultdict(list)
        statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        started = time.process_time()
        for _ in range(options.requests):
            drawn = mix.draw()
            kind, profiled = drawn[0], profile and options.only in drawn[0]
            before = time.process_time()
            if profiled:
                profile.enable()
            status, n = ask(drawn)
            if profiled:
                profile.disable()
            cpu[kind].append((time.process_time() - before) * 1000)
            asked[kind].append(n)
            statuses[kind][status] += 1
        whole = (time.process_time() - started) * 1000

    total = sum(sum(v) for v in cpu.values())
    print(
        f"{options.requests} requests after {options.warmup} of warm-up: "
        f"mean {total / options.requests:.1f} ms of CPU a request "
        f"({whole / options.requests:.1f} with the bench's own work): "
        f"{total / options.requests / 10:.2f} cores at 100 requests/s"
    )
    print(
        "| kind | requests | CPU p50 ms | CPU p95 ms | CPU mean ms | share of CPU "
        "| queries (median) | statuses |\n|---|---:|---:|---:|---:|---:|---:|---|"
    )
    for kind in sorted(cpu, key=lambda k: -sum(cpu[k])):
        values = sorted(cpu[kind])
        print(
            f"| {kind} | {len(values)} | {common.percentile(values, 50):.1f} "
            f"| {common.percentile(values, 95):.1f} | {statistics.fmean(values):.1f} "
            f"| {sum(values) / total:.0%} | {statistics.median(asked[kind]):.0f} "
            f"| {dict(statuses[kind])} |"
        )
    if profile:
        profile.dump_stats(options.profile)
        pstats.Stats(options.profile).sort_stats("cumulative").print_stats(40)


if __name__ == "__main__":
    main()
