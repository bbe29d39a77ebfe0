"""gunicorn's settings, read by itself from the working directory (the image's CMD relies on it).

Threaded workers (gthread): each process runs GUNICORN_THREADS requests at once, and Django's
ConcurrencyLimitMiddleware lets only MAX_CONCURRENT_REQUESTS of them do real work; as many again
may wait up to REQUEST_QUEUE_TIMEOUT ms for a slot (a burst), and the spare threads answer the
rest at once with a 503 and Retry-After instead of letting them queue (load shedding).
Command-line options win over this file.
"""

import os

# gunicorn's gthread worker, closing connections without holding up its loop (see the module).
worker_class = "iapt_platform.gunicorn_worker.ThreadWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Over twice MAX_CONCURRENT_REQUESTS (5): five working, five waiting for a slot, and spare threads
# that answer the refusals quickly (a request no thread takes waits unseen in gunicorn's queue).
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# A request still running after this many seconds has its worker restarted.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Connections one worker holds at once (working or kept alive); past it they wait in the backlog.
worker_connections = 200
accesslog = "-"
