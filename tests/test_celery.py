from django.conf import settings

from iapt_platform.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


def test_tasks_have_time_limits():
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


def test_the_email_task_is_discovered():
    app.loader.import_default_modules()
    assert "iapt_platform.lib.tasks.send_email" in app.tasks
