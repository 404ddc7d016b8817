"""Benchmark: does the restock plan's safety stock deliver the service level it promises?

The restock plan (forecasting/restock.py) covers lead-time demand with its forecast mean
plus a margin for the service level (`cover_margin`: the forecaster's own quantiles of
cumulative errors where it gives them, else z standard deviations of summed demand). A seller
trusts it if, at a 95% service level, demand over the lead time exceeds that cover for
about 5% of SKUs, not 15%.

Steps, on ../shared/datasets/demand-dev.csv with its README's protocol:
1. `score_forecasts.py split` (the last 28 days held out);
2. the production forecaster (forecast_csv's reader, `engine.forecast_many`) on the
   training part;
3. for lead times of 7, 14 and 28 days from the first test day and service levels of 80,
   90, 95 and 99%: the share of SKUs whose actual demand over the lead time stayed within
   the plan's cover (mean total + z * sigma), against the promised level; and the same
   for the forecast mean alone (no safety stock) for comparison. SKUs that sold nothing
   in the 28 training days before the test are left out (nothing would be reordered).

Figures are printed; nothing is asserted. Skips with a reason when ../shared is absent
(fails instead with REQUIRE_SHARED=1).

    .venv/bin/python tests/bench/bench_restock_service.py
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

DATASETS = ROOT.parent / "shared" / "datasets"
LEAD_TIMES = (7, 14, 28)
LEVELS = (0.80, 0.90, 0.95, 0.99)
HORIZON = 28


def main() -> int:
    data = DATASETS / "demand-dev.csv"
    scorer = DATASETS / "score_forecasts.py"
    if not data.exists() or not scorer.exists():
        reason = f"{DATASETS} is absent: the restock service-level benchmark needs demand-dev.csv"
        print(("FAILED: " if os.environ.get("REQUIRE_SHARED") == "1" else "skipped: ") + reason)
        return 1 if os.environ.get("REQUIRE_SHARED") == "1" else 0

    import django

    django.setup()
    from forecasting import engine
    from forecasting.management.commands.forecast_csv import read_sales
    from forecasting.restock import cover_margin, sigma_from_bands

    with tempfile.TemporaryDirectory() as tmp:
        train = Path(tmp) / "train.csv"
        subprocess.run(
            [sys.executable, str(scorer), "split", str(data), "--train-out", str(train)],
            check=True,
            capture_output=True,
        )
        series, stock, _ = read_sales(train)
    started = time.perf_counter()
    forecasts = engine.forecast_many(series, HORIZON, stock=stock, workers=os.cpu_count() or 1)
    seconds = time.perf_counter() - started
    actual = pd.read_csv(data, dtype={"sku": str}, parse_dates=["date"])
    dates = sorted(actual["date"].unique())
    recent = actual[actual["date"].isin(dates[-2 * HORIZON : -HORIZON])]
    recent = recent.groupby("sku")["units"].sum()
    actual = actual[actual["date"].isin(dates[-HORIZON:])]
    actual = actual.pivot(index="sku", columns="date", values="units")
    skus = sorted(set(forecasts) & set(actual.index) & set(recent[recent > 0].index))
    own = sum(getattr(forecasts[s], "cum_quantiles", None) is not None for s in skus)
    y = actual.loc[skus].to_numpy(float)

    def margin(fc, level, lead):
        """The restock plan's own margin above the summed forecast (restock.cover_margin)."""
        bands = (getattr(fc, f) for f in ("mean", "lo80", "hi80", "lo95", "hi95"))
        fc.sigma = sigma_from_bands(*bands)
        return cover_margin(fc, level, lead)[-1]

    print(
        f"forecast   {len(skus)} SKUs that sold in the 28 days before the test, {seconds:.1f} s;"
        f" {own} with the forecaster's own quantiles of cumulative demand"
    )
    print("service level achieved: share of SKUs whose lead-time demand stayed within cover")
    print("  lead time | no safety stock | " + " | ".join(f"{p:.0%} promised" for p in LEVELS))
    for lead in LEAD_TIMES:
        demand = y[:, :lead].sum(axis=1)
        cover = np.array([forecasts[s].mean[:lead].sum() for s in skus])
        cells = [f"{np.mean(demand <= cover + 1e-9):.1%}"]
        for level in LEVELS:
            held = np.array([margin(forecasts[s], level, lead) for s in skus])
            cells.append(f"{np.mean(demand <= cover + held + 1e-9):.1%}")
        print(f"  {lead:>4} days | " + " | ".join(f"{c:>12}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
