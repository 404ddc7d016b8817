"""A sync killed with SIGKILL at any point, then rerun, ends with the rows of a clean run."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection

from orders import sandbox as sandbox_module
from orders.history import OrderHistory
from orders.models import Order, ReportRequest, SpApiConnection, SyncCursor, SyncRun
from tests.orders.conftest import order_rows, shop_listings
from tests.subprocess_django import PROJECT_VARS

pytestmark = pytest.mark.django_db(transaction=True)

# No order after 31 hours ago, so every one is in its final state (orders change for
# 30 hours at most) while the test runs: the sandbox clock is real, as the subprocess
# asks for "now minus two minutes".
LAST = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=31)


@pytest.fixture
def live_shop(marketplaces):
    history = OrderHistory(shop_listings(marketplaces), seed=11, last_created=LAST)
    server = sandbox_module.serve_in_thread("NA", orders=history)
    shop_connection = SpApiConnection.objects.create(
        region="NA",
        lwa_client_id=sandbox_module.CLIENT_ID,
        lwa_client_secret=sandbox_module.CLIENT_SECRET,
        refresh_token=sandbox_module.REFRESH_TOKEN,
    )
    shop_connection.marketplaces.set([marketplaces["US"]])
    yield server
    server.shutdown()
    server.server_close()


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        user = db.get("USER") or "postgres"
        host = db.get("HOST") or "127.0.0.1"
        return f"postgres://{user}@{host}:{db.get('PORT') or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def command(server, *args) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARS}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url(),
        SECRET_KEY=settings.SECRET_KEY,
        FIELD_ENCRYPTION_KEY=settings.FIELD_ENCRYPTION_KEY,
        SPAPI_ENDPOINT=server.url,
        LWA_TOKEN_URL=server.url + "/auth/o2/token",
        SPAPI_REPORT_POLL_SECONDS="0.05",
        ADS_API_ENDPOINT=server.url,
        ADS_TOKEN_URL=server.url + "/auth/o2/token",
        ADS_REPORT_POLL_SECONDS="0.05",
        ADS_BACKFILL_PAUSE_SECONDS="0",
    )
    return subprocess.Popen(
        [sys.executable, "manage.py", *args, "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_when(process, ready, timeout=60):
    """SIGKILL the process once `ready()` is true (or it ended by itself)."""
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if ready():
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.01)
    process.wait(timeout=30)


def finish(process):
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()[-2000:]


def _created_reports(server) -> int:
    return sum(1 for r in server.state.requests if r["operation"] == "createReport")


def forget_everything():
    Order.objects.all().delete()
    ReportRequest.objects.all().delete()
    SyncCursor.objects.all().delete()
    SyncRun.objects.all().delete()


def test_backfill_killed_at_any_point_then_rerun_matches_a_clean_run(live_shop):
    until = (LAST + dt.timedelta(days=1)).date().isoformat()
    args = ["backfill_orders", "--days", "75", "--until", until]
    finish(command(live_shop, *args))
    clean = order_rows()
    assert len(clean[0]) > 1000
    forget_everything()
    asked_before = _created_reports(live_shop)

    # Killed while requesting, while polling, and right after a window was imported.
    kill_when(command(live_shop, *args), lambda: ReportRequest.objects.exists())
    kill_when(
        command(live_shop, *args), lambda: ReportRequest.objects.exclude(report_id="").exists()
    )
    kill_when(
        command(live_shop, *args), lambda: ReportRequest.objects.filter(status="imported").exists()
    )
    kill_when(command(live_shop, *args), lambda: Order.objects.count() > len(clean[0]) // 2)
    finish(command(live_shop, *args))
    assert order_rows() == clean
    # Resumed reports were polled, not requested again: one report per window, plus at
    # most one per kill that struck between Amazon accepting a report and our saving its id.
    kills = 4
    asked = _created_reports(live_shop) - asked_before
    assert ReportRequest.objects.count() <= asked <= ReportRequest.objects.count() + kills


def test_sync_killed_mid_pages_then_rerun_matches_a_clean_run(live_shop):
    # The first sync looks back three days: several pages of 100.
    finish(command(live_shop, "sync_orders"))
    clean = order_rows()
    assert len(clean[0]) > 100  # two pages at least
    forget_everything()

    # Killed at its start, then after its first page committed.
    kill_when(command(live_shop, "sync_orders"), lambda: SyncRun.objects.exists())
    kill_when(command(live_shop, "sync_orders"), lambda: Order.objects.count() >= 100)
    # The watermark only moves with the last page.
    assert not SyncCursor.objects.exists() or Order.objects.count() == len(clean[0])
    finish(command(live_shop, "sync_orders"))
    assert order_rows() == clean


def test_finances_sync_killed_mid_pages_then_rerun_matches_a_clean_run(live_shop):
    from orders.models import FinanceLine
    from tests.orders.test_finances import finance_rows

    # Events keep posting in real time (shipments of the last orders, later refunds):
    # compare what was posted before the clean run started.
    settled = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=3)

    def rows():
        return [row for row in finance_rows() if row[3] <= settled]

    args = ["sync_finances", "--days", "20"]
    finish(command(live_shop, *args))
    clean = rows()
    assert len(clean) > 300  # several pages of 100 events
    FinanceLine.objects.all().delete()
    SyncCursor.objects.all().delete()
    SyncRun.objects.all().delete()

    kill_when(command(live_shop, *args), lambda: SyncRun.objects.exists())
    kill_when(command(live_shop, *args), lambda: FinanceLine.objects.count() >= 100)
    kill_when(command(live_shop, *args), lambda: FinanceLine.objects.count() > len(clean) // 2)
    finish(command(live_shop, *args))
    assert rows() == clean


def test_ads_backfill_killed_at_any_point_then_rerun_matches_a_clean_run(live_shop):
    from ads import sync as ads_sync
    from ads.models import AdsAccount, AdsReport, AdvertisedProductDaily, CampaignDaily

    account = AdsAccount.objects.create(
        region="NA",
        client_id=sandbox_module.CLIENT_ID,
        client_secret=sandbox_module.CLIENT_SECRET,
        refresh_token=sandbox_module.REFRESH_TOKEN,
    )
    from ads.adsapi import AdsClient

    client = AdsClient.for_account(
        account, endpoint=live_shop.url, token_url=live_shop.url + "/auth/o2/token"
    )
    for profile in ads_sync.refresh_profiles(account, client=client):
        profile.selected = True
        profile.save()

    def rows():
        return [
            sorted(
                tuple(v for k, v in r.items() if k not in ("id", "updated_at"))
                for r in model.objects.values()
            )
            for model in (CampaignDaily, AdvertisedProductDaily)
        ]

    args = ["backfill_ads", "--days", "8", "--batch", "2"]
    finish(command(live_shop, *args))
    clean = rows()
    assert len(clean[1]) > 8
    for model in (AdsReport, CampaignDaily, AdvertisedProductDaily, SyncRun):
        model.objects.all().delete()

    # Killed while asking for reports, while waiting for them, and mid-way through.
    kill_when(command(live_shop, *args), lambda: AdsReport.objects.exists())
    kill_when(command(live_shop, *args), lambda: AdsReport.objects.filter(status="completed")
              .exists())  # fmt: skip
    kill_when(command(live_shop, *args), lambda: CampaignDaily.objects.count() > len(clean[0]) // 2)
    finish(command(live_shop, *args))
    assert rows() == clean
