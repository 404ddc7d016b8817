"""Benchmark: parse + upsert of a generated all-orders report on PostgreSQL.

Targets (orders sync): a 1,000,000-line GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL
report is imported at >= 25,000 rows/s, within 4x of a plain PostgreSQL COPY of the same
lines into a staging table, with a peak memory under 500 MB (the file is streamed).

Steps, each in this run:
1. create a throw-away database `sellerhub_bench_<pid>` on the local server, migrate it,
   seed the marketplaces and catalog listings for the report's SKUs (a few left unmapped);
2. write the report to a temporary file, streaming, from the deterministic demo order
   history (orders.history): ~1.06 lines per order, pending orders without prices at the
   end, titles with tabs and quotes (timed, but not part of any figure);
3. COPY the same file into a temporary table of 32 text columns (the floor: PostgreSQL
   reading the lines, no Python parsing, no upsert);
4. in a child process of its own (so that its peak RSS is the import's alone):
   `import_report(text_lines(file))` inside `transaction.atomic()`, then the same report
   again (idempotent re-run: nothing changes), then a parse-only pass (no database) to
   show how the time splits between Python and PostgreSQL;
5. drop the database.

Figures are printed with whether each target is met; timings are never asserted. The
exit status is non-zero only when the import went wrong (row counts off).

    .venv/bin/python tests/bench/bench_orders_report.py [--lines N]
"""

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import deque
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Targets from the issue.
TARGET_ROWS_PER_SECOND = 25_000
TARGET_COPY_RATIO = 4.0
TARGET_PEAK_MB = 500

SEED = 4242
SKUS = 150
FIRST_DAY = dt.date(2025, 1, 1)
SETTLED = dt.timedelta(hours=31)  # an order never changes 30 h after it was placed
RESULT_MARK = "BENCH_RESULT "


# --- the report -------------------------------------------------------------------------

BRANDS = ["Northwind", "BluePeak", "Casa Verde", "Ridgeline", "Kitchen Pro", "Trailmark"]
GOODS = [
    ("Stainless Steel Water Bottle", "Outdoor"),
    ("Bamboo Cutting Board", "Kitchen"),
    ("Silicone Baking Mat", "Kitchen"),
    ("Camping Lantern", "Outdoor"),
    ("Cast Iron Skillet", "Kitchen"),
    ("Garden Hose Nozzle", "Outdoor"),
    ("Microfiber Towel", "Home"),
    ("LED Desk Lamp", "Home"),
    ("Yoga Mat", "Sports"),
    ("Insulated Lunch Bag", "Home"),
]
VARIANTS = ["Black", "32 oz", "Set of 2", "Large", "Blue, 2-Pack", "12 inch", "Travel Size"]


