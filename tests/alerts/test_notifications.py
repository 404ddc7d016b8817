"""Ads rules on the hand-computed shop; the digest and summary e-mails; webhook
deliveries with retries against a local server."""

import datetime as dt
import json
import threading
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from alerts import services
from alerts.models import (
    AlertEvent,
    AlertRecipient,
    AlertSettings,
    AlertStatus,
    DeliveryStatus,
    WebhookDelivery,
)
from tests.ads.test_ads_figures import ads_figures_shop  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def watch_us(marketplaces, **values):
    row = AlertSettings.load()
    row.marketplaces.set([marketplaces["US"]])
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    return row


def ads_events():
    return {e.key: e for e in AlertEvent.objects.filter(rule="ads", status=AlertStatus.OPEN)}


def add_ad(day, sku, cost, sales="0"):
    """One more advertised-product row, and the rollup of its day rebuilt."""
    from ads.models import AdsProfile, AdvertisedProductDaily
    from catalog.models import Listing
    from orders import rollup

    profile = AdsProfile.objects.get(profile_id=1)
    AdvertisedProductDaily.objects.create(
        profile=profile, date=day, campaign_id=70, ad_group_id=80, advertised_sku=sku,
        listing=Listing.objects.filter(seller_sku=sku, marketplace__code="US").first(),
        cost=D(cost), clicks=1, sales_7d=D(sales), sales_same_sku_7d=D(sales),
        sales_14d=D(sales), currency="USD",
    )  # fmt: skip
    rollup.rebuild_range(day, day)


def test_acos_above_break_even(
    ads_figures_shop,  # noqa: F811
    marketplaces,
    partner_client,
    django_capture_on_commit_callbacks,
):
    # Now = 14 March (US): the last 2 settled days are 10-11 March. KET-1: 10.00 spent for
    # 29.99 of ad sales, ACOS 33.3%, under its break-even: quiet.
    now = dt.datetime(2026, 3, 14, 20, 0, tzinfo=UTC)
    watch_us(marketplaces, acos_days=2, zero_sales_spend=D("1000"))

    def row():
        body = partner_client.get(
            "/api/ads/attribution/sku-profitability",
            {"marketplace": "US", "start": "2026-03-10", "end": "2026-03-11"},
        ).json()
        return next(r for r in body["rows"] if r["sku"] == "KET-1")

    before = row()
    assert before["acos"] < before["break_even_acos"]
    services.alerts_evaluate(now=now)
    assert "acos:US:KET-1" not in ads_events()
    # 1.00 more spend on the 11th: 11.00 / 29.99 = 36.7%, now above break-even.
    with django_capture_on_commit_callbacks(execute=True):  # new figures: a new generation
        add_ad(dt.date(2026, 3, 11), "KET-1", "1.00")
    after = row()
    assert after["acos"] == pytest.approx(11 / 29.99, abs=1e-4)
    assert after["acos"] > after["break_even_acos"] == before["break_even_acos"]
    services.alerts_evaluate(now=now)
    event = ads_events()["acos:US:KET-1"]
    assert event.numbers["acos"] == after["acos"]
    assert event.numbers["break_even_acos"] == after["break_even_acos"]
    assert event.numbers["period"] == "2026-03-10 – 2026-03-11"
    assert event.message.startswith(
        f"KET-1 on US: ACOS 37% above its break-even {after['break_even_acos']:.0%}"
    )


def test_spend_without_sales(ads_figures_shop, marketplaces):  # noqa: F811
    # Now = 15 March: the last settled day is the 12th: GHOST-9 spent 2.00, sold nothing.
    now = dt.datetime(2026, 3, 15, 20, 0, tzinfo=UTC)
    watch_us(marketplaces, acos_days=1, zero_sales_spend=D("2.01"))
    services.alerts_evaluate(now=now)
    assert "waste:US:GHOST-9" not in ads_events()  # 2.00 is under 2.01
    watch_us(marketplaces, acos_days=1, zero_sales_spend=D("2.00"))
    services.alerts_evaluate(now=now)
    event = ads_events()["waste:US:GHOST-9"]
    assert event.message == (
        "GHOST-9 on US: 2.00 of ad spend and no ad sales over 2026-03-12 – 2026-03-12 "
        "(threshold 2.00)."
    )


def test_spend_on_a_sku_about_to_run_out(ads_figures_shop, marketplaces):  # noqa: F811
    from catalog.filters import today_in
    from catalog.models import Listing
    from tests.forecasting.conftest import flat, stock

    now = dt.datetime(2026, 3, 14, 20, 0, tzinfo=UTC)
    watch_us(marketplaces, acos_days=2, zero_sales_spend=D("1000"))
    kettle = Listing.objects.get(seller_sku="KET-1", marketplace__code="US")
    flat(kettle, 5, today_in(marketplaces["US"]))
    stock(kettle, 500)  # 100 days: fine
    services.alerts_evaluate(now=now)
    assert f"ads_stockout:{kettle.pk}" not in ads_events()
    kettle.inventory.update(available=10)  # 2 days, nothing on the way
    services.alerts_evaluate(now=now)
    event = ads_events()[f"ads_stockout:{kettle.pk}"]
    assert "while stock is likely to run out on" in event.message
    assert event.numbers["stockout_probability"] == 1.0


