"""Turning Amazon's order data into Order and OrderItem rows, fast and exactly once.

Both sources, the Orders API (searchOrders JSON) and the all-orders flat-file
report, are first turned into the same normalised lines: one per (order, SKU),
order fields repeated on each. `OrderWriter` loads batches of lines into a
temporary staging table (PostgreSQL COPY; executemany on SQLite) and upserts
from there with set-based SQL:

- a line is *fresh* when no stored version of its order is as new
  (`last_updated_at`); only fresh lines are written, so replaying old data,
  a rerun after a crash or an overlap window changes nothing;
- orders are upserted on Amazon's order id, items on (order, SKU), stale items
  of an updated order are deleted, items are mapped to listings in the join;
- pending lines (no prices yet) get estimated amounts from the listing's recent
  average selling price, flagged `is_estimated`, and are replaced when the
  order updates.

The caller owns the transaction: rows and the cursor that covers them commit
together.
"""

import contextlib
import csv
import datetime as dt
import gc
import io
import operator
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from catalog.models import Fulfillment, Marketplace, SkuSource
from catalog.services import sku_observe
from orders.models import NOT_COUNTED, OrderItem, OrderStatus

# The normalised line, in staging-table column order.
LINE_COLUMNS = [
    ("amazon_order_id", "varchar(32)"),
    ("marketplace_id", "integer"),
    ("created_at", "timestamp"),
    ("local_date", "date"),
    ("last_updated_at", "timestamp"),
    ("status", "varchar(24)"),
    ("fulfillment_channel", "varchar(3)"),
    ("sales_channel", "varchar(64)"),
    ("currency", "varchar(3)"),
    ("is_business", "boolean"),
    ("is_prime", "boolean"),
    ("seller_sku", "varchar(64)"),
    ("asin", "varchar(10)"),
    ("title", "varchar(500)"),
    ("quantity_ordered", "integer"),
    ("quantity_shipped", "integer"),
    ("unit_price", "decimal(14,4)"),
    ("item_price", "decimal(14,4)"),
    ("item_tax", "decimal(14,4)"),
    ("shipping_price", "decimal(14,4)"),
    ("shipping_tax", "decimal(14,4)"),
    ("promotion_discount", "decimal(14,4)"),
    ("promotion_ids", "varchar(500)"),
    ("order_item_ids", "varchar(200)"),
    ("is_estimated", "boolean"),
    ("source", "varchar(8)"),
]
NAMES = [name for name, _ in LINE_COLUMNS]
I = {name: index for index, name in enumerate(NAMES)}  # noqa: E741 - column index
AMOUNTS = [
    "unit_price",
    "item_price",
    "item_tax",
    "shipping_price",
    "shipping_tax",
    "promotion_discount",
]
STAGING = "orders_staging"
ZERO = Decimal(0)


class OrderDataError(ValueError):
    """A line of Amazon data that cannot be read; `line` is its line number (reports)."""

    def __init__(self, reason, line=None):
        self.reason = reason
        self.line = line
        super().__init__(f"line {line}: {reason}" if line else reason)


@dataclass
class WriteStats:
    lines: int = 0
    orders: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    estimated: int = 0
    unmapped: dict = field(default_factory=dict)  # (marketplace pk, SKU) -> (ASIN, last seen)
    touched: set = field(default_factory=set)  # (marketplace pk, local date) written


class Marketplaces:
    """Marketplace lookups by Amazon id and by sales channel, with their time zones."""

    def __init__(self):
        self.by_id = {}
        self.by_channel = {}
        self.zones = {}
        for marketplace in Marketplace.objects.all():
            self.by_id[marketplace.amazon_marketplace_id] = marketplace
            self.by_channel[_channel_name(marketplace.domain).lower()] = marketplace
            self.zones[marketplace.pk] = zoneinfo.ZoneInfo(marketplace.time_zone)

    def local_date(self, marketplace_pk, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zones[marketplace_pk]).date()


def _channel_name(domain: str) -> str:
    """amazon.co.uk -> Amazon.co.uk, the sales channel Amazon writes in reports."""
    return "Amazon." + domain.split("amazon.", 1)[-1]


