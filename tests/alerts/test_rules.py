"""Each alert rule fires on a crafted case and stays quiet just under its threshold;
events dedupe across runs, resolve by themselves, and reopen when an acknowledged one
gets worse."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from alerts import services
from alerts.models import AlertEvent, AlertSettings, AlertStatus, Severity
from catalog.filters import today_in
from catalog.models import InventoryLevel, Location, ObservedSku, SkuSource, StockDay
from orders.models import DailySales, SpApiConnection, SyncRun, SyncSource, SyncStatus
from tests.factories import ListingFactory, ProductFactory, SkuCostFactory
from tests.forecasting.conftest import flat

pytestmark = pytest.mark.django_db


def events(rule=None, status=None):
    rows = AlertEvent.objects.all()
    if rule:
        rows = rows.filter(rule=rule)
    if status:
        rows = rows.filter(status=status)
    return {e.key: e for e in rows}


@pytest.fixture
def watched(marketplaces):
    """Alerts watch the US only (fewer marketplaces to read)."""
    row = AlertSettings.load()
    row.marketplaces.set([marketplaces["US"]])
    return marketplaces["US"]


@pytest.fixture
def mug(watched):
    """2 a day, lead time 10 + 30 + 10 = 50 days by default, a cost."""
    listing = ListingFactory(
        seller_sku="MUG", product=ProductFactory(sku="P-MUG", title="Mug", case_pack=1)
    )
    SkuCostFactory(product=listing.product, unit_cost=3, effective_from=dt.date(2020, 1, 1))
    flat(listing, 2, today_in(watched))
    return listing


def set_stock(listing, available):
    InventoryLevel.objects.update_or_create(
        listing=listing,
        location=Location.FBA,
        defaults={"available": available, "as_of": timezone.now()},
    )


def test_stock_cover_thresholds(mug):
    # 2/day: 13 on hand cover 6 days (critical under 7), 14 cover 7 (warning under 14),
    # 28 cover 14: quiet.
    set_stock(mug, 13)
    services.alerts_evaluate()
    event = events("stock")[f"stock:{mug.pk}"]
    assert event.severity == Severity.CRITICAL
    assert event.numbers["days_of_cover"] == 6
    assert event.message.startswith("MUG (Mug) on US: 6 day(s) of cover left")
    assert event.numbers["link"] == f"/restock/?marketplace=US#listing-{mug.pk}"
    set_stock(mug, 14)
    services.alerts_evaluate()
    assert events("stock")[f"stock:{mug.pk}"].severity == Severity.WARNING
    set_stock(mug, 28)
    services.alerts_evaluate()
    assert events("stock", AlertStatus.RESOLVED).keys() == {f"stock:{mug.pk}"}
    assert not events("stock", AlertStatus.OPEN)


def test_reorder_dates(mug, settings):
    settings.RESTOCK_TRANSIT_DAYS = 0
    settings.RESTOCK_RECEIVING_DAYS = 10  # lead time 10 days
    settings.RESTOCK_REVIEW_DAYS = 5
    set_stock(mug, 30)  # empty from day 15: order by day 5, within the review period
    services.alerts_evaluate()
    event = events("reorder")[f"reorder:{mug.pk}"]
    assert event.severity == Severity.INFO
    assert "reorder soon: order by" in event.message
    set_stock(mug, 14)  # empty from day 7: order-by passed 3 days ago
    services.alerts_evaluate()
    event = events("reorder")[f"reorder:{mug.pk}"]
    assert event.severity == Severity.CRITICAL
    assert event.numbers["days_late"] == 3
    assert "passed 3 day(s) ago; suggested 16 units (48.00 USD); lead time 10 days." in (
        event.message
    )
    # 200 more on the way, sellable on day 14: enough, but a week after the stock-out.
    # Nothing to order (no order lands sooner): the reorder alert clears, the stock alert
    # says what is coming.
    InventoryLevel.objects.filter(listing=mug).update(inbound_shipped=200)
    services.alerts_evaluate()
    assert not events("reorder", AlertStatus.OPEN)
    assert "(14 on hand, 200 inbound, 0 on order)" in events("stock")[f"stock:{mug.pk}"].message
    InventoryLevel.objects.filter(listing=mug).update(inbound_shipped=0)
    set_stock(mug, 60)  # empty from day 30: order by day 20, beyond the review: quiet
    services.alerts_evaluate()
    assert not events("reorder", AlertStatus.OPEN)


def test_stale_and_failing_syncs(watched, settings):
    SpApiConnection.objects.create(region="NA", active=True)
    row = AlertSettings.load()
    row.stale_hours = {"orders": 2}
    row.failing_runs = 3
    row.save()
    now = timezone.now()

    def run(status, hours_ago):
        SyncRun.objects.create(
            source=SyncSource.ORDERS,
            region="NA",
            status=status,
            error="HTTP 403 Unauthorized" if status == SyncStatus.FAILED else "",
            finished_at=now - dt.timedelta(hours=hours_ago),
        )

    run(SyncStatus.SUCCESS, 1.9)
    services.alerts_evaluate(now=now)
    assert not events("sync")  # 1.9 h under the 2 h threshold
    run(SyncStatus.FAILED, 1)
    run(SyncStatus.FAILED, 0.5)
    services.alerts_evaluate(now=now + dt.timedelta(hours=0.2))
    stale = events("sync")["stale:orders"]
    assert stale.severity == Severity.WARNING  # 2.1 h: over 2, under 3 × 2
    assert "last successful sync 2.1 hours ago (threshold 2 h)" in stale.message
    assert "failing:orders" not in events("sync")  # two failures in a row, not three
    run(SyncStatus.FAILED, 0.1)
    services.alerts_evaluate(now=now + dt.timedelta(hours=0.2))
    failing = events("sync")["failing:orders"]
    assert failing.severity == Severity.CRITICAL
    assert "the last 3 runs failed; the latest: HTTP 403 Unauthorized" in failing.message


def test_sales_anomaly_against_the_forecast_band(mug, watched):
    today = today_in(watched)
    yesterday = today - dt.timedelta(days=1)
    # The forecast made before yesterday: 20/day, 95% band 12..28 (± 2 × 4).
    older = flat(mug, 20, yesterday - dt.timedelta(days=3), spread=4)
    older.latest = False
    older.save()

    def sold(units):
        DailySales.objects.update_or_create(
            date=yesterday,
            marketplace=watched,
            seller_sku="MUG",
            defaults={"listing": mug, "product": mug.product, "currency": "USD", "units": units},
        )

    sold(12)  # on the band's edge: quiet
    services.alerts_evaluate()
    assert not events("anomaly")
    sold(11)
    services.alerts_evaluate()
    event = events("anomaly")[f"anomaly:{mug.pk}"]
    assert event.severity == Severity.WARNING
    assert event.message == (
        f"MUG on US sold 11 on {yesterday}, below its 95% forecast band 12.0–28.0 "
        "(forecast 20.0): check the listing is live and holds the buy box."
    )
    sold(29)
    services.alerts_evaluate()
    assert events("anomaly")[f"anomaly:{mug.pk}"].severity == Severity.INFO
    # Out of stock yesterday: the stock rule's business, not an anomaly.
    StockDay.objects.create(listing=mug, date=yesterday, available=0)
    sold(0)
    services.alerts_evaluate()
    assert not events("anomaly", AlertStatus.OPEN)


def test_missing_data(watched, marketplaces):
    ListingFactory(seller_sku="KNOWN", product=ProductFactory(sku="P-KNOWN"))
    ObservedSku.objects.create(marketplace=watched, seller_sku="KNOWN", source=SkuSource.ORDERS)
    ObservedSku.objects.create(marketplace=watched, seller_sku="STRAY", source=SkuSource.ORDERS)
    ObservedSku.objects.create(
        marketplace=marketplaces["UK"], seller_sku="ELSEWHERE", source=SkuSource.ORDERS
    )
    services.alerts_evaluate()
    found = events("missing")
    assert f"unmapped:{watched.pk}:STRAY" in found
    assert not any("ELSEWHERE" in key for key in found)  # the UK is not watched
    assert "P-KNOWN (Product" in found[next(k for k in found if k.startswith("no_cost:"))].message


def test_dedupe_acknowledge_worsen_and_email(
    mug, owner, partner, settings, django_capture_on_commit_callbacks
):
    # No lead time: the reorder rule stays at "soon" (info) and out of the e-mails.
    settings.RESTOCK_TRANSIT_DAYS = settings.RESTOCK_RECEIVING_DAYS = 0
    settings.RESTOCK_REVIEW_DAYS = 5
    set_stock(mug, 26)  # 13 days: warning
    with django_capture_on_commit_callbacks(execute=True):
        first = services.alerts_evaluate()
    assert first["opened"] >= 1
    again = services.alerts_evaluate()
    assert again["opened"] == 0
    assert AlertEvent.objects.filter(key=f"stock:{mug.pk}").count() == 1
    event = AlertEvent.objects.get(key=f"stock:{mug.pk}")
    assert mail.outbox == []  # a warning waits for the digest
    assert services.alerts_acknowledge(actor=owner, ids=[event.pk]) == 1
    set_stock(mug, 24)  # 12 days: a day less, still a warning: stays quiet
    services.alerts_evaluate()
    event.refresh_from_db()
    assert (event.status, event.numbers["days_of_cover"]) == (AlertStatus.ACKNOWLEDGED, 12)
    set_stock(mug, 10)  # 5 days: critical now: reopened, e-mailed at once
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_evaluate()
    event.refresh_from_db()
    assert (event.status, event.severity) == (AlertStatus.OPEN, Severity.CRITICAL)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [owner.email]  # owners by default; partners when they choose
    assert message.subject == "[Seller Hub] Critical: US MUG"
    assert "MUG (Mug) on US: 5 day(s) of cover left" in message.body
    assert f"http://127.0.0.1:8000/restock/?marketplace=US#listing-{mug.pk}" in message.body
    assert message.alternatives[0][1] == "text/html"
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_evaluate()
    assert len(mail.outbox) == 1  # never the same alert twice
