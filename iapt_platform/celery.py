"""The Celery application. Tasks are discovered in each app's `tasks.py`.

Every mode has a real worker and beat (`make run` starts them beside the web server). Without
`REDIS_URL` the broker is kombu's filesystem transport under `var/celery/` (the settings say why),
whose folders must exist before anyone sends or reads a message.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iapt_platform.settings")

# Every task is an OncePerTickTask: a scheduled run sent twice (two beats) runs once.
app = Celery("iapt_platform", task_cls="iapt_platform.lib.beat:OncePerTickTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["iapt_platform.lib"])

FILESYSTEM_FOLDERS = ("data_folder_in", "data_folder_out", "control_folder")


@app.on_after_configure.connect
def _make_broker_folders(sender: Celery, **kwargs) -> None:
    if not str(sender.conf.broker_url).startswith("filesystem:"):
        return
    options = sender.conf.broker_transport_options or {}
    for name in FILESYSTEM_FOLDERS:
        if options.get(name):
            Path(options[name]).mkdir(parents=True, exist_ok=True)


# --- Logs: Django's LOGGING in the worker too, and each task's id and name on its lines ----------
def use_django_logging(**kwargs):
    """Connected to setup_logging, which stops Celery from putting its own format on the root."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


def connect_log_context() -> None:
    """Failures are logged by Celery itself (celery.app.trace, ERROR, with the traceback); these
    hooks add the task's id and name to those lines and to every other line the task logs."""
    from celery import signals

    from iapt_platform.lib import logs

    signals.setup_logging.connect(use_django_logging, weak=False)
    signals.task_prerun.connect(logs.task_started, weak=False)
    signals.task_postrun.connect(logs.task_ended, weak=False)


connect_log_context()
