import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from orders import lwa, spapi
from orders import sandbox as sandbox_module


class FakeTime:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self):
        self.now = 1_800_000_000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def sandbox():
    server = sandbox_module.serve_in_thread("NA")
    lwa.forget()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def make_client(sandbox, fake_time, db):
    def make(**overrides):
        options = {
            "region": "NA",
            "client_id": sandbox_module.CLIENT_ID,
            "client_secret": sandbox_module.CLIENT_SECRET,
            "refresh_token": sandbox_module.REFRESH_TOKEN,
            "endpoint": sandbox.url,
            "token_url": sandbox.url + "/auth/o2/token",
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
            "timeout": (2, 1),
            "max_wait": 300,
        }
        options.update(overrides)
        return spapi.SpApiClient(**options)

    return make


def set_faults(server, **plan):
    server.state.faults.update({k: list(v) for k, v in plan.items()})


# --- a small shop with an order history the sandbox serves ------------------------------

NOW = dt.datetime(2026, 11, 20, 18, 0, tzinfo=dt.UTC)


@dataclass
class Shop:
    server: object
    history: object
    connection: object
    listings: list
    now: dt.datetime

    def client(self, make_client, **overrides):
        return make_client(
            endpoint=self.server.url, token_url=self.server.url + "/auth/o2/token", **overrides
        )


def shop_listings(marketplaces):
    from orders.history import HistoryListing

    us, uk = marketplaces["US"], marketplaces["UK"]
    rows = [
        (
            us,
            "KET-1",
            "B0KETTLE01",
            'Pour-Over Kettle 1.2 L, "Gooseneck"',
            "39.99",
            18.0,
            "Kitchen",
        ),
        (us, "LAN-2", "B0LANTERN2", "Camping Lantern\tRechargeable", "24.99", 9.0, "Outdoor"),
        (us, "BOWL-3", "B0BOWL0003", "Slow Feeder Dog Bowl", "14.99", 6.0, "Pets"),
    ]
    return [
        HistoryListing(
            marketplace=m.code,
            marketplace_id=m.amazon_marketplace_id,
            marketplace_name="Amazon." + m.domain.split("amazon.", 1)[1],
            currency=m.currency,
            seller_sku=sku,
            asin=asin,
            title=title,
            price=Decimal(price),
            demand=demand,
            category=category,
        )
        for m, sku, asin, title, price, demand, category in rows
    ] + [
        HistoryListing(
            marketplace="UK",
            marketplace_id=uk.amazon_marketplace_id,
            marketplace_name="Amazon.co.uk",
            currency="GBP",
            seller_sku="KET-1-FBA",
            asin="B0KETTLE01",
            title="Pour-Over Kettle",
            price=Decimal("34.99"),
            demand=2.0,
        )
    ]


@pytest.fixture
def shop(db, marketplaces):
    """A sandbox serving a small history (three US SKUs; two mapped to listings) whose
    clock stands still at NOW, and the NA connection to it."""
    from orders.history import OrderHistory
    from orders.models import SpApiConnection
    from tests.factories import ListingFactory

    listings = shop_listings(marketplaces)
    for history_listing in listings[:2]:
        ListingFactory(
            marketplace=marketplaces["US"],
            seller_sku=history_listing.seller_sku,
            asin=history_listing.asin,
        )
    history = OrderHistory(listings, seed=7, last_created=NOW - dt.timedelta(minutes=3))
    server = sandbox_module.serve_in_thread("NA", orders=history, clock=lambda: NOW)
    lwa.forget()
    connection = SpApiConnection.objects.create(
        region="NA",
        lwa_client_id=sandbox_module.CLIENT_ID,
        lwa_client_secret=sandbox_module.CLIENT_SECRET,
        refresh_token=sandbox_module.REFRESH_TOKEN,
    )
    connection.marketplaces.set([marketplaces["US"]])
    yield Shop(server, history, connection, listings, NOW)
    server.shutdown()
    server.server_close()


def order_rows():
    """Every order and item as plain tuples, to compare whole databases."""
    from orders.models import Order, OrderItem

    orders = sorted(
        Order.objects.values_list(
            "amazon_order_id",
            "marketplace__code",
            "created_at",
            "local_date",
            "last_updated_at",
            "status",
            "fulfillment_channel",
            "currency",
            "item_total",
            "tax_total",
            "discount_total",
            "is_business",
            "is_prime",
            "is_estimated",
        )
    )
    items = sorted(
        OrderItem.objects.values_list(
            "order__amazon_order_id",
            "seller_sku",
            "asin",
            "title",
            "listing_id",
            "quantity_ordered",
            "quantity_shipped",
            "unit_price",
            "item_price",
            "item_tax",
            "promotion_discount",
            "promotion_ids",
            "is_estimated",
        )
    )
    return orders, items
