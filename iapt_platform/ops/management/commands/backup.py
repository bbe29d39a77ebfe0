from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from iapt_platform.ops import services


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, type=Path, help="a new (or empty) directory")
        parser.add_argument("--database", default="default")

    def handle(self, *args, to: Path, database: str, **options):
        try:
            manifest = services.backup_create(to=to, alias=database)
        except services.BackupError as error:
            raise CommandError(str(error)) from error
        for name in sorted(manifest["files"]):
            self.stdout.write(f"{to / name}  {(to / name).stat().st_size} bytes")
        for name, where in manifest["storages"].items():
            if where != "local":
                self.stdout.write(self.style.WARNING(f"storage {name!r}: {where}"))
        self.stdout.write(self.style.SUCCESS(f"Backup written to {to}"))
