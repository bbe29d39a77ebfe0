from django.core.management.base import BaseCommand
from django.db import transaction

from iapt_platform.lib import demo


class Command(BaseCommand):
    help = "Create or refresh the demo data of every app (idempotent) and print the demo accounts."

    def handle(self, *args, **options):
        for seeder in demo.seeders():
            with transaction.atomic():
                seeder.run(self.stdout.write)
