"""The two-phase Sponsored Products sync against the sandbox (shared/amazon-api/ads-api)."""

import datetime as dt

from ads import sync
from ads.models import (
    AdsProfile,
    AdsReport,
    AdvertisedProductDaily,
    CampaignDaily,
    ReportStatus,
    ReportType,
)
from catalog.models import ObservedSku
from tests.orders.conftest import NOW, set_faults


def collect_until_done(account, client, now=NOW, rounds=5):
    for _ in range(rounds):
        run = sync.collect_reports(account, client=client, now=now)
        if not AdsReport.objects.filter(status=ReportStatus.PENDING).exists():
            return run
    return run


def test_profiles_are_listed_matched_and_keep_their_selection(ads_shop, ads_account, ads_client):
    profile = AdsProfile.objects.get()
    assert (profile.country_code, profile.currency, profile.marketplace.code) == ("US", "USD", "US")
    assert profile.time_zone == "America/Los_Angeles" and profile.selected
    sync.refresh_profiles(ads_account, client=ads_client(), now=NOW)
    assert AdsProfile.objects.get().selected  # a refresh keeps the owner's choice


def test_request_then_collect_stores_every_day_and_type(ads_shop, ads_account, ads_client):
    client = ads_client()
    run = sync.request_reports(ads_account, client=client, now=NOW, days=[1, 2, 3])
    assert run.status == "success", run.error
    assert AdsReport.objects.filter(status=ReportStatus.PENDING).count() == 6  # 3 days x 2 types
    first = sync.collect_reports(ads_account, client=client, now=NOW)
    assert first.status == "success"
    assert AdsReport.objects.filter(status=ReportStatus.PENDING).count() == 6  # PROCESSING
    collect_until_done(ads_account, client)
    assert AdsReport.objects.filter(status=ReportStatus.COMPLETED).count() == 6
    today = dt.date(2026, 11, 20)  # 10:00 in Los Angeles
    days = sorted(set(AdvertisedProductDaily.objects.values_list("date", flat=True)))
    assert days == [today - dt.timedelta(days=n) for n in (3, 2, 1)]
    for day in days:
        products = AdvertisedProductDaily.objects.filter(date=day)
        campaigns = CampaignDaily.objects.filter(date=day)
        assert products.exists() and campaigns.exists()
        assert sum(p.cost for p in products) == sum(c.cost for c in campaigns)
        assert sum(p.sales_7d for p in products) == sum(c.sales_7d for c in campaigns)
    row = AdvertisedProductDaily.objects.filter(advertised_sku="KET-1").first()
    assert row.listing is not None and row.listing.seller_sku == "KET-1"
    assert row.sales_same_sku_7d <= row.sales_7d <= row.sales_14d <= row.sales_30d
    # A SKU advertised but not in the catalog is kept and observed for data health.
    unmapped = AdvertisedProductDaily.objects.filter(listing__isnull=True)
    for sku in set(unmapped.values_list("advertised_sku", flat=True)):
        assert ObservedSku.objects.filter(seller_sku=sku, source="ads").exists()


def test_a_day_asked_again_is_restated_not_doubled(ads_shop, ads_account, ads_client):
    client = ads_client()
    sync.request_reports(ads_account, client=client, now=NOW, days=[1])
    collect_until_done(ads_account, client)
    day = dt.date(2026, 11, 19)
    before = list(AdvertisedProductDaily.objects.filter(date=day).values_list("id", flat=True))
    later = NOW + dt.timedelta(days=10)
    ads_shop.server.state.clock = lambda: later  # attribution has grown since
    sync.request_reports(ads_account, client=client, now=later, days=[11])
    collect_until_done(ads_account, client, now=later)
    after = AdvertisedProductDaily.objects.filter(date=day)
    assert after.count() == len(before)
    assert not after.filter(id__in=before).exists()  # replaced whole
    assert AdsReport.objects.filter(date=day, status=ReportStatus.COMPLETED).count() == 4


def test_a_pending_day_is_not_asked_twice(ads_shop, ads_account, ads_client):
    client = ads_client()
    sync.request_reports(ads_account, client=client, now=NOW, days=[1])
    run = sync.request_reports(ads_account, client=client, now=NOW, days=[1])
    assert run.detail == "0 reports asked for, 2 already pending"
    assert AdsReport.objects.count() == 2


def test_throttled_create_honours_retry_after(ads_shop, ads_account, ads_client, fake_time):
    client = ads_client()
    set_faults(ads_shop.server, createAsyncReport=["429", "503"])
    run = sync.request_reports(
        ads_account, client=client, now=NOW, days=[1], report_types=[ReportType.CAMPAIGNS]
    )
    assert run.status == "success", run.error
    assert fake_time.slept[0] == 1.0  # Retry-After: 1
    assert len(fake_time.slept) == 2 and run.throttled == 1