def bench_listings():
    """~150 US listings with a long-tail demand: about 10,000 report lines a day."""
    from orders.history import HistoryListing

    listings = []
    for n in range(SKUS):
        brand = BRANDS[n % len(BRANDS)]
        name, category = GOODS[(n // len(BRANDS)) % len(GOODS)]
        variant = VARIANTS[n % len(VARIANTS)]
        title = f"{brand} {name}, {variant}"
        if n % 30 == 7:  # quotes: the writer quotes the field, the reader must unquote it
            title = f'{brand} {name} 12" Wide, "Pro" Edition'
        elif n % 30 == 19:  # a tab inside a tab-separated field
            title = f"{brand} {name}\t{variant}"
        listings.append(
            HistoryListing(
                marketplace="US",
                marketplace_id="ATVPDKIKX0DER",
                marketplace_name="Amazon.com",
                currency="USD",
                seller_sku=f"BENCH-{n:04d}",
                asin=f"B0BENCH{n:03d}",
                title=title,
                price=Decimal(f"{7 + (n * 37) % 83}.99"),
                demand=230.0 / (1 + n / 20),
                category=category,
            )
        )
    return listings


def write_report(path: Path, n_lines: int) -> dict:
    """Write exactly `n_lines` data lines (plus the header), oldest order first.

    An order's status depends on the report's moment (`now`), known only when the last
    order is written; orders placed 31 h before the newest one are settled whatever `now`
    is, so only the last 31 h of orders wait in memory.
    """
    from orders.history import REPORT_COLUMNS, OrderHistory, report_rows

    history = OrderHistory(bench_listings(), seed=SEED)
    figures = {"lines": 0, "orders": 0, "pending_lines": 0, "multi_sku_orders": 0}
    waiting = deque()

    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(
            file,
            fieldnames=REPORT_COLUMNS,
            delimiter="\t",
            quotechar='"',
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\n",
        )
        writer.writeheader()

        def write(order, now):
            for row in report_rows(order, now):
                writer.writerow(row)
                figures["pending_lines"] += row["item-price"] == ""

        day = FIRST_DAY
        last = None
        while figures["lines"] < n_lines:
            for order in history.orders_on(day):
                if figures["lines"] + len(order.items) > n_lines:
                    continue  # a two-SKU order would overshoot; a one-line order follows
                figures["lines"] += len(order.items)
                figures["orders"] += 1
                figures["multi_sku_orders"] += len(order.items) > 1
                waiting.append(order)
                last = order
                while waiting[0].created <= order.created - SETTLED:
                    write(waiting.popleft(), order.created)
                if figures["lines"] == n_lines:
                    break
            type(history)._orders_for.cache_clear()  # keep one day of orders, not all
            day += dt.timedelta(days=1)
        now = last.created + dt.timedelta(minutes=1)
        while waiting:
            write(waiting.popleft(), now)
    figures["now"] = now.isoformat()
    figures["first_day"] = FIRST_DAY.isoformat()
    figures["last_day"] = last.created.date().isoformat()
    return figures


# --- database ------------------------------------------------------------------------------


def create_database(server: str, name: str):
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(server: str, name: str):
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def prepare_database():
    """Migrate; seed marketplaces and listings for all but every 25th SKU."""
    from django.core.management import call_command

    from catalog.demo import marketplaces_seed
    from catalog.models import Listing, Marketplace, Product

    call_command("migrate", verbosity=0, interactive=False)
    marketplaces_seed()
    us = Marketplace.objects.get(code="US")
    mapped = [listing for n, listing in enumerate(bench_listings()) if n % 25 != 24]
    products = Product.objects.bulk_create(
        Product(sku=f"P-{listing.seller_sku}", title=listing.title[:300], category="Bench")
        for listing in mapped
    )
    Listing.objects.bulk_create(
        Listing(marketplace=us, seller_sku=listing.seller_sku, product=product, asin=listing.asin)
        for listing, product in zip(mapped, products, strict=True)
    )
    return len(mapped)


def copy_baseline(database_url: str, path: Path) -> dict:
    """COPY the report file, as it is, into a temporary table of 32 text columns."""
    import psycopg
    from psycopg import sql

    from orders.history import REPORT_COLUMNS

    columns = sql.SQL(", ").join(
        sql.SQL("{} text").format(sql.Identifier(name.replace("-", "_"))) for name in REPORT_COLUMNS
    )
    with psycopg.connect(database_url) as conn:
        start = time.perf_counter()
        with conn.cursor() as cursor, path.open("rb") as file:
            cursor.execute(sql.SQL("CREATE TEMPORARY TABLE bench_copy ({})").format(columns))
            copy_sql = "COPY bench_copy FROM STDIN (FORMAT csv, DELIMITER E'\\t', HEADER true)"
            with cursor.copy(copy_sql) as copy:
                while chunk := file.read(1 << 20):
                    copy.write(chunk)
        conn.commit()
        seconds = time.perf_counter() - start
        rows = conn.execute("SELECT count(*) FROM bench_copy").fetchone()[0]
        version = conn.execute("SHOW server_version").fetchone()[0]
    return {"seconds": seconds, "rows": rows, "server_version": version}


# --- the import, in a process of its own ----------------------------------------------


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024  # bytes / KB


def import_child(path: Path, now: dt.datetime) -> dict:
    """Runs in the child: the measured import, the re-run, a parse-only pass."""
    import django

    django.setup()
    from django.db import transaction

    from orders.ingest import Marketplaces, import_report, report_order_lines, text_lines
    from orders.models import Order, OrderItem

    result = {"rss_before_mb": peak_rss_mb(), "runs": []}
    for _ in range(2):
        start = time.perf_counter()
        with path.open("rb") as file, transaction.atomic():
            stats = import_report(text_lines(file), now=now)
        seconds = time.perf_counter() - start
        result["runs"].append(
            {
                "seconds": seconds,
                "peak_rss_mb": peak_rss_mb(),
                "lines": stats.lines,
                "orders_seen": stats.orders,
                "inserted": stats.inserted,
                "updated": stats.updated,
                "unchanged": stats.unchanged,
                "estimated": stats.estimated,
                "unmapped": len(stats.unmapped),
                "order_rows": Order.objects.count(),
                "item_rows": OrderItem.objects.count(),
                "estimated_rows": OrderItem.objects.filter(is_estimated=True).count(),
                "mapped_rows": OrderItem.objects.filter(listing__isnull=False).count(),
            }
        )
    start = time.perf_counter()
    parsed = 0
    with path.open("rb") as file:
        for lines in report_order_lines(text_lines(file), Marketplaces()):
            parsed += len(lines)
    result["parse_only"] = {"seconds": time.perf_counter() - start, "lines": parsed}
    return result


def run_import_child(database_url: str, path: Path, now: str) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(path), "--now", now]
    completed = subprocess.run(
        command,
        env={**os.environ, "DATABASE_URL": database_url},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])
        print(line)
    raise RuntimeError(f"the import process failed (exit status {completed.returncode})")


