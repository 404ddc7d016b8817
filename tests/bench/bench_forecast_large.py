"""Benchmark: a forecast run (backtest, model choice, forecast) of every listing of the
large dataset, on PostgreSQL, with every core.

Target (forecasting): forecast and backtest every SKU of `seed_demo --scale large`
(about 2,000 products, 3 years) in under 120 seconds on this 2-core machine, with a peak
memory under 2 GB.

Steps:
1. the database `sellerhub_bench_large` (shared with bench_dashboard.py: reused when it
   holds the large dataset, else created, migrated and seeded, which takes a long while);
2. `python manage.py run_forecasts --workers N` in a child process (N = cores), timed
   from the outside, its peak memory the largest resident set of the command and of its
   worker processes (RUSAGE_CHILDREN: the largest child of the bench, which is the
   command or one of its workers, so both are printed from the command's own report);
3. the run's own split (load, fit, store) and the methods chosen.

Figures are printed with whether each target is met; nothing is asserted.

    .venv/bin/python tests/bench/bench_forecast_large.py [--workers N] [--reseed]
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for path in (ROOT, HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import bench_dashboard  # noqa: E402  (the shared large database)

TARGET_SECONDS = 120
TARGET_PEAK_MB = 2048
RESULT_MARK = "BENCH_RESULT "

CHILD = r"""
import json, os, resource, sys, time
import django
django.setup()
from forecasting.models import ForecastRun
from forecasting.services import forecast_compute
started = time.perf_counter()
run = forecast_compute(workers=int(sys.argv[1]), trigger="bench")
wall = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("BENCH_RESULT " + json.dumps({
    "run": run.pk, "series": run.series, "low_history": run.low_history,
    "load": run.seconds_load, "fit": run.seconds_fit, "store": run.seconds_store,
    "wall": wall, "methods": run.methods, "wape": run.wape, "baseline_wape": run.baseline_wape,
    "own_mb": own, "worker_mb": workers, "workers": run.workers,
}))
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--reseed", action="store_true", help="seed the dataset afresh")
    parser.add_argument(
        "--server", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    args = parser.parse_args(argv)
    database_url = bench_dashboard.prepare(args.server.rstrip("/"), args.reseed)

    import psycopg

    with psycopg.connect(database_url) as conn:
        products = conn.execute("SELECT count(*) FROM catalog_product").fetchone()[0]
        listings = conn.execute("SELECT count(*) FROM catalog_listing WHERE active").fetchone()[0]
        days = conn.execute(
            "SELECT count(DISTINCT date), min(date), max(date) FROM orders_dailysales"
        ).fetchone()
        stockouts = conn.execute("SELECT count(*) FROM catalog_stockday").fetchone()[0]
    print(
        f"dataset    {products:,} products, {listings:,} active listings, rollup days "
        f"{days[0]:,} ({days[1]} .. {days[2]}), {stockouts:,} stock-out days on record"
    )

    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(args.workers)],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    outside = time.perf_counter() - started
    marks = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if done.returncode or not marks:
        print(done.stdout[-2000:], done.stderr[-4000:])
        print("the forecast run failed")
        return 1
    result = json.loads(marks[-1][len(RESULT_MARK) :])
    peak = max(result["own_mb"], result["worker_mb"])
    print(
        f"run        {result['series']:,} listings forecast ({result['low_history']:,} low "
        f"history) with {result['workers']} workers"
    )
    print(
        f"time       {result['wall']:.1f} s in the run (load {result['load']:.1f}, fit "
        f"{result['fit']:.1f}, store {result['store']:.1f}); {outside:.1f} s with start-up"
    )
    print(
        f"memory     peak resident {result['own_mb']:.0f} MB (command), "
        f"{result['worker_mb']:.0f} MB (largest worker)"
    )
    print(f"methods    {result['methods']}")
    wape = result["wape"]
    base = result["baseline_wape"]
    if wape is not None and base is not None:
        print(f"accuracy   backtest WAPE {wape:.1%} (weekly naive {base:.1%}), units-weighted")
    per_listing = result["wall"] / max(1, result["series"])
    scaled = per_listing * 2000
    print("targets")
    verdict = "met" if result["wall"] < TARGET_SECONDS else "NOT met"
    print(
        f"  every listing in < {TARGET_SECONDS} s: {result['wall']:.1f} s -> {verdict} "
        f"({per_listing * 1000:.1f} ms per listing; 2,000 listings would take {scaled:.0f} s)"
    )
    verdict = "met" if peak < TARGET_PEAK_MB else "NOT met"
    print(f"  peak memory < {TARGET_PEAK_MB} MB: {peak:.0f} MB -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
