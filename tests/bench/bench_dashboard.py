"""Benchmark: dashboard latency on the large dataset, on PostgreSQL.

Target (sales dashboard): p95 under 100 ms for each of the four dashboard endpoints,
for 30 and 365 days, under 8 concurrent clients; `/api/health` measured beside them;
and the time a whole rebuild of the daily rollup takes.

Steps:
1. the database `sellerhub_bench_large` on BENCH_POSTGRES: reused when it already holds
   the large dataset (seeding takes a long while), else created, migrated and seeded
   with `seed_demo --scale large` (about 2,000 products, 5 marketplaces, 3 years, about
   3 million order items); `--reseed` starts it afresh, `--drop` removes it at the end;
2. `rebuild_rollup --yes` over all of it, timed (skip with `--no-rebuild`; a reused
   database is migrated first, and needs the rebuild when the rollup's tables changed);
3. gunicorn (3 workers, as the Docker image) serves the app on a free local port with
   the Redis cache. For each endpoint and period, 8 client threads ask it over and over
   with a partner's API token, each also asking /api/health after every answer. Twice:
   with the dashboard cache off (every answer computed: the cold figure, what a reader
   of a view nobody has asked for since the last sync sees) and on, after the warm-up
   the product runs after every sync (`orders.dashboard.warm`: the most-read views
   computed into the cache; the warm figure). The clients run on the same machine as
   the server and the database, so they take CPU from both.

Figures are printed with whether each target is met; nothing is asserted.

    .venv/bin/python tests/bench/bench_dashboard.py [--requests N] [--reseed] [--drop]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

NAME = "sellerhub_bench_large"
TARGET_P95_MS = 100
CLIENTS = 8
WORKERS = 3
REDIS_DB = "redis://127.0.0.1:6379/14"
ENDPOINTS = ["summary", "timeseries", "top-products", "marketplaces"]


def database_ready(server) -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{server}/{NAME}") as conn:
            rows = conn.execute(
                "SELECT count(*) FROM catalog_product WHERE sku LIKE 'LGP-%%'"
            ).fetchone()[0]
            items = conn.execute("SELECT count(*) FROM orders_orderitem").fetchone()[0]
            return rows >= 2000 and items > 1_000_000
    except psycopg.Error:
        return False


def recreate(server):
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(NAME))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(NAME)))


def prepare(server, reseed=False) -> str:
    """The large dataset's database, seeded when missing (or asked), else migrated."""
    database_url = f"{server}/{NAME}"
    if reseed or not database_ready(server):
        print(f"seeding {NAME} (seed_demo --scale large; this takes a long while)")
        recreate(server)
        manage(database_url, "migrate", "--verbosity", "0")
        seconds = manage(database_url, "seed_demo", "--scale", "large")
        print(f"seeded in {seconds / 60:.1f} min")
    else:
        print(f"reusing {NAME} (--reseed to seed it afresh)")
        manage(database_url, "migrate", "--verbosity", "0")
    return database_url


