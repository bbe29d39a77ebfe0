"""gunicorn's threaded worker, with connections closed without holding up the worker's loop.

gunicorn's gthread worker closes each connection that is not kept alive "gracefully" (RFC 9112
section 9.6): it sends its FIN, then reads until the client closes its end too, for up to 2 s, so
that unread bytes do not make the kernel reset the connection and cut the answer short. It does
so in the worker's main thread, the one that accepts connections and hands them to the threads:
while one client takes its time to close (a slow link, a busy proxy or load generator), nobody
else's connection is accepted or dispatched. Under load that wait, one round trip per answer, was
most of the latency of the quick 503s of the load shedding (bench/load.py).

This worker does the same lingering close without blocking: the FIN is sent, the socket waits in
the worker's poller, and it is closed once the client has closed its end (or sent more than the
cap, or after the same 2 s), while the loop carries on. A lingering connection still counts
against `worker_connections` until it is closed.
"""

from __future__ import annotations

import selectors
import socket
import time
from collections import deque
from contextlib import suppress
from functools import partial

from gunicorn.workers import gthread

LINGER_SECONDS = 2.0  # as gunicorn's util.close_graceful
LINGER_MAX_BYTES = 65536


class _Lingering:
    __slots__ = ("deadline", "drained", "open", "sock")

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self.sock = sock
        self.deadline = deadline
        self.drained = 0
        self.open = True


class _Connection(gthread.TConn):
    """A connection whose graceful close is left to the worker's poller."""

    def __init__(self, worker: ThreadWorker, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.worker = worker

    def close(self, graceful: bool = False) -> None:
        if graceful and self.worker.alive:
            self.worker.linger(self.sock)
        else:
            super().close(graceful)


class ThreadWorker(gthread.ThreadWorker):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lingering: deque[_Lingering] = deque()

    def accept(self, listener: socket.socket) -> None:
        # As gthread's, with a connection of this module's kind.
        try:
            client_sock, client_addr = listener.accept()
        except BlockingIOError:
            return
        except OSError as error:
            if isinstance(error, ConnectionAbortedError):
                return
            raise
        self.nr_conns += 1
        client_sock.setblocking(True)
        conn = _Connection(self, self.cfg, client_sock, client_addr, listener.getsockname())
        self.enqueue_req(conn)

    def linger(self, sock: socket.socket) -> None:
        """Send the FIN now, and close once the client has closed its end (main thread only)."""
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
            entry = _Lingering(sock, time.monotonic() + LINGER_SECONDS)
            self.poller.register(sock, selectors.EVENT_READ, partial(self._drain, entry))
        except (OSError, ValueError):
            _close(sock)
            return
        self.nr_conns += 1  # gthread stopped counting it; it still holds a descriptor
        self.lingering.append(entry)

    def _drain(self, entry: _Lingering, _fileobj: object) -> None:
        while entry.open:
            try:
                data = entry.sock.recv(4096)
            except BlockingIOError:
                return  # nothing more yet: wait for the next event
            except OSError:
                data = b""
            entry.drained += len(data)
            if not data or entry.drained >= LINGER_MAX_BYTES:
                self._end(entry)

    def _end(self, entry: _Lingering) -> None:
        if not entry.open:
            return
        entry.open = False
        with suppress(KeyError, ValueError, OSError):
            self.poller.unregister(entry.sock)
        _close(entry.sock)
        self.nr_conns -= 1

    def murder_pending(self) -> None:
        """gthread's clean-up of idle connections, run on each turn of the loop; and the end of
        lingering connections whose client did not close in time."""
        super().murder_pending()
        now = time.monotonic()
        while self.lingering and (not self.lingering[0].open or self.lingering[0].deadline <= now):
            self._end(self.lingering.popleft())


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.close()
