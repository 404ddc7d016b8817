"""Demo data for forecasts and restock: the stock-outs the inventory sync would have seen,
transit times and minimum orders, a few purchase orders, and a first forecast run."""

import datetime as dt

from django.utils import timezone

from catalog.models import Listing, Product, StockDay
from forecasting.models import PurchaseOrder, PurchaseOrderStatus
from orders import history

SEED = 42  # orders.demo's history seed: the stock-outs must be the ones in its sales


def _stockout_days(listings, first: dt.date, last: dt.date):
    """(marketplace, seller SKU, day) of every day the demo history sold nothing for want
    of stock: the days an hourly inventory sync would have read 0 available."""
    for listing in listings:
        day = first
        while day <= last:
            if history.stocked_out(listing, day):
                yield listing.marketplace, listing.seller_sku, day
            day += dt.timedelta(days=1)


def record_stockouts(planned, days: int) -> int:
    last = timezone.now().date()
    first = last - dt.timedelta(days=days)
    ids = {
        (code, sku): pk
        for pk, code, sku in Listing.objects.values_list("pk", "marketplace__code", "seller_sku")
    }
    rows = [
        StockDay(listing_id=ids[(code, sku)], date=day, available=0)
        for code, sku, day in _stockout_days(planned, first, last)
        if (code, sku) in ids
    ]
    StockDay.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def record_stock(planned) -> int:
    """Today's FBA stock of each planned listing as the sandbox reports it (the large
    catalog has no inventory sync in its seed): what the restock plan starts from."""
    from catalog.models import InventoryLevel, InventorySource, Location
    from orders.inventory import summary_quantities

    now = timezone.now()
    ids = {
        (code, sku): pk
        for pk, code, sku in Listing.objects.values_list("pk", "marketplace__code", "seller_sku")
    }
    rows = [
        InventoryLevel(
            listing_id=ids[(listing.marketplace, listing.seller_sku)],
            location=Location.FBA,
            as_of=now,
            source=InventorySource.SYNC,
            **summary_quantities(history.inventory_summary(listing, now)),
        )
        for listing in planned
        if (listing.marketplace, listing.seller_sku) in ids
    ]
    InventoryLevel.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
    return len(rows)


def seed(rng, out, options=None):
    options = options or {}
    large = options.get("scale") == "large"
    if large:
        from orders import large as large_data

        planned = large_data.plan(options.get("seed", SEED))
        days = 365 * large_data.YEARS + 2
    else:
        planned = history.demo_listings(SEED, {"US", "CA"})
        days = options.get("days") or 548
    stockouts = record_stockouts(planned, days)
    if large:
        out.write(f"Large catalog FBA stock: {record_stock(planned)} listings.")

    products = list(Product.objects.order_by("sku"))
    for product in products:
        changed = False
        if product.transit_days is None and rng.random() < 0.3:
            product.transit_days = rng.choice([7, 14, 45])  # air, express sea, slow sea
            changed = True
        if not product.min_order_quantity and rng.random() < 0.4:
            product.min_order_quantity = product.case_pack * rng.choice([5, 10, 20])
            changed = True
        if changed:
            product.save(update_fields=["transit_days", "min_order_quantity"])

    added = 0
    if not large and not PurchaseOrder.objects.exists():
        today = timezone.now().date()
        listings = list(
            Listing.objects.filter(marketplace__code="US", active=True)
            .select_related("product")
            .order_by("seller_sku")[:40]
        )
        for index, listing in enumerate(listings[::5]):
            cases = rng.randint(4, 20)
            status = PurchaseOrderStatus.RECEIVED if index == 0 else PurchaseOrderStatus.OPEN
            # One open order is late: its expected arrival has passed.
            arrival = today + dt.timedelta(days=-3 if index == 1 else rng.randint(5, 50))
            PurchaseOrder.objects.create(
                listing=listing,
                supplier=listing.product.supplier,
                reference=f"PO-{2026_100 + index}",
                quantity=cases * listing.product.case_pack,
                ordered_on=arrival - dt.timedelta(days=45),
                expected_arrival=arrival,
                status=status,
            )
            added += 1
    out.write(f"Forecasting: {stockouts} stock-out days on record, {added} purchase orders added.")


def finish(out, options=None):
    """After the rollup is built: a first forecast run (the nightly schedule takes over)."""
    if (options or {}).get("scale") == "large":
        out.write("Forecasts: run `python manage.py run_forecasts` (the large set takes minutes).")
        return
    from forecasting.models import ForecastRun
    from forecasting.services import forecast_compute

    if ForecastRun.objects.exists():
        out.write("Forecasts: already made (the nightly run or run_forecasts makes new ones).")
        return
    run = forecast_compute(trigger="demo")
    out.write(
        f"Forecasts: {run.series} listings in {run.seconds:.1f} s "
        f"({', '.join(f'{m} {n}' for m, n in run.methods.items())})."
    )
