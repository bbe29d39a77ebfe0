from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from iapt_platform.ops import services


class Command(BaseCommand):
    help = "Replace the database and the uploaded files with a backup made by `manage.py backup`."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, type=Path)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace a database that has tables (everything in it is lost)",
        )
        parser.add_argument("--database", default="default")

    def handle(self, *args, source: Path, replace: bool, database: str, **options):
        try:
            manifest = services.backup_restore(source=source, alias=database, replace=replace)
        except services.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored the backup of {manifest['created_at']}"))
        missing = services.migrations_missing(alias=database)
        if missing:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(missing)} migrations of this code are newer than the backup: "
                    "run `manage.py migrate`."
                )
            )
