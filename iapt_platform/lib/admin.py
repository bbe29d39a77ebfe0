"""Bulk import and export in the admin: every export formula-safe, and the one import/export of the
platform's tables keyed by a slug (taxonomies, programmes, forum categories, library collections)."""

from typing import Any

import tablib
from django.http import HttpRequest
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.resources import ModelResource, modelresource_factory

from iapt_platform.lib.tabular import safe_cell


class FormulaSafeExportMixin:
    """Every admin export, in any format, goes through the public downloads' neutraliser
    (`tabular.safe_cell`). List it before django-import-export's admin mixins; a test checks
    that every exporting admin has it."""

    def get_data_for_export(self, request: HttpRequest, queryset, **kwargs) -> tablib.Dataset:
        data = super().get_data_for_export(request, queryset, **kwargs)  # type: ignore[misc]
        safe = tablib.Dataset(headers=data.headers, title=data.title)
        for row in data:
            safe.append([safe_cell(cell) for cell in row])
        return safe


class SlugImportExportMixin(FormulaSafeExportMixin, ImportExportMixin):
    """CSV or XLSX, dry run first with per-row errors; rows match existing ones by slug.

    Importing creates and changes rows, so it takes both rights; every imported row is recorded
    in the admin's log with who and when (django-import-export writes a LogEntry per row).
    """

    import_formats = [base_formats.CSV, base_formats.XLSX]
    export_formats = [base_formats.CSV, base_formats.XLSX]
    import_exclude: tuple[str, ...] = ()
    model: Any

    def get_resource_classes(self, request: HttpRequest) -> list[type[ModelResource]]:
        return [
            modelresource_factory(
                self.model,
                meta_options={
                    "import_id_fields": ["slug"],
                    "exclude": ["id", *self.import_exclude],
                    "skip_unchanged": True,
                    "report_skipped": False,
                },
            )
        ]

    def _has(self, request: HttpRequest, *actions: str) -> bool:
        opts = self.model._meta
        return all(
            request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
            for action in actions
        )

    def has_import_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "add", "change")

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self._has(request, "view")
