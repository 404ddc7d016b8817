"""Benchmark: the Sponsored Products collect and SKU profitability, on PostgreSQL.

Targets (ads issue): collect of 1,000,000 advertised-product rows from GZIP_JSON at
≥ 30,000 rows/s streaming, under 500 MB peak memory; p95 of
`/api/ads/attribution/sku-profitability` for 30 days at the large scale under 8
concurrent clients under 150 ms.

1. Collect: a database `sellerhub_bench_ads` is created and migrated; a gzip JSON file
   of 1,000,000 rows (the report's columns, 2,000 SKUs, one day) is written and served
   over local HTTP; a fresh process runs the collect phase's own code on it
   (`ads.sync.store_report`: stream-gunzip, parse, validate, COPY, in one transaction)
   and prints rows/s and its peak resident memory. The database is dropped after.
2. SKU profitability: the dashboard benchmark's large dataset (`sellerhub_bench_large`,
   seeded by `bench_dashboard.py` when missing) with 95 days of Sponsored Products added
   once (`ads.large`); gunicorn serves it and 8 clients ask for 30 days, all
   marketplaces and US, cold (cache off) and warm (after the post-sync warm-up).

Figures are printed with whether each target is met; nothing is asserted.

    .venv/bin/python tests/bench/bench_ads.py [--rows N] [--skip-collect] [--skip-latency]
"""

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench import bench_dashboard as dash  # noqa: E402

NAME = "sellerhub_bench_ads"
TARGET_ROWS_PER_S = 30_000
TARGET_MB = 500
TARGET_P95_MS = 150
SKUS = 2000

CHILD = r"""
import datetime as dt, os, resource, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from catalog.demo import marketplaces_seed
from catalog.models import Listing, Marketplace, Product
from ads.adsapi import AdsClient
from ads.models import AdsAccount, AdsProfile, AdsReport, AdvertisedProductDaily
from ads import sync
from django.utils import timezone

url, rows = sys.argv[1], int(sys.argv[2])
marketplaces_seed()
us = Marketplace.objects.get(code="US")
Product.objects.bulk_create(
    [Product(sku=f"BP-{n:05d}", title=f"Bench {n}") for n in range(%(skus)d)]
)
products = {p.sku: p for p in Product.objects.all()}
Listing.objects.bulk_create([
    Listing(marketplace=us, seller_sku=f"BS-{n:05d}", asin=f"B0B{n:07d}",
            product=products[f"BP-{n:05d}"])
    for n in range(%(skus)d)
])
account = AdsAccount.objects.create(
    region="NA", client_id="x", client_secret="s", refresh_token="r"
)
profile = AdsProfile.objects.create(
    account=account, profile_id=1, country_code="US", marketplace=us, currency="USD",
    time_zone="America/Los_Angeles", selected=True,
)
report = AdsReport.objects.create(profile=profile, report_type="spAdvertisedProduct",
                                  date=dt.date(2026, 11, 1), report_id="bench")
client = AdsClient(region="NA", client_id="x", client_secret="s", refresh_token="r",
                   endpoint="http://127.0.0.1:1", token_url="http://127.0.0.1:1/t")
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
stored = sync.store_report(client, report, url, timezone.now())
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
assert stored == rows == AdvertisedProductDaily.objects.count(), (stored, rows)
print(f"{stored} {seconds:.2f} {before:.0f} {peak:.0f}")
"""


def write_report(path: Path, rows: int):
    """The report's columns for `rows` rows of one day: 2,000 SKUs in many ad groups."""
    from ads.sync import COLUMNS

    columns = COLUMNS["spAdvertisedProduct"]
    with gzip.open(path, "wt", compresslevel=6) as out:
        out.write("[")
        for n in range(rows):
            sku = n % SKUS
            group = n // SKUS
            clicks = n % 17
            row = dict.fromkeys(columns, 0)
            row.update(
                date="2026-11-01", campaignId=100_000 + group // 10, adGroupId=500_000 + group,
                adId=900_000_000 + n, advertisedAsin=f"B0B{sku:07d}", advertisedSku=f"BS-{sku:05d}",
                campaignBudgetCurrencyCode="USD", impressions=clicks * 90, clicks=clicks,
                cost=round(clicks * 0.61, 2), purchases7d=int(n % 3 == 0),
                sales7d=24.99 if n % 3 == 0 else 0,
            )  # fmt: skip
            out.write(("," if n else "") + json.dumps(row, separators=(",", ":")))
        out.write("]")


