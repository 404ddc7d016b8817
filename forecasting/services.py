"""Forecast runs: demand history from the daily rollup, the engine, the stored forecasts.

The engine (forecasting/engine.py) is pure numpy/pandas/statsmodels and knows nothing
of the database; this module feeds it each listing's units per marketplace-local day
(with the stock history, so days with nothing to sell are censored) and stores what it
returns, one SeriesForecast per listing and run.
"""

import datetime as dt
import logging
import os
import time
from collections import Counter

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from catalog.filters import today_in
from catalog.models import Listing, Marketplace, StockDay
from forecasting import engine
from forecasting.models import ForecastRun, RunStatus, SeriesForecast, SeriesKind
from forecasting.plans import weighted
from orders.models import DailySales, DailyTotals

log = logging.getLogger(__name__)

RECENT_DAYS = 28


def forecast_workers(asked: int | None = None) -> int:
    """Processes for a run: the number asked, else FORECAST_WORKERS, 0 meaning every core."""
    workers = asked if asked is not None else settings.FORECAST_WORKERS
    return workers if workers > 0 else max(1, os.cpu_count() or 1)


def history_end(marketplace: Marketplace) -> dt.date:
    """The last complete marketplace-local day: today is still selling."""
    return today_in(marketplace) - dt.timedelta(days=1)


def _series(start: dt.date, end: dt.date, points: dict) -> pd.Series:
    index = pd.date_range(start, end, freq="D")
    values = np.zeros(len(index))
    for day, units in points.items():
        values[(day - start).days] = units
    return pd.Series(values, index=index, dtype=float)


def _day_offsets(model, field: str, ids, start: dt.date, end: dt.date, extra: str = ""):
    """(listing id, day - start, value) of `model`'s rows in the window as one int array:
    no Python date per row (millions of rows on a large shop). `ids` None: every listing
    (one sequential scan, much faster than an index walk over thousands of listings).
    """
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        offset = "(date - %s::date)"
    else:
        offset = "CAST(julianday(date) - julianday(%s) AS INTEGER)"
    where = "listing_id IS NOT NULL"
    params = [start.isoformat()]
    if ids is not None:
        where = f"listing_id IN ({', '.join(['%s'] * len(ids))})"
        params += list(ids)
    query = (
        f"SELECT listing_id, {offset}, {field} FROM {table} "
        f"WHERE {where} AND date >= %s AND date <= %s{extra}"
    )
    parts = []
    with connection.cursor() as cursor:
        cursor.execute(query, [*params, start, end])
        while rows := cursor.fetchmany(100_000):  # bounded: tuples cost ~100 bytes a row
            parts.append(np.array(rows, dtype=np.int64).reshape(-1, 3))
    return np.concatenate(parts) if parts else np.zeros((0, 3), dtype=np.int64)


def _grouped(rows: np.ndarray) -> dict:
    """{listing id: its rows} for rows of (listing id, day, value)."""
    if not len(rows):
        return {}
    rows = rows[np.argsort(rows[:, 0], kind="stable")]
    ids, starts = np.unique(rows[:, 0], return_index=True)
    return {int(i): part for i, part in zip(ids, np.split(rows, starts[1:]), strict=True)}


# Past this many listings one scan of the whole rollup beats looking each one up.
SCAN_ALL = 300