# --- the writer --------------------------------------------------------------------


class OrderWriter:
    """Stage and upsert normalised lines. Use inside transaction.atomic()."""

    def __init__(self, batch_lines: int = 20000, now=None, rollup=True):
        """`rollup=False`: leave the daily rollup to the caller (a bulk load rebuilds it
        once at the end instead of per batch)."""
        self.batch_lines = batch_lines
        self.rollup = rollup
        self.now = now or timezone.now()
        self.stats = WriteStats()
        self.pending: dict[str, list] = {}  # order id -> lines, the newest version
        self.pending_lines = 0
        self.vendor = connection.vendor
        self._create_staging()

    # staging ---------------------------------------------------------------------

    def _create_staging(self):
        stamp = "timestamp with time zone" if self.vendor == "postgresql" else "timestamp"
        columns = ", ".join(
            f"{name} {stamp if kind == 'timestamp' else kind}" for name, kind in LINE_COLUMNS
        )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
            suffix = " ON COMMIT DROP" if self.vendor == "postgresql" else ""
            cursor.execute(
                f"CREATE TEMPORARY TABLE {STAGING} ({columns}, "
                "fresh boolean DEFAULT TRUE, existed boolean DEFAULT FALSE, order_pk bigint)"
                + suffix
            )
            cursor.execute(f"CREATE INDEX {STAGING}_order ON {STAGING} (amazon_order_id)")

    def _load(self, lines):
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor  # psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {STAGING} ({', '.join(NAMES)}) FROM STDIN") as copy:
                    for line in lines:
                        copy.write_row(line)
            else:
                ops = connection.ops
                adapted = []
                for line in lines:
                    row = list(line)
                    for name in ("created_at", "last_updated_at"):
                        row[I[name]] = ops.adapt_datetimefield_value(row[I[name]])
                    row[I["local_date"]] = row[I["local_date"]].isoformat()
                    for name in AMOUNTS:
                        value = row[I[name]]
                        row[I[name]] = None if value is None else str(value)
                    adapted.append(row)
                marks = ", ".join(["%s"] * len(NAMES))
                cursor.executemany(
                    f"INSERT INTO {STAGING} ({', '.join(NAMES)}) VALUES ({marks})", adapted
                )

    def _clear_staging(self, cursor):
        # DELETE leaves dead rows every later statement scans; TRUNCATE frees them.
        statement = "TRUNCATE" if self.vendor == "postgresql" else "DELETE FROM"
        cursor.execute(f"{statement} {STAGING}")

    # input -----------------------------------------------------------------------

    def add(self, lines: list):
        """All lines of one version of one order. A newer version replaces an older one
        met earlier in the same batch."""
        order_id = lines[0][0]
        known = self.pending.get(order_id)
        if known is not None:
            if known[0][I["last_updated_at"]] >= lines[0][I["last_updated_at"]]:
                return
            self.pending_lines -= len(known)
        self.pending[order_id] = lines
        self.pending_lines += len(lines)
        if self.pending_lines >= self.batch_lines:
            self.flush()

    def flush(self):
        if not self.pending:
            return
        lines = [line for order_lines in self.pending.values() for line in order_lines]
        self.pending.clear()
        self.pending_lines = 0
        self._estimate(lines)
        self.stats.lines += len(lines)
        self._load(lines)
        self._upsert()

    def finish(self) -> WriteStats:
        """Write what is pending, record unmapped SKUs and rebuild the daily rollup of the
        days written (in the caller's transaction)."""
        from orders import rollup

        self.flush()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        if self.rollup:
            rollup.rebuild(self.stats.touched)
        for (marketplace_pk, sku), (asin, seen) in sorted(self.stats.unmapped.items()):
            sku_observe(
                marketplace=Marketplace(pk=marketplace_pk),
                seller_sku=sku,
                source=SkuSource.ORDERS,
                asin=asin or "",
                when=seen,
            )
        return self.stats

    # pending estimates -------------------------------------------------------------

    def _estimate(self, lines):
        """Fill amounts of unpriced pending lines from the listing's recent average price:
        priced lines stored already and priced lines of this same batch (a first import
        brings a SKU's history and its pending orders together)."""
        unpriced = [
            n for n, line in enumerate(lines) if line[I["item_price"]] is None and _is_open(line)
        ]
        if not unpriced:
            return
        keys = {(lines[n][I["marketplace_id"]], lines[n][I["seller_sku"]]) for n in unpriced}
        since = self.now - dt.timedelta(days=RECENT_PRICE_DAYS)
        in_batch = {}
        for line in lines:
            key = (line[I["marketplace_id"]], line[I["seller_sku"]])
            if (
                key in keys
                and line[I["item_price"]] is not None
                and not line[I["is_estimated"]]
                and line[I["quantity_ordered"]]
                and line[I["created_at"]] >= since
                and _is_open(line)
            ):
                total, units = in_batch.get(key, (Decimal(0), 0))
                in_batch[key] = (total + line[I["item_price"]], units + line[I["quantity_ordered"]])
        prices = recent_unit_prices(keys, self.now, extra=in_batch)
        for n in unpriced:
            line = list(lines[n])
            price = prices.get((line[I["marketplace_id"]], line[I["seller_sku"]]))
            line[I["is_estimated"]] = True
            if price is not None:
                line[I["unit_price"]] = price
                line[I["item_price"]] = price * line[I["quantity_ordered"]]
                self.stats.estimated += 1
            lines[n] = tuple(line)

    # upsert ------------------------------------------------------------------------

    def _upsert(self):
        bool_any = "bool_or" if self.vendor == "postgresql" else "MAX"
        where_true = "WHERE TRUE" if self.vendor == "postgresql" else "WHERE 1"
        with connection.cursor() as cursor:
            cursor.execute(
                # A join, so each staging row finds its stored order by the unique
                # index instead of scanning every order (rows default to new and fresh).
                f"""UPDATE {STAGING} SET existed = TRUE, order_pk = o.id,
                    fresh = (o.last_updated_at < {STAGING}.last_updated_at)
                    FROM orders_order o WHERE o.amazon_order_id = {STAGING}.amazon_order_id"""
            )
            cursor.execute(
                f"""SELECT COUNT(DISTINCT amazon_order_id),
                    COUNT(DISTINCT CASE WHEN fresh AND NOT existed THEN amazon_order_id END),
                    COUNT(DISTINCT CASE WHEN fresh AND existed THEN amazon_order_id END)
                    FROM {STAGING}"""
            )
            orders, inserted, updated = cursor.fetchone()
            self.stats.orders += orders
            self.stats.inserted += inserted
            self.stats.updated += updated
            self.stats.unchanged += orders - inserted - updated
            if not (inserted or updated):
                self._clear_staging(cursor)
                return

            order_fields = [
                "marketplace_id",
                "created_at",
                "local_date",
                "last_updated_at",
                "status",
                "fulfillment_channel",
                "sales_channel",
                "currency",
                "item_total",
                "tax_total",
                "shipping_total",
                "discount_total",
                "is_business",
                "is_prime",
                "is_estimated",
                "source",
                "synced_at",
            ]
            upsert = f"""INSERT INTO orders_order (amazon_order_id, {", ".join(order_fields)})
                SELECT amazon_order_id, MAX(marketplace_id), MAX(created_at), MAX(local_date),
                    MAX(last_updated_at), MAX(status), MAX(fulfillment_channel),
                    MAX(sales_channel), MAX(currency), SUM(item_price),
                    SUM(item_tax) + SUM(shipping_tax), SUM(shipping_price),
                    SUM(promotion_discount), {bool_any}(is_business), {bool_any}(is_prime),
                    {bool_any}(is_estimated), MAX(source), %s
                FROM {STAGING} WHERE fresh GROUP BY amazon_order_id
                ON CONFLICT (amazon_order_id) DO UPDATE SET
                {", ".join(f"{name} = excluded.{name}" for name in order_fields)}"""
            cursor.execute(
                # Items of an updated order that it no longer has.
                f"""DELETE FROM orders_orderitem WHERE order_id IN (
                    SELECT s.order_pk FROM {STAGING} s WHERE s.fresh AND s.existed)
                AND NOT EXISTS (SELECT 1 FROM {STAGING} s
                    WHERE s.order_pk = orders_orderitem.order_id
                    AND s.seller_sku = orders_orderitem.seller_sku)"""
            )
            item_fields = [
                "asin",
                "title",
                "listing_id",
                "quantity_ordered",
                "quantity_shipped",
                *AMOUNTS,
                "promotion_ids",
                "order_item_ids",
                "is_estimated",
            ]
            select = ", ".join(
                "l.id" if name == "listing_id" else f"s.{name}" for name in item_fields
            )
            columns = ", ".join(item_fields)
            items = f"""INSERT INTO orders_orderitem (order_id, seller_sku, {columns})
                SELECT {{order_pk}}, s.seller_sku, {select}
                FROM {STAGING} s {{join}}
                LEFT JOIN catalog_listing l ON l.marketplace_id = s.marketplace_id
                    AND l.channel = 'amazon' AND l.seller_sku = s.seller_sku
                {where_true} AND s.fresh
                ON CONFLICT (order_id, seller_sku) DO UPDATE SET
                {", ".join(f"{name} = excluded.{name}" for name in item_fields)}"""
            if self.vendor == "postgresql":
                # One statement: the upserted orders' ids come back with them and the
                # items join those, not every stored order. (Foreign keys are checked
                # at commit, so items may point at orders of the same statement.)
                join = "JOIN upserted u ON u.amazon_order_id = s.amazon_order_id"
                cursor.execute(
                    f"WITH upserted AS ({upsert} RETURNING id, amazon_order_id) "
                    + items.format(order_pk="u.id", join=join),
                    [self.now],
                )
            else:
                cursor.execute(upsert, [self.now])
                join = "JOIN orders_order o ON o.amazon_order_id = s.amazon_order_id"
                cursor.execute(items.format(order_pk="o.id", join=join))
            cursor.execute(f"SELECT DISTINCT marketplace_id, local_date FROM {STAGING} WHERE fresh")
            for marketplace_pk, day in cursor.fetchall():
                if isinstance(day, str):  # SQLite
                    day = dt.date.fromisoformat(day)
                self.stats.touched.add((marketplace_pk, day))
            cursor.execute(
                f"""SELECT s.marketplace_id, s.seller_sku, MAX(s.asin), MAX(s.created_at)
                FROM {STAGING} s WHERE s.fresh AND NOT EXISTS (SELECT 1 FROM catalog_listing l
                    WHERE l.marketplace_id = s.marketplace_id AND l.seller_sku = s.seller_sku)
                GROUP BY s.marketplace_id, s.seller_sku"""
            )
            for marketplace_pk, sku, asin, seen in cursor.fetchall():
                if isinstance(seen, str):  # SQLite
                    seen = connection.ops.convert_datetimefield_value(seen, None, connection)
                known = self.stats.unmapped.get((marketplace_pk, sku))
                if known is None or seen > known[1]:
                    self.stats.unmapped[(marketplace_pk, sku)] = (asin, seen)
            self._clear_staging(cursor)


