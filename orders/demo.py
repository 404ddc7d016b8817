"""The demo's SP-API connection (the local sandbox's public test credentials) and about
18 months of what the sandbox serves: orders, Amazon's fees and refunds, and daily
sales and traffic, imported through the same writers the syncs use; `finish` builds
the daily rollup once, after the other apps (ads) seeded. Watermarks are set at now,
so "Sync now" carries on from there."""

import datetime as dt
import zoneinfo

from django.utils import timezone

from catalog.models import Marketplace
from orders import finances, history, rollup, sandbox, traffic
from orders.ingest import Marketplaces, OrderWriter, api_order_lines
from orders.models import SpApiConnection, SyncCursor, SyncSource, TrafficDaily
from orders.sync import INCLUDED_DATA, MIN_AGE

DEMO_DAYS = 548  # about 18 months
SEED = 42  # the sandbox's default (amazon_sandbox --seed)


def seed(rng, out, options=None):
    options = options or {}
    days = options.get("days") or DEMO_DAYS
    connection, created = SpApiConnection.objects.get_or_create(
        region="NA",
        defaults={
            "lwa_client_id": sandbox.CLIENT_ID,
            "lwa_client_secret": sandbox.CLIENT_SECRET,
            "refresh_token": sandbox.REFRESH_TOKEN,
            "selling_partner_id": sandbox.SELLING_PARTNER_ID,
        },
    )
    if created:
        connection.marketplaces.set(Marketplace.objects.filter(code__in=["US", "CA"]))
    out.write(
        "SP-API connection (NA, local sandbox): " + ("added." if created else "already there.")
    )

    if options.get("scale") == "large":
        from orders import large

        large.seed(options.get("seed", SEED), out)
        return

    now = timezone.now().replace(microsecond=0)
    before = now - MIN_AGE
    orders = history.OrderHistory(history.demo_listings(SEED, {"US", "CA"}), seed=SEED)
    start = before - dt.timedelta(days=days)
    lookup = Marketplaces()
    writer = OrderWriter(now=now, rollup=False)  # the rollup is built once, below
    for order in orders.orders_created(start, before):
        body = history.api_order(order, before, set(INCLUDED_DATA))
        writer.add(api_order_lines(body, lookup))
    stats = writer.finish()
    SyncCursor.objects.update_or_create(
        source=SyncSource.ORDERS, region="NA", defaults={"watermark": before}
    )
    out.write(
        f"Orders (last {days} days, as the sandbox serves them): {stats.inserted} added, "
        f"{stats.updated} updated."
    )

    events = history.financial_events(orders, start, before)
    lines = []
    for chunk in range(0, len(events), 2000):
        payload = {"ShipmentEventList": [], "RefundEventList": []}
        for _posted, list_name, event in events[chunk : chunk + 2000]:
            payload[list_name].append(event)
        found, _skipped = finances.finance_lines(payload, lookup)
        finances.write_lines(found, now, rebuild=False)
        lines += found
    SyncCursor.objects.update_or_create(
        source=SyncSource.FINANCES, region="NA", defaults={"watermark": before}
    )
    refunds = sum(1 for line in lines if line["kind"] == "refund")
    out.write(f"Fees and refunds: {len(lines) - refunds} shipped items, {refunds} refunds.")

    traffic_rows = 0
    for marketplace in Marketplace.objects.filter(code__in=["US", "CA"]):
        zone = zoneinfo.ZoneInfo(marketplace.time_zone)
        today = now.astimezone(zone).date()
        day = start.astimezone(zone).date()
        while day < today:
            document = history.traffic_document(
                orders, marketplace.amazon_marketplace_id, day, zone, before
            )
            rows = traffic.traffic_rows(document, marketplace, day)
            TrafficDaily.objects.filter(marketplace=marketplace, date=day).delete()
            TrafficDaily.objects.bulk_create(rows)
            traffic_rows += len(rows)
            day += dt.timedelta(days=1)
    out.write(f"Sales and traffic: {traffic_rows} ASIN-days.")


def finish(out, options=None):
    """After every app seeded (ads too): the daily rollup, built once."""
    if (options or {}).get("scale") == "large":
        return  # orders.large built it; ads.large rebuilt the days it added to
    first, last = rollup.data_range()
    written = rollup.rebuild_range(first, last) if first else 0
    out.write(f"Daily sales rollup: {written} rows, {first} .. {last}.")
