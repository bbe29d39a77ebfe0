"""Staff bulk import (and export) of initiatives with django-import-export, from CSV or XLSX.

A row names its initiative by slug (a new slug creates one, a known slug updates it), its country
by ISO alpha-2 code, its state or province by ISO 3166-2 code (or, when that cell is empty, by the
territory's text where it names one), its sectors by slugs separated by ";" and its programme by slug. Each row is
checked with the model's own rules (full_clean), so the dry run lists every bad row with its
errors before anything is saved. Imported rows are published and marked verified now, as staff
vouch for them. The file's columns are the import columns of `columns.COLUMNS`.
"""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets
from import_export.results import RowResult

from iapt_platform.accounts import privacy
from iapt_platform.lib import subdivisions

from . import columns, services
from .columns import Kind
from .models import Initiative, Programme, Sector

SEPARATOR = ";"


class CodeWidget(widgets.CharWidget):
    """A code (a choice, a country): spaces trimmed, case normalised; full_clean checks it."""

    def __init__(self, *, upper: bool = False, **kwargs: Any) -> None:
        self.upper = upper
        super().__init__(**kwargs)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = super().clean(value, row, **kwargs).strip()
        return text.upper() if self.upper else text.lower()

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return str(getattr(value, "code", value) or "")


class NumberWidget(widgets.DecimalWidget):
    """A number, optionally rounded to `places` decimals; an unreadable one is a row error."""

    def __init__(self, *, places: int | None = None, integer: bool = False, **kwargs: Any) -> None:
        self.places = places
        self.integer = integer
        super().__init__(**kwargs)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | int | None:
        try:
            number = super().clean(value, row, **kwargs)
        except (ArithmeticError, TypeError, ValueError):
            raise ValueError(_("“%(value)s” is not a number.") % {"value": value}) from None
        if number is None:
            return None
        if self.integer:
            if number != number.to_integral_value():
                raise ValueError(_("Give a whole number."))
            return int(number)
        if self.places is not None:
            # Spreadsheets carry more decimals than the column holds (5 decimals: about 1 m).
            number = number.quantize(Decimal(1).scaleb(-self.places), rounding=ROUND_HALF_UP)
        return number


class YesNoWidget(widgets.BooleanWidget):
    TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "yes", "YES", "Yes", "sí", "Sí", "si", "x"]
    FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "no", "NO", "No", "não", "Não"]

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> bool:
        if value in self.NULL_VALUES:
            return False  # an empty cell means "no", never "unknown"
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES:
            return False
        raise ValueError(_("Write yes or no."))