def _is_open(line) -> bool:
    return line[I["status"]] not in NOT_COUNTED


RECENT_PRICE_DAYS = 30


def recent_unit_prices(keys, now, days=RECENT_PRICE_DAYS, extra=None) -> dict:
    """Average selling price per (marketplace pk, SKU) over the last `days`, from priced
    lines of orders that count (plus `extra`: (total, units) per key not stored yet);
    falling back to the last price ever seen."""
    if not keys:
        return {}
    skus = {sku for _, sku in keys}
    marketplaces = {pk for pk, _ in keys}
    base = OrderItem.objects.filter(
        seller_sku__in=skus,
        order__marketplace_id__in=marketplaces,
        is_estimated=False,
        item_price__isnull=False,
        quantity_ordered__gt=0,
    ).exclude(order__status__in=NOT_COUNTED)
    sums = dict(extra or {})
    recent = (
        base.filter(order__created_at__gte=now - dt.timedelta(days=days))
        .values_list("order__marketplace_id", "seller_sku")
        .annotate(total=Sum("item_price"), units=Sum("quantity_ordered"))
    )
    for marketplace_pk, sku, total, units in recent:
        key = (marketplace_pk, sku)
        if key in keys and units:
            known_total, known_units = sums.get(key, (Decimal(0), 0))
            sums[key] = (known_total + Decimal(total), known_units + units)
    prices = {
        key: (total / units).quantize(Decimal("0.01"))
        for key, (total, units) in sums.items()
        if units
    }
    for key in keys - prices.keys():
        last = (
            base.filter(order__marketplace_id=key[0], seller_sku=key[1])
            .order_by("-order__created_at")
            .values_list("unit_price", flat=True)
            .first()
        )
        if last is not None:
            prices[key] = Decimal(last).quantize(Decimal("0.01"))
    return prices


