"""Catalog services: effective-dated lookups, SKU mapping, data health, inventory writes."""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateTimeField, Exists, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.services import audit_log_record, model_snapshot
from catalog.models import (
    INVENTORY_QUANTITIES,
    DataHealthSnapshot,
    FeeRule,
    FxRate,
    InventoryLevel,
    Listing,
    Location,
    Marketplace,
    ObservedSku,
    Product,
    SkuCost,
    SkuSource,
    StockDay,
)
from catalog.resources import RESOURCES
from catalog.tables import SellerCSV, SellerXLSX, TableError, table_read

# --- Effective-dated lookups ------------------------------------------------


def sku_cost_on(product: Product, day: dt.date) -> SkuCost | None:
    """The cost in force on `day`: the entry with the latest effective_from ≤ day.

    None before the first entry: a cost is never guessed backwards.
    """
    return (
        SkuCost.objects.filter(product=product, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )


def fee_rule_on(listing: Listing, day: dt.date) -> FeeRule | None:
    """The fee estimate in force on `day` for the listing, or None."""
    return (
        FeeRule.objects.filter(listing=listing, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )


@dataclass(frozen=True)
class FxLookup:
    rate: Decimal
    rate_date: dt.date | None  # the day the rate is from (None: reporting currency)
    fallback: bool  # True when no rate for the day itself existed

    @property
    def note(self) -> str:
        if self.fallback:
            return f"no rate for that day; used the rate of {self.rate_date}"
        return ""


def fx_rate_on(currency: str, day: dt.date) -> FxLookup | None:
    """Rate of `currency` into the reporting currency on `day`.

    Falls back to the last known earlier rate and says so; None when there is
    no rate on or before the day (the amount is then unknown, never 1:1).
    """
    currency = currency.upper()
    if currency == settings.REPORTING_CURRENCY:
        return FxLookup(Decimal(1), None, False)
    row = (
        FxRate.objects.filter(currency=currency, date__lte=day)
        .order_by("-date")
        .values_list("rate", "date")
        .first()
    )
    if row is None:
        return None
    rate, rate_date = row
    return FxLookup(rate, rate_date, rate_date != day)


# --- SKUs seen in Amazon data and their mapping --------------------------------


def sku_observe(
    *, marketplace: Marketplace, seller_sku: str, source: str, asin: str = "", when=None
) -> ObservedSku:
    """Record that `seller_sku` appeared in `source` data (orders, ads, inventory)."""
    when = when or timezone.now()
    observed, created = ObservedSku.objects.get_or_create(
        marketplace=marketplace,
        seller_sku=seller_sku,
        source=source,
        defaults={"asin": asin, "first_seen": when, "last_seen": when},
    )
    if not created:
        changed = {}
        if when > observed.last_seen:
            changed["last_seen"] = when
        if when < observed.first_seen:
            changed["first_seen"] = when
        if asin and observed.asin != asin:
            changed["asin"] = asin
        if changed:
            ObservedSku.objects.filter(pk=observed.pk).update(**changed)
            for key, value in changed.items():
                setattr(observed, key, value)
    return observed


def _listing_exists():
    return Exists(
        Listing.objects.filter(
            marketplace=OuterRef("marketplace"), seller_sku=OuterRef("seller_sku")
        )
    )


def unmapped_skus():
    """SKUs seen in Amazon data with no Listing in their marketplace."""
    return (
        ObservedSku.objects.filter(~_listing_exists())
        .select_related("marketplace")
        .order_by("marketplace__code", "seller_sku", "source")
    )


SKU_SUFFIXES = re.compile(r"([-_ .](FBA|FBM|MFN|AFN|NEW|OLD|V\d+))+$", re.I)


def sku_normalize(sku: str) -> str:
    """The SKU with case, spaces, separators noise, leading zeros and common suffixes removed.

    "ab-0012-FBA" and "AB-12" normalise alike; suffixes are those sellers add
    when they relist the same item (-FBA, -FBM, _NEW, -V2 ...).
    """
    text = re.sub(r"\s+", "", sku.strip().upper())
    text = SKU_SUFFIXES.sub("", text)
    parts = re.split(r"([-_.])", text)
    return "".join(p.lstrip("0") or "0" if p.isdigit() else p for p in parts)


@dataclass(frozen=True)
class Suggestion:
    product: Product
    reason: str
    via: str  # "asin", "barcode" or "sku"


class SuggestionIndex:
    """Everything needed to suggest mappings, read in a few queries, then looked up.

    Rules, strongest first: a listing with the same ASIN; a product whose
    barcode is the SKU (sellers often use the EAN as SKU); a listing or product
    whose SKU normalises alike. A candidate whose known ASIN differs from the
    observed ASIN is never suggested: different ASINs are different items.
    """

    def __init__(self):
        self.products = {p.pk: p for p in Product.objects.all()}
        self.by_asin: dict[str, list] = {}
        self.by_key: dict[str, list] = {}
        self.asins: dict[int, set] = {}
        self.by_barcode = {p.barcode: p for p in self.products.values() if p.barcode}
        listings = Listing.objects.select_related("marketplace").only(
            "seller_sku", "asin", "product_id", "marketplace__code"
        )
        for listing in listings:
            product = self.products[listing.product_id]
            where = f"{listing.marketplace.code} listing {listing.seller_sku}"
            if listing.asin:
                self.by_asin.setdefault(listing.asin, []).append((product, where))
                self.asins.setdefault(product.pk, set()).add(listing.asin)
            self.by_key.setdefault(sku_normalize(listing.seller_sku), []).append((product, where))
        for product in self.products.values():
            self.by_key.setdefault(sku_normalize(product.sku), []).append(
                (product, f"internal SKU {product.sku}")
            )

    def _other_asin(self, product, asin):
        return bool(asin) and bool(self.asins.get(product.pk, set()) - {asin})

    def suggest(self, observed: ObservedSku) -> list[Suggestion]:
        found: dict[int, Suggestion] = {}
        asin, sku = observed.asin, observed.seller_sku.strip()
        for product, where in self.by_asin.get(asin, []) if asin else []:
            found.setdefault(
                product.pk, Suggestion(product, f"same ASIN {asin} as {where}", "asin")
            )
        product = self.by_barcode.get(sku)
        if product and not self._other_asin(product, asin):
            found.setdefault(
                product.pk,
                Suggestion(product, f"the SKU is the barcode of {product.sku}", "barcode"),
            )
        for product, where in self.by_key.get(sku_normalize(sku), []):
            if not self._other_asin(product, asin):
                found.setdefault(
                    product.pk,
                    Suggestion(product, f"SKU matches {where} after normalising", "sku"),
                )
        return list(found.values())


def listing_map(*, actor, observed: ObservedSku, product: Product, request=None) -> Listing:
    """Map an unmapped SKU to a product by creating its Listing (audited)."""
    with transaction.atomic():
        listing, created = Listing.objects.get_or_create(
            marketplace=observed.marketplace,
            channel="amazon",
            seller_sku=observed.seller_sku,
            defaults={"product": product, "asin": observed.asin},
        )
        if created:
            audit_log_record(
                actor=actor,
                action="catalog.listing.map",
                obj=listing,
                after=model_snapshot(listing),
                request=request,
            )
    return listing


# --- Data health -------------------------------------------------------------


def products_missing_cost(today: dt.date | None = None):
    """Active products with listings that have no cost for a day they sold on.

    Until sales are rolled up, "sold" means: first seen in orders (ObservedSku).
    A product with no cost entry at all on or before today counts too.
    """
    today = today or timezone.localdate()
    first_sale = Subquery(
        ObservedSku.objects.filter(
            source=SkuSource.ORDERS,
            marketplace=OuterRef("marketplace"),
            seller_sku=OuterRef("seller_sku"),
        )
        .order_by("first_seen")
        .values("first_seen")[:1],
        output_field=DateTimeField(),
    )
    first_cost = Subquery(
        SkuCost.objects.filter(product=OuterRef("pk"))
        .order_by("effective_from")
        .values("effective_from")[:1]
    )
    products = Product.objects.filter(
        Exists(Listing.objects.filter(product=OuterRef("pk"))), active=True
    ).annotate(first_cost=first_cost)
    no_cost = Q(first_cost__isnull=True) | Q(first_cost__gt=today)
    sold_before_cost = Exists(
        Listing.objects.filter(product=OuterRef("pk"))
        .annotate(first_sold=TruncDate(first_sale))
        .filter(first_sold__lt=OuterRef("first_cost"))
    )
    return products.filter(no_cost | sold_before_cost).order_by("sku")


def listings_missing_fee_rule(today: dt.date | None = None):
    today = today or timezone.localdate()
    has_rule = Exists(FeeRule.objects.filter(listing=OuterRef("pk"), effective_from__lte=today))
    return (
        Listing.objects.filter(active=True, channel="amazon")
        .filter(~has_rule)
        .select_related("marketplace", "product")
    )


def data_health_counts(now=None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        "unmapped_skus": unmapped_skus().values("marketplace", "seller_sku").distinct().count(),
        "products_missing_cost": products_missing_cost(today).count(),
        "listings_missing_fee_rule": listings_missing_fee_rule(today).count(),
        "stale_inventory": InventoryLevel.objects.stale(now).count(),
    }


def data_health_snapshot_record(now=None) -> DataHealthSnapshot:
    """Store today's counts (idempotent per day: a rerun overwrites)."""
    now = now or timezone.now()
    snapshot, _ = DataHealthSnapshot.objects.update_or_create(
        date=timezone.localdate(now), defaults=data_health_counts(now)
    )
    return snapshot


def data_health_trend(days: int = 30, now=None) -> list[dict]:
    """One point per day for the last `days` days; days never measured are None."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = today - dt.timedelta(days=days - 1)
    stored = {s.date: s for s in DataHealthSnapshot.objects.filter(date__gte=start)}
    live = data_health_counts(now)
    points = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        snap = stored.get(day)
        values = (
            live if day == today else {key: getattr(snap, key) if snap else None for key in live}
        )
        points.append({"date": day.isoformat(), **values})
    return points


DETAIL_LIMIT = 200


def data_health_report(now=None) -> dict:
    """Counts, the rows behind them (first 200 each) and the 30-day trend."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    index = SuggestionIndex()
    unmapped = list(unmapped_skus()[:DETAIL_LIMIT])
    stale = (
        InventoryLevel.objects.stale(now)
        .select_related("listing__marketplace")
        .order_by("as_of")[:DETAIL_LIMIT]
    )
    return {
        "generated_at": now.isoformat(),
        "stale_after_hours": settings.INVENTORY_STALE_HOURS,
        "counts": data_health_counts(now),
        "unmapped_skus": [
            {
                "marketplace": o.marketplace.code,
                "seller_sku": o.seller_sku,
                "source": o.source,
                "asin": o.asin,
                "first_seen": o.first_seen.isoformat(),
                "suggestions": [
                    {"product_sku": s.product.sku, "reason": s.reason} for s in index.suggest(o)
                ],
            }
            for o in unmapped
        ],
        "products_missing_cost": [
            {"product_sku": p.sku, "title": p.title}
            for p in products_missing_cost(today)[:DETAIL_LIMIT]
        ],
        "listings_missing_fee_rule": [
            {"marketplace": li.marketplace.code, "seller_sku": li.seller_sku}
            for li in listings_missing_fee_rule(today)[:DETAIL_LIMIT]
        ],
        "stale_inventory": [
            {
                "marketplace": level.listing.marketplace.code,
                "seller_sku": level.listing.seller_sku,
                "location": level.location,
                "as_of": level.as_of.isoformat(),
            }
            for level in stale
        ],
        "trend": data_health_trend(30, now),
    }


# --- CSV/XLSX import ------------------------------------------------------------


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # (line or None, reason)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return f"{self.kind}: refused, {len(self.errors)} problem(s); nothing was changed."
        verb = "would be" if self.dry_run else "were"
        return (
            f"{self.kind}: {self.rows} rows; {self.new} new, {self.updated} updated, "
            f"{self.unchanged} unchanged {verb} imported."
        )


def catalog_import(
    *, kind: str, raw: bytes, filename: str, actor, dry_run: bool, request=None, progress=None
) -> ImportReport:
    """Import a CSV/XLSX file of `kind` all or nothing.

    Any bad row refuses the whole file; every bad row is reported with the
    file line it starts on and the reason.
    """
    report = ImportReport(kind=kind, dry_run=dry_run)
    try:
        table = table_read(raw, filename)
    except TableError as exc:
        report.errors.append((None, str(exc)))
        return report
    report.rows = len(table.dataset)
    report.errors.extend(table.problems)
    resource = RESOURCES[kind]()
    resource.progress = progress
    resource.html_diff = False
    repeated = _repeated_keys(table, resource.natural_key_columns())
    if repeated:  # the import itself would only fail on the unique constraint
        report.errors = sorted(report.errors + repeated, key=lambda e: e[0] or 0)
        return report
    result = resource.import_data(
        table.dataset,
        dry_run=dry_run or bool(table.problems),
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
        user=actor,
        file_name=filename,
        request=request,
    )
    if result.base_errors:  # the file as a whole is wrong: row errors would only repeat it
        report.errors += [(None, _reason(e.error)) for e in result.base_errors]
        return report
    for number, errors in result.row_errors():
        for error in errors:
            report.errors.append((table.line_of(number), _reason(error.error)))
    for invalid in result.invalid_rows:
        for name, messages in invalid.error_dict.items():
            # Name the column the seller sees (listing → seller_sku).
            column = resource.fields[name].column_name if name in resource.fields else name
            where = "" if name == "__all__" else f"{column}: "
            # The resource already numbered invalid rows by file line.
            report.errors.append((invalid.number, where + " ".join(messages)))
    report.errors.sort(key=lambda e: (e[0] or 0, e[1]))
    report.new = result.totals.get("new", 0)
    report.updated = result.totals.get("update", 0)
    report.unchanged = result.totals.get("skip", 0)
    return report


def _repeated_keys(table, columns) -> list[tuple[int, str]]:
    """A natural key twice in one file is ambiguous: which row wins? Refuse it."""
    if not all(c in table.dataset.headers for c in columns):
        return []
    seen, problems = {}, []
    positions = [table.dataset.headers.index(c) for c in columns]
    for number, row in enumerate(table.dataset, 1):
        key = tuple(
            str(row[i]).strip().upper() if columns[k] == "marketplace" else str(row[i]).strip()
            for k, i in enumerate(positions)
        )
        line = table.line_of(number)
        if key in seen:
            problems.append((line, f"{', '.join(columns)} repeats line {seen[key]}"))
        else:
            seen[key] = line
    return problems


def _reason(error) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or type(error).__name__


def catalog_export(kind: str, filename: str = "") -> bytes:
    """Export every row of `kind` as CSV (or XLSX when the name ends in .xlsx)."""
    dataset = RESOURCES[kind]().export()
    fmt = SellerXLSX() if filename.lower().endswith(".xlsx") else SellerCSV()
    data = fmt.export_data(dataset)
    return data if isinstance(data, bytes) else data.encode("utf-8")


# --- Inventory writes ----------------------------------------------------------


def stock_days_record(day: dt.date, available: dict[int, int]) -> None:
    """Note `available` (listing id → sellable units) as seen on the marketplace-local
    `day`; where the day already has a count, the lower one stays (a day that touched 0
    is a stock-out day for the forecaster)."""
    if not available:
        return
    seen = dict(
        StockDay.objects.filter(date=day, listing_id__in=available).values_list(
            "listing_id", "available"
        )
    )
    StockDay.objects.bulk_create(
        [
            StockDay(
                listing_id=listing_id, date=day, available=min(units, seen.get(listing_id, units))
            )
            for listing_id, units in available.items()
        ],
        update_conflicts=True,
        unique_fields=["listing", "date"],
        update_fields=["available"],
    )


def inventory_level_set(
    *, actor, listing: Listing, location: str, values: dict, as_of, source: str, request=None
) -> InventoryLevel:
    """Create or replace a listing's stock at one location (audited)."""
    with transaction.atomic():
        level = (
            InventoryLevel.objects.select_for_update()
            .filter(listing=listing, location=location)
            .first()
        )
        before = model_snapshot(level) if level else None
        if level is None:
            level = InventoryLevel(listing=listing, location=location)
        for key in INVENTORY_QUANTITIES:
            setattr(level, key, values.get(key, 0))
        level.as_of = as_of
        level.source = source
        level.save()
        if location == Location.FBA:
            stock_days_record(listing.marketplace.local_date(as_of), {listing.pk: level.available})
        audit_log_record(
            actor=actor,
            action="catalog.inventorylevel.update" if before else "catalog.inventorylevel.create",
            obj=level,
            before=before,
            after=model_snapshot(level),
            request=request,
        )
    return level


def inventory_level_delete(*, actor, listing: Listing, location=None, request=None) -> int:
    """Delete a listing's stock rows (one location, or all) with an audit entry each."""
    with transaction.atomic():
        levels = InventoryLevel.objects.filter(listing=listing)
        if location:
            levels = levels.filter(location=location)
        levels = list(levels)
        for level in levels:
            before, pk = model_snapshot(level), level.pk
            level.delete()
            level.pk = pk
            audit_log_record(
                actor=actor,
                action="catalog.inventorylevel.delete",
                obj=level,
                before=before,
                request=request,
            )
    return len(levels)
