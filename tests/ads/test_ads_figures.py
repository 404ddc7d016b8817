"""Ads figures on the hand-computed shop (tests/orders/sales_fixture.py) plus a few ad
days worked out by hand:

- US (USD): KET-1 on 03-10 cost 6.00, 10 clicks, 1000 impressions, 1 order, sales
  29.99 (all the advertised SKU's); on 03-11 cost 4.00, 5 clicks, nothing sold.
  LAN-2 on 03-12 cost 3.00, 5 clicks, 500 impressions, 1 order, 24.99.
  GHOST-9 (not in the catalog) on 03-12 cost 2.00, 2 clicks.
- UK (GBP): KET-1-FBA on 03-29 cost 5.00 GBP (x 1.26 = 6.30 USD), 4 clicks, 1 order,
  sales 34.99 GBP (= 44.09 USD), of which 30.00 GBP the same SKU (= 37.80 USD).
- Every day of March has its advertised-product report stored, except US 03-20.
"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from orders import rollup
from tests.orders import sales_fixture

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def ads_figures_shop(db, marketplaces):
    from ads.models import (
        AdsAccount,
        AdsProfile,
        AdsReport,
        AdvertisedProductDaily,
        CampaignDaily,
        ReportStatus,
    )
    from catalog.models import Listing

    sales_fixture.build(marketplaces)
    na = AdsAccount.objects.create(region="NA", client_id="x", client_secret="s", refresh_token="r")
    eu = AdsAccount.objects.create(region="EU", client_id="x", client_secret="s", refresh_token="r")
    us = AdsProfile.objects.create(
        account=na, profile_id=1, country_code="US", marketplace=marketplaces["US"],
        currency="USD", time_zone="America/Los_Angeles", selected=True,
    )  # fmt: skip
    uk = AdsProfile.objects.create(
        account=eu, profile_id=2, country_code="GB", marketplace=marketplaces["UK"],
        currency="GBP", time_zone="Europe/London", selected=True,
    )  # fmt: skip
    for profile in (us, uk):
        for n in range(31):
            day = dt.date(2026, 3, 1) + dt.timedelta(days=n)
            if profile == us and day == dt.date(2026, 3, 20):
                continue
            AdsReport.objects.create(
                profile=profile, report_type="spAdvertisedProduct", date=day,
                report_id=f"r{profile.pk}-{n}", status=ReportStatus.COMPLETED,
            )  # fmt: skip

    def ad(profile, day, sku, cost, clicks, impressions=0, orders=0, sales="0", same=None):
        listing = Listing.objects.filter(marketplace=profile.marketplace, seller_sku=sku).first()
        values = {
            "cost": D(cost), "clicks": clicks, "impressions": impressions,
            "purchases_7d": orders, "units_sold_7d": orders, "sales_7d": D(sales),
            "sales_same_sku_7d": D(same if same is not None else sales),
            "purchases_14d": orders, "sales_14d": D(sales), "currency": profile.currency,
        }  # fmt: skip
        AdvertisedProductDaily.objects.create(
            profile=profile, date=day, campaign_id=7, ad_group_id=8, advertised_sku=sku,
            listing=listing, **values,
        )  # fmt: skip
        row, _ = CampaignDaily.objects.get_or_create(
            profile=profile, date=day, campaign_id=7, defaults={"currency": profile.currency}
        )
        for name, value in values.items():
            if name != "currency":
                setattr(row, name, getattr(row, name) + value)
        row.save()

    ad(us, dt.date(2026, 3, 10), "KET-1", "6.00", 10, 1000, 1, "29.99")
    ad(us, dt.date(2026, 3, 11), "KET-1", "4.00", 5, 600)
    ad(us, dt.date(2026, 3, 12), "LAN-2", "3.00", 5, 500, 1, "24.99")
    ad(us, dt.date(2026, 3, 12), "GHOST-9", "2.00", 2, 100)
    ad(uk, dt.date(2026, 3, 29), "KET-1-FBA", "5.00", 4, 400, 1, "34.99", "30.00")
    # The rollup carries the ads beside the sales (as the collect phase rebuilds it).
    rollup.rebuild_range(dt.date(2026, 1, 1), dt.date(2026, 4, 30))


def get(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.content
    return response.json()


def by_sku(body):
    return {(r["marketplace"], r["sku"]): r for r in body["rows"]}


def test_sku_profitability_to_the_cent(ads_figures_shop, partner_client):
    body = get(partner_client, "ads-sku-profitability", **MARCH)
    assert (body["currency"], body["window_days"], body["sort"]) == ("USD", 7, "spend")
    rows = by_sku(body)
    kettle = rows[("US", "KET-1")]
    assert kettle["revenue"] == 84.97 and kettle["ad_spend"] == 10.00
    assert (kettle["ad_sales"], kettle["attributed_sales"], kettle["organic_sales"]) == (
        29.99, 29.99, 54.98,
    )  # fmt: skip
    assert kettle["acos"] == 0.3334  # 10.00 / 29.99
    assert kettle["roas"] == 3.0  # 29.99 / 10.00
    assert kettle["tacos"] == 0.1177  # 10.00 / 84.97
    assert kettle["gross_profit"] == 30.22 and kettle["net_profit"] == 20.22
    assert kettle["net_margin"] == 0.238  # 20.22 / 84.97
    assert kettle["break_even_acos"] == 0.3557  # its margin before ads
    assert kettle["warning_flags"] == ["missing_attribution"]  # US 03-20 not stored

    uk = rows[("UK", "KET-1-FBA")]
    assert uk["ad_spend"] == 6.30  # 5.00 GBP x 1.26
    assert uk["ad_sales"] == 44.09 and uk["attributed_sales"] == 37.80
    assert uk["organic_sales"] == 6.29  # 44.09 - 37.80
    assert uk["acos"] == 0.1429  # 6.30 / 44.0874
    assert uk["net_profit"] == 17.90  # 24.20 - 6.30
    assert uk["warning_flags"] == []

    lantern = rows[("US", "LAN-2")]
    assert lantern["ad_spend"] == 3.00 and lantern["acos"] == 0.12
    assert lantern["net_profit"] is None and lantern["break_even_acos"] is None
    assert set(lantern["warning_flags"]) == {"missing_cogs", "missing_fees", "missing_attribution"}

    ghost = rows[("US", "GHOST-9")]
    assert ghost["revenue"] == 0.0 and ghost["ad_spend"] == 2.00 and ghost["net_profit"] == -2.00
    assert "missing_mapping" in ghost["warning_flags"]
    # Sorted by spend, largest first.
    assert [r["sku"] for r in body["rows"]][:3] == ["KET-1", "KET-1-FBA", "LAN-2"]


def test_sku_profitability_in_local_currency(ads_figures_shop, partner_client):
    body = get(partner_client, "ads-sku-profitability", marketplace="UK", currency="local",
               **MARCH)  # fmt: skip
    (row,) = body["rows"]
    assert body["currency"] == "GBP"
    assert (row["ad_spend"], row["ad_sales"], row["revenue"]) == (5.00, 34.99, 34.99)


def test_ads_summary_and_timeseries(ads_figures_shop, partner_client):
    body = get(partner_client, "ads-summary", **MARCH)
    assert body["spend"] == 21.30  # 6 + 4 + 3 + 2 + 6.30
    assert body["sales"] == 99.07  # 29.99 + 24.99 + 44.0874
    assert body["acos"] == 0.215  # 21.30 / 99.0674
    assert body["roas"] == 4.65
    assert body["clicks"] == 26 and body["impressions"] == 2600 and body["orders"] == 3
    assert body["cpc"] == 0.82  # 21.30 / 26
    assert body["ctr"] == 0.01 and body["conversion"] == 0.1154  # 3 / 26
    assert body["tacos"] == 0.1383  # 21.30 / 154.05 revenue
    assert body["previous"]["spend"] == 0.0 and body["change"]["spend"] is None
    assert body["coverage"]["US"]["days_missing"] == 1
    assert body["coverage"]["US"]["first_missing"] == "2026-03-20"
    series = get(partner_client, "ads-timeseries", **MARCH)
    assert len(series["points"]) == 31
    tenth = series["points"][9]
    assert (tenth["date"], tenth["spend"], tenth["sales"], tenth["acos"]) == (
        "2026-03-10", 6.0, 29.99, 0.2001,
    )  # fmt: skip


def test_sku_timeseries(ads_figures_shop, partner_client):
    body = get(partner_client, "ads-sku-timeseries", sku="KET-1", marketplace="US", **MARCH)
    points = {p["date"]: p for p in body["points"]}
    tenth = points["2026-03-10"]
    assert (tenth["units"], tenth["ad_spend"], tenth["ad_sales"]) == (2, 6.0, 29.99)
    assert tenth["revenue"] == 54.98  # 59.98 - 5.00 promotion
    eleventh = points["2026-03-11"]
    assert eleventh["ad_spend"] == 4.0 and eleventh["acos"] is None  # no ad sales
    assert eleventh["net_profit"] is not None
    response = partner_client.get(reverse("ads-sku-timeseries"), MARCH)
    assert response.status_code == 400 and "sku" in response.json()


def test_amazon_report_merges_sales_and_ads(ads_figures_shop, partner_client):
    body = get(partner_client, "amazon-report", **MARCH)
    points = {p["date"]: p for p in body["points"]}
    tenth = points["2026-03-10"]
    # A: 54.98 revenue, fees actual 8.25 + 8.00, ad spend 6.00: payout 54.98 - 22.25.
    assert (tenth["revenue"], tenth["ad_spend"], tenth["ad_sales"]) == (54.98, 6.0, 29.99)
    assert tenth["estimated_payout"] == 32.73
    assert points["2026-03-12"]["estimated_payout"] is None  # LAN-2: fees unknown
    assert body["totals"]["ad_spend"] == 21.30


@pytest.mark.parametrize(
    "params",
    [
        {"days": "-3"},
        {"days": "100000"},
        {"marketplace": "XX"},
        {"window": "30"},
        {"sort": "name; DROP TABLE x"},
        {"currency": "local"},
        {"sku": "A\nB", "days": "3"},
    ],
)
def test_hostile_parameters_answer_400(ads_figures_shop, partner_client, params):
    for name in ("ads-summary", "ads-sku-profitability", "ads-sku-timeseries", "amazon-report"):
        response = partner_client.get(reverse(name), params)
        assert response.status_code == 400, (name, params, response.content)


def test_sku_cost_endpoints_keep_the_catalogs_history(
    ads_figures_shop, owner_client, partner_client
):
    from accounts.models import AuditLogEntry
    from catalog.models import SkuCost

    url = reverse("ads-sku-cost")
    assert partner_client.get(url).status_code == 403
    body = owner_client.get(url, {"sku": "KET-1"}).json()  # a seller SKU finds its product
    assert [(c["sku"], c["effective_from"], c["landed_cost"]) for c in body["costs"]] == [
        ("P-KET", "2026-01-01", 10.0)
    ]
    response = owner_client.put(
        url,
        {"sku": "LAN-2", "unit_cost": "7.25", "currency": "USD", "effective_from": "2026-03-01"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["landed_cost"] == 7.25
    assert SkuCost.objects.filter(product__sku="P-LAN").count() == 1
    assert AuditLogEntry.objects.filter(action="catalog.sku_cost.create").exists()
    # The rollup follows the catalog: LAN-2 now has a cost, so its profit is known.
    rollup.rebuild_range(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    rows = by_sku(get(owner_client, "ads-sku-profitability", **MARCH))
    assert "missing_cogs" not in rows[("US", "LAN-2")]["warning_flags"]
    for bad in (
        {"sku": "NOPE", "unit_cost": "1", "currency": "USD"},
        {"sku": "LAN-2", "unit_cost": "-1", "currency": "USD"},
        {"sku": "LAN-2", "unit_cost": "1", "currency": "usd"},
    ):
        assert owner_client.put(url, bad, content_type="application/json").status_code == 400
    delete = reverse("ads-sku-cost-delete", args=["LAN-2"])
    assert partner_client.delete(delete).status_code == 403
    assert owner_client.delete(delete + "?effective_from=2025-01-01").status_code == 404
    assert owner_client.delete(delete + "?effective_from=bad").status_code == 400
    assert owner_client.delete(delete + "?effective_from=2026-03-01").status_code == 204
    assert not SkuCost.objects.filter(product__sku="P-LAN").exists()
    assert AuditLogEntry.objects.filter(action="catalog.sku_cost.delete").exists()
