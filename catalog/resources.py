"""CSV/XLSX import and export of the catalog (django-import-export resources).

Used by the admin (with its dry-run preview) and by `import_csv`/`export_csv`.
An import with any bad row changes nothing (`rollback_on_validation_errors`);
every bad row is reported with its line and reason. Rows that did not change
are skipped, so exporting then re-importing a file reports no changes.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from import_export import fields, instance_loaders, resources, widgets

from accounts.services import audit_log_record
from catalog.models import (
    INVENTORY_QUANTITIES,
    FeeRule,
    FxRate,
    InventoryLevel,
    InventorySource,
    Listing,
    Marketplace,
    Product,
    SkuCost,
)


class LocaleDecimalWidget(widgets.DecimalWidget):
    """Accepts 12.50 and, from European spreadsheets, 12,50."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, str):
            value = value.strip().replace(" ", "")
            if "," in value and "." not in value:
                value = value.replace(",", ".")
        if value in ("", None):
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a number") from exc


class StrictIntegerWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if value in ("", None):
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a whole number") from exc
        if number != number.to_integral_value():
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)


class CachedLookupWidget(widgets.ForeignKeyWidget):
    """ForeignKeyWidget with one query per distinct value and a clear error."""

    def __init__(self, model, field, label):
        super().__init__(model, field)
        self.label = label
        self.cache = {}

    def clean(self, value, row=None, **kwargs):
        key = str(value or "").strip()
        if not key:
            raise ValueError(f"{self.label} is required")
        if self.field == "code":
            key = key.upper()
        if key not in self.cache:
            self.cache[key] = self.model.objects.filter(**{self.field: key}).first()
        if self.cache[key] is None:
            raise ValueError(f"unknown {self.label} {key!r}")
        return self.cache[key]


class ListingWidget(widgets.Widget):
    """The listing named by the row's marketplace and seller_sku columns."""

    def __init__(self):
        super().__init__()
        self.cache = {}

    def clean(self, value, row=None, **kwargs):
        code = str((row or {}).get("marketplace") or "").strip().upper()
        sku = str(value or "").strip()
        if not code or not sku:
            raise ValueError("marketplace and seller_sku are required")
        if (code, sku) not in self.cache:
            self.cache[(code, sku)] = (
                Listing.objects.filter(marketplace__code=code, seller_sku=sku)
                .select_related("marketplace")
                .first()
            )
        if self.cache[(code, sku)] is None:
            raise ValueError(f"no listing for seller SKU {sku!r} in {code}: map it first")
        return self.cache[(code, sku)]

    def render(self, value, obj=None, **kwargs):
        return value.seller_sku if value else ""


class NaturalKeyLoader(instance_loaders.BaseInstanceLoader):
    """Reads every existing row once, keyed by the import id fields.

    Django-import-export's default loader queries once per row and its cached
    loader handles one id field only; catalog keys have up to three.
    """

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.id_fields = [resource.fields[name] for name in resource.get_import_id_fields()]
        self.existing = {
            self._key(f.get_value(obj) for f in self.id_fields): obj
            for obj in resource.get_queryset()
        }

    @staticmethod
    def _key(values):
        return tuple(getattr(v, "pk", v) if v is not None else None for v in values)

    def get_instance(self, row):
        try:
            key = self._key(f.clean(row) for f in self.id_fields)
        except ValueError:
            # A bad key cell: treated as a new row, so the field's own
            # validation reports it by name with the row's other problems.
            return None
        return self.existing.get(key)


