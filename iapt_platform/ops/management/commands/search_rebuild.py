"""Rewrite the search documents of every kind the one search knows (iapt_platform/lib/site_search):
after an upgrade that adds a kind or changes what a document holds, or a bulk load that bypassed
the services. The library's PDFs that have no extracted text yet are read first."""

from django.core.management.base import BaseCommand, CommandError

from iapt_platform.lib import site_search


class Command(BaseCommand):
    help = "Rewrite the search documents (and read unread PDFs) of every kind, or of --kind."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--kind",
            action="append",
            default=[],
            help="Only this kind (repeatable): " + ", ".join(k.key for k in site_search.kinds()),
        )

    def handle(self, *args, **options) -> None:
        wanted = options["kind"]
        unknown = set(wanted) - {k.key for k in site_search.kinds()}
        if unknown:
            raise CommandError(f"Unknown kind: {', '.join(sorted(unknown))}")
        for kind in site_search.kinds():
            if (wanted and kind.key not in wanted) or kind.rebuild is None:
                continue
            count = kind.rebuild()
            self.stdout.write(f"{kind.key}: {count}")
