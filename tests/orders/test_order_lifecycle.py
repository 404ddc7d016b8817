"""Pending orders get estimates that the real amounts replace; cancelled ones count for
nothing; every order lands on its marketplace-local day."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Max, Min, Sum

from orders import history as history_module
from orders import sync
from orders.ingest import Marketplaces, api_order_lines, import_report
from orders.models import Order, OrderItem, OrderStatus, SyncStatus
from orders.services import sales_summary


def first(shop, predicate):
    day = shop.now.date()
    while day > shop.now.date() - dt.timedelta(days=3):
        for order in shop.history.orders_on(day):
            if predicate(order):
                return order
        day -= dt.timedelta(days=1)
    raise AssertionError("no such order in the test history")


def test_pending_gets_an_estimate_that_the_shipped_order_replaces(shop, make_client):
    order = first(
        shop,
        lambda o: (
            o.shipped_at
            and o.created < shop.now - dt.timedelta(hours=40)
            and o.items[0].listing.seller_sku == "KET-1"
            and len(o.items) == 1
        ),
    )
    client = shop.client(make_client)
    seen_pending = order.created + dt.timedelta(minutes=3)  # still PENDING, no prices
    assert history_module.state(order, seen_pending)[0] == "PENDING"
    shop.server.state.clock = lambda: seen_pending
    run = sync.sync_orders(shop.connection, client=client, now=seen_pending)
    assert run.status == SyncStatus.SUCCESS, run.error

    stored = Order.objects.get(amazon_order_id=order.order_id)
    item = stored.items.get()
    assert stored.status == OrderStatus.PENDING and stored.is_estimated and item.is_estimated
    priced = OrderItem.objects.filter(
        seller_sku="KET-1", is_estimated=False, order__created_at__lt=seen_pending
    ).exclude(order__status="CANCELLED")
    totals = priced.aggregate(money=Sum("item_price"), units=Sum("quantity_ordered"))
    assert totals["units"] > 0
    average = (totals["money"] / totals["units"]).quantize(Decimal("0.01"))
    assert item.unit_price == average
    assert item.item_price == average * item.quantity_ordered
    assert stored.item_total == item.item_price

    shipped = order.shipped_at + dt.timedelta(hours=1)
    shop.server.state.clock = lambda: shipped
    run = sync.sync_orders(shop.connection, client=client, now=shipped)
    assert run.status == SyncStatus.SUCCESS, run.error
    stored.refresh_from_db()
    item.refresh_from_db()
    assert stored.status == OrderStatus.SHIPPED
    assert not stored.is_estimated and not item.is_estimated
    assert item.unit_price == order.items[0].unit_price
    assert item.item_price == order.items[0].principal
    assert item.quantity_shipped == order.items[0].quantity
    assert stored.item_total == order.items[0].principal


def test_cancelled_orders_keep_their_rows_and_count_for_nothing(shop, make_client):
    run = sync.sync_orders(shop.connection, client=shop.client(make_client), now=shop.now)
    assert run.status == SyncStatus.SUCCESS
    cancelled = Order.objects.filter(status=OrderStatus.CANCELLED)
    assert cancelled.exists(), "the history cancels about 2 % of orders"
    span = Order.objects.aggregate(start=Min("local_date"), end=Max("local_date"))
    summary = sales_summary(**span)
    counted = OrderItem.objects.exclude(order__status=OrderStatus.CANCELLED)
    assert summary["orders"] == Order.objects.count() - cancelled.count()
    assert summary["units"] == counted.aggregate(n=Sum("quantity_ordered"))["n"]
    gross = counted.aggregate(n=Sum("item_price"))["n"]
    discounts = counted.aggregate(n=Sum("promotion_discount"))["n"]
    assert summary["sales"]["USD"] == (gross - discounts).quantize(Decimal("0.01"))
    everything = OrderItem.objects.aggregate(n=Sum("quantity_ordered"))["n"]
    assert summary["units"] < everything


# --- marketplace-local days -----------------------------------------------------------

LOCAL_DAYS = [
    # marketplace, UTC time, local day
    ("US", "2026-11-01T06:59:59Z", "2026-10-31"),  # PDT, the night DST ends
    ("US", "2026-11-01T07:00:00Z", "2026-11-01"),
    ("US", "2026-11-02T07:59:59Z", "2026-11-01"),  # PST from now on
    ("US", "2026-11-02T08:00:00Z", "2026-11-02"),
    ("US", "2026-03-08T07:59:59Z", "2026-03-07"),  # PST, the night DST starts
    ("US", "2026-03-08T10:30:00Z", "2026-03-08"),
    ("UK", "2026-03-28T23:59:59Z", "2026-03-28"),  # GMT
    ("UK", "2026-03-29T23:30:00Z", "2026-03-30"),  # BST
    ("UK", "2026-10-25T00:30:00Z", "2026-10-25"),
    ("UK", "2026-10-24T23:30:00Z", "2026-10-25"),  # still BST
    ("DE", "2026-10-24T22:30:00Z", "2026-10-25"),  # CEST, +2
    ("DE", "2026-10-25T22:30:00Z", "2026-10-25"),  # CET, +1
    ("DE", "2026-12-31T23:30:00Z", "2027-01-01"),
    ("JP", "2026-11-20T14:59:59Z", "2026-11-20"),
    ("JP", "2026-11-20T15:00:00Z", "2026-11-21"),
]


def api_order(marketplace, created):
    return {
        "orderId": "111-0000000-0000001",
        "createdTime": created,
        "lastUpdatedTime": created,
        "salesChannel": {"marketplaceId": marketplace.amazon_marketplace_id},
        "fulfillment": {"fulfillmentStatus": "SHIPPED", "fulfilledBy": "AMAZON"},
        "orderItems": [
            {
                "orderItemId": "1",
                "quantityOrdered": 1,
                "product": {"sellerSku": "SKU-1", "asin": "B000000001"},
            }
        ],
    }


@pytest.mark.parametrize(("code", "created", "day"), LOCAL_DAYS)
def test_api_orders_land_on_the_marketplace_local_day(marketplaces, code, created, day):
    (line,) = api_order_lines(api_order(marketplaces[code], created), Marketplaces())
    assert line[3] == dt.date.fromisoformat(day)


def test_report_orders_land_on_the_marketplace_local_day(marketplaces):
    header = "\t".join(history_module.REPORT_COLUMNS)
    lines = [header]
    channels = {m.code: "Amazon." + m.domain.split("amazon.", 1)[1] for m in marketplaces.values()}
    for number, (code, created, _day) in enumerate(LOCAL_DAYS):
        row = dict.fromkeys(history_module.REPORT_COLUMNS, "")
        row.update(
            {
                "amazon-order-id": f"111-0000000-{number:07d}",
                "purchase-date": created.replace("Z", "+00:00"),
                "last-updated-date": created.replace("Z", "+00:00"),
                "order-status": "Shipped",
                "fulfillment-channel": "Amazon",
                "sales-channel": channels[code],
                "sku": "SKU-1",
                "quantity": "1",
                "item-status": "Shipped",
                "currency": marketplaces[code].currency,
                "item-price": "10.00",
            }
        )
        lines.append("\t".join(row[name] for name in history_module.REPORT_COLUMNS))
    with transaction.atomic():
        import_report(io.StringIO("\n".join(lines) + "\n"))
    for number, (code, _created, day) in enumerate(LOCAL_DAYS):
        order = Order.objects.get(amazon_order_id=f"111-0000000-{number:07d}")
        assert order.marketplace.code == code
        assert order.local_date == dt.date.fromisoformat(day), (code, _created)


def test_a_first_import_estimates_pending_lines_from_the_same_batch(marketplaces):
    """History and pending orders of a SKU arrive together (first backfill, demo): the
    pending line is priced from the batch's own recent sales, not left unknown."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    rows = []
    for number, (status, price, quantity) in enumerate(
        [("Shipped", "20.00", 1), ("Shipped", "44.00", 2), ("Pending", "", 3)]
    ):
        row = dict.fromkeys(history_module.REPORT_COLUMNS, "")
        moment = (now - dt.timedelta(days=3 - number)).isoformat()
        row.update(
            {
                "amazon-order-id": f"111-0000001-{number:07d}",
                "purchase-date": moment,
                "last-updated-date": moment,
                "order-status": status,
                "fulfillment-channel": "Amazon",
                "sales-channel": "Amazon.com",
                "sku": "SKU-NEW",
                "quantity": str(quantity),
                "item-status": "Shipped" if price else "Unshipped",
                "currency": "USD" if price else "",
                "item-price": price,
            }
        )
        rows.append("\t".join(row[name] for name in history_module.REPORT_COLUMNS))
    text = "\t".join(history_module.REPORT_COLUMNS) + "\n" + "\n".join(rows) + "\n"
    with transaction.atomic():
        stats = import_report(io.StringIO(text), now=now)
    assert stats.estimated == 1
    pending = OrderItem.objects.get(order__amazon_order_id="111-0000001-0000002")
    assert pending.is_estimated
    assert pending.unit_price == Decimal("21.33")  # (20 + 44) / 3 units
    assert pending.item_price == Decimal("63.99")