# --- Orders API (2026-01-01) ---------------------------------------------------------


def _money(value, what) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value["amount"] if isinstance(value, dict) else value))
    except (InvalidOperation, KeyError, TypeError):
        raise OrderDataError(f"{what} is not an amount: {value!r}") from None


def utc_instant(text) -> dt.datetime:
    """An ISO 8601 time with its zone, as UTC; ValueError says what is wrong with it."""
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        raise ValueError("is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise ValueError("has no time zone")
    return moment.astimezone(dt.UTC)


def _instant(text, what) -> dt.datetime:
    try:
        return utc_instant(text)
    except ValueError as exc:
        raise OrderDataError(f"{what} {exc}: {text!r}") from None


def api_order_lines(order: dict, marketplaces: Marketplaces, source="api") -> list:
    """Normalised lines of one searchOrders/getOrder order."""
    order_id = order.get("orderId") or ""
    if not order_id:
        raise OrderDataError("order without orderId")
    channel = order.get("salesChannel") or {}
    marketplace = marketplaces.by_id.get(channel.get("marketplaceId"))
    if marketplace is None:
        raise OrderDataError(
            f"order {order_id}: unknown marketplace {channel.get('marketplaceId')!r}"
        )
    created = _instant(order.get("createdTime"), f"order {order_id} createdTime")
    updated = _instant(order.get("lastUpdatedTime"), f"order {order_id} lastUpdatedTime")
    fulfillment = order.get("fulfillment") or {}
    status = fulfillment.get("fulfillmentStatus") or ""
    if status not in OrderStatus.values:
        raise OrderDataError(f"order {order_id}: unknown fulfillment status {status!r}")
    programs = set(order.get("programs") or [])
    head = (
        order_id,
        marketplace.pk,
        created,
        marketplaces.local_date(marketplace.pk, created),
        updated,
        status,
        Fulfillment.FBM if fulfillment.get("fulfilledBy") == "MERCHANT" else Fulfillment.FBA,
        channel.get("marketplaceName") or _channel_name(marketplace.domain),
    )
    merged: dict[str, dict] = {}
    currency = ""
    for item in order.get("orderItems") or []:
        product = item.get("product") or {}
        sku = product.get("sellerSku") or ""
        if not sku:
            raise OrderDataError(f"order {order_id}: item without sellerSku")
        unit = (product.get("price") or {}).get("unitPrice")
        if unit:
            currency = unit.get("currencyCode") or currency
        amounts = dict.fromkeys(AMOUNTS[1:])
        proceeds = item.get("proceeds") or {}
        for part in proceeds.get("breakdowns") or []:
            kind, value = part.get("type"), _money(part.get("subtotal"), f"order {order_id}")
            currency = (part.get("subtotal") or {}).get("currencyCode") or currency
            if kind == "ITEM":
                amounts["item_price"] = value
            elif kind == "SHIPPING":
                amounts["shipping_price"] = value
            elif kind == "DISCOUNT":
                amounts["promotion_discount"] = abs(value)
            elif kind == "TAX":
                details = part.get("detailedBreakdowns") or []
                shipping_tax = sum(
                    (
                        _money(d.get("value"), f"order {order_id}")
                        for d in details
                        if d.get("subtype") == "SHIPPING"
                    ),
                    Decimal(0),
                )
                amounts["item_tax"] = value - shipping_tax
                amounts["shipping_tax"] = shipping_tax
        priced = amounts["item_price"] is not None
        if priced:
            for key in AMOUNTS[1:]:
                amounts[key] = amounts[key] or Decimal(0)
        quantity = int(item.get("quantityOrdered") or 0)
        shipped = int((item.get("fulfillment") or {}).get("quantityFulfilled") or 0)
        promotions = [
            p.get("promotionId", "")
            for p in (item.get("promotion") or {}).get("breakdowns") or []
            if p.get("promotionId")
        ]
        line = merged.get(sku)
        if line is None:
            merged[sku] = {
                "asin": product.get("asin") or "",
                "title": (product.get("title") or "")[:500],
                "quantity_ordered": quantity,
                "quantity_shipped": shipped,
                "unit_price": _money(unit, f"order {order_id} unitPrice"),
                **amounts,
                "promotion_ids": promotions,
                "order_item_ids": [str(item.get("orderItemId", ""))],
            }
        else:
            _merge(line, quantity, shipped, amounts, promotions, str(item.get("orderItemId", "")))
    return [
        (
            *head,
            currency,
            "AMAZON_BUSINESS" in programs,
            "PRIME" in programs,
            sku,
            line["asin"],
            line["title"],
            line["quantity_ordered"],
            line["quantity_shipped"],
            _unit(line),
            line["item_price"],
            line["item_tax"],
            line["shipping_price"],
            line["shipping_tax"],
            line["promotion_discount"],
            ",".join(dict.fromkeys(line["promotion_ids"]))[:500],
            ",".join(line["order_item_ids"])[:200],
            False,
            source,
        )
        for sku, line in merged.items()
    ]


def _merge(line, quantity, shipped, amounts, promotions, item_id):
    line["quantity_ordered"] += quantity
    line["quantity_shipped"] += shipped
    for key, value in amounts.items():
        if value is not None:
            line[key] = (line[key] or Decimal(0)) + value
    line["promotion_ids"].extend(promotions)
    line["order_item_ids"].append(item_id)


def _unit(line):
    if line["item_price"] is not None and line["quantity_ordered"]:
        return (line["item_price"] / line["quantity_ordered"]).quantize(Decimal("0.0001"))
    return line["unit_price"]


# --- the all-orders flat-file report ----------------------------------------------------

REPORT_REQUIRED = [
    "amazon-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "sku",
    "quantity",
]
REPORT_STATUSES = {
    "pending": OrderStatus.PENDING,
    "pendingavailability": OrderStatus.PENDING_AVAILABILITY,
    "unshipped": OrderStatus.UNSHIPPED,
    "partiallyshipped": OrderStatus.PARTIALLY_SHIPPED,
    "shipping": OrderStatus.PARTIALLY_SHIPPED,
    "shipped": OrderStatus.SHIPPED,
    "complete": OrderStatus.SHIPPED,
    "cancelled": OrderStatus.CANCELLED,
    "canceled": OrderStatus.CANCELLED,
    "unfulfillable": OrderStatus.UNFULFILLABLE,
}
NON_AMAZON_CHANNELS = {"non-amazon", ""}  # multi-channel fulfilment: not a sale here


# The columns read, in the order `_fields` returns them; optional ones may be absent.
REPORT_FIELDS = [
    "amazon-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "sku",
    "quantity",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "currency",
    "item-status",
    "promotion-ids",
    "asin",
    "product-name",
    "order-item-id",
    "is-business-order",
    "ship-service-level",
]
(
    R_ORDER,
    R_PURCHASED,
    R_UPDATED,
    R_STATUS,
    R_FULFILLMENT,
    R_CHANNEL,
    R_SKU,
    R_QUANTITY,
    R_ITEM_PRICE,
    R_ITEM_TAX,
    R_SHIPPING_PRICE,
    R_SHIPPING_TAX,
    R_ITEM_DISCOUNT,
    R_SHIP_DISCOUNT,
    R_CURRENCY,
    R_ITEM_STATUS,
    R_PROMOTIONS,
    R_ASIN,
    R_TITLE,
    R_ITEM_ID,
    R_BUSINESS,
    R_SERVICE_LEVEL,
) = range(len(REPORT_FIELDS))
PRIME_SERVICE_LEVELS = {"expedited", "nextday", "secondday"}


def report_order_lines(text_stream, marketplaces: Marketplaces, on_skip=None):
    """Yield the normalised lines of each order in an all-orders report.

    Columns are found by header name (they vary by marketplace). Fields may be
    quoted, so titles with tabs or quotes keep their row together. Any row that
    cannot be read raises OrderDataError with its line number.
    """
    reader = csv.reader(text_stream, delimiter="\t", quotechar='"', strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise OrderDataError(f"header unreadable ({exc})", line=1) from None
    header = [name.strip().lower().lstrip("\ufeff") for name in header]
    missing = [name for name in REPORT_REQUIRED if name not in header]
    if missing:
        raise OrderDataError(f"missing column(s): {', '.join(missing)}", line=1)
    width = len(header)
    # One C call per row picks the columns read; an absent optional column reads the
    # empty field appended to every row.
    pick = operator.itemgetter(
        *(header.index(name) if name in header else width for name in REPORT_FIELDS)
    )

    current_id, current = None, {}
    head = None
    try:
        for row in reader:
            if len(row) != width:
                if not row or row == [""]:
                    continue
                raise OrderDataError(
                    f"expected {width} fields, found {len(row)}", line=reader.line_num
                )
            row.append("")
            fields = [value.strip() for value in pick(row)]
            order_id = fields[R_ORDER]
            if order_id != current_id:
                if not order_id:
                    raise OrderDataError("empty amazon-order-id", line=reader.line_num)
                channel = fields[R_CHANNEL]
                if channel.lower() in NON_AMAZON_CHANNELS:
                    if on_skip:
                        on_skip(
                            reader.line_num, f"sales channel {channel or '(empty)'} is not Amazon"
                        )
                    continue
                if current:
                    yield _report_lines(head, current)
                current_id, current = order_id, {}
                head = _report_head(fields, marketplaces, reader.line_num)
            _report_item(fields, current, head, reader.line_num)
    except csv.Error as exc:
        raise OrderDataError(f"unreadable row ({exc})", line=reader.line_num) from None
    if current:
        yield _report_lines(head, current)


def _report_head(fields, marketplaces, line_number):
    channel = fields[R_CHANNEL]
    marketplace = marketplaces.by_channel.get(channel.lower())
    if marketplace is None:
        raise OrderDataError(f"unknown sales channel {channel!r}", line=line_number)
    try:
        created = _instant(fields[R_PURCHASED], "purchase-date")
        updated = _instant(fields[R_UPDATED], "last-updated-date")
    except OrderDataError as exc:
        raise OrderDataError(exc.reason, line=line_number) from None
    status = REPORT_STATUSES.get(fields[R_STATUS].lower().replace(" ", ""))
    if status is None:
        raise OrderDataError(f"unknown order-status {fields[R_STATUS]!r}", line=line_number)
    amazon_fulfilled = fields[R_FULFILLMENT].lower() == "amazon"
    return {
        "order_id": fields[R_ORDER],
        "fields": (
            fields[R_ORDER],
            marketplace.pk,
            created,
            marketplaces.local_date(marketplace.pk, created),
            updated,
            status,
            Fulfillment.FBA if amazon_fulfilled else Fulfillment.FBM,
            channel,
        ),
        "business": fields[R_BUSINESS].lower() == "true",
        "prime": amazon_fulfilled and fields[R_SERVICE_LEVEL].lower() in PRIME_SERVICE_LEVELS,
        "currency": "",
    }


def _report_amount(text, name, line_number):
    if not text:
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise OrderDataError(f"{name} is not an amount: {text!r}", line=line_number) from None


def _report_item(fields, current, head, line_number):
    sku = fields[R_SKU]
    if not sku:
        raise OrderDataError("empty sku", line=line_number)
    try:
        quantity = int(fields[R_QUANTITY] or "0")
    except ValueError:
        raise OrderDataError(
            f"quantity is not a whole number: {fields[R_QUANTITY]!r}", line=line_number
        ) from None
    if quantity < 0:
        raise OrderDataError("negative quantity", line=line_number)
    item_price = _report_amount(fields[R_ITEM_PRICE], "item-price", line_number)
    item_tax = _report_amount(fields[R_ITEM_TAX], "item-tax", line_number)
    shipping_price = _report_amount(fields[R_SHIPPING_PRICE], "shipping-price", line_number)
    shipping_tax = _report_amount(fields[R_SHIPPING_TAX], "shipping-tax", line_number)
    discount = _report_amount(fields[R_ITEM_DISCOUNT], "item-promotion-discount", line_number)
    ship_discount = _report_amount(fields[R_SHIP_DISCOUNT], "ship-promotion-discount", line_number)
    if item_price is not None:
        amounts = {
            "item_price": item_price,
            "item_tax": item_tax or ZERO,
            "shipping_price": shipping_price or ZERO,
            "shipping_tax": shipping_tax or ZERO,
            "promotion_discount": abs(discount or ZERO) + abs(ship_discount or ZERO),
        }
    else:
        amounts = {
            "item_price": None,
            "item_tax": item_tax,
            "shipping_price": shipping_price,
            "shipping_tax": shipping_tax,
            "promotion_discount": None,
        }
    if fields[R_CURRENCY]:
        head["currency"] = fields[R_CURRENCY]
    shipped = quantity if fields[R_ITEM_STATUS].lower() == "shipped" else 0
    promotions = [p for p in fields[R_PROMOTIONS].split(",") if p.strip()]
    item_id = fields[R_ITEM_ID]
    line = current.get(sku)
    if line is None:
        current[sku] = {
            "asin": fields[R_ASIN][:10],
            "title": fields[R_TITLE][:500],
            "quantity_ordered": quantity,
            "quantity_shipped": shipped,
            "unit_price": None,
            **amounts,
            "promotion_ids": promotions,
            "order_item_ids": [item_id] if item_id else [],
        }
    else:
        _merge(line, quantity, shipped, amounts, promotions, item_id)
        line["order_item_ids"] = [i for i in line["order_item_ids"] if i]


def _report_lines(head, current) -> list:
    return [
        (
            *head["fields"],
            head["currency"],
            head["business"],
            head["prime"],
            sku,
            line["asin"],
            line["title"],
            line["quantity_ordered"],
            line["quantity_shipped"],
            _unit(line),
            line["item_price"],
            line["item_tax"],
            line["shipping_price"],
            line["shipping_tax"],
            line["promotion_discount"],
            ",".join(dict.fromkeys(line["promotion_ids"]))[:500] if line["promotion_ids"] else "",
            ",".join(line["order_item_ids"])[:200],
            False,
            "report",
        )
        for sku, line in current.items()
    ]


def import_report(text_stream, *, now=None, on_skip=None) -> WriteStats:
    """Parse and upsert a whole all-orders report. Call inside transaction.atomic():
    an unreadable row raises OrderDataError and nothing of the report is kept."""
    marketplaces = Marketplaces()
    with gc_paused():
        writer = OrderWriter(now=now)
        for lines in report_order_lines(text_stream, marketplaces, on_skip=on_skip):
            writer.add(lines)
        return writer.finish()


@contextlib.contextmanager
def gc_paused():
    """The cycle collector off while millions of short-lived tuples come and go: it finds
    no cycles in them (refcounting frees them) yet walks every live object each time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def text_lines(binary_stream, encoding="utf-8"):
    """A text stream over bytes, keeping newlines inside quoted fields (csv needs newline='')."""
    return io.TextIOWrapper(binary_stream, encoding=encoding, errors="strict", newline="")
