"""The dashboard endpoints on the hand-computed shop (tests/orders/sales_fixture.py)."""

import datetime as dt

import pytest
from django.urls import reverse

from orders import rollup
from tests.orders import sales_fixture

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def shop_rollup(db, marketplaces):
    sales_fixture.build(marketplaces)
    rollup.rebuild_range(dt.date(2026, 1, 1), dt.date(2026, 4, 30))


def get(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.content
    return response.json()


def test_summary_to_the_cent(shop_rollup, partner_client):
    body = get(partner_client, "dashboard-summary", **MARCH)
    assert (body["marketplace"], body["currency"], body["days"]) == ("ALL", "USD", 31)
    now = body["current"]
    assert (now["units"], now["orders"]) == (5, 4)
    assert now["gross_sales"] == 159.05  # 59.98 + 29.99 + 24.99 + 34.99 GBP x 1.26
    assert now["promotions"] == 5.00
    assert now["revenue"] == 154.05
    assert now["average_order_value"] == 38.51  # 154.05 / 4
    assert now["refunds"] == {"units": 0, "amount": 0.0, "rate": 0.0}
    fees = now["fees"]
    assert (fees["referral"], fees["fba"], fees["other"]) == (19.49, 15.15, 0.0)
    assert fees["total"] is None and fees["missing"] and fees["estimated"]  # LAN-2: no rule
    assert now["cogs"] is None and now["gross_profit"] is None and now["margin"] is None
    # Profit of what is known: A 18.73 + B 11.49 + E 24.20, on 129.06 of 154.05 revenue.
    assert now["gross_profit_known"] == 54.42
    assert now["profit_coverage"] == 0.8378
    assert now["missing"] == {
        "cogs_skus": 1,
        "cogs": True,
        "fees": True,
        "fx": False,
        "sales_estimated": True,
    }
    previous = body["previous"]
    assert (previous["start"], previous["end"]) == ("2026-01-29", "2026-02-28")
    assert previous["revenue"] == 0.0 and previous["gross_profit"] == 0.0
    assert body["change"]["revenue"] is None  # nothing to compare with


def test_a_refund_counts_in_its_own_later_period(shop_rollup, partner_client):
    body = get(partner_client, "dashboard-summary", marketplace="US", start="2026-04-01",
               end="2026-04-30")  # fmt: skip
    now = body["current"]
    assert (now["units"], now["revenue"]) == (0, 0.0)
    assert now["refunds"] == {"units": 1, "amount": 29.99, "rate": None}
    assert now["fees"]["refunds"] == -3.30 and now["fees"]["total"] == -3.30
    assert now["cogs"] == 0.0
    assert now["gross_profit"] == -26.69  # -29.99 + 3.30
    assert now["margin"] is None


def test_local_currency_for_one_marketplace(shop_rollup, partner_client):
    body = get(partner_client, "dashboard-summary", marketplace="uk", currency="local", **MARCH)
    assert body["currency"] == "GBP"
    now = body["current"]
    assert (now["revenue"], now["fees"]["referral"], now["fees"]["fba"]) == (34.99, 5.35, 2.50)
    assert now["cogs"] == 7.94
    assert now["gross_profit"] == 19.20  # 34.99 - 5.35 - 2.50 - 7.94
    assert now["margin"] == 0.5487  # 19.20 / 34.99


def test_timeseries_per_day_week_and_month(shop_rollup, partner_client):
    body = get(partner_client, "dashboard-timeseries", **MARCH)
    points = body["points"]
    assert len(points) == 31 and points[0]["date"] == "2026-03-01"
    tenth = next(p for p in points if p["date"] == "2026-03-10")
    assert (tenth["revenue"], tenth["gross_profit"], tenth["margin"]) == (54.98, 18.73, 0.3407)
    quiet = next(p for p in points if p["date"] == "2026-03-20")
    assert (quiet["revenue"], quiet["units"], quiet["gross_profit"]) == (0.0, 0, 0.0)
    twelfth = next(p for p in points if p["date"] == "2026-03-12")
    assert twelfth["gross_profit"] is None and twelfth["missing"]["cogs"]

    weeks = get(partner_client, "dashboard-timeseries", interval="week", **MARCH)["points"]
    assert weeks[0]["date"] == "2026-02-23"  # the Monday of the week of March 1st
    assert sum(w["revenue"] for w in weeks) == pytest.approx(154.05)
    months = get(partner_client, "dashboard-timeseries", interval="month", start="2026-03-01",
                 end="2026-04-30")["points"]  # fmt: skip
    assert [m["date"] for m in months] == ["2026-03-01", "2026-04-01"]
    assert months[1]["refunds"]["amount"] == 29.99


def test_top_and_bottom_products(shop_rollup, partner_client):
    body = get(partner_client, "dashboard-top-products", **MARCH)
    top = [(i["marketplace"], i["sku"], i["revenue"]) for i in body["top"]]
    assert top == [("US", "KET-1", 84.97), ("UK", "KET-1-FBA", 44.09), ("US", "LAN-2", 24.99)]
    assert body["bottom"][0]["sku"] == "LAN-2"
    kettle = body["top"][0]
    assert (kettle["units"], kettle["gross_profit"], kettle["margin"]) == (3, 30.22, 0.3557)
    assert kettle["refunds"]["rate"] == 0.0 and kettle["title"] == "Kettle"

    by_profit = get(partner_client, "dashboard-top-products", sort="profit", **MARCH)
    assert [i["sku"] for i in by_profit["top"]] == ["KET-1", "KET-1-FBA"]
    assert by_profit["unranked"] == [
        {
            "marketplace": "US",
            "sku": "LAN-2",
            "missing": {
                "cogs_skus": 1,
                "cogs": True,
                "fees": True,
                "fx": False,
                "sales_estimated": True,
            },
        }
    ]
    by_margin = get(partner_client, "dashboard-top-products", sort="margin", limit=1, **MARCH)
    assert [i["sku"] for i in by_margin["top"]] == ["KET-1-FBA"]  # 0.5489 > 0.3557
    assert [i["sku"] for i in by_margin["bottom"]] == ["KET-1"]


def test_days_of_stock_from_fba_inventory(shop_rollup, partner_client):
    from catalog.models import InventoryLevel, Listing

    listing = Listing.objects.get(seller_sku="KET-1")
    InventoryLevel.objects.create(
        listing=listing, available=31, as_of=dt.datetime(2026, 3, 31, tzinfo=dt.UTC)
    )
    body = get(partner_client, "dashboard-top-products", **MARCH)
    kettle = next(i for i in body["top"] if i["sku"] == "KET-1")
    assert kettle["stock_available"] == 31
    assert kettle["days_of_stock"] == 320.3  # 31 units at 3 units a month (31 days)
    lantern = next(i for i in body["top"] if i["sku"] == "LAN-2")
    assert lantern["days_of_stock"] is None  # no stock figure: unknown, not zero


def test_marketplace_breakdown(shop_rollup, partner_client):
    items = get(partner_client, "dashboard-marketplaces", **MARCH)["items"]
    assert [(i["marketplace"], i["revenue"], i["revenue_share"]) for i in items] == [
        ("US", 109.96, 0.7138),
        ("UK", 44.09, 0.2862),
    ]
    assert items[1]["local_currency"] == "GBP" and items[1]["gross_profit"] == 24.20


@pytest.mark.parametrize(
    "params",
    [
        {"days": -1},
        {"days": 0},
        {"days": 100000},
        {"days": "ten"},
        {"start": "2026-03-31", "end": "2026-03-01"},
        {"start": "2020-01-01", "end": "2026-03-01"},
        {"start": "2026-03-01"},
        {"days": 7, "start": "2026-03-01", "end": "2026-03-02"},
        {"marketplace": "XX"},
        {"marketplace": "US' OR 1=1 --"},
        {"currency": "local"},
        {"currency": "EUR", "marketplace": "US"},
        {"interval": "year"},
        {"sort": "price; DROP TABLE orders_order"},
        {"limit": 0},
        {"limit": 10**9},
    ],
)
@pytest.mark.parametrize(
    "name",
    [
        "dashboard-summary",
        "dashboard-timeseries",
        "dashboard-top-products",
        "dashboard-marketplaces",
    ],
)
def test_hostile_parameters_answer_400(shop_rollup, partner_client, name, params):
    response = partner_client.get(reverse(name), params)
    if name == "dashboard-marketplaces" and set(params) & {"currency", "interval", "sort", "limit"}:
        # Options of the other endpoints are still validated everywhere.
        assert response.status_code == 400
    assert response.status_code == 400, response.content
    assert response.json()


# Per request: session and user (2), the cache generation and the cached answer (2),
# the figures themselves, and with the DatabaseCache the tests use: taking the
# "computing" lock (5), storing the answer (5) and releasing the lock (1); with Redis
# those are three round trips. The same for a month as for a year.
@pytest.mark.parametrize(
    ("name", "figures_queries"),
    [
        # this period and the previous one, each with its count of SKUs without a cost
        ("dashboard-summary", 4),
        ("dashboard-timeseries", 1),
        # the SKUs, marketplace codes, titles of the SKUs shown, their FBA stock
        ("dashboard-top-products", 4),
        ("dashboard-marketplaces", 2),  # the totals, the SKUs without a cost
    ],
)
def test_query_counts_are_pinned(shop_rollup, partner_client, django_assert_num_queries,
                                 name, figures_queries):  # fmt: skip
    partner_client.get(reverse(name), {"days": 7})  # the cache generation exists
    for period in (MARCH, {"days": 365}):  # a month and a year, both with sales
        with django_assert_num_queries(2 + 2 + figures_queries + 5 + 5 + 1):
            response = partner_client.get(reverse(name), {**period, "marketplace": "ALL"})
        assert response.status_code == 200
    with django_assert_num_queries(2 + 2):  # answered from the cache
        partner_client.get(reverse(name), {"days": 365, "marketplace": "ALL"})


def test_anonymous_readers_are_refused(shop_rollup, client):
    for name in ("dashboard-summary", "dashboard-timeseries", "dashboard-top-products",
                 "dashboard-marketplaces"):  # fmt: skip
        assert client.get(reverse(name)).status_code in (401, 403)


def test_one_request_computes_an_answer_the_others_wait_for(settings):
    import threading

    from orders import dashboard

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sf"}
    }
    from django.core.cache import cache

    period = dashboard.Period("ALL", dt.date(2026, 3, 1), dt.date(2026, 3, 31), None)
    key = f"dashboard:{dashboard.generation()}:summary:ALL:2026-03-01:2026-03-31:x"
    cache.add(f"{key}:computing", 1)  # another request is computing it

    def the_other_request_finishes():
        cache.set(key, {"answer": "from the other request"})

    timer = threading.Timer(0.2, the_other_request_finishes)
    timer.start()
    computed = []
    found = dashboard.cached("summary", period, "x", lambda: computed.append(1) or {"answer": 2})
    timer.join()
    assert found == {"answer": "from the other request"} and computed == []
    # Nobody computing: this request computes and stores it.
    cache.clear()
    assert dashboard.cached("summary", period, "x", lambda: {"answer": 3}) == {"answer": 3}
    assert cache.get(key) == {"answer": 3} and cache.get(f"{key}:computing") is None


