"""Settings for bench/two_beats.py: the project's, with every beat entry due every minute, so that
two beats collide on each of them within the bench's few minutes."""

from celery.schedules import crontab

from iapt_platform.settings import *  # noqa: F403
from iapt_platform.settings import CELERY_BEAT_SCHEDULE

CELERY_BEAT_SCHEDULE = {
    name: {**entry, "schedule": crontab()} for name, entry in CELERY_BEAT_SCHEDULE.items()
}
