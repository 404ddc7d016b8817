"""Forecast runs over the database: history from the rollup, censoring from the stock
record, stored runs, the forecast endpoints and pages, the command."""

import datetime as dt
import io

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from forecasting import engine, services
from forecasting.models import ForecastRun, RunStatus, SeriesForecast, SeriesKind

pytestmark = pytest.mark.django_db


def test_history_runs_from_the_first_sale_with_the_stock_record(shop):
    history, stock = services.demand_history([shop["steady"], shop["gappy"], shop["idle"]])
    assert set(history) == {shop["steady"].pk, shop["gappy"].pk}  # idle never sold
    gappy = history[shop["gappy"].pk]
    yesterday = shop["today"] - dt.timedelta(days=1)
    assert gappy.index[-1].date() == yesterday
    assert len(gappy) == 140
    seen = stock[shop["gappy"].pk]
    assert int((seen == 0).sum()) == 12  # the outage, as the inventory sync recorded it
    assert int(seen.isna().sum()) == 140 - 12  # other days: stock unknown


def test_a_full_run_stores_every_forecast_and_marks_the_stockout(shop):
    run = services.forecast_compute(workers=1)
    assert run.status == RunStatus.DONE
    assert run.engine_version == engine.ENGINE_VERSION
    assert run.series == 2
    assert sum(run.methods.values()) == 2
    rows = {r.listing_id: r for r in SeriesForecast.objects.latest().filter(kind="listing")}
    assert set(rows) == {shop["steady"].pk, shop["gappy"].pk}
    steady, gappy = rows[shop["steady"].pk], rows[shop["gappy"].pk]
    assert steady.first_day == shop["today"]
    assert len(steady.mean) == 90
    # ~10 a day on average (weekday pattern around it), and bands around the mean.
    assert 8.5 < np.mean(steady.mean[:28]) < 11.5
    assert all(
        lo <= m <= hi for lo, m, hi in zip(steady.lo95, steady.mean, steady.hi95, strict=True)
    )
    assert min(steady.lo95) >= 0
    assert steady.units_30 == pytest.approx(sum(steady.mean[:30]), abs=0.05)
    # The 12 stock-out days are censored, and did not drag the level down.
    assert gappy.censored_days == [d.isoformat() for d in shop["outage"]]
    assert 4.8 < np.mean(gappy.mean[:28]) < 7.2
    assert steady.mase is not None and steady.baseline_mase is not None
    # Totals: the US marketplace's and all marketplaces'.
    totals = SeriesForecast.objects.latest().filter(kind=SeriesKind.TOTAL)
    assert {t.marketplace_id for t in totals} == {shop["us"].pk, None}


def test_a_sku_run_replaces_only_that_forecast(shop):
    first = services.forecast_compute(workers=1)
    second = services.forecast_compute(skus=["GAPPY-1"], workers=1)
    latest = {
        r.listing_id: r.run_id for r in SeriesForecast.objects.latest().filter(kind="listing")
    }
    assert latest == {shop["steady"].pk: first.pk, shop["gappy"].pk: second.pk}
    assert SeriesForecast.objects.latest().filter(kind="total").count() == 2
    assert second.skus == ["GAPPY-1"]


def test_a_failed_run_is_recorded_and_changes_nothing(shop, monkeypatch):
    good = services.forecast_compute(workers=1)

    def broken(*args, **kwargs):
        raise RuntimeError("engine fell over")

    monkeypatch.setattr(engine, "forecast_many", broken)
    with pytest.raises(RuntimeError):
        services.forecast_compute(workers=1)
    failed = ForecastRun.objects.get(status=RunStatus.FAILED)
    assert failed.error == "RuntimeError: engine fell over"
    assert set(SeriesForecast.objects.latest().values_list("run_id", flat=True)) == {good.pk}


def test_old_runs_lose_their_daily_forecasts_but_keep_their_summary(shop, settings):
    settings.FORECAST_KEEP_RUNS = 1
    first = services.forecast_compute(skus=["STEADY-1"], workers=1)
    services.forecast_compute(skus=["GAPPY-1"], workers=1)
    services.forecast_compute(skus=["GAPPY-1"], workers=1)
    # The first run's forecast is still the latest for STEADY-1: it stays.
    assert SeriesForecast.objects.filter(run=first).count() == 1
    assert ForecastRun.objects.filter(status=RunStatus.DONE).count() == 3
    # The middle run's GAPPY-1 forecast was superseded and is beyond the one kept.
    assert SeriesForecast.objects.filter(latest=False).count() == 0