def _summed_by_sku(period, local):
    """The per-SKU sums `figures` reads, added up in Python from every DailySales row
    of the period: what top_products must agree with, however it reads the rollup."""
    from collections import defaultdict
    from decimal import Decimal

    from orders.models import DailySales

    rows = DailySales.objects.filter(date__range=(period.start, period.end))
    if period.marketplace != "ALL":
        rows = rows.filter(marketplace__code=period.marketplace)
    sfx = "" if local else "_rc"
    parts = ["gross_sales", "promotions", "refund_amount", "referral_fees", "fba_fees",
             "other_fees", "refund_fees", "cogs"]  # fmt: skip
    sums = defaultdict(lambda: defaultdict(lambda: None))

    def add(bucket, name, value):
        if value is not None:
            bucket[name] = (bucket[name] or 0) + value

    for row in rows.select_related("marketplace"):
        bucket = sums[(row.marketplace.code, row.seller_sku)]
        for name in ("units", "orders", "refund_units", "sessions", "page_views"):
            add(bucket, name, getattr(row, name))
        amounts = {name: getattr(row, f"{name}{sfx}") for name in parts}
        for name, value in amounts.items():
            add(bucket, name, value)
        revenue = (amounts["gross_sales"] or 0) - (amounts["promotions"] or 0)
        add(bucket, "revenue", Decimal(revenue))
        complete = not (row.missing_cogs or row.missing_fees or (row.missing_fx and not local))
        if complete:
            profit = revenue - sum((amounts[n] or 0) for n in parts[2:])
            add(bucket, "profit_known", Decimal(profit))
            add(bucket, "revenue_known", Decimal(revenue))
        flags = ["missing_cogs", "missing_fees", "fees_estimated", "sales_estimated"]
        for flag in flags + ([] if local else ["missing_fx"]):
            add(bucket, f"rows_{flag}", int(getattr(row, flag)))
    for bucket in sums.values():
        bucket["skus_missing_cogs"] = 1 if bucket["rows_missing_cogs"] else 0
    return sums


