import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iapt_platform.settings")
application = get_wsgi_application()

from iapt_platform.checks import refuse_to_serve_when_misconfigured  # noqa: E402 (after setup)

refuse_to_serve_when_misconfigured()
