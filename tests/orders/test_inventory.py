import datetime as dt

import pytest

from catalog.models import InventoryLevel, ObservedSku
from orders import history as history_module
from orders import inventory
from orders.models import SyncStatus
from tests.orders.conftest import set_faults


def levels():
    return sorted(
        InventoryLevel.objects.values_list(
            "listing__seller_sku",
            "location",
            "available",
            "reserved",
            "inbound_working",
            "inbound_shipped",
            "inbound_receiving",
            "unfulfillable",
            "as_of",
            "source",
        )
    )


def test_sync_stores_each_mapped_listings_fba_stock(shop, make_client, marketplaces):
    from tests.factories import ListingFactory

    # More listings than one page of 50: the rest of the US catalog, mapped.
    extra = [
        history_module.HistoryListing(
            marketplace="US",
            marketplace_id=marketplaces["US"].amazon_marketplace_id,
            marketplace_name="Amazon.com",
            currency="USD",
            seller_sku=f"EXTRA-{n:02d}",
            asin=f"B0EXTRA{n:03d}",
            title=f"Extra {n}",
            price=history_module.Decimal("9.99"),
            demand=1.0 + n % 7,
        )
        for n in range(60)
    ]
    shop.history.by_marketplace["US"].extend(extra)
    for listing in extra:
        ListingFactory(marketplace=marketplaces["US"], seller_sku=listing.seller_sku)
    run = inventory.sync_inventory(shop.connection, client=shop.client(make_client), now=shop.now)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert run.pages == 2  # 63 summaries, 50 a page
    assert run.inserted == 62 and run.updated == 0  # BOWL-3 has no listing
    assert "1 SKU(s) without a listing" in run.detail
    ket = next(lst for lst in shop.listings if lst.seller_sku == "KET-1")
    expected = history_module.inventory_summary(ket, shop.now)["inventoryDetails"]
    level = InventoryLevel.objects.get(listing__seller_sku="KET-1")
    assert level.location == "fba" and level.source == "sync" and level.as_of == shop.now
    assert level.available == expected["fulfillableQuantity"]
    assert level.reserved == expected["reservedQuantity"]["totalReservedQuantity"]
    assert level.inbound_shipped == expected["inboundShippedQuantity"]
    assert level.unfulfillable == expected["unfulfillableQuantity"]["totalUnfulfillableQuantity"]
    assert ObservedSku.objects.filter(source="inventory", seller_sku="BOWL-3").exists()
    # Some of the catalog is sold out, as the history makes it.
    assert InventoryLevel.objects.filter(available=0).exists()

    # An hour later: the same rows, updated in place.
    later = shop.now + dt.timedelta(hours=1)
    run = inventory.sync_inventory(shop.connection, client=shop.client(make_client), now=later)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert run.inserted == 0 and run.updated == 62
    assert InventoryLevel.objects.count() == 62
    assert set(InventoryLevel.objects.values_list("as_of", flat=True)) == {later}


def test_a_failed_read_leaves_the_previous_snapshot(shop, make_client):
    inventory.sync_inventory(shop.connection, client=shop.client(make_client), now=shop.now)
    before = levels()
    set_faults(shop.server, getInventorySummaries=["500"] * 30)
    impatient = shop.client(make_client, max_wait=10)
    later = shop.now + dt.timedelta(days=1)
    run = inventory.sync_inventory(shop.connection, client=impatient, now=later)
    assert run.status == SyncStatus.FAILED
    assert "getInventorySummaries" in run.error
    assert levels() == before


def test_throttling_is_waited_out(shop, make_client):
    set_faults(shop.server, getInventorySummaries=["429", "429-bare", "503", "ok"])
    run = inventory.sync_inventory(shop.connection, client=shop.client(make_client), now=shop.now)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert run.throttled == 2
    assert InventoryLevel.objects.count() == 2


@pytest.mark.parametrize(
    ("details", "message"),
    [
        (None, "no inventoryDetails"),
        ({"fulfillableQuantity": -1}, "-1 is not a quantity"),
        ({"fulfillableQuantity": "7"}, "'7' is not a quantity"),
    ],
)
def test_unreadable_summaries_are_refused_with_the_reason(details, message):
    summary = {"sellerSku": "KET-1"}
    if details is not None:
        summary["inventoryDetails"] = details
    with pytest.raises(inventory.InventoryDataError, match=message):
        inventory.summary_quantities(summary)


def test_only_changed_summaries_with_days(shop, make_client):
    run = inventory.sync_inventory(
        shop.connection, client=shop.client(make_client), now=shop.now, days=2
    )
    assert run.status == SyncStatus.SUCCESS, run.error
    asked = [r["path"] for r in shop.server.state.requests if "inventory" in r["path"]]
    assert all("startDateTime=2026-11-18T18%3A00%3A00Z" in path for path in asked)
    with pytest.raises(ValueError, match="days must be 1 to 540"):
        inventory.sync_inventory(shop.connection, client=shop.client(make_client), days=600)