class CodeListWidget(widgets.Widget):
    """A list of codes from a fixed set, separated by ";" (digital topics, funding sources)."""

    def __init__(self, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        self.codes = [code for code, _label in choices]
        super().__init__(**kwargs)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> list[str]:
        codes = [c.strip().lower() for c in str(value or "").split(SEPARATOR) if c.strip()]
        unknown = [c for c in codes if c not in self.codes]
        if unknown:
            raise ValueError(
                _("Unknown code: %(codes)s. Use %(known)s.")
                % {"codes": ", ".join(unknown), "known": ", ".join(self.codes)}
            )
        return list(dict.fromkeys(codes))

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return SEPARATOR.join(value or [])


class SectorsWidget(widgets.ManyToManyWidget):
    def __init__(self) -> None:
        super().__init__(Sector, separator=SEPARATOR, field="slug")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        slugs = [s.strip().lower() for s in str(value or "").split(SEPARATOR) if s.strip()]
        if not slugs:
            raise ValueError(_("Give at least one sector."))
        sectors = Sector.objects.filter(slug__in=slugs)
        unknown = sorted(set(slugs) - {s.slug for s in sectors})
        if unknown:
            raise ValueError(_("Unknown sector: %(slugs)s.") % {"slugs": ", ".join(unknown)})
        return sectors


class ProgrammeWidget(widgets.ForeignKeyWidget):
    def __init__(self) -> None:
        super().__init__(Programme, field="slug")

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Programme | None:
        slug = str(value or "").strip().lower()
        if not slug:
            return None
        try:
            return Programme.objects.get(slug=slug)
        except Programme.DoesNotExist:
            raise ValueError(_("Unknown programme: %(slug)s.") % {"slug": slug}) from None


class OwnerContactField(fields.Field):
    """A contact detail as its owners read it. The export is the staff's round-trip file (admin
    only): staff approve the whole record, so they read it as its owners do; a blanked cell
    would erase the detail on re-import."""

    def __init__(self, *, detail: str, **kwargs: Any) -> None:
        self.detail = detail
        super().__init__(**kwargs)

    def get_value(self, obj: Initiative) -> str:
        return privacy.contact_for(obj, audience=privacy.Audience.OWNER)[self.detail]


def _widget(column: columns.Column) -> widgets.Widget | None:
    """How a cell of this column is read; None: the one django-import-export gives its field."""
    match column.kind:
        case Kind.CODE:
            return CodeWidget()
        case Kind.COUNTRY | Kind.SUBDIVISION:
            return CodeWidget(upper=True)
        case Kind.DECIMAL:
            return NumberWidget(places=column.decimal_places)
        case Kind.INTEGER:
            return NumberWidget(integer=True)
        case Kind.YES_NO:
            return YesNoWidget()
        case Kind.CODES:
            return CodeListWidget(list(column.choices))
        case Kind.SECTORS:
            return SectorsWidget()
        case Kind.PROGRAMME:
            return ProgrammeWidget()
    return None


def _field(column: columns.Column) -> fields.Field | None:
    # An empty cell takes the model's default, as for the fields declared automatically: a
    # visibility keeps its cautious default (members only, hidden), never "public".
    model_field = Initiative._meta.get_field(column.key)
    default = model_field.default if isinstance(model_field, models.Field) else NOT_PROVIDED
    options = {"attribute": column.key, "column_name": column.key, "default": default}
    if column.kind is Kind.CONTACT:
        return OwnerContactField(detail=column.contact, widget=widgets.CharWidget(), **options)
    widget = _widget(column)
    return fields.Field(widget=widget, **options) if widget else None


# The import columns' typed fields, declared on a base class that django-import-export's
# metaclass reads like fields written out by hand.
_ImportColumns = type(resources.ModelResource)(
    "_ImportColumns",
    (resources.ModelResource,),
    {
        "__module__": __name__,
        **{
            c.key: field
            for c in columns.columns(columns.Use.IMPORT)
            if (field := _field(c)) is not None
        },
    },
)


class InitiativeResource(_ImportColumns):  # type: ignore[misc, valid-type]
    class Meta:
        model = Initiative
        import_id_fields = ["slug"]
        fields = columns.keys(columns.columns(columns.Use.IMPORT))
        clean_model_instances = True  # full_clean on every row: its errors are the row's errors
        use_transactions = True  # the dry run rolls back everything it wrote
        skip_unchanged = False

    def import_instance(self, instance: Initiative, row: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        if instance.pk and instance.status != Initiative.Status.PUBLISHED:
            # A promoter's draft or an initiative in review goes through moderation, not import.
            errors["slug"] = ValidationError(
                _("An initiative with this slug exists and is not published (%(status)s).")
                % {"status": instance.get_status_display()}
            )
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if not instance.subdivision and instance.territory and instance.country:
            instance.subdivision = subdivisions.match(instance.country.code, instance.territory)
        # Sectors are saved after the row (many-to-many), but checked with the rest of it.
        field = self.fields["sectors"]
        if field.column_name in row:
            try:
                field.clean(row)
            except ValueError as e:
                errors["sectors"] = ValidationError(str(e), code="invalid")
        now = timezone.now()
        instance.status = Initiative.Status.PUBLISHED
        instance.published_at = instance.published_at or now
        instance.last_verified_at = now
        instance.stale_flagged_at = None
        instance._change_reason = "imported by staff"  # type: ignore[attr-defined]
        if errors:
            raise ValidationError(errors)

    def after_import_row(self, row: dict[str, Any], row_result: RowResult, **kwargs: Any) -> None:
        if self._is_dry_run(kwargs) or row_result.import_type not in (
            RowResult.IMPORT_TYPE_NEW,
            RowResult.IMPORT_TYPE_UPDATE,
        ):
            return
        initiative = (
            Initiative.objects.select_related("programme")
            .prefetch_related("sectors")
            .get(pk=row_result.object_id)
        )
        services.initiative_refresh_search(initiative=initiative)