@pytest.fixture
def alerting(marketplaces, owner, partner):
    """A warning and a critical alert on record (a stale source and a failing one)."""
    from orders.models import SpApiConnection, SyncRun, SyncSource, SyncStatus

    watch_us(marketplaces, stale_hours={"orders": 2, "finances": 48}, failing_runs=1)
    SpApiConnection.objects.create(region="NA", active=True)
    now = timezone.now()
    SyncRun.objects.create(
        source=SyncSource.ORDERS, region="NA", status=SyncStatus.SUCCESS,
        finished_at=now - dt.timedelta(hours=3),
    )  # fmt: skip
    SyncRun.objects.create(
        source=SyncSource.FINANCES, region="NA", status=SyncStatus.FAILED, error="HTTP 500",
        finished_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    return now


def test_digest_lists_each_new_alert_once(alerting, owner, partner):
    AlertRecipient.objects.create(user=partner, critical=False, digest=True, summary=False)
    services.alerts_evaluate(now=alerting)
    stale = AlertEvent.objects.get(key="stale:orders")
    assert stale.severity == "warning"
    sent = services.alerts_digest_send()
    # The critical one ("finances failing", and finances never succeeded) went out at once
    # in production (on commit); here they are all new and unsent: the digest takes them.
    assert sent == AlertEvent.objects.filter(status=AlertStatus.OPEN).count()
    message = mail.outbox[-1]
    assert sorted(message.to) == sorted([owner.email, partner.email])
    assert message.subject == f"[Seller Hub] {sent} new alert(s)"
    assert (
        "- Warning: Orders (incremental)\n"
        "  Orders (incremental): last successful sync 3.0 hours ago (threshold 2 h).\n"
        "  http://127.0.0.1:8000/sync/" in message.body
    )
    assert services.alerts_digest_send() == 0  # never twice
    assert len(mail.outbox) == 1


def test_daily_summary_when_turned_on(alerting, owner):
    services.alerts_evaluate(now=alerting)
    assert services.daily_summary_send() is False  # off by default
    row = AlertSettings.load()
    row.email_summary = True
    row.save()
    assert services.daily_summary_send() is False  # nobody chose it yet
    AlertRecipient.objects.create(user=owner, critical=True, digest=True, summary=True)
    assert services.daily_summary_send() is True
    message = mail.outbox[-1]
    assert message.to == [owner.email]
    assert "Units:       0 in 0 orders" in message.body
    assert "Ad spend:    0.0" in message.body
    critical = AlertEvent.objects.filter(status=AlertStatus.OPEN, severity="critical").count()
    assert f"Open alerts: {critical} critical, 1 warning, 0 info" in message.body


class Hook(BaseHTTPRequestHandler):
    answers: list = []
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append(json.loads(body))
        status = Hook.answers.pop(0) if Hook.answers else 200
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"busy")

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    Hook.answers, Hook.received = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_webhook_retries_until_delivered(alerting, hook, django_capture_on_commit_callbacks):
    row = AlertSettings.load()
    row.webhook_url = hook
    row.save()
    Hook.answers = [500, 500, 500]  # the first posts fail
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.alerts_evaluate(now=alerting)
    assert counts["opened"] == AlertEvent.objects.count()
    deliveries = WebhookDelivery.objects.order_by("pk")
    assert deliveries.count() == counts["opened"]
    # Each went once (the queued task ran at once here): the first 3 failed.
    assert [d.attempts for d in deliveries] == [1] * counts["opened"]
    failed = [d for d in deliveries if d.status == DeliveryStatus.PENDING]
    assert len(failed) == 3
    assert failed[0].last_error == "HTTP 500: busy"
    assert failed[0].next_try_at > timezone.now() + dt.timedelta(seconds=50)
    assert services.webhooks_deliver()["sent"] == 0  # not due yet
    later = timezone.now() + dt.timedelta(seconds=61)
    assert services.webhooks_deliver(now=later) == {"sent": 3, "retry": 0, "failed": 0}
    assert not WebhookDelivery.objects.exclude(status=DeliveryStatus.SENT).exists()
    stale = next(p for p in Hook.received if p["alert"]["subject"] == "Orders (incremental)")
    assert stale["text"].startswith(":warning: *Warning* · Orders (incremental)\n")
    assert stale["text"].endswith("<http://127.0.0.1:8000/sync/|Open in Seller Hub>")


def test_a_dead_webhook_never_blocks_evaluation(alerting, django_capture_on_commit_callbacks):
    row = AlertSettings.load()
    row.webhook_url = "http://127.0.0.1:9/nobody-listens"
    row.save()
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.alerts_evaluate(now=alerting)
    assert counts["opened"] >= 2
    delivery = WebhookDelivery.objects.first()
    assert delivery.status == DeliveryStatus.PENDING and "ConnectionError" in delivery.last_error
    now = timezone.now()
    for step in range(len(services.WEBHOOK_BACKOFF)):
        now += dt.timedelta(seconds=services.WEBHOOK_BACKOFF[step] + 1)
        services.webhooks_deliver(now=now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 6)


def test_a_flood_is_one_email_and_a_capped_webhook(
    marketplaces, owner, hook, django_capture_on_commit_callbacks
):
    from catalog.models import ObservedSku, SkuSource
    from orders.models import SpApiConnection

    row = watch_us(marketplaces, webhook_url=hook, stale_hours={"orders": 2, "finances": 48})
    SpApiConnection.objects.create(region="NA", active=True)  # never synced: 2 critical
    for n in range(30):  # 30 warnings
        ObservedSku.objects.create(
            marketplace=marketplaces["US"], seller_sku=f"STRAY-{n:02}", source=SkuSource.ORDERS
        )
    with django_capture_on_commit_callbacks(execute=True):
        counts = services.alerts_evaluate()
    assert counts["opened"] == 32
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Seller Hub] 2 critical alerts"
    assert mail.outbox[0].body.startswith("2 new critical alerts:\n")
    assert row.webhook_url == hook
    assert len(Hook.received) == services.WEBHOOK_BURST + 1
    assert Hook.received[0]["alert"]["severity"] == "critical"
    assert Hook.received[-1]["text"].startswith("…and 12 more new alerts (12 warning)")
