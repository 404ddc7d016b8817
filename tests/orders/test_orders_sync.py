import datetime as dt

import pytest

from orders import history as history_module
from orders import sync
from orders.models import Order, OrderItem, OrderStatus, SyncCursor, SyncRun, SyncStatus
from tests.orders.conftest import order_rows, set_faults


def expected_orders(shop, after, before):
    return {
        o.order_id: o
        for o in shop.history.orders_updated(after, before, shop.now)
        if o.marketplace == "US"
    }


def test_first_sync_takes_three_days_of_updates_and_moves_the_watermark(shop, make_client):
    client = shop.client(make_client)
    run = sync.sync_orders(shop.connection, client=client, now=shop.now)
    assert run.status == SyncStatus.SUCCESS, run.error
    before = (shop.now - sync.MIN_AGE).replace(microsecond=0)
    after = shop.now - sync.FIRST_SYNC_LOOKBACK - sync.OVERLAP
    expected = expected_orders(shop, after, before)
    assert len(expected) > 100  # several pages of 100
    assert set(Order.objects.values_list("amazon_order_id", flat=True)) == set(expected)
    assert run.inserted == len(expected) and run.updated == 0
    assert run.pages == -(-len(expected) // 100)
    cursor = SyncCursor.objects.get(source="orders", region="NA")
    assert cursor.watermark == before

    # Amounts and flags as Amazon sent them.
    sample = next(o for o in expected.values() if history_module.state(o, shop.now)[0] == "SHIPPED")
    order = Order.objects.get(amazon_order_id=sample.order_id)
    assert order.status == OrderStatus.SHIPPED
    assert order.created_at == sample.created
    assert order.currency == "USD"
    assert order.item_total == sum(i.principal for i in sample.items)
    assert order.tax_total == sum(i.tax for i in sample.items)
    assert order.is_prime == sample.prime
    items = {i.seller_sku: i for i in order.items.all()}
    for generated in sample.items:
        item = items[generated.listing.seller_sku]
        assert item.quantity_ordered == item.quantity_shipped == generated.quantity
        assert item.unit_price == generated.unit_price
        assert item.promotion_discount == generated.discount
        assert item.asin == generated.listing.asin
        assert item.title == generated.listing.title  # quotes and tabs kept


def test_sync_twice_gives_the_same_rows(shop, make_client):
    client = shop.client(make_client)
    sync.sync_orders(shop.connection, client=client, now=shop.now)
    first = order_rows()
    run = sync.sync_orders(shop.connection, client=client, now=shop.now)
    assert run.status == SyncStatus.SUCCESS
    assert (run.inserted, run.updated) == (0, 0)
    assert order_rows() == first


def test_items_map_to_listings_and_unknown_skus_are_recorded(shop, make_client):
    from catalog.models import ObservedSku

    sync.sync_orders(shop.connection, client=shop.client(make_client), now=shop.now)
    mapped = OrderItem.objects.filter(listing__isnull=False)
    assert set(mapped.values_list("seller_sku", flat=True)) == {"KET-1", "LAN-2"}
    assert not OrderItem.objects.filter(listing__isnull=True).exclude(seller_sku="BOWL-3").exists()
    seen = ObservedSku.objects.get(seller_sku="BOWL-3", source="orders")
    assert seen.asin == "B0BOWL0003"
    assert seen.marketplace.code == "US"


def test_only_the_connections_marketplaces_are_synced(shop, make_client):
    sync.sync_orders(shop.connection, client=shop.client(make_client), now=shop.now)
    assert not Order.objects.exclude(marketplace__code="US").exists()


def test_a_sync_without_marketplaces_fails_clearly(shop, make_client):
    shop.connection.marketplaces.clear()
    run = sync.sync_orders(shop.connection, client=shop.client(make_client), now=shop.now)
    assert run.status == SyncStatus.FAILED
    assert "no marketplaces" in run.error


def test_a_failed_page_keeps_earlier_pages_and_the_watermark(shop, make_client):
    client = shop.client(make_client, max_wait=5)
    set_faults(shop.server, searchOrders=["ok", "500", "500", "500", "500", "500", "500"])
    run = sync.sync_orders(shop.connection, client=client, now=shop.now)
    assert run.status == SyncStatus.FAILED
    assert "searchOrders failed" in run.error and "HTTP 500" in run.error
    assert run.pages == 1 and Order.objects.count() == 100
    assert not SyncCursor.objects.exists()
    # The next run starts from the same watermark and ends with every order.
    shop.server.state.faults.clear()
    run = sync.sync_orders(shop.connection, client=client, now=shop.now)
    assert run.status == SyncStatus.SUCCESS
    assert run.inserted == Order.objects.count() - 100
    assert SyncCursor.objects.get().watermark == (shop.now - sync.MIN_AGE)


def test_a_repeated_next_token_stops_the_sync_with_a_clear_error(shop, make_client):
    set_faults(shop.server, searchOrders=["ok", "repeat-token", "repeat-token"])
    run = sync.sync_orders(shop.connection, client=shop.client(make_client), now=shop.now)
    assert run.status == SyncStatus.FAILED
    assert "RepeatedNextToken" in run.error
    assert not SyncCursor.objects.exists()


def test_incremental_sync_asks_from_the_watermark_minus_the_overlap(shop, make_client):
    watermark = shop.now - dt.timedelta(hours=1)
    SyncCursor.objects.create(source="orders", region="NA", watermark=watermark)
    sync.sync_orders(shop.connection, client=shop.client(make_client), now=shop.now)
    calls = [r for r in shop.server.state.requests if r["operation"] == "searchOrders"]
    assert "lastUpdatedAfter=2026-11-20T16%3A45%3A00Z" in calls[0]["path"]
    assert "lastUpdatedBefore=2026-11-20T17%3A58%3A00Z" in calls[0]["path"]
    assert "maxResultsPerPage=100" in calls[0]["path"]
    assert len(Order.objects.all()) == len(
        expected_orders(shop, watermark - sync.OVERLAP, shop.now - sync.MIN_AGE)
    )


@pytest.mark.parametrize("skip", [True])
def test_a_busy_lock_skips_the_run(shop, make_client, skip):
    from django.core.cache import cache

    cache.set("sync-lock:orders:NA", "another-host:1", timeout=60)
    try:
        run = sync.sync_orders(shop.connection, client=shop.client(make_client), now=shop.now)
    finally:
        cache.delete("sync-lock:orders:NA")
    assert run.status == SyncStatus.SKIPPED
    assert "another orders:NA sync is running" in run.error
    assert SyncRun.objects.get().status == SyncStatus.SKIPPED


def test_a_429_and_5xx_storm_loses_nothing_and_never_exceeds_the_rate(shop, make_client, fake_time):
    from orders.spapi import OPERATIONS

    clean = make_client()
    run = sync.sync_orders(shop.connection, client=shop.client(make_client), now=shop.now)
    expected = order_rows()
    Order.objects.all().delete()
    SyncCursor.objects.all().delete()
    del clean, run

    client = shop.client(make_client, max_wait=3600)
    sent = []
    client.session.hooks["response"].append(lambda r, *a, **k: sent.append(fake_time.now))
    storm = ["429", "500", "429-bare", "503", "ok", "429", "429", "503", "ok", "500", "ok"]
    set_faults(shop.server, searchOrders=storm)
    run = sync.sync_orders(shop.connection, client=client, now=shop.now)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert run.throttled == 4
    assert order_rows() == expected

    spec = OPERATIONS["searchOrders"]
    calls = list(sent)  # the first is the token call (not rate limited)
    api_calls = calls[1:]
    for i, start in enumerate(api_calls):
        for j in range(i, len(api_calls)):
            made = j - i + 1
            allowed = spec.burst + spec.rate * (api_calls[j] - start) + 1e-6
            assert made <= allowed, (i, j)