class CatalogResource(resources.ModelResource):
    kind = ""

    class Meta:
        instance_loader_class = NaturalKeyLoader
        use_bulk = True
        batch_size = 1000
        skip_unchanged = True
        report_skipped = False
        clean_model_instances = True
        use_transactions = True
        rollback_on_validation_errors = True

    def before_import(self, dataset, **kwargs):
        for field in self.fields.values():
            if hasattr(field.widget, "cache"):
                field.widget.cache = {}
        missing = [
            f.column_name
            for f in self.get_import_fields()
            if f.column_name not in dataset.headers and f.column_name in self.required_columns
        ]
        if missing:
            raise ValidationError(f"Missing column(s): {', '.join(missing)}")

    required_columns: tuple = ()
    progress = None  # a tqdm bar the import_csv command sets
    html_diff = True  # the admin preview shows diffs; the command does not need them

    def get_diff_class(self):
        base = super().get_diff_class()
        if self.html_diff:
            return base

        class NoHtmlDiff(base):
            def as_html(self):
                return []

        return NoHtmlDiff

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Uniqueness is settled without a query per row: the loader finds the
        # existing row by its natural key, catalog_import refuses keys repeated
        # within the file, and the database constraint is the last word.
        super().validate_instance(instance, import_validation_errors, validate_unique=False)

    def import_data(self, dataset, *args, **kwargs):
        result = super().import_data(dataset, *args, **kwargs)
        # Number invalid rows by the file line they start on (a quoted newline
        # makes rows and lines differ), in the admin preview as in the command.
        lines = getattr(dataset, "file_lines", None)
        if lines:
            for invalid in result.invalid_rows:
                if 0 < invalid.number <= len(lines):
                    invalid.number = lines[invalid.number - 1]
        return result

    def natural_key_columns(self) -> list[str]:
        return [self.fields[name].column_name for name in self.get_import_id_fields()]

    def import_row(self, row, instance_loader, **kwargs):
        result = super().import_row(row, instance_loader, **kwargs)
        if self.progress is not None:
            self.progress.update(1)
        return result

    def after_import(self, dataset, result, **kwargs):
        if kwargs.get("dry_run") or result.has_errors() or result.has_validation_errors():
            return
        totals = result.totals
        audit_log_record(
            actor=kwargs.get("user"),
            action=f"catalog.import.{self.kind}",
            object_repr=f"{self.kind} import {kwargs.get('file_name') or ''}".strip(),
            after={
                "file": kwargs.get("file_name") or "",
                "rows": result.total_rows,
                "new": totals.get("new", 0),
                "updated": totals.get("update", 0),
                "unchanged": totals.get("skip", 0),
            },
            request=kwargs.get("request"),
        )


class ProductResource(CatalogResource):
    kind = "products"
    required_columns = ("sku", "title")
    case_pack = fields.Field("case_pack", "case_pack", StrictIntegerWidget(), default=1)
    lead_time_days = fields.Field(
        "lead_time_days", "lead_time_days", StrictIntegerWidget(), default=0
    )
    transit_days = fields.Field("transit_days", "transit_days", StrictIntegerWidget())
    min_order_quantity = fields.Field(
        "min_order_quantity", "min_order_quantity", StrictIntegerWidget(), default=0
    )
    active = fields.Field("active", "active", widgets.BooleanWidget(), default=True)

    class Meta(CatalogResource.Meta):
        model = Product
        import_id_fields = ["sku"]
        fields = [
            "sku",
            "title",
            "brand",
            "category",
            "active",
            "barcode",
            "case_pack",
            "supplier",
            "lead_time_days",
            "transit_days",
            "min_order_quantity",
        ]


class ListingResource(CatalogResource):
    kind = "listings"
    required_columns = ("marketplace", "seller_sku", "product")
    marketplace = fields.Field(
        "marketplace", "marketplace", CachedLookupWidget(Marketplace, "code", "marketplace")
    )
    product = fields.Field("product", "product", CachedLookupWidget(Product, "sku", "product"))
    active = fields.Field("active", "active", widgets.BooleanWidget(), default=True)

    def get_queryset(self):
        return Listing.objects.select_related("marketplace", "product")

    class Meta(CatalogResource.Meta):
        model = Listing
        import_id_fields = ["marketplace", "channel", "seller_sku"]
        fields = [
            "marketplace",
            "channel",
            "seller_sku",
            "product",
            "fulfillment",
            "asin",
            "fnsku",
            "active",
        ]


MONEY_WIDGET = LocaleDecimalWidget()


