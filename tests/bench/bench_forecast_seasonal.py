"""Benchmark: forecasts through a yearly season, on the demo shop's own demand process.

The dev data set holds one year, so it cannot show what last year's season is worth. This
bench draws the demo catalog's daily demand (orders.history: the demo's listings, their
rates times `seasonality`: growth, weekday, the Q4 peak, Prime Day, summer goods; Poisson
units, no stock-outs) from 2024-01-01, holds out 28 days after each cut date spread over
a year, forecasts them with the production engine, and scores them with the shared
scorer (`score_forecasts.py`, read from ../shared at run time). Each cut runs twice:
with the yearly candidates offered (what production does when the shop has a year of
history) and without them (engine.YEARLY_WINDOWS emptied), so the figure is what last
year's season adds and nothing else.

    .venv/bin/python tests/bench/bench_forecast_seasonal.py [--seed 42]

Without ../shared/datasets it is skipped with the reason (exit 0), unless REQUIRE_SHARED=1
(exit 1). Figures are printed, never asserted.
"""

import argparse
import datetime as dt
import importlib.util
import os
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

SCORER = ROOT.parent / "shared" / "datasets" / "score_forecasts.py"
START = dt.date(2024, 1, 1)
# the first day held out: spring, summer (Prime Day in mid July), autumn, the Q4 ramp, peak
CUTS = ("2025-03-03", "2025-06-30", "2025-09-15", "2025-11-03", "2025-11-24")
HOLD_OUT = 28


def demand(seed: int, end: dt.date):
    """{seller SKU@marketplace: units per day} from START to `end` (inclusive)."""
    import numpy as np
    import pandas as pd

    from orders import history

    listings = history.demo_listings(seed)
    days = pd.date_range(START, end, freq="D")
    rows = {}
    for listing in listings:
        rate = np.array(
            [listing.demand * history.seasonality(d.date(), listing.category) for d in days]
        )
        rng = np.random.default_rng([seed, zlib.crc32(listing.seller_sku.encode())])
        rows[f"{listing.seller_sku}@{listing.marketplace}"] = rng.poisson(rate).astype(float)
    return pd.DataFrame(rows, index=days).T


def run(wide, scorer, yearly: bool):
    import numpy as np

    from forecasting import engine

    saved = engine.YEARLY_WINDOWS
    if not yearly:
        engine.YEARLY_WINDOWS = ()
    try:
        train = wide.iloc[:, :-HOLD_OUT]
        series = {}
        for sku, row in train.iterrows():
            sold = np.flatnonzero(row.to_numpy() > 0)
            series[sku] = row.iloc[sold[0] :] if len(sold) else row
        forecasts = engine.forecast_many(series, HOLD_OUT, workers=1)
    finally:
        engine.YEARLY_WINDOWS = saved
    table = {
        column: np.array([getattr(forecasts[s], column)[:HOLD_OUT] for s in wide.index])
        for column in ("mean", "lo80", "hi80", "lo95", "hi95")
    }
    result, _ = scorer.evaluate(wide, table, HOLD_OUT)
    methods = {}
    for fc in forecasts.values():
        methods[fc.method] = methods.get(fc.method, 0) + 1
    return result, methods


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if not SCORER.exists():
        reason = f"skipped: {SCORER} is missing (the shared scorer is not in this checkout)"
        print(reason)
        return 1 if os.environ.get("REQUIRE_SHARED") == "1" else 0
    import django

    django.setup()
    spec = importlib.util.spec_from_file_location("score_forecasts", SCORER)
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)

    last = max(dt.date.fromisoformat(c) for c in CUTS) + dt.timedelta(days=HOLD_OUT - 1)
    everything = demand(args.seed, last)
    print(f"demo catalog (seed {args.seed}): {len(everything)} listings, daily demand from {START}")
    header = f"{'held out':24} {'candidates':10} {'MASE':>6} {'WRMSSE':>7} {'Tot28':>6} {'Bias':>7}"
    print(header + f" {'Cov80':>6} {'Cov95':>6}  methods")
    totals = {True: [], False: []}
    for cut in CUTS:
        first = dt.date.fromisoformat(cut)
        end = first + dt.timedelta(days=HOLD_OUT - 1)
        wide = everything.loc[:, : str(end)]
        for yearly in (False, True):
            r, methods = run(wide, scorer, yearly)
            totals[yearly].append(r)
            ranked = sorted(methods.items(), key=lambda kv: -kv[1])[:3]
            top = ", ".join(f"{k} {v}" for k, v in ranked)
            print(
                f"{first} .. {end} {'+ yearly' if yearly else 'no yearly':10} "
                f"{r['MASE_mean']:6.3f} {r['WRMSSE_units']:7.3f} {r['Tot28'] * 100:5.1f}% "
                f"{r['Bias'] * 100:6.1f}% {r['Cov80'] * 100:5.1f}% {r['Cov95'] * 100:5.1f}%  {top}"
            )
    for yearly in (False, True):
        rs = totals[yearly]
        mean = {k: sum(r[k] for r in rs) / len(rs) for k in ("MASE_mean", "WRMSSE_units", "Tot28")}
        bias = sum(abs(r["Bias"]) for r in rs) / len(rs)
        print(
            f"mean of the {len(rs)} cuts, {'+ yearly' if yearly else 'no yearly'}: "
            f"MASE {mean['MASE_mean']:.3f}, WRMSSE {mean['WRMSSE_units']:.3f}, "
            f"Tot28 {mean['Tot28'] * 100:.1f}%, mean |bias| {bias * 100:.1f}%"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