def demand_history(listings, days: int | None = None):
    """Units per marketplace-local day of each listing, from its first sale within the
    last `days` complete days, and the stock seen on those days (NaN: unknown).

    Returns ({listing id: Series}, {listing id: Series}). Listings that sold nothing in
    the window are left out: there is nothing to forecast from.
    """
    days = days or settings.FORECAST_HISTORY_DAYS
    listings = list(listings)
    if not listings:
        return {}, {}
    windows = {}
    for listing in listings:
        market = listing.marketplace
        if market.pk not in windows:
            end = history_end(market)
            windows[market.pk] = (end - dt.timedelta(days=days - 1), end)
    first_day = min(start for start, _ in windows.values())
    last_day = max(end for _, end in windows.values())
    ids = None if len(listings) > SCAN_ALL else [listing.pk for listing in listings]
    sold = _grouped(_day_offsets(DailySales, "units", ids, first_day, last_day, " AND units > 0"))
    seen = _grouped(_day_offsets(StockDay, "available", ids, first_day, last_day))
    empty = np.zeros((0, 3), dtype=np.int64)
    history, stock = {}, {}
    for listing in listings:
        start, end = windows[listing.marketplace_id]
        low, high = (start - first_day).days, (end - first_day).days
        mine = sold.get(listing.pk, empty)
        mine = mine[(mine[:, 1] >= low) & (mine[:, 1] <= high)]
        if not len(mine):
            continue
        first = int(mine[:, 1].min())
        length = high - first + 1
        units = np.zeros(length)
        units[mine[:, 1] - first] = mine[:, 2]
        index = pd.date_range(first_day + dt.timedelta(days=first), end, freq="D")
        history[listing.pk] = pd.Series(units, index=index)
        known = seen.get(listing.pk, empty)
        known = known[(known[:, 1] >= first) & (known[:, 1] <= high)]
        available = np.full(length, np.nan)
        available[known[:, 1] - first] = known[:, 2]
        stock[listing.pk] = pd.Series(available, index=index)
    return history, stock


def total_history(days: int | None = None) -> dict:
    """Units per day of every marketplace (mapped or not), and of all of them together.

    Keys: marketplace id, and None for all. All-marketplace days add each marketplace's
    local days, as the dashboard does."""
    days = days or settings.FORECAST_HISTORY_DAYS
    totals = {}
    combined = None
    for marketplace in Marketplace.objects.filter(active=True):
        end = history_end(marketplace)
        start = end - dt.timedelta(days=days - 1)
        sold = dict(
            DailyTotals.objects.filter(marketplace=marketplace, date__gte=start, date__lte=end)
            .values_list("date")
            .annotate(units=Sum("units"))
            .values_list("date", "units")
        )
        sold = {day: units for day, units in sold.items() if units}
        if not sold:
            continue
        series = _series(min(sold), end, sold)
        totals[marketplace.pk] = series
        combined = series if combined is None else combined.add(series, fill_value=0)
    if combined is not None and len(totals) > 1:
        # Marketplaces a day ahead (Tokyo) have one more finished day; cut to the common end.
        combined = combined.loc[: min(s.index[-1] for s in totals.values())]
        totals[None] = combined
    elif combined is not None:
        totals[None] = combined
    return totals


def _rounded(values) -> list:
    return [round(float(v), 3) for v in values]


def _row(run, forecast, series: pd.Series, **keys) -> SeriesForecast:
    censored = series.index[np.asarray(forecast.censored, dtype=bool)]
    return SeriesForecast(
        run=run,
        latest=True,
        first_day=(series.index[-1] + pd.Timedelta(days=1)).date(),
        history_days=len(series),
        method=forecast.method,
        demand_class=forecast.demand_class or "",
        low_history=bool(forecast.low_history),
        mean=_rounded(forecast.mean),
        lo80=_rounded(forecast.lo80),
        hi80=_rounded(forecast.hi80),
        lo95=_rounded(forecast.lo95),
        hi95=_rounded(forecast.hi95),
        cum_sigma=_rounded(forecast.cum_sigma) if forecast.cum_sigma is not None else [],
        cum_quantiles=(
            np.round(np.asarray(forecast.cum_quantiles, dtype=float), 4).tolist()
            if forecast.cum_quantiles is not None
            else []
        ),
        cum_scale=forecast.cum_scale,
        censored_days=[day.date().isoformat() for day in censored],
        units_30=round(float(np.sum(forecast.mean[:30])), 3),
        units_60=round(float(np.sum(forecast.mean[:60])), 3),
        units_90=round(float(np.sum(forecast.mean[:90])), 3),
        mase=forecast.mase,
        wape=forecast.wape,
        bias=forecast.bias,
        baseline_mase=forecast.baseline_mase,
        baseline_wape=forecast.baseline_wape,
        baseline_bias=forecast.baseline_bias,
        recent_units=float(series.iloc[-RECENT_DAYS:].sum()),
        candidates=forecast.candidates or {},
        seconds=round(forecast.seconds or 0, 4),
        **keys,
    )


