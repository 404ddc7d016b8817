"""The restock plan through the database and the API, to the unit, from stored forecasts
with known numbers (a flat 2 or 5 a day without spread, so every figure is by hand)."""

import csv
import datetime as dt
import io

import pytest

from catalog.filters import today_in
from forecasting.models import (
    PurchaseOrder,
    PurchaseOrderStatus,
)
from tests.factories import ListingFactory, ProductFactory, SkuCostFactory
from tests.forecasting.conftest import flat, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_shop(marketplaces, settings):
    settings.RESTOCK_RECEIVING_DAYS = 2
    settings.RESTOCK_REVIEW_DAYS = 5
    settings.RESTOCK_INBOUND_DAYS = 14
    settings.RESTOCK_SERVICE_LEVEL = 0.95
    today = today_in(marketplaces["US"])
    # A: 2/day, 30 on hand, lead 5 + 3 + 2 = 10 → order soon: by today+5, 12 units.
    mug = ListingFactory(
        seller_sku="MUG",
        product=ProductFactory(
            sku="P-MUG", title="Mug", case_pack=12, lead_time_days=5, transit_days=3,
            supplier="Acme",
        ),
    )  # fmt: skip
    SkuCostFactory(product=mug.product, unit_cost="3.50", effective_from=dt.date(2020, 1, 1))
    flat(mug, 2, today)
    stock(mug, 30)
    # B: 5/day, 17 sellable + 3 moving between warehouses = 20 on hand; 100 inbound
    # sellable on day 14, after the stock-out on day 4; lead 25 + 3 + 2 = 30 → order now,
    # 6 days late (empty again from day 24, after the inbound); cover 30 + 5 review days =
    # 175 units against 120: 55; no cost.
    # The forecast is yesterday's: its first day drops.
    lamp = ListingFactory(
        seller_sku="LAMP",
        product=ProductFactory(
            sku="P-LAMP", title="=HYPERLINK(\"x\")", case_pack=1, lead_time_days=25,
            transit_days=3, supplier="Acme",
        ),
    )  # fmt: skip
    flat(lamp, 5, today - dt.timedelta(days=1), head=[500])
    stock(lamp, 17, reserved_transfer=3, inbound_shipped=100)
    # C: no forecast, 50 on hand.
    vase = ListingFactory(seller_sku="VASE", product=ProductFactory(sku="P-VASE", title="Vase"))
    stock(vase, 50)
    # D: 2/day, 10 on hand, a PO of 50 on day 3, lead 3 + 0 + 2 = 5 → empty on day 30,
    # order by day 25: OK.
    cup = ListingFactory(
        seller_sku="CUP",
        product=ProductFactory(sku="P-CUP", title="Cup", case_pack=1, transit_days=0,
                               lead_time_days=3),
    )  # fmt: skip
    flat(cup, 2, today)
    stock(cup, 10)
    PurchaseOrder.objects.create(
        listing=cup, quantity=50, ordered_on=today, expected_arrival=today + dt.timedelta(days=3)
    )
    PurchaseOrder.objects.create(
        listing=cup,
        quantity=999,
        ordered_on=today,
        expected_arrival=today,
        status=PurchaseOrderStatus.RECEIVED,
    )
    return {"today": today}


def rows_by_sku(body):
    return {row["seller_sku"]: row for row in body["rows"]}


def test_restock_plan_to_the_unit(plan_shop, partner_client):
    today = plan_shop["today"]
    body = partner_client.get("/api/forecast/restock-plan?marketplace=US").json()
    assert body["assumptions"]["service_level"] == 0.95
    rows = rows_by_sku(body)
    mug = rows["MUG"]
    assert mug["action"] == "order_soon"
    assert mug["lead_time_days"] == 10
    assert mug["days_of_cover"] == 15
    assert mug["stockout_date"] == (today + dt.timedelta(days=15)).isoformat()
    assert mug["order_by"] == (today + dt.timedelta(days=5)).isoformat()
    assert mug["order_by_overdue"] is False
    assert mug["reorder_point"] == 20.0
    assert (mug["suggested_quantity"], mug["cases"], mug["case_pack"]) == (12, 1, 12)
    assert (mug["unit_cost"], mug["order_value"], mug["currency"]) == ("3.50", "42.00", "USD")

    lamp = rows["LAMP"]
    assert lamp["action"] == "order_now"
    assert (lamp["on_hand"], lamp["inbound"], lamp["position"]) == (20, 100, 120)
    assert lamp["daily_demand"] == 5.0  # yesterday's first day (500) is gone
    assert lamp["order_by"] == (today - dt.timedelta(days=6)).isoformat()
    assert lamp["order_by_overdue"] is True
    assert lamp["stockout_probability"] == 1.0
    assert lamp["suggested_quantity"] == 55
    assert lamp["order_value"] is None
    assert "no unit cost: order value unknown" in lamp["reasons"]
    assert any("arrives after the stock-out" in r for r in lamp["reasons"])

    assert rows["VASE"]["action"] == "no_forecast"
    assert rows["VASE"]["suggested_quantity"] == 0

    cup = rows["CUP"]
    assert (cup["on_order"], cup["position"], cup["days_of_cover"]) == (50, 60, 30)
    assert cup["order_by"] == (today + dt.timedelta(days=25)).isoformat()
    assert cup["action"] == "ok"


