"""The demo's SP-API connection (the local sandbox's public test credentials) and the
last DEMO_DAYS of the order history the sandbox serves, imported through the same
writer the sync uses, with the watermark at now: "Sync now" carries on from there."""

import datetime as dt

from django.utils import timezone

from catalog.models import Marketplace
from orders import history, sandbox
from orders.ingest import Marketplaces, OrderWriter, api_order_lines
from orders.models import SpApiConnection, SyncCursor, SyncSource
from orders.sync import INCLUDED_DATA, MIN_AGE

DEMO_DAYS = 60
SEED = 42  # the sandbox's default (amazon_sandbox --seed)


def seed(rng, out):
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

    now = timezone.now().replace(microsecond=0)
    before = now - MIN_AGE
    orders = history.OrderHistory(history.demo_listings(SEED, {"US", "CA"}), seed=SEED)
    lookup = Marketplaces()
    writer = OrderWriter(now=now)
    for order in orders.orders_created(before - dt.timedelta(days=DEMO_DAYS), before):
        body = history.api_order(order, before, set(INCLUDED_DATA))
        writer.add(api_order_lines(body, lookup))
    stats = writer.finish()
    SyncCursor.objects.update_or_create(
        source=SyncSource.ORDERS, region="NA", defaults={"watermark": before}
    )
    out.write(
        f"Orders (last {DEMO_DAYS} days, as the sandbox serves them): {stats.inserted} added, "
        f"{stats.updated} updated."
    )
