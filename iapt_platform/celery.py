"""The Celery application. Tasks are discovered in each app's `tasks.py`.

Without `REDIS_URL` the settings make every task run in-process (eager), so the embedded default
needs no broker and no worker.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iapt_platform.settings")

# Every task is an OncePerTickTask: a scheduled run sent twice (two beats) runs once.
app = Celery("iapt_platform", task_cls="iapt_platform.lib.beat:OncePerTickTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["iapt_platform.lib"])