def collect(server: str, rows: int) -> None:
    import psycopg
    from psycopg import sql

    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(NAME))
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(NAME)))
    database_url = f"{server}/{NAME}"
    try:
        dash.manage(database_url, "migrate", "--verbosity", "0")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "report.json.gz"
            started = time.perf_counter()
            write_report(path, rows)
            size = path.stat().st_size / 1e6
            print(f"file       {rows:,} rows, {size:.1f} MB gzip, written in "
                  f"{time.perf_counter() - started:.0f} s")  # fmt: skip

            class Quiet(SimpleHTTPRequestHandler):
                def __init__(self, *args, **kwargs):
                    super().__init__(*args, directory=folder, **kwargs)

                def log_message(self, *args):
                    pass

            httpd = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
            threading.Thread(target=httpd.serve_forever, daemon=True).start()
            url = f"http://127.0.0.1:{httpd.server_address[1]}/report.json.gz"
            out = subprocess.run(
                [sys.executable, "-c", CHILD % {"skus": SKUS}, url, str(rows)],
                cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url},
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            httpd.shutdown()
        if out.returncode != 0:
            print(out.stderr[-3000:])
            raise SystemExit("the collect failed")
        stored, seconds, before, peak = out.stdout.split()[-4:]
        speed = int(stored) / float(seconds)
        ok_speed = "met" if speed >= TARGET_ROWS_PER_S else "NOT met"
        ok_mb = "met" if float(peak) < TARGET_MB else "NOT met"
        print(f"collect    {int(stored):,} rows in {float(seconds):.1f} s: {speed:,.0f} rows/s "
              f"(target >= {TARGET_ROWS_PER_S:,}) -> {ok_speed}")  # fmt: skip
        print(f"memory     peak RSS {float(peak):.0f} MB (before the collect "
              f"{float(before):.0f} MB; target < {TARGET_MB}) -> {ok_mb}")  # fmt: skip
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(drop)


def latency(server: str, requests: int) -> None:
    if not dash.database_ready(server):
        print(f"{dash.NAME} is missing: seeding it (bench_dashboard.py does the same)")
        dash.recreate(server)
        dash.manage(f"{server}/{dash.NAME}", "migrate", "--verbosity", "0")
        dash.manage(f"{server}/{dash.NAME}", "seed_demo", "--scale", "large")
    database_url = f"{server}/{dash.NAME}"
    dash.manage(database_url, "migrate", "--verbosity", "0")
    code = (
        "import sys; from django.core.management.base import OutputWrapper; "
        "from ads import large; large.seed(OutputWrapper(sys.stdout))"
    )
    seconds = dash.manage(database_url, "shell", "-c", code)
    print(f"ads data   95 days of Sponsored Products on the large dataset ({seconds:.0f} s)")
    path = "/api/ads/attribution/sku-profitability?days=30&marketplace={}"
    targets = [("sku-profit ALL", 30, path.format("ALL")), ("sku-profit US", 30, path.format("US"))]
    results, errors = dash.measure(database_url, requests, targets)
    worst = {}
    for label, samples in results.items():
        print(f"latency, {dash.CLIENTS} concurrent clients, {label}")
        print(f"  {'endpoint':<16}{'days':>5}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}  target")
        for (name, days), values in sorted(samples.items()):
            p50, p95 = dash.statistics.median(values), dash.percentile(values, 0.95)
            ok = "-" if name == "health" else ("met" if p95 < TARGET_P95_MS else "NOT met")
            if name != "health":
                worst[label] = max(worst.get(label, 0), p95)
            print(f"  {name:<16}{days:>5}{len(values):>6}{p50:>9.1f}{p95:>9.1f}  {ok}")
    if errors:
        print(f"  {len(errors)} failed requests, e.g. {errors[0]}")
    for label, value in worst.items():
        verdict = "met" if value < TARGET_P95_MS else "NOT met"
        print(f"target     sku-profitability p95 < {TARGET_P95_MS} ms, {label}: "
              f"worst {value:.0f} ms -> {verdict}")  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=15, help="requests per client (15)")
    parser.add_argument("--skip-collect", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument(
        "--server", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    server = args.server.rstrip("/")
    if not args.skip_collect:
        collect(server, args.rows)
    if not args.skip_latency:
        latency(server, args.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
