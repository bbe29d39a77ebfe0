"""Write the public picture files of published resources (their covers, else the first page of
their file), for resources published before the pictures were files, or after a change of sizes."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Q

from library import services
from library.models import Resource


class Command(BaseCommand):
    help = "Write the public cover files of published library resources that have none."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Write them again for every published resource."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        resources = Resource.objects.published().exclude(cover="", thumbnail="")
        if not options["all"]:
            resources = resources.filter(Q(picture="") | Q(picture_small=""))
        written = sum(
            services.resource_write_pictures(resource=resource) for resource in resources.iterator()
        )
        self.stdout.write(f"library: pictures written for {written} resources")