# --- the run ------------------------------------------------------------------------------


def run(n_lines: int, server: str) -> int:
    name = f"sellerhub_bench_{os.getpid()}"
    database_url = f"{server}/{name}"
    os.environ["DATABASE_URL"] = database_url  # read by config.settings at django.setup()
    import psycopg

    try:
        create_database(server, name)
    except psycopg.OperationalError as exc:
        print(f"cannot create database {name} on {server}: {exc}".strip())
        return 1
    try:
        with tempfile.TemporaryDirectory(prefix="sellerhub_bench_") as workdir:
            return measure(n_lines, database_url, Path(workdir) / "all_orders_report.tsv")
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(server, name)


def measure(n_lines: int, database_url: str, path: Path) -> int:
    import django

    django.setup()
    start = time.perf_counter()
    mapped = prepare_database()
    setup_seconds = time.perf_counter() - start

    start = time.perf_counter()
    report = write_report(path, n_lines)
    generate_seconds = time.perf_counter() - start
    size_mb = path.stat().st_size / 1e6

    copy = copy_baseline(database_url, path)
    child = run_import_child(database_url, path, report["now"])
    first, second = child["runs"]
    lines = report["lines"]
    rows_per_second = lines / first["seconds"]
    ratio = first["seconds"] / copy["seconds"]
    peak = first["peak_rss_mb"]

    def n(value):
        return f"{value:,}"

    print(
        f"PostgreSQL {copy['server_version']}, Python {platform.python_version()}, "
        f"database {database_url.rsplit('/', 1)[1]} (dropped at the end)"
    )
    print(f"setup      migrate + {SKUS} SKUs ({mapped} mapped to listings): {setup_seconds:.1f} s")
    print(
        f"generate   {n(lines)} data lines, {n(report['orders'])} orders "
        f"({lines / report['orders']:.3f} lines/order, {n(report['multi_sku_orders'])} multi-SKU, "
        f"{n(report['pending_lines'])} pending lines without prices), US, "
        f"{report['first_day']} .. {report['last_day']}: {size_mb:.1f} MB in "
        f"{generate_seconds:.1f} s (not part of the figures)"
    )
    print(
        f"COPY       {n(copy['rows'])} rows into a temporary 32-text-column table: "
        f"{copy['seconds']:.2f} s ({n(round(copy['rows'] / copy['seconds']))} rows/s)"
    )
    print(
        f"import     parse + upsert, one transaction: {first['seconds']:.2f} s = "
        f"{n(round(rows_per_second))} rows/s; {n(first['inserted'])} orders inserted, "
        f"{n(first['estimated'])} pending lines estimated, {first['unmapped']} unmapped SKUs"
    )
    print(
        f"re-run     same report again: {second['seconds']:.2f} s = "
        f"{n(round(lines / second['seconds']))} rows/s; {n(second['inserted'])} inserted, "
        f"{n(second['updated'])} updated, {n(second['unchanged'])} unchanged"
    )
    parse = child["parse_only"]
    print(
        f"parse only (no database, to split the time): {parse['seconds']:.2f} s = "
        f"{n(round(parse['lines'] / parse['seconds']))} rows/s, so about "
        f"{max(first['seconds'] - parse['seconds'], 0):.2f} s of the import is staging + SQL"
    )
    print(
        f"rows       orders_order {n(first['order_rows'])}, orders_orderitem "
        f"{n(first['item_rows'])} ({n(first['mapped_rows'])} mapped, "
        f"{n(first['estimated_rows'])} estimated); after the re-run "
        f"{n(second['order_rows'])} / {n(second['item_rows'])}"
    )
    print(
        f"memory     import process peak RSS {peak:.0f} MB "
        f"(after django.setup {child['rss_before_mb']:.0f} MB; "
        f"with the re-run {second['peak_rss_mb']:.0f} MB)"
    )

    def verdict(ok):
        return "met" if ok else "NOT met"

    print("targets")
    print(
        f"  rows/s >= {n(TARGET_ROWS_PER_SECOND)}: {n(round(rows_per_second))} "
        f"-> {verdict(rows_per_second >= TARGET_ROWS_PER_SECOND)}"
    )
    print(
        f"  import / COPY <= {TARGET_COPY_RATIO:g}x: {first['seconds']:.2f} s / "
        f"{copy['seconds']:.2f} s = {ratio:.1f}x -> {verdict(ratio <= TARGET_COPY_RATIO)}"
    )
    print(f"  peak RSS < {TARGET_PEAK_MB} MB: {peak:.0f} MB -> {verdict(peak < TARGET_PEAK_MB)}")

    problems = []
    if copy["rows"] != lines:
        problems.append(f"COPY loaded {copy['rows']} rows, the report has {lines}")
    for label, result in (("import", first), ("re-run", second)):
        if result["order_rows"] != report["orders"] or result["item_rows"] != lines:
            problems.append(
                f"after the {label}: {result['order_rows']} orders / {result['item_rows']} "
                f"items, expected {report['orders']} / {lines}"
            )
    if first["inserted"] != report["orders"]:
        problems.append(f"import inserted {first['inserted']} orders of {report['orders']}")
    if second["inserted"] or second["updated"]:
        problems.append("the re-run changed orders; it must change nothing")
    if parse["lines"] != lines:
        problems.append(f"parse-only pass read {parse['lines']} lines of {lines}")
    for problem in problems:
        print(f"SANITY CHECK FAILED: {problem}")
    return 1 if problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lines", type=int, default=1_000_000, help="data lines in the report (1,000,000)"
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL without a database name; the user may create databases",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = import_child(args.child, dt.datetime.fromisoformat(args.now))
        print(RESULT_MARK + json.dumps(result), flush=True)
        return 0
    if args.lines < 1:
        parser.error("--lines must be at least 1")
    return run(args.lines, args.server.rstrip("/"))


if __name__ == "__main__":
    sys.exit(main())
