"""Finances sync: Amazon's actual fees and refunds from listFinancialEvents.

Shipment events carry the charges and fees of each shipped order item (commission,
FBA fulfilment fee, other fees, promotions); refund events carry what went back to
the buyer, the commission Amazon returned and the refund commission it kept, on
the refund's own day. Each item of an event becomes one FinanceLine, upserted on
(kind, order id, item id, posted time), so replaying any window changes nothing.

The daily sync asks for events posted from the watermark minus an overlap of three
days (Amazon may post events late: "orders from the last 48 hours might not be
included") up to two minutes ago, in windows of at most 30 days (Amazon answers
nothing past 180). Each page commits on its own; a window's last page commits with
the watermark. Killed at any point, the rerun starts again from the watermark.
"""

import datetime as dt
import logging
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from catalog.models import Listing, Marketplace, SkuSource
from catalog.services import sku_observe
from orders import rollup
from orders.ingest import NON_AMAZON_CHANNELS, Marketplaces, utc_instant
from orders.models import (
    FinanceKind,
    FinanceLine,
    Order,
    SpApiConnection,
    SyncCursor,
    SyncRun,
    SyncSource,
)
from orders.spapi import SpApiClient, SpApiError
from orders.sync import MIN_AGE, iso, new_run, run_sync

log = logging.getLogger(__name__)

OVERLAP = dt.timedelta(days=3)
FIRST_SYNC_LOOKBACK = dt.timedelta(days=30)
WINDOW = dt.timedelta(days=30)
MAX_DAYS = 730
PAGE_SIZE = 100

AMOUNTS = [
    "principal",
    "shipping",
    "tax",
    "other_charges",
    "promotion",
    "referral_fee",
    "fba_fee",
    "other_fees",
    "refund_commission",
]
FEE_FIELDS = {
    "Commission": "referral_fee",
    "FBAPerUnitFulfillmentFee": "fba_fee",
    "FBAPerOrderFulfillmentFee": "fba_fee",
    "FBAWeightBasedFee": "fba_fee",
    "RefundCommission": "refund_commission",
}
# (event list, kind); items may come in either item list of an event.
EVENT_LISTS = [("ShipmentEventList", FinanceKind.SHIPMENT), ("RefundEventList", FinanceKind.REFUND)]
ITEM_LISTS = [
    ("ShipmentItemList", "ItemChargeList", "ItemFeeList", "PromotionList"),
    (
        "ShipmentItemAdjustmentList",
        "ItemChargeAdjustmentList",
        "ItemFeeAdjustmentList",
        "PromotionAdjustmentList",
    ),
]


class FinanceDataError(ValueError):
    """A financial event that cannot be read; nothing of its page is kept."""


def _charge_field(charge_type: str) -> str:
    if charge_type == "Principal":
        return "principal"
    if "Tax" in charge_type:
        return "tax"
    if charge_type == "ShippingCharge":
        return "shipping"
    return "other_charges"


def _amount(money, where) -> tuple[Decimal, str]:
    if not isinstance(money, dict):
        raise FinanceDataError(f"{where}: no amount")
    try:
        value = Decimal(str(money.get("CurrencyAmount")))
    except InvalidOperation:
        raise FinanceDataError(f"{where}: amount {money.get('CurrencyAmount')!r}") from None
    if not value.is_finite():
        raise FinanceDataError(f"{where}: amount {money.get('CurrencyAmount')!r}")
    return value, money.get("CurrencyCode") or ""


def _posted(text, where) -> dt.datetime:
    try:
        return utc_instant(text)
    except ValueError as exc:
        raise FinanceDataError(f"{where}: PostedDate {text!r} {exc}") from None