def test_a_throttled_collect_round_stops_and_the_rest_waits(ads_shop, ads_account, ads_client):
    client = ads_client()
    sync.request_reports(ads_account, client=client, now=NOW, days=[1, 2])
    set_faults(ads_shop.server, getAsyncReport=["ok", "429"])
    run = sync.collect_reports(ads_account, client=client, now=NOW)
    assert run.status == "partial" and "throttled" in run.error
    checked = AdsReport.objects.filter(checked_at__isnull=False).count()
    assert checked == 1
    collect_until_done(ads_account, client)
    assert AdsReport.objects.filter(status=ReportStatus.COMPLETED).count() == 4


def test_failed_report_is_asked_again_then_given_up(ads_shop, ads_account, ads_client, settings):
    settings.ADS_MAX_REPORT_ATTEMPTS = 2
    client = ads_client()
    set_faults(ads_shop.server, createAsyncReport=["failed", "failed"])
    sync.request_reports(
        ads_account, client=client, now=NOW, days=[1], report_types=[ReportType.CAMPAIGNS]
    )
    collect_until_done(ads_account, client)
    reports = list(AdsReport.objects.order_by("requested_at", "id"))
    assert [r.attempt for r in reports] == [1, 2]
    assert reports[0].status == ReportStatus.REPLACED
    assert reports[1].status == ReportStatus.GAVE_UP
    assert "Report generation failed" in reports[1].error
    assert not CampaignDaily.objects.exists()


def test_a_malformed_row_refuses_the_whole_report(ads_shop, ads_account, ads_client):
    client = ads_client()
    set_faults(ads_shop.server, createAsyncReport=["malformed-row"])
    sync.request_reports(
        ads_account,
        client=client,
        now=NOW,
        days=[1],
        report_types=[ReportType.ADVERTISED_PRODUCT],
    )
    run = collect_until_done(ads_account, client)
    first = AdsReport.objects.order_by("id").first()
    assert first.status == ReportStatus.REPLACED and "row 1: date 'not-a-date'" in first.error
    # Asked again in the same round, and the next report was whole.
    assert AdsReport.objects.filter(status=ReportStatus.COMPLETED, attempt=2).count() == 1
    assert AdvertisedProductDaily.objects.exists()
    assert run.status in ("success", "partial")


def test_a_truncated_download_is_not_stored(ads_shop, ads_account, ads_client):
    client = ads_client()
    sync.request_reports(
        ads_account, client=client, now=NOW, days=[1], report_types=[ReportType.CAMPAIGNS]
    )
    set_faults(ads_shop.server, adsReportDownload=["truncated"])
    collect_until_done(ads_account, client)
    first = AdsReport.objects.order_by("id").first()
    assert "UnreadableReport" in first.error
    assert AdsReport.objects.filter(status=ReportStatus.COMPLETED).count() == 1


def test_a_duplicate_request_adopts_the_report_in_progress(ads_shop, ads_account, ads_client):
    client = ads_client()
    profile = AdsProfile.objects.get()
    day = dt.date(2026, 11, 19)
    first = sync.request_report(client, profile, ReportType.CAMPAIGNS, day, now=NOW)
    second = sync.request_report(client, profile, ReportType.CAMPAIGNS, day, now=NOW)
    assert second.report_id == first.report_id
    first.refresh_from_db()
    assert first.status == ReportStatus.REPLACED


def test_entities_are_refreshed(ads_shop, ads_account, ads_client):
    from ads.models import AdGroup, Campaign, Keyword, ProductAd, ProductTarget

    run = sync.refresh_entities(ads_account, client=ads_client(), now=NOW)
    assert run.status == "success", run.error
    assert Campaign.objects.exists() and AdGroup.objects.exists()
    assert ProductAd.objects.filter(sku="KET-1").exists()
    assert ProductTarget.objects.exists()
    assert Keyword.objects.count() == 2 * Campaign.objects.filter(targeting_type="MANUAL").count()
    again = sync.refresh_entities(ads_account, client=ads_client(), now=NOW)
    assert again.status == "success"
    assert Campaign.objects.count() == run.inserted - (
        AdGroup.objects.count() + ProductAd.objects.count() + Keyword.objects.count()
        + ProductTarget.objects.count()
    )  # fmt: skip


def test_backfill_fetches_in_batches_and_skips_complete_days(
    ads_shop, ads_account, ads_client, fake_time
):
    client = ads_client()
    result = sync.backfill(
        ads_account, days=5, batch=2, client=client, now=NOW, poll_seconds=15,
        sleep=fake_time.sleep, clock=fake_time.clock,
    )  # fmt: skip
    assert result["success"], result
    assert [r["status"] for r in result["results"]] == ["success"] * 5
    assert result["summary"]["fetched"] == 5 and result["summary"]["rows"] > 0
    assert 5 in fake_time.slept  # the pause between batches
    days = set(AdvertisedProductDaily.objects.values_list("date", flat=True))
    assert days == {dt.date(2026, 11, 20) - dt.timedelta(days=n) for n in range(1, 6)}
    again = sync.backfill(
        ads_account, days=6, batch=5, client=client, now=NOW,
        sleep=fake_time.sleep, clock=fake_time.clock,
    )  # fmt: skip
    assert again["summary"] == {
        "total": 6, "fetched": 1, "rows": again["summary"]["rows"], "skipped": 5, "errors": 0,
        "timeouts": 0,
    }  # fmt: skip