def test_action_filter_totals_and_one_sku(plan_shop, partner_client):
    body = partner_client.get("/api/forecast/restock-plan?action=order_now,order_soon").json()
    assert sorted(rows_by_sku(body)) == ["LAMP", "MUG"]
    totals = partner_client.get("/api/restock/actions/total").json()
    by_action = {a["action"]: a for a in totals["actions"]}
    assert by_action["order_now"]["listings"] == 1
    assert by_action["order_now"]["units"] == 55
    assert by_action["order_soon"]["value"] == {"USD": "42.00"}
    assert (totals["overdue"], totals["without_cost"]) == (1, 1)
    one = partner_client.get("/api/restock/actions/sku/MUG").json()
    assert (one["action"], one["suggested_quantity"]) == ("order_soon", 12)
    assert partner_client.get("/api/restock/actions/sku/NOPE").status_code == 404
    inventory = rows_by_sku(partner_client.get("/api/inventory/restock").json())
    assert inventory["LAMP"]["on_hand"] == 20 and "order_by" not in inventory["LAMP"]


def test_what_if(plan_shop, partner_client, anon_client):
    today = plan_shop["today"]
    # 20 days' lead for everyone: MUG (empty on day 15) is now 5 days late.
    body = partner_client.post(
        "/api/restock/plan",
        {"lead_time_days": 20, "skus": ["MUG"]},
        content_type="application/json",
    ).json()
    assert body["assumptions"]["lead_time_days"] == 20
    mug = rows_by_sku(body)["MUG"]
    assert mug["action"] == "order_now"
    assert mug["order_by"] == (today - dt.timedelta(days=5)).isoformat()
    # An order now covers 20 + 5 days (50 units) against 30 held: 20 → 24 (2 cases).
    assert mug["suggested_quantity"] == 24
    assert list(rows_by_sku(body)) == ["MUG"]
    for bad in (
        {"service_level": 1.5},
        {"service_level": 0.2},
        {"lead_time_days": -1},
        {"lead_time_days": "soon"},
        {"review_days": 1000},
        {"skus": "MUG"},
        {"skus": ["x" * 65]},
        {"skus": ["MU\tG"]},
        {"skus": [f"S{i}" for i in range(501)]},
        {"marketplace": "ZZ"},
        {"whatever": 1},
    ):
        response = partner_client.post("/api/restock/plan", bad, content_type="application/json")
        assert response.status_code == 400, bad
    assert (
        partner_client.post(
            "/api/restock/plan", "[1, 2]", content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        anon_client.post("/api/restock/plan", {}, content_type="application/json").status_code
        == 401
    )
    assert partner_client.get("/api/forecast/restock-plan?action=bogus").status_code == 400


def test_purchase_order_csv(plan_shop, partner_client):
    response = partner_client.get("/api/restock/purchase-order.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="purchase-order-ALL.csv"' in response["Content-Disposition"]
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["seller_sku"], r["quantity"], r["order_value"]) for r in lines] == [
        ("LAMP", "55", ""),  # order-by passed: first for the supplier
        ("MUG", "12", "42.00"),
    ]
    assert lines[0]["title"] == '\'=HYPERLINK("x")'  # a title never runs as a formula
    assert lines[1]["supplier"] == "Acme"


def test_restock_page_shows_the_overdue_order(plan_shop, partner_client):
    page = partner_client.get("/restock/").content.decode()
    assert 'data-sku="LAMP"' in page
    assert "action-order_now overdue" in page
    assert "Purchase order (CSV)" in page
    assert "Run forecasts now" not in page  # the owner's button
    what_if = partner_client.get("/restock/?lead_time_days=20&service_level=7").content.decode()
    assert "20 days for every listing (what-if)" in what_if
    assert "service level must be 0.5 to 0.999; ignored" in what_if


def test_forecast_page_without_a_run_says_so(marketplaces, owner_client):
    page = owner_client.get("/forecast/").content.decode()
    assert "No forecast yet." in page
    assert "Run forecasts now" in page
    assert "This page is not built yet." not in page


def test_the_plan_reads_a_fixed_number_of_queries(
    plan_shop, partner_client, django_assert_max_num_queries
):
    from tests.factories import ListingFactory

    for n in range(20):
        listing = ListingFactory(seller_sku=f"MORE-{n}")
        flat(listing, 1, plan_shop["today"])
        stock(listing, 10)
    # Session and user, listings, forecasts, stock, purchase orders, costs: not per row.
    with django_assert_max_num_queries(9):
        assert len(partner_client.get("/api/forecast/restock-plan").json()["rows"]) == 24
    with django_assert_max_num_queries(4):
        assert len(partner_client.get("/api/forecast/top-skus?limit=50").json()["skus"]) == 23