class SkuCostResource(CatalogResource):
    kind = "sku_costs"
    required_columns = ("product", "effective_from", "unit_cost", "currency")
    product = fields.Field("product", "product", CachedLookupWidget(Product, "sku", "product"))
    unit_cost = fields.Field("unit_cost", "unit_cost", MONEY_WIDGET)
    inbound_freight_per_unit = fields.Field(
        "inbound_freight_per_unit", "inbound_freight_per_unit", MONEY_WIDGET, default=0
    )
    other_per_unit = fields.Field("other_per_unit", "other_per_unit", MONEY_WIDGET, default=0)

    def get_queryset(self):
        return SkuCost.objects.select_related("product")

    class Meta(CatalogResource.Meta):
        model = SkuCost
        import_id_fields = ["product", "effective_from"]
        fields = [
            "product",
            "effective_from",
            "unit_cost",
            "inbound_freight_per_unit",
            "other_per_unit",
            "currency",
        ]


class FeeRuleResource(CatalogResource):
    kind = "fee_rules"
    required_columns = ("marketplace", "seller_sku", "effective_from", "referral_fee_percent")
    marketplace = fields.Field(
        attribute="listing__marketplace__code", column_name="marketplace", readonly=True
    )
    listing = fields.Field("listing", "seller_sku", ListingWidget())
    referral_fee_percent = fields.Field(
        "referral_fee_percent", "referral_fee_percent", MONEY_WIDGET
    )
    fba_fee_per_unit = fields.Field("fba_fee_per_unit", "fba_fee_per_unit", MONEY_WIDGET, default=0)

    def get_queryset(self):
        return FeeRule.objects.select_related("listing__marketplace")

    class Meta(CatalogResource.Meta):
        model = FeeRule
        import_id_fields = ["listing", "effective_from"]
        fields = [
            "marketplace",
            "listing",
            "effective_from",
            "referral_fee_percent",
            "fba_fee_per_unit",
            "currency",
        ]


class InventoryResource(CatalogResource):
    kind = "inventory"
    required_columns = ("marketplace", "seller_sku", "available", "as_of")
    marketplace = fields.Field(
        attribute="listing__marketplace__code", column_name="marketplace", readonly=True
    )
    listing = fields.Field("listing", "seller_sku", ListingWidget())
    available = fields.Field("available", "available", StrictIntegerWidget())
    reserved = fields.Field("reserved", "reserved", StrictIntegerWidget(), default=0)
    inbound_working = fields.Field(
        "inbound_working", "inbound_working", StrictIntegerWidget(), default=0
    )
    inbound_shipped = fields.Field(
        "inbound_shipped", "inbound_shipped", StrictIntegerWidget(), default=0
    )
    inbound_receiving = fields.Field(
        "inbound_receiving", "inbound_receiving", StrictIntegerWidget(), default=0
    )
    unfulfillable = fields.Field("unfulfillable", "unfulfillable", StrictIntegerWidget(), default=0)
    source = fields.Field("source", "source", default=InventorySource.IMPORT)

    def before_import(self, dataset, **kwargs):
        # Stock from a file is "import" unless the file says otherwise.
        if "source" not in dataset.headers:
            dataset.append_col([InventorySource.IMPORT] * len(dataset), header="source")
        super().before_import(dataset, **kwargs)

    def get_queryset(self):
        return InventoryLevel.objects.select_related("listing__marketplace")

    class Meta(CatalogResource.Meta):
        model = InventoryLevel
        import_id_fields = ["listing", "location"]
        fields = [
            "marketplace",
            "listing",
            "location",
            *INVENTORY_QUANTITIES,
            "as_of",
            "source",
        ]


class FxRateResource(CatalogResource):
    kind = "fx_rates"
    required_columns = ("currency", "date", "rate")
    rate = fields.Field("rate", "rate", MONEY_WIDGET)

    class Meta(CatalogResource.Meta):
        model = FxRate
        import_id_fields = ["currency", "date"]
        fields = ["currency", "date", "rate"]


RESOURCES = {
    r.kind: r
    for r in (
        ProductResource,
        ListingResource,
        SkuCostResource,
        FeeRuleResource,
        InventoryResource,
        FxRateResource,
    )
}
