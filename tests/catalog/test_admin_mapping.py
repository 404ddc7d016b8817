import pytest
from django.urls import reverse

from accounts.models import AuditLogEntry
from catalog.models import Listing, SkuSource
from catalog.services import sku_observe, unmapped_skus
from tests.factories import ListingFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_accept_suggestion_maps_in_one_click(owner_client, owner, marketplaces):
    us, de = marketplaces["US"], marketplaces["DE"]
    mug = ProductFactory(sku="MUG-7")
    ListingFactory(marketplace=us, seller_sku="MUG-7", product=mug, asin="B0MUG00007")
    one = sku_observe(marketplace=de, seller_sku="mug-7-FBA", source=SkuSource.ORDERS)
    none = sku_observe(marketplace=de, seller_sku="MYSTERY", source=SkuSource.ADS)
    changelist = owner_client.get(reverse("admin:catalog_observedsku_changelist"))
    html = changelist.content.decode()
    assert "SKU matches US listing MUG-7 after normalising" in html and "MYSTERY" in html
    response = owner_client.post(
        reverse("admin:catalog_observedsku_changelist"),
        {"action": "accept_suggestion", "_selected_action": [one.pk, none.pk]},
        follow=True,
    )
    assert response.status_code == 200
    listing = Listing.objects.get(marketplace=de, seller_sku="mug-7-FBA")
    assert listing.product == mug
    assert [o.seller_sku for o in unmapped_skus()] == ["MYSTERY"]
    entry = AuditLogEntry.objects.get(action="catalog.listing.map")
    assert entry.actor == owner and entry.changes["seller_sku"] == [None, "mug-7-FBA"]
    assert "Not mapped, map these by hand in Listings: MYSTERY (0 suggestions)" in (
        response.content.decode()
    )


def test_admin_change_is_audited_with_inline_costs(owner_client, marketplaces):
    product = ProductFactory(sku="P-1", title="Mug")
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = {
        "sku": "P-1",
        "title": "Mug",
        "case_pack": 12,
        "lead_time_days": 30,
        "min_order_quantity": 0,
        "active": "on",
        "listings-TOTAL_FORMS": 0,
        "listings-INITIAL_FORMS": 0,
        "costs-TOTAL_FORMS": 1,
        "costs-INITIAL_FORMS": 0,
        "costs-0-effective_from": "2026-03-01",
        "costs-0-unit_cost": "4.20",
        "costs-0-inbound_freight_per_unit": "0.30",
        "costs-0-other_per_unit": "0",
        "costs-0-currency": "USD",
    }
    response = owner_client.post(url, data)
    assert response.status_code == 302, response.content[:3000]
    assert AuditLogEntry.objects.get(action="catalog.product.update").changes == {
        "lead_time_days": [0, 30]
    }
    cost = AuditLogEntry.objects.get(action="catalog.skucost.create")
    assert cost.changes["unit_cost"] == [None, "4.20"]
