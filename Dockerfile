# The IAPT Platform image: one image for the web server, the Celery worker and beat.
# docker-compose.yml shows how the three run together; the README lists every setting.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_CONCURRENCY=3

WORKDIR /app

# pg_dump and pg_restore for `manage.py backup` and `restore` (bookworm's 15, as the compose server).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# The locked dependencies first, so that a code change does not reinstall them: every package
# pinned and checked against its hash (`make lock` writes the lock). Every locked package ships a
# wheel for this platform: no compiler and no system libraries are needed.
COPY requirements/base.txt requirements/
RUN pip install --require-hashes -r requirements/base.txt

COPY . .

# Translations are compiled with Babel and static files collected (hashed and compressed for
# whitenoise) at build time; the throw-away settings below only let the settings module load.
RUN python scripts/compile_translations.py \
    && DEBUG=false SECRET_KEY=build ALLOWED_HOSTS=x python manage.py collectstatic --noinput

# The code stays owned by root; the app user may write only media and the mail-file fallback.
RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app \
    && mkdir -p /app/media /app/private-media /app/var/mail \
    && chown -R app:app /app/media /app/private-media /app/var
USER app

EXPOSE 8000

# Requests carry the first ALLOWED_HOSTS entry as Host, or Django would answer 400 in production.
# Liveness (/healthz/live: the process answers, no dependency asked), exempt from the HTTPS
# redirect; a load balancer asks /healthz/ready instead (the database answers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; h = os.environ.get('ALLOWED_HOSTS', '').split(',')[0].strip().lstrip('.'); h = 'localhost' if h in ('', '*') else h; u.urlopen(u.Request('http://127.0.0.1:8000/healthz/live', headers={'Host': h}), timeout=4)"]

# gunicorn reads gunicorn.conf.py from /app: threaded workers, WEB_CONCURRENCY processes (3 unless
# set) of GUNICORN_THREADS threads, access log to standard output, timeouts.
CMD ["gunicorn", "iapt_platform.wsgi:application", "--bind", "0.0.0.0:8000"]