def finance_lines(events: dict, marketplaces: Marketplaces) -> tuple[list[dict], int]:
    """FinanceLine field dicts for the shipment and refund events of one page, and the
    number of events left out because they are not Amazon marketplace sales."""
    lines: dict[tuple, dict] = {}
    skipped = 0
    for list_name, kind in EVENT_LISTS:
        for event in events.get(list_name) or []:
            order_id = event.get("AmazonOrderId") or ""
            where = f"{list_name} {order_id or '(no AmazonOrderId)'}"
            if not order_id:
                raise FinanceDataError(f"{where}: no AmazonOrderId")
            channel = event.get("MarketplaceName") or ""
            if channel.lower() in NON_AMAZON_CHANNELS:
                skipped += 1
                continue
            marketplace = marketplaces.by_channel.get(channel.lower())
            if marketplace is None:
                raise FinanceDataError(f"{where}: unknown marketplace {channel!r}")
            posted = _posted(event.get("PostedDate"), where)
            local_date = marketplaces.local_date(marketplace.pk, posted)
            for items_key, charges_key, fees_key, promotions_key in ITEM_LISTS:
                for item in event.get(items_key) or []:
                    sku = item.get("SellerSKU") or ""
                    if not sku:
                        raise FinanceDataError(f"{where}: item without SellerSKU")
                    item_key = item.get("OrderItemId") or item.get("OrderAdjustmentItemId") or sku
                    key = (kind, order_id, item_key, posted)
                    line = lines.get(key)
                    if line is None:
                        line = lines[key] = {
                            "kind": kind,
                            "amazon_order_id": order_id,
                            "item_key": item_key[:64],
                            "posted_at": posted,
                            "marketplace_id": marketplace.pk,
                            "local_date": local_date,
                            "seller_sku": sku[:64],
                            "quantity": 0,
                            "currency": "",
                            **dict.fromkeys(AMOUNTS, Decimal(0)),
                        }
                    line["quantity"] += int(item.get("QuantityShipped") or 0)
                    parts = [
                        (_charge_field(c.get("ChargeType") or ""), c.get("ChargeAmount"))
                        for c in item.get(charges_key) or []
                    ]
                    parts += [
                        (FEE_FIELDS.get(f.get("FeeType") or "", "other_fees"), f.get("FeeAmount"))
                        for f in item.get(fees_key) or []
                    ]
                    parts += [
                        ("promotion", p.get("PromotionAmount"))
                        for p in item.get(promotions_key) or []
                    ]
                    for name, money in parts:
                        value, currency = _amount(money, f"{where} {sku} {name}")
                        line[name] += value
                        line["currency"] = line["currency"] or currency
    return list(lines.values()), skipped


def write_lines(lines: list[dict], now=None, rebuild=True) -> tuple[int, int]:
    """Upsert FinanceLines on their natural key and rebuild the rollup of the days they
    change (unless `rebuild` is False); returns (inserted, updated). Call inside
    transaction.atomic()."""
    if not lines:
        return 0, 0
    now = now or timezone.now()
    listings = {
        (marketplace_pk, sku): pk
        for marketplace_pk, sku, pk in Listing.objects.filter(
            channel="amazon",
            marketplace_id__in={line["marketplace_id"] for line in lines},
            seller_sku__in={line["seller_sku"] for line in lines},
        ).values_list("marketplace_id", "seller_sku", "id")
    }
    keys = {(ln["kind"], ln["amazon_order_id"], ln["item_key"], ln["posted_at"]) for ln in lines}
    existing = set(
        FinanceLine.objects.filter(amazon_order_id__in={key[1] for key in keys}).values_list(
            "kind", "amazon_order_id", "item_key", "posted_at"
        )
    )
    rows = []
    unmapped = {}  # (marketplace pk, SKU) -> last posted: observed once per SKU, not per line
    for line in lines:
        key = (line["marketplace_id"], line["seller_sku"])
        listing_id = listings.get(key)
        if listing_id is None:
            unmapped[key] = max(unmapped.get(key, line["posted_at"]), line["posted_at"])
        rows.append(FinanceLine(**line, listing_id=listing_id, synced_at=now))
    for (marketplace_pk, sku), seen in sorted(unmapped.items()):
        sku_observe(
            marketplace=Marketplace(pk=marketplace_pk),
            seller_sku=sku,
            source=SkuSource.FINANCES,
            when=seen,
        )
    FinanceLine.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["kind", "amazon_order_id", "item_key", "posted_at"],
        update_fields=[
            "marketplace",
            "local_date",
            "seller_sku",
            "listing",
            "quantity",
            "currency",
            *AMOUNTS,
            "synced_at",
        ],
    )
    inserted = len(keys - existing)
    if rebuild:
        rollup.rebuild(touched_days(lines))
    return inserted, len(keys) - inserted


