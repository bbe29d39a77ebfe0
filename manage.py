#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iapt_platform.settings")
    # manage.py is the developer's tool: without settings it runs on the embedded defaults, like
    # `make run`. Servers set DEBUG=false (compose, the image) and serve through wsgi.py.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