def test_backfill_reports_errors_and_timeouts_per_date(
    ads_shop, ads_account, ads_client, fake_time
):
    client = ads_client()
    set_faults(ads_shop.server, createAsyncReport=["ok", "failed"])
    result = sync.backfill(
        ads_account, days=1, batch=1, client=client, now=NOW,
        sleep=fake_time.sleep, clock=fake_time.clock,
    )  # fmt: skip
    assert [r["status"] for r in result["results"]] == ["error"]
    assert "Report generation failed" in result["results"][0]["error"]
    ticks = iter(range(0, 10_000, 1000))
    late = sync.backfill(
        ads_account, days=3, batch=1, client=client, now=NOW, deadline_seconds=1500,
        sleep=fake_time.sleep, clock=lambda: next(ticks),
    )  # fmt: skip
    statuses = [r["status"] for r in late["results"]]
    assert statuses.count("timeout") >= 1 and late["summary"]["timeouts"] >= 1


def test_backfill_refuses_days_beyond_amazons_retention(ads_shop, ads_account, ads_client):
    import pytest

    with pytest.raises(ValueError, match="95"):
        sync.backfill(ads_account, days=96, client=ads_client())


def test_a_report_pending_for_rounds_is_left_then_asked_again_when_stale(
    ads_shop, ads_account, ads_client, settings
):
    client = ads_client()
    set_faults(ads_shop.server, createAsyncReport=["stuck"])
    sync.request_reports(
        ads_account, client=client, now=NOW, days=[1], report_types=[ReportType.CAMPAIGNS]
    )
    for hours in (0, 1, 6, 20):  # rounds while Amazon keeps it PROCESSING
        run = sync.collect_reports(ads_account, client=client, now=NOW + dt.timedelta(hours=hours))
        assert run.status == "success", run.error
    (report,) = AdsReport.objects.all()
    assert (report.status, report.amazon_status, report.attempt) == (
        ReportStatus.PENDING, "PROCESSING", 1,
    )  # fmt: skip
    # A day later it is asked for again (the sandbox completes the new one).
    later = NOW + dt.timedelta(hours=settings.ADS_REPORT_STALE_HOURS + 1)
    collect_until_done(ads_account, client, now=later)
    report.refresh_from_db()
    assert report.status == ReportStatus.REPLACED
    assert "not completed" in report.error
    assert AdsReport.objects.get(attempt=2).status == ReportStatus.COMPLETED
    assert CampaignDaily.objects.exists()


def test_a_429_storm_is_waited_out_within_the_bound(ads_shop, ads_account, ads_client, fake_time):
    client = ads_client(max_wait=30)
    set_faults(ads_shop.server, createAsyncReport=["429"] * 8 + ["ok"])
    run = sync.request_reports(
        ads_account, client=client, now=NOW, days=[1], report_types=[ReportType.CAMPAIGNS]
    )
    assert run.status == "success", run.error
    assert run.throttled == 8 and sum(fake_time.slept) == 8.0  # Retry-After: 1, each time
    # A storm longer than the bound fails the run with Amazon's answer, losing nothing:
    # the report already asked for stays pending and is collected later.
    set_faults(ads_shop.server, createAsyncReport=["429-bare"] * 50)
    run = sync.request_reports(
        ads_account, client=client, now=NOW, days=[2], report_types=[ReportType.CAMPAIGNS]
    )
    assert run.status == "failed" and "HTTP 429" in run.error and "gave up" in run.error
    assert AdsReport.objects.filter(status=ReportStatus.PENDING).count() == 1
    set_faults(ads_shop.server, getAsyncReport=["429"] * 3)
    run = sync.collect_reports(ads_account, client=client, now=NOW)
    assert run.status == "partial" and "throttled" in run.error  # stopped, not failed
    collect_until_done(ads_account, client)
    assert AdsReport.objects.filter(status=ReportStatus.COMPLETED).count() == 1


def test_the_sync_page_shows_the_ads_reports(ads_shop, ads_account, ads_client, settings,
                                            partner_client):  # fmt: skip
    from django.urls import reverse

    settings.ADS_MAX_REPORT_ATTEMPTS = 1
    client = ads_client()
    set_faults(ads_shop.server, createAsyncReport=["failed"])
    sync.request_reports(
        ads_account, client=client, now=NOW, days=[1], report_types=[ReportType.CAMPAIGNS]
    )
    collect_until_done(ads_account, client)
    body = partner_client.get(reverse("sync-status-api")).json()
    assert body["ads_reports"]["counts"]["gave_up"] == 1
    (problem,) = body["ads_reports"]["problems"]
    assert problem["status"] == "gave_up" and "Report generation failed" in problem["error"]
    sources = {s["source"]: s for s in body["sources"]}
    assert sources["ads_collect"]["last_run"]["status"] == "partial"
    page = partner_client.get(reverse("sync-status")).content.decode()
    assert "Ads reports" in page and "Report generation failed" in page
