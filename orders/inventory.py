"""FBA inventory sync: getInventorySummaries with details, per marketplace, hourly.

Each marketplace's summaries (all pages) are one snapshot: read whole, then written
in one transaction into InventoryLevel (location FBA, `as_of` the moment of the
call). A run killed or failed part-way leaves the previous snapshot in place, and
the next run simply reads again, so there is no cursor. Seller SKUs with no listing
in the catalog are recorded as seen SKUs (catalog mapping page) and stored once
they are mapped.
"""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from catalog.models import InventoryLevel, InventorySource, Listing, Location, SkuSource
from catalog.services import sku_observe, stock_days_record
from orders.models import SpApiConnection, SyncRun, SyncSource
from orders.spapi import SpApiClient, SpApiError
from orders.sync import iso, new_run, run_sync

log = logging.getLogger(__name__)

QUANTITIES = {
    "available": "fulfillableQuantity",
    "inbound_working": "inboundWorkingQuantity",
    "inbound_shipped": "inboundShippedQuantity",
    "inbound_receiving": "inboundReceivingQuantity",
}


class InventoryDataError(ValueError):
    """A summary that cannot be read; the marketplace's snapshot is not written."""


def _count(value, where) -> int:
    if isinstance(value, dict):  # reservedQuantity, unfulfillableQuantity: objects
        value = next((v for k, v in value.items() if k.startswith("total")), 0)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InventoryDataError(f"{where}: {value!r} is not a quantity")
    return value


def summary_quantities(summary: dict) -> dict:
    """InventoryLevel quantities of one inventory summary (details=true)."""
    sku = summary.get("sellerSku") or ""
    if not sku:
        raise InventoryDataError("inventory summary without sellerSku")
    details = summary.get("inventoryDetails")
    if not isinstance(details, dict):
        raise InventoryDataError(f"{sku}: no inventoryDetails (details=true was not honoured)")
    quantities = {
        name: _count(details.get(key), f"{sku} {key}") for name, key in QUANTITIES.items()
    }
    quantities["reserved"] = _count(details.get("reservedQuantity"), f"{sku} reservedQuantity")
    reserved = details.get("reservedQuantity")
    reserved = reserved if isinstance(reserved, dict) else {}
    quantities["reserved_transfer"] = sum(
        _count(reserved.get(key), f"{sku} {key}")
        for key in ("pendingTransshipmentQuantity", "fcProcessingQuantity")
    )
    quantities["unfulfillable"] = _count(
        details.get("unfulfillableQuantity"), f"{sku} unfulfillableQuantity"
    )
    return quantities


MAX_DAYS = 540  # Amazon: startDateTime no earlier than 18 months back


def sync_inventory(
    connection: SpApiConnection, *, days=None, run=None, client=None, now=None, progress=None
) -> SyncRun:
    """Read the FBA stock of every marketplace of a connection.

    `days`: only the summaries that changed in the last `days` days (Amazon's
    startDateTime); Amazon keeps no stock history, so this is a lighter read, not a
    backfill."""
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}")
    run = run or new_run(SyncSource.INVENTORY, connection.region)
    client = client or SpApiClient.for_connection(connection)
    return run_sync(
        run,
        client,
        f"inventory:{connection.region}",
        lambda: _sync(connection, run, client, now, days, progress),
        expected=(SpApiError, InventoryDataError),
    )


def _sync(connection, run, client, now, days, progress):
    marketplaces = list(connection.marketplaces.filter(active=True).order_by("code"))
    if not marketplaces:
        raise SpApiError("getInventorySummaries", message="no marketplaces on the connection")
    unmapped_total = 0
    for marketplace in marketplaces:
        as_of = now or timezone.now()
        mid = marketplace.amazon_marketplace_id
        params = {
            "details": "true",
            "granularityType": "Marketplace",
            "granularityId": mid,
            "marketplaceIds": mid,
        }
        if days is not None:
            params["startDateTime"] = iso(as_of - dt.timedelta(days=days))
        pages = client.pages(
            "getInventorySummaries",
            params=params,
            token_param="nextToken",
            next_token=lambda body: (body.get("pagination") or {}).get("nextToken"),
        )
        stock: dict[str, dict] = {}
        asins = {}
        for body in pages:
            summaries = (body.get("payload") or {}).get("inventorySummaries") or []
            for summary in summaries:
                quantities = summary_quantities(summary)
                known = stock.get(summary["sellerSku"])
                if known:  # one SKU in several conditions: add them up
                    quantities = {k: v + known[k] for k, v in quantities.items()}
                stock[summary["sellerSku"]] = quantities
                asins[summary["sellerSku"]] = summary.get("asin") or ""
            run.pages += 1
            if progress:
                progress(len(summaries))
        inserted, updated, unmapped = _write(marketplace, stock, asins, as_of)
        unmapped_total += unmapped
        run.inserted += inserted
        run.updated += updated
        run.calls, run.throttled = client.stats.calls, client.stats.throttled
        run.save(update_fields=["pages", "inserted", "updated", "calls", "throttled"])
    run.detail = ", ".join(m.code for m in marketplaces)
    if unmapped_total:
        run.detail += f"; {unmapped_total} SKU(s) without a listing (see Catalog > Mapping)"
    run.save(update_fields=["detail"])


@transaction.atomic
def _write(marketplace, stock: dict, asins: dict, as_of) -> tuple[int, int, int]:
    listings = dict(
        Listing.objects.filter(
            marketplace=marketplace, channel="amazon", seller_sku__in=stock
        ).values_list("seller_sku", "id")
    )
    existing = set(
        InventoryLevel.objects.filter(
            listing_id__in=listings.values(), location=Location.FBA
        ).values_list("listing_id", flat=True)
    )
    rows = []
    unmapped = 0
    for sku, quantities in stock.items():
        listing_id = listings.get(sku)
        if listing_id is None:
            unmapped += 1
            sku_observe(
                marketplace=marketplace,
                seller_sku=sku,
                source=SkuSource.INVENTORY,
                asin=asins.get(sku, "")[:10],
                when=as_of,
            )
            continue
        rows.append(
            InventoryLevel(
                listing_id=listing_id,
                location=Location.FBA,
                as_of=as_of,
                source=InventorySource.SYNC,
                **quantities,
            )
        )
    InventoryLevel.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["listing", "location"],
        update_fields=[
            *QUANTITIES,
            "reserved",
            "reserved_transfer",
            "unfulfillable",
            "as_of",
            "source",
        ],
    )
    stock_days_record(
        marketplace.local_date(as_of), {row.listing_id: row.available for row in rows}
    )
    inserted = sum(1 for row in rows if row.listing_id not in existing)
    return inserted, len(rows) - inserted, unmapped