def test_run_forecasts_command(shop):
    out = io.StringIO()
    call_command("run_forecasts", "--workers", "1", "--quiet", stdout=out)
    assert "2 listings (0 low history) with 1 worker(s)" in out.getvalue()
    with pytest.raises(CommandError, match="No listing with seller SKU NOPE"):
        call_command("run_forecasts", "--sku", "NOPE")
    with pytest.raises(CommandError, match="Unknown marketplace"):
        call_command("run_forecasts", "--marketplace", "XX")


def test_forecast_endpoints(shop, partner_client, anon_client):
    empty = partner_client.get("/api/forecast/total").json()  # no run yet
    assert empty["forecast"] is None and empty["reason"].startswith("No forecast")
    services.forecast_compute(workers=1)

    body = partner_client.get("/api/forecast/sku/GAPPY-1?horizon=60").json()
    assert body["listing"] == {
        "marketplace": "US",
        "seller_sku": "GAPPY-1",
        "sku": "P-GAPPY",
        "title": "Gappy lamp",
    }
    assert len(body["forecast"]["dates"]) == 60 == len(body["forecast"]["hi95"])
    assert body["forecast"]["dates"][0] == shop["today"].isoformat()
    assert len(body["history"]["dates"]) == 180
    marked = [
        d for d, c in zip(body["history"]["dates"], body["history"]["censored"], strict=True) if c
    ]
    assert marked == [d.isoformat() for d in shop["outage"]]
    assert body["accuracy"]["baseline"]["method"] == "snaive7"
    assert body["accuracy"]["quality"]["grade"] in {"good", "fair", "poor"}

    total = partner_client.get("/api/forecast/total?marketplace=US&horizon=30").json()
    yesterday = (shop["today"] - dt.timedelta(days=1)).isoformat()
    assert total["history"]["dates"][-1] == yesterday
    day = total["history"]["dates"].index(yesterday)
    assert total["history"]["units"][day] > 0
    assert len(total["forecast"]["mean"]) == 30

    top = partner_client.get("/api/forecast/top-skus?horizon=30&limit=1").json()
    assert [s["seller_sku"] for s in top["skus"]] == ["STEADY-1"]  # ~10/day beats ~6/day

    accuracy = partner_client.get("/api/forecast/accuracy").json()
    assert accuracy["listings"] == 2
    assert sum(accuracy["grades"].values()) == 2
    assert accuracy["forecast"]["wape"] is not None

    for bad in (
        "/api/forecast/total?horizon=45",
        "/api/forecast/total?marketplace=ZZ",
        "/api/forecast/top-skus?limit=0",
        "/api/forecast/top-skus?limit=abc",
    ):
        assert partner_client.get(bad).status_code == 400, bad
    assert partner_client.get("/api/forecast/sku/NOPE").status_code == 404
    idle = partner_client.get("/api/forecast/sku/IDLE-1").json()  # never sold
    assert idle["forecast"] is None and "sold nothing" in idle["reason"]
    assert anon_client.get("/api/forecast/sku/GAPPY-1").status_code == 401


def test_a_sku_on_two_marketplaces_needs_one_named(shop, partner_client, marketplaces):
    from tests.factories import ListingFactory

    ListingFactory(
        seller_sku="STEADY-1", marketplace=marketplaces["CA"], product=shop["steady"].product
    )
    response = partner_client.get("/api/forecast/sku/STEADY-1")
    assert response.status_code == 400
    assert "CA, US" in response.json()["marketplace"][0]


def test_the_nightly_task_and_the_owners_button(shop, owner_client, partner_client, settings):
    from forecasting import tasks

    settings.FORECAST_WORKERS = 1
    assert tasks.forecast_compute_all().startswith("run ")
    assert ForecastRun.objects.get().trigger == "schedule"
    assert partner_client.post("/forecast/run").status_code == 403
    response = owner_client.post("/forecast/run", {"next": "/restock/"})
    assert response.status_code == 302 and response["Location"] == "/restock/"
    # Tests run django-q2 synchronously: the queued run has happened.
    assert ForecastRun.objects.filter(trigger="owner", status=RunStatus.DONE).count() == 1
    page = partner_client.get("/forecast/").content.decode()
    assert "Forecasts made" in page and "STEADY-1" in page