PERIODS = [
    ("2026-10-01", "2026-10-31", "ALL"),  # one whole month
    ("2026-10-14", "2026-11-09", "ALL"),  # across a month's end, no whole month
    ("2026-09-20", "2026-11-30", "ALL"),  # a whole month with edge days both sides
    ("2026-10-01", "2026-11-15", "US"),  # a whole month and the next one's days
    ("2026-10-09", "2026-10-31", "CA"),  # ends on a month's last day
]


def test_top_products_read_from_months_and_edge_days_equal_the_days_summed(db):
    """Whole months come from MonthlySkuTotals and the edges from DailySales; every
    SKU's figures must equal the sum of its days, in both currencies."""
    import io

    from django.core.management import call_command

    from catalog.filters import Period

    call_command("seed_demo", "--days", "60", stdout=io.StringIO())
    for start, end, marketplace in PERIODS:
        period = Period(marketplace, dt.date.fromisoformat(start), dt.date.fromisoformat(end), None)
        for local in [False] + ([True] if marketplace != "ALL" else []):
            check_top_products(period, local)


def check_top_products(period, local):
    from orders import dashboard

    expected = {k: dashboard.figures(v) for k, v in _summed_by_sku(period, local).items()}
    assert len(expected) > 5
    body = dashboard.top_products(period, sort="revenue", limit=100, local=local)
    assert body["count"] == len(expected)
    got = {}
    for item in body["top"]:
        key = (item["marketplace"], item["sku"])
        got[key] = {k: v for k, v in item.items() if k in expected[key]}
    assert got == expected, period
    revenues = [i["revenue"] for i in body["top"]]
    assert revenues == sorted(revenues, reverse=True)
    by_profit = dashboard.top_products(period, sort="profit", limit=100, local=local)
    unranked = {(i["marketplace"], i["sku"]) for i in by_profit["unranked"]}
    assert unranked == {k for k, v in expected.items() if v["gross_profit"] is None}
    profits = [i["gross_profit"] for i in by_profit["bottom"]]
    assert profits == sorted(profits)


def test_a_rollup_change_warms_the_most_read_views(
    shop_rollup, partner_client, settings, django_assert_num_queries,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    from orders import dashboard

    settings.DASHBOARD_WARM = True
    with django_capture_on_commit_callbacks(execute=True):
        dashboard.bump_generation()  # as a sync's rebuild does; the task runs inline here
    # The default period's views (all marketplaces, and the ads pages) are cached now.
    for name in ("dashboard-summary", "dashboard-top-products", "ads-summary",
                 "ads-sku-profitability"):  # fmt: skip
        with django_assert_num_queries(2 + 2):  # auth, then the cache only
            response = partner_client.get(reverse(name), {"days": 30, "marketplace": "ALL"})
        assert response.status_code == 200
    # Warmed once per change: a second bump before the warm-up ran queues no other.
    from django.core.cache import cache

    cache.add(dashboard.WARM_QUEUED_KEY, 1)
    with django_capture_on_commit_callbacks(execute=True):
        dashboard.bump_generation()
    with django_assert_num_queries(2 + 2 + 4 + 5 + 5 + 1):  # not warmed: computed now
        partner_client.get(reverse("dashboard-summary"), {"days": 30, "marketplace": "ALL"})
