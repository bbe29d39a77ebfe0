"""The web server's worker (gunicorn.conf.py): one client's connection never holds up the others.

Runs the real gunicorn with the repository's gunicorn.conf.py, one worker, on a tiny WSGI app (no
Django, no database), and talks to it over loopback sockets as clients do.
"""

import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """gunicorn with the project's settings file, one worker, serving "ok" on a free port."""
    (tmp_path / "tiny.py").write_text(
        textwrap.dedent(
            """
            def application(environ, start_response):
                start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
                return [b"ok"]
            """
        )
    )
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
        [
            sys.executable,
            "-m",
            "gunicorn",
            "tiny:application",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--chdir",
            str(tmp_path),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            "/dev/null",
            # Few, so that a connection never given back would soon stop the worker accepting.
            "--worker-connections",
            "30",
        ],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            ask(port)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(process.stderr.read().decode())
            time.sleep(0.1)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def ask(port: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        conn.sendall(REQUEST)
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    return answer


def lingering_client(port: int, linger: float, answered: threading.Event) -> None:
    """Reads its whole answer, then waits `linger` seconds before closing its end (a client on
    a slow link, or a busy proxy)."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn.sendall(REQUEST)
    while conn.recv(4096):
        pass
    answered.set()
    time.sleep(linger)
    conn.close()


def test_a_client_slow_to_close_its_connection_holds_up_nobody(server):
    answered = threading.Event()
    slow = threading.Thread(target=lingering_client, args=(server, 1.5, answered))
    slow.start()
    try:
        assert answered.wait(5)
        time.sleep(0.05)
        started = time.monotonic()
        answer = ask(server)
        took = time.monotonic() - started
    finally:
        slow.join()
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert answer.endswith(b"\r\n\r\nok")
    assert took < 0.5  # was the other client's 1.5 s, less the 50 ms: the worker waited for it


def test_every_connection_is_given_back_once_closed(server):
    # Four times --worker-connections: a lingering connection never ended would block accepting.
    for _ in range(120):
        assert ask(server).endswith(b"\r\n\r\nok")


def test_an_unread_body_does_not_cut_the_answer_short(server):
    """The reason for lingering: the app answers without reading a posted body; the bytes left
    unread are drained, so the kernel sends no reset that could cut the answer short."""
    body = b"x" * 40_000
    head = (
        b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", server), timeout=5) as conn:
            conn.sendall(head + body)
            answer = b""
            while chunk := conn.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 200 OK")
        assert answer.endswith(b"\r\n\r\nok")
