"""What a KEPT page costs: a hit of the visitors' page cache, a member's kept page, and the fixed
cost every request pays on the way (the middleware, the session, the user, Redis round trips).

    .venv/bin/python bench/hits.py [--seconds 2] [--only PATTERN]
    .venv/bin/python bench/hits.py --profile LABEL [--calls 2000]

In-process, through the WSGI application itself (no test client, no network: what gunicorn calls),
on the scale database (iapt_scale, read-only but for the member's session made for the run and
deleted after it), Redis db 8 under its own key prefix, the production settings (DEBUG off). A
visitor sends no cookie, as wrk does (each hit then makes the visitor a CSRF secret where the page
has a form); a member sends their session cookie. Each page is asked until kept, then measured in
windows alternating with a trivial view (bench/urls.py) and a static file served by WhiteNoise:
CPU milliseconds per request (process_time), its ratio to the trivial view's and the static
file's rate (CPU), Redis round trips and database queries per request, and each middleware's
share of the CPU (time inside it, less the time inside the next).

`--profile LABEL`: cProfile of `--calls` hits of that page, its top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from common import (
    configure_environment,
    measured_initiative_and_thread,
    setup_django,
    static_file_address,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SCALE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_scale"
REDIS_URL = "redis://127.0.0.1:6379/8"
TRIVIAL = "/bench/trivial/"


def environ_for(path: str, cookie: str = "") -> dict:
    """A WSGI environ for a GET of `path` (with its query), as gunicorn passes one."""
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "localhost",
        "HTTP_ACCEPT": "text/html",
        "HTTP_USER_AGENT": "bench/hits.py",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


def caller(application, path: str, cookie: str = "") -> Callable[[], tuple[str, dict, bytes]]:
    """A call of the WSGI application for `path`: (status, headers, body) of its answer."""
    template = environ_for(path, cookie)

    def call() -> tuple[str, dict, bytes]:
        environ = dict(template, **{"wsgi.input": io.BytesIO(b"")})
        answer: dict = {}

        def start_response(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers

        result = application(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return answer["status"], dict(answer["headers"]), body

    return call


class RoundTrips:
    """Counts Redis commands (each a round trip; a pipeline one) by wrapping redis-py's client."""

    def __init__(self) -> None:
        import redis

        self.count = 0
        self.names: list[str] = []
        original = redis.Redis.execute_command
        pipeline = redis.client.Pipeline.execute
        counter = self

        def execute_command(client, *args, **options):
            if not isinstance(client, redis.client.Pipeline):
                counter.count += 1
                counter.names.append(str(args[0]))
            return original(client, *args, **options)

        def execute(pipe, *args, **kwargs):
            counter.count += 1
            counter.names.append("PIPELINE")
            return pipeline(pipe, *args, **kwargs)

        redis.Redis.execute_command = execute_command  # type: ignore[method-assign]
        redis.client.Pipeline.execute = execute  # type: ignore[method-assign]

    def of(self, fn: Callable[[], object]) -> tuple[int, list[str]]:
        self.count, self.names = 0, []
        fn()
        return self.count, list(self.names)


class LayerClock:
    """Each middleware's CPU time inside it (and inside the ones after it): wraps every layer
    Django's handler builds (django.core.handlers.base.convert_exception_to_response)."""

    def __init__(self) -> None:
        from django.core.handlers import base

        self.inside: dict[str, float] = defaultdict(float)
        self.order: list[str] = []
        self.on = False
        wrap = base.convert_exception_to_response
        clock = self

        def timed(get_response):
            inner = wrap(get_response)
            name = getattr(get_response, "__qualname__", None) or type(get_response).__name__
            if name not in clock.order:
                clock.order.append(name)

            def layer(request):
                if not clock.on:
                    return inner(request)
                start = time.process_time()
                try:
                    return inner(request)
                finally:
                    clock.inside[name] += time.process_time() - start

            return layer

        base.convert_exception_to_response = timed

    def shares(self, calls: int) -> list[tuple[str, float]]:
        """(layer, CPU ms per request spent in it alone), outermost first."""
        outermost_first = list(reversed(self.order))
        out = []
        for i, name in enumerate(outermost_first):
            inner = self.inside[outermost_first[i + 1]] if i + 1 < len(outermost_first) else 0.0
            out.append((name, (self.inside[name] - inner) / calls * 1000))
        return out


def cpu_per_call(fn: Callable[[], object], seconds: float) -> tuple[float, int]:
    """CPU seconds per call of `fn` over about `seconds` of wall time, and the calls made."""
    calls = 0
    cpu0, end = time.process_time(), time.perf_counter() + seconds
    while time.perf_counter() < end or calls < 20:
        fn()
        calls += 1
    return (time.process_time() - cpu0) / calls, calls


