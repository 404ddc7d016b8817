import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from orders import history as history_module
from orders import traffic
from orders.models import ReportRequest, SyncStatus, TrafficDaily
from tests.orders.conftest import set_faults

LA = ZoneInfo("America/Los_Angeles")


def rows():
    return sorted(
        TrafficDaily.objects.values_list(
            "marketplace__code",
            "date",
            "child_asin",
            "sessions",
            "page_views",
            "buy_box_percentage",
            "unit_session_percentage",
            "units_ordered",
            "total_order_items",
            "ordered_sales",
            "currency",
        )
    )


def run_traffic(shop, make_client, **kwargs):
    return traffic.sync_traffic(
        shop.connection,
        client=shop.client(make_client),
        now=kwargs.pop("now", shop.now),
        poll_seconds=1,
        max_poll_seconds=30,
        **kwargs,
    )


def sold_on(shop, asin, day):
    start = dt.datetime.combine(day, dt.time(), tzinfo=LA)
    end = start + dt.timedelta(days=1)
    units = 0
    for order in shop.history.orders_created(start.astimezone(dt.UTC), end.astimezone(dt.UTC)):
        if order.marketplace != "US" or history_module.state(order, shop.now)[0] == "CANCELLED":
            continue
        units += sum(i.quantity for i in order.items if i.listing.asin == asin)
    return units


def test_one_report_per_local_day_gives_each_child_asins_traffic(shop, make_client):
    run = run_traffic(shop, make_client, days=5)
    assert run.status == SyncStatus.SUCCESS, run.error
    today = shop.now.astimezone(LA).date()
    days = [today - dt.timedelta(days=n) for n in range(5, 0, -1)]
    requests = ReportRequest.objects.filter(report_type="GET_SALES_AND_TRAFFIC_REPORT")
    assert requests.count() == 5 and set(requests.values_list("status", flat=True)) == {"imported"}
    window = requests.order_by("data_start").first()
    assert window.data_start == dt.datetime.combine(days[0], dt.time(), tzinfo=LA)
    assert set(TrafficDaily.objects.values_list("date", flat=True)) == set(days)
    assert TrafficDaily.objects.count() == 15  # three US ASINs a day
    for row in TrafficDaily.objects.all():
        assert row.units_ordered == sold_on(shop, row.child_asin, row.date)
        assert row.sessions >= row.units_ordered and row.page_views >= row.sessions
        assert 88 <= row.buy_box_percentage <= 100
        assert row.currency == "USD"
    kettle = TrafficDaily.objects.filter(child_asin="B0KETTLE01", units_ordered__gt=0).first()
    assert float(kettle.unit_session_percentage) == round(
        100 * kettle.units_ordered / kettle.sessions, 2
    )
    # Every report was asked for with the daily, child-ASIN options.
    assert [r["options"] for r in shop.server.state.reports.values()] == [traffic.OPTIONS] * 5


def test_the_next_day_asks_again_for_the_recent_days_only(shop, make_client):
    run_traffic(shop, make_client, days=5)
    first = rows()
    asked = len(shop.server.state.reports)
    run = run_traffic(shop, make_client, days=5)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert len(shop.server.state.reports) - asked == traffic.RECENT_DAYS
    assert run.inserted == 0 and run.updated == 3 * traffic.RECENT_DAYS
    assert rows() == first


def test_a_fatal_report_is_asked_for_again_later(shop, make_client):
    set_faults(shop.server, createReport=["fatal"])
    run = run_traffic(shop, make_client, days=2)
    assert run.status == SyncStatus.PARTIAL
    assert "ended FATAL" in run.error
    failed = ReportRequest.objects.get(status="failed")
    assert TrafficDaily.objects.count() == 3  # the other day
    later = failed.next_attempt_at + dt.timedelta(minutes=1)
    run = run_traffic(shop, make_client, days=1, now=later)  # the open day is taken along
    assert run.status == SyncStatus.SUCCESS, run.error
    failed.refresh_from_db()
    assert failed.status == "imported"
    assert TrafficDaily.objects.filter(date=traffic.report_day(failed)).count() == 3


def test_an_unreadable_report_is_refused_whole(shop, make_client):
    run_traffic(shop, make_client, days=1)
    before = rows()
    ReportRequest.objects.update(status="planned", report_id="")
    set_faults(shop.server, createReport=["malformed-row"])
    run = run_traffic(shop, make_client, days=1)
    assert run.status == SyncStatus.PARTIAL
    assert "sessions: 'many' is not a count; refused whole" in run.error
    assert rows() == before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["reportSpecification"]["reportOptions"].update(asinGranularity="PARENT"),
            "ASIN granularity is PARENT",
        ),
        (lambda d: d["reportSpecification"].update(dataEndTime="2026-11-20"), "more than one day"),
        (lambda d: d["salesAndTrafficByAsin"][0].update(childAsin=""), "is not an ASIN"),
        (
            lambda d: d["salesAndTrafficByAsin"].append(d["salesAndTrafficByAsin"][0]),
            "appears twice",
        ),
        (
            lambda d: d["salesAndTrafficByAsin"][0]["salesByAsin"].update(unitsOrdered=-2),
            "-2 is not a count",
        ),
    ],
)
def test_traffic_rows_refuse_what_does_not_fit(shop, change, message, marketplaces):
    us = [lst for lst in shop.listings if lst.marketplace == "US"]
    day = dt.date(2026, 11, 18)
    document = history_module.traffic_document(
        shop.history, us[0].marketplace_id, day, LA, shop.now
    )
    assert len(traffic.traffic_rows(document, marketplaces["US"], day)) == 3
    change(document)
    with pytest.raises(traffic.TrafficDataError, match=message):
        traffic.traffic_rows(document, marketplaces["US"], day)
