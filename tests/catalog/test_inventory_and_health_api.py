import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditLogEntry
from catalog.models import DataHealthSnapshot, InventoryLevel, Location, SkuSource
from catalog.services import data_health_snapshot_record, sku_observe
from tests.factories import FeeRuleFactory, ListingFactory, ProductFactory, SkuCostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(marketplaces):
    now = timezone.now()
    mug = ListingFactory(marketplace=marketplaces["US"], seller_sku="MUG-1")
    pot = ListingFactory(marketplace=marketplaces["UK"], seller_sku="POT-1")
    InventoryLevel.objects.create(listing=mug, available=40, reserved=3, as_of=now)
    InventoryLevel.objects.create(
        listing=mug, location=Location.WAREHOUSE, available=500, as_of=now - dt.timedelta(hours=2)
    )
    InventoryLevel.objects.create(
        listing=pot, available=2, inbound_shipped=120, as_of=now - dt.timedelta(hours=30)
    )
    return mug, pot


def test_inventory_list_with_freshness(partner_client, stock, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        body = partner_client.get(reverse("inventory-list")).json()
    assert body["count"] == 3
    rows = {(r["marketplace"], r["seller_sku"], r["location"]): r for r in body["results"]}
    assert rows[("US", "MUG-1", "fba")]["freshness"] == "fresh"
    assert rows[("UK", "POT-1", "fba")]["freshness"] == "stale"
    assert rows[("UK", "POT-1", "fba")]["inbound_shipped"] == 120
    only_uk = partner_client.get(reverse("inventory-list"), {"marketplace": "uk"}).json()
    assert [r["seller_sku"] for r in only_uk["results"]] == ["POT-1"]


@pytest.mark.parametrize(
    "params", [{"marketplace": "ZZ"}, {"limit": 0}, {"limit": 5000}, {"offset": -1}]
)
def test_inventory_list_refuses_nonsense(partner_client, stock, params):
    assert partner_client.get(reverse("inventory-list"), params).status_code == 400


def test_inventory_detail(partner_client, stock):
    url = reverse("inventory-detail", kwargs={"marketplace": "us", "sku": "MUG-1"})
    body = partner_client.get(url).json()
    assert sorted((r["location"], r["available"]) for r in body) == [
        ("fba", 40),
        ("warehouse", 500),
    ]
    missing = reverse("inventory-detail", kwargs={"marketplace": "US", "sku": "NOPE"})
    assert partner_client.get(missing).status_code == 404


def test_owner_puts_and_deletes_stock_with_audit(owner_client, stock):
    url = reverse("inventory-detail", kwargs={"marketplace": "UK", "sku": "POT-1"})
    response = owner_client.put(
        url,
        {"location": "fba", "available": 75, "inbound_receiving": 12},
        content_type="application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["available"], body["inbound_receiving"], body["freshness"], body["source"]) == (
        75,
        12,
        "fresh",
        "manual",
    )
    entry = AuditLogEntry.objects.get(action="catalog.inventorylevel.update")
    assert entry.changes["available"] == [2, 75] and entry.changes["inbound_shipped"] == [120, 0]
    assert owner_client.delete(url).status_code == 204
    assert not InventoryLevel.objects.filter(listing__seller_sku="POT-1").exists()
    assert AuditLogEntry.objects.filter(action="catalog.inventorylevel.delete").count() == 1
    assert owner_client.delete(url).status_code == 400


@pytest.mark.parametrize(
    "payload",
    [
        {"available": -1},
        {"available": "many"},
        {"available": 5, "location": "moon"},
        {"available": 5, "as_of": "2999-01-01T00:00:00Z"},
        {},
    ],
)
def test_put_refuses_nonsense(owner_client, stock, payload):
    url = reverse("inventory-detail", kwargs={"marketplace": "UK", "sku": "POT-1"})
    response = owner_client.put(url, payload, content_type="application/json")
    assert response.status_code == 400
    assert InventoryLevel.objects.get(listing__seller_sku="POT-1").available == 2


def test_partner_cannot_write_stock(partner_client, stock):
    url = reverse("inventory-detail", kwargs={"marketplace": "UK", "sku": "POT-1"})
    assert (
        partner_client.put(url, {"available": 1}, content_type="application/json").status_code
        == 403
    )
    assert partner_client.delete(url).status_code == 403
    assert APIClient().delete(url).status_code == 401
    assert InventoryLevel.objects.get(listing__seller_sku="POT-1").available == 2


def test_data_health_counts_lists_and_trend(partner_client, marketplaces, stock):
    mug, pot = stock
    SkuCostFactory(product=mug.product, effective_from=dt.date(2020, 1, 1))
    FeeRuleFactory(listing=mug, effective_from=dt.date(2020, 1, 1))
    sku_observe(marketplace=marketplaces["US"], seller_sku="mug-1-fba", source=SkuSource.ORDERS)
    sku_observe(marketplace=marketplaces["US"], seller_sku="MUG-1", source=SkuSource.ADS)
    DataHealthSnapshot.objects.create(
        date=timezone.localdate() - dt.timedelta(days=3),
        unmapped_skus=4,
        products_missing_cost=1,
        listings_missing_fee_rule=0,
        stale_inventory=2,
    )
    body = partner_client.get(reverse("data-health-api")).json()
    assert body["counts"] == {
        "unmapped_skus": 1,
        "products_missing_cost": 1,
        "listings_missing_fee_rule": 1,
        "stale_inventory": 1,
    }
    assert body["unmapped_skus"][0]["seller_sku"] == "mug-1-fba"
    assert body["unmapped_skus"][0]["suggestions"][0]["product_sku"] == mug.product.sku
    assert [p["product_sku"] for p in body["products_missing_cost"]] == [pot.product.sku]
    assert body["stale_inventory"][0]["seller_sku"] == "POT-1"
    trend = body["trend"]
    assert len(trend) == 30 and trend[-1]["unmapped_skus"] == 1
    assert trend[-4]["unmapped_skus"] == 4  # a stored day
    assert trend[-5]["unmapped_skus"] is None  # never measured: no point, not zero


def test_snapshot_is_one_row_per_day(marketplaces):
    ProductFactory()
    data_health_snapshot_record()
    data_health_snapshot_record()
    assert DataHealthSnapshot.objects.count() == 1


def test_pages_render_for_partner(partner_client, stock):
    inventory = partner_client.get(reverse("inventory")).content.decode()
    assert "MUG-1" in inventory and 'class="badge stale"' in inventory
    assert "3 rows, 1 stale." in inventory
    health = partner_client.get(reverse("data-health")).content.decode()
    assert "stock rows older than 24 h" in health
    assert "admin:catalog" not in health and "Admin → Seen SKUs" not in health


def test_inventory_page_empty_state(partner_client, marketplaces):
    page = partner_client.get(reverse("inventory")).content.decode()
    assert "No stock levels yet." in page