def touched_days(lines) -> set:
    """The rollup days the lines change: a refund's posted day; a shipment's fees count on
    the day of its order (when the order is known: else the order's import does it)."""
    touched = {
        (line["marketplace_id"], line["local_date"])
        for line in lines
        if line["kind"] == FinanceKind.REFUND
    }
    shipped = {line["amazon_order_id"] for line in lines if line["kind"] == FinanceKind.SHIPMENT}
    touched |= set(
        Order.objects.filter(amazon_order_id__in=shipped).values_list(
            "marketplace_id", "local_date"
        )
    )
    return touched


# --- the sync --------------------------------------------------------------------------


def plan_windows(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    windows = []
    edge = start
    while edge < end:
        windows.append((edge, min(edge + WINDOW, end)))
        edge += WINDOW
    return windows


def sync_finances(
    connection: SpApiConnection,
    *,
    days=None,
    run=None,
    client=None,
    now=None,
    progress=None,
) -> SyncRun:
    """Fetch and store the financial events of a connection's region.

    `days`: reach back that many days (a backfill) instead of from the watermark."""
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}")
    run = run or new_run(SyncSource.FINANCES, connection.region)
    client = client or SpApiClient.for_connection(connection)
    return run_sync(
        run,
        client,
        f"finances:{connection.region}",
        lambda: _sync(connection, run, client, now or timezone.now(), days, progress),
        expected=(SpApiError, FinanceDataError),
    )


def _sync(connection, run, client, now, days, progress):
    region = connection.region
    marketplaces = Marketplaces()
    before = (now - MIN_AGE).replace(microsecond=0)
    cursor = SyncCursor.objects.filter(source=SyncSource.FINANCES, region=region).first()
    if days is not None:
        start = before - dt.timedelta(days=days)
    elif cursor is not None:
        start = cursor.watermark - OVERLAP
    else:
        start = before - FIRST_SYNC_LOOKBACK
    windows = plan_windows(start, before)
    run.detail = f"events posted {iso(start)} .. {iso(before)} ({len(windows)} windows)"
    run.save(update_fields=["detail"])
    skipped = 0
    for after, until in windows:
        pages = client.pages(
            "listFinancialEvents",
            params={
                "PostedAfter": iso(after),
                "PostedBefore": iso(until),
                "MaxResultsPerPage": PAGE_SIZE,
            },
            token_param="NextToken",
            next_token=lambda body: (body.get("payload") or {}).get("NextToken"),
        )
        for body in pages:
            payload = body.get("payload") or {}
            last = not payload.get("NextToken")
            with transaction.atomic():
                lines, left_out = finance_lines(payload.get("FinancialEvents") or {}, marketplaces)
                inserted, updated = write_lines(lines, now)
                if last:
                    _advance(region, until)
            skipped += left_out
            run.pages += 1
            run.inserted += inserted
            run.updated += updated
            run.calls, run.throttled = client.stats.calls, client.stats.throttled
            run.save(update_fields=["pages", "inserted", "updated", "calls", "throttled"])
            if progress:
                progress(len(lines))
    if skipped:
        run.detail += f"; {skipped} events of non-Amazon channels left out"
        run.save(update_fields=["detail"])


def _advance(region, until):
    """Move the watermark forward (a backfill of older windows never moves it back)."""
    cursor = (
        SyncCursor.objects.select_for_update()
        .filter(source=SyncSource.FINANCES, region=region)
        .first()
    )
    if cursor is None:
        SyncCursor.objects.create(source=SyncSource.FINANCES, region=region, watermark=until)
    elif cursor.watermark < until:
        cursor.watermark = until
        cursor.save(update_fields=["watermark", "updated_at"])
