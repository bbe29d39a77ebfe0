"""The Celery application. Tasks are discovered in each app's `tasks.py`.

Every mode has a real worker and beat (`make run` starts them beside the web server). Without
`REDIS_URL` the broker is kombu's filesystem transport under `var/celery/` (the settings say why),
whose folders must exist before anyone sends or reads a message.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iapt_platform.settings")

app = Celery("iapt_platform")
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