def alternating(fn, baselines, seconds: float, rounds: int = 5) -> tuple[float, list[float]]:
    """CPU per call of `fn` and of each baseline, in `rounds` alternating windows (medians)."""
    page: list[float] = []
    base: list[list[float]] = [[] for _ in baselines]
    for _ in range(rounds):
        for i, baseline in enumerate(baselines):
            base[i].append(cpu_per_call(baseline, min(0.3, seconds / rounds))[0])
        page.append(cpu_per_call(fn, seconds / rounds)[0])
    return statistics.median(page), [statistics.median(b) for b in base]


def targets() -> tuple[list[tuple[str, str, bool]], str]:
    """(label, path, as the member) of each page measured, and a static file's address."""
    from community.meetings.models import Meeting

    initiative, thread = measured_initiative_and_thread()
    meeting = Meeting.objects.published().order_by("-starts_at").first()
    wanted = f"/community/t/{thread.pk}/" if thread else "/community/"
    pages = [
        ("home", "/", False),
        ("directory", "/initiatives/", False),
        ("statistics", "/initiatives/statistics/", False),
        ("sector", "/initiatives/sectors/logistics/", False),
        ("sign-in ?next=", f"/accounts/login/?next={wanted}", False),
        ("bulletin", "/bulletin/", False),
        ("search ?q=cluster", "/search/?q=cluster", False),
    ]
    if meeting is not None:
        pages.append(("meeting", f"/meetings/{meeting.slug}/", False))
    pages += [
        ("member: directory", "/en/initiatives/", True),
        ("member: initiative", f"/en/initiatives/{initiative.slug}/", True),
    ]
    return pages, static_file_address()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=2.0, help="measured time per page")
    parser.add_argument("--only", help="measure only the pages whose label matches this regex")
    parser.add_argument("--member", default="member.en@demo.iapt.local")
    parser.add_argument("--profile", default="", help="profile this page (a label) instead")
    parser.add_argument("--calls", type=int, default=2000, help="hits profiled")
    args = parser.parse_args()

    os.environ.setdefault("CACHE_KEY_PREFIX", "iapt-hits-bench")
    configure_environment(database_url=SCALE_DATABASE_URL, redis_url=REDIS_URL)
    clock = LayerClock()  # before the handler builds its middleware chain
    setup_django(static_root=OUT / "hits-static", collect="missing")
    from common import member_session
    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    application = get_wsgi_application()
    trips = RoundTrips()
    pages, static = targets()
    trivial = caller(application, TRIVIAL)
    static_file = caller(application, static)
    assert static_file()[0].startswith("200"), "the static file is not served"
    with member_session(args.member) as cookie:
        rows = []
        for label, path, member in pages:
            if args.only and not re.search(args.only, label):
                continue
            if args.profile and label != args.profile:
                continue
            fetch = caller(application, path, cookie if member else "")
            status = ""
            for _ in range(4):  # kept by the first requests, as after a visitor before
                status, _headers, _body = fetch()
            if not status.startswith("200"):
                print(f"skipped {label}: {path} answered {status}")
                continue
            if args.profile:
                profile(fetch, args.calls)
                return
            round_trips, names = trips.of(fetch)
            with CaptureQueriesContext(connection) as captured:
                fetch()
            queries = len(captured.captured_queries)
            cpu, (cpu_trivial, cpu_static) = alternating(
                fetch, (trivial, static_file), args.seconds
            )
            clock.inside.clear()
            clock.on = True
            _cpu, calls = cpu_per_call(fetch, 0.5)
            clock.on = False
            layers = clock.shares(calls)
            rows.append((label, path, cpu, cpu_trivial, cpu_static, round_trips, queries))
            print(
                f"{label:20} {cpu * 1000:6.2f} ms CPU  x{cpu / cpu_trivial:5.2f} trivial "
                f"({cpu_trivial * 1000:.2f} ms)  static share {cpu_static / cpu:5.3f} "
                f"({cpu_static * 1000:.2f} ms)  redis {round_trips} ({' '.join(names)})  "
                f"queries {queries}",
                flush=True,
            )
            print(
                "    "
                + "  ".join(f"{name.split('.')[-1]} {ms:.3f}" for name, ms in layers if ms >= 0.01),
                flush=True,
            )
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


def profile(fetch: Callable[[], object], calls: int) -> None:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(calls):
        fetch()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    print(out.getvalue())


if __name__ == "__main__":
    main()