def forecast_compute(
    *, skus=None, marketplace=None, workers=None, trigger="command", progress=None
) -> ForecastRun:
    """Forecast every active listing (or the seller SKUs asked for) and store the run.

    A full run (no SKUs asked) also forecasts each marketplace's total and the total of
    all, and leaves listings that sold nothing in the history window without a forecast.
    A failed run is recorded with its error and changes no forecast.
    """
    workers = forecast_workers(workers)
    horizon = settings.FORECAST_HORIZON
    run = ForecastRun.objects.create(
        engine_version=engine.ENGINE_VERSION,
        horizon=horizon,
        skus=sorted(skus or []),
        workers=workers,
        trigger=trigger,
    )
    try:
        started = time.perf_counter()
        listings = Listing.objects.filter(active=True, marketplace__active=True).select_related(
            "marketplace"
        )
        if skus:
            listings = listings.filter(seller_sku__in=skus)
        if marketplace is not None:
            listings = listings.filter(marketplace=marketplace)
        listings = list(listings)
        history, stock = demand_history(listings)
        full = not skus and marketplace is None
        totals = total_history() if full else {}
        run.seconds_load = time.perf_counter() - started

        started = time.perf_counter()
        results = engine.forecast_many(
            history, horizon, stock=stock, workers=workers, progress=progress
        )
        total_results = engine.forecast_many(totals, horizon, workers=1) if totals else {}
        run.seconds_fit = time.perf_counter() - started

        started = time.perf_counter()
        by_id = {listing.pk: listing for listing in listings}
        rows = [
            _row(
                run,
                forecast,
                history[listing_id],
                kind=SeriesKind.LISTING,
                listing_id=listing_id,
                marketplace_id=by_id[listing_id].marketplace_id,
            )
            for listing_id, forecast in results.items()
        ]
        total_rows = [
            _row(run, forecast, totals[key], kind=SeriesKind.TOTAL, marketplace_id=key)
            for key, forecast in total_results.items()
        ]
        with transaction.atomic():
            earlier = SeriesForecast.objects.filter(latest=True).exclude(run=run)
            if full:
                earlier.update(latest=False)
            else:
                earlier.filter(kind=SeriesKind.LISTING, listing_id__in=list(by_id)).update(
                    latest=False
                )
            SeriesForecast.objects.bulk_create(rows + total_rows, batch_size=500)
            run.series = len(rows)
            run.low_history = sum(1 for r in rows if r.low_history)
            run.methods = dict(Counter(r.method for r in rows).most_common())
            run.wape = weighted(rows, "wape")
            run.baseline_wape = weighted(rows, "baseline_wape")
            run.status = RunStatus.DONE
            run.finished_at = timezone.now()
            run.seconds_store = time.perf_counter() - started
            run.save()
        forecast_prune()
    except Exception as exc:
        run.status = RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        raise
    return run


def forecast_prune(keep: int | None = None) -> int:
    """Drop the daily forecasts of runs older than the newest `keep` finished ones (the
    latest forecast of each series stays, whatever its age). Returns rows deleted."""
    keep = keep if keep is not None else settings.FORECAST_KEEP_RUNS
    recent = ForecastRun.objects.filter(status=RunStatus.DONE).values_list("pk", flat=True)
    kept = list(recent.order_by("-started_at")[:keep])
    deleted, _ = SeriesForecast.objects.filter(latest=False).exclude(run_id__in=kept).delete()
    return deleted