def manage(database_url, *args, env=None):
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
        check=True,
    )
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(database_url, cache_seconds):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_DB,
        "DASHBOARD_CACHE_SECONDS": str(cache_seconds),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "bench-" + "x" * 50,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    import requests

    for _ in range(200):
        try:
            if requests.get(f"{base}/api/health", timeout=1).status_code in (200, 503):
                return process, base
        except requests.RequestException:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def token(base) -> str:
    import requests

    response = requests.post(
        f"{base}/api/auth/token",
        json={"email": "partner@example.com", "password": "seller-hub-partner"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["token"]


DASHBOARD_TARGETS = [
    (name, days, f"/api/dashboard/{name}?days={days}&marketplace=ALL")
    for days in (30, 365)
    for name in ENDPOINTS
]


def hammer(base, key, requests_per_client, targets=None):
    """For each (name, days, path) target in turn (the dashboard's four endpoints by
    default): 8 clients ask it `requests_per_client` times each, every client also asking
    /api/health after each answer (the health figures sit beside each endpoint's).
    Latencies in ms per (name, days)."""
    import requests

    samples = {}
    errors = []
    lock = threading.Lock()

    def client(url, health_key, key_):
        session = requests.Session()
        session.headers["Authorization"] = f"Token {key}"
        for _ in range(requests_per_client):
            for name, target in ((key_, url), (health_key, f"{base}/api/health")):
                started = time.perf_counter()
                response = session.get(target, timeout=60)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if response.status_code != 200:
                        errors.append(f"{target}: {response.status_code}")
                    samples.setdefault(name, []).append(elapsed)

    for name, days, path in targets or DASHBOARD_TARGETS:
        url = base + path
        threads = [
            threading.Thread(target=client, args=(url, ("health", days), (name, days)))
            for _ in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return samples, errors


def warm_up(database_url):
    """What the product does after every sync: the most-read views computed into the
    cache (orders.dashboard.warm), here with the served app's Redis cache."""
    env = {"REDIS_URL": REDIS_DB, "DASHBOARD_CACHE_SECONDS": "3600", "DEBUG": "false",
           "SECRET_KEY": "bench-" + "x" * 50}  # fmt: skip
    code = "from orders import dashboard; print(dashboard.warm(), 'views warmed')"
    return manage(database_url, "shell", "-c", code, env=env)


def measure(database_url, requests_per_client, targets=None):
    """Cold (cache off: every answer computed) then warm (cache on, after the warm-up
    a sync triggers): {label: samples}, and the failed requests."""
    import redis

    results, failures = {}, []
    for label, cache_seconds in (("cache off (cold)", 0), ("cache on, warmed (warm)", 3600)):
        redis.Redis.from_url(REDIS_DB).flushdb()
        process, base = serve(database_url, cache_seconds)
        try:
            if cache_seconds:
                seconds = warm_up(database_url)
                print(f"warm-up    the views a sync warms: {seconds:.0f} s")
            key = token(base)
            chosen = (
                [(n, d, url.replace("{base}", base)) for n, d, url in targets] if targets else None
            )
            samples, errors = hammer(base, key, requests_per_client, chosen)
        finally:
            process.terminate()
            process.wait(timeout=30)
        results[label] = samples
        failures += errors
    return results, failures


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(label, samples):
    print(f"{label}")
    print(f"  {'endpoint':<14}{'days':>5}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}  target")
    worst = 0.0
    for (name, days), values in sorted(samples.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        ok = "-" if name == "health" else ("met" if p95 < TARGET_P95_MS else "NOT met")
        if name != "health":
            worst = max(worst, p95)
        print(f"  {name:<14}{days or '':>5}{len(values):>6}{p50:>9.1f}{p95:>9.1f}  {ok}")
    return worst


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=15, help="requests per client (15)")
    parser.add_argument("--reseed", action="store_true", help="seed the dataset afresh")
    parser.add_argument("--no-rebuild", action="store_true", help="skip timing a rebuild")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument(
        "--server", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    )
    args = parser.parse_args(argv)
    server = args.server.rstrip("/")
    database_url = f"{server}/{NAME}"
    try:
        import redis

        redis.Redis.from_url(REDIS_DB).ping()
    except Exception as exc:  # any failure: no Redis to measure with
        print(f"Redis at {REDIS_DB} is needed for the cache: {exc}")
        return 1

    prepare(server, args.reseed)
    import psycopg

    with psycopg.connect(database_url) as conn:
        items = conn.execute("SELECT count(*) FROM orders_orderitem").fetchone()[0]
        orders = conn.execute("SELECT count(*) FROM orders_order").fetchone()[0]
        listings = conn.execute("SELECT count(*) FROM catalog_listing").fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM orders_dailysales").fetchone()[0]
        version = conn.execute("SHOW server_version").fetchone()[0]
    print(
        f"dataset    PostgreSQL {version}: {orders:,} orders, {items:,} order items, "
        f"{listings:,} listings, {rows:,} rollup rows"
    )
    if not args.no_rebuild:
        seconds = manage(database_url, "rebuild_rollup", "--yes", "--verbosity", "0")
        print(f"rebuild    the whole rollup (rebuild_rollup --yes): {seconds:.0f} s")

    worst = {}
    results, errors = measure(database_url, args.requests)
    for label, samples in results.items():
        worst[label] = report(f"latency, {CLIENTS} concurrent clients, {label}", samples)
    if errors:
        print(f"  {len(errors)} failed requests, e.g. {errors[0]}")
    print("targets")
    for label, value in worst.items():
        verdict = "met" if value < TARGET_P95_MS else "NOT met"
        target = f"p95 < {TARGET_P95_MS} ms on every dashboard endpoint"
        print(f"  {target}, {label}: worst {value:.0f} ms -> {verdict}")
    if args.drop:
        import psycopg
        from psycopg import sql

        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(NAME))
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
