"""Sales and profit figures for the dashboard, read from the daily rollup only.

Money is in the reporting currency (the rollup's `_rc` columns) unless `local` is
asked for with one marketplace. Definitions:

- revenue = gross sales - promotions (what buyers paid for the goods, before tax);
- fees = referral + FBA + other fees on the period's sales, plus the net fees of the
  period's refunds;
- gross profit = revenue - refunds - fees - COGS (ad spend joins with the Ads issue);
- margin = gross profit / revenue; refund rate = refunded units / units sold.

Nothing unknown is counted as zero. A day of a SKU without a cost, without fees (no
actual fees and no fee rule) or without an FX rate has no profit: totals then carry
`gross_profit: null`, the profit of the rows that are complete (`gross_profit_known`),
the share of revenue those rows cover, and the counts of what is missing.

Reads are cached under a generation number that every rollup rebuild bumps, so a
finished sync shows at once and nothing else recomputes the same figures.
"""

import datetime as dt
import time
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from catalog.filters import ALL, Period
from catalog.models import InventoryLevel, Listing, Location, Marketplace
from orders.models import DailySales, DailyTotals, MonthlySkuTotals

GENERATION_KEY = "dashboard:generation"
LOCK_SECONDS = 30  # the longest one request waits for another computing the same answer
CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=18, decimal_places=4)
ZERO = Value(Decimal(0), output_field=MONEY)
SORTS = {"revenue", "units", "profit", "margin"}
INTERVALS = {"day", "week", "month"}


# --- cache generation ---------------------------------------------------------------------


def generation() -> int:
    return cache.get_or_set(GENERATION_KEY, 1, timeout=None)


WARM_QUEUED_KEY = "dashboard:warm-queued"


def bump_generation():
    """Called when the rollup changes: after the transaction commits, new figures are
    asked for (and a warm-up of the most-read views is queued, one at a time)."""

    def bump():
        try:
            cache.incr(GENERATION_KEY)
        except ValueError:
            cache.set(GENERATION_KEY, 2, timeout=None)
        wanted = settings.DASHBOARD_WARM and settings.DASHBOARD_CACHE_SECONDS
        if wanted and cache.add(WARM_QUEUED_KEY, 1, timeout=600):
            from django_q.tasks import async_task

            async_task("orders.tasks.dashboard_warm", group="dashboard-warm")

    transaction.on_commit(bump)


def warm(today=None) -> int:
    """Compute the most-read views under the current generation: every period of the
    filter (DAY_CHOICES) for all marketplaces, the default 30 days of each marketplace
    with sales, and the dashboard tiles' periods; the sales dashboard and the ads pages.
    Returns the views computed."""
    from ads import figures as ads_figures
    from catalog.filters import DAY_CHOICES, DEFAULT_DAYS, today_in

    cache.delete(WARM_QUEUED_KEY)  # a change from now on queues another warm-up
    codes = list(DailyTotals.objects.values_list("marketplace__code", flat=True).distinct())
    markets = {m.code: m for m in Marketplace.objects.filter(code__in=codes)}
    periods = []
    for code in [ALL, *sorted(markets)]:
        end = today or today_in(markets.get(code))
        for days in DAY_CHOICES if code == ALL else (DEFAULT_DAYS,):
            periods.append(Period(code, end - dt.timedelta(days=days - 1), end, days))
    done = 0
    for period in periods:
        views = [
            lambda p=period: summary(p),
            lambda p=period: timeseries(p),
            lambda p=period: top_products(p, "revenue", 10),
            lambda p=period: ads_figures.summary(p),
            lambda p=period: ads_figures.timeseries(p),
            lambda p=period: ads_figures.sku_profitability(p, limit=ads_figures.PAGE_ROWS),
        ]
        if period.marketplace == ALL:
            views.append(lambda p=period: marketplaces(p))
        for view in views:
            view()
            done += 1
    end = today or today_in(None)
    for start, last in [(end, end), (end - dt.timedelta(days=1), end - dt.timedelta(days=1)),
                        (end.replace(day=1), end)]:  # fmt: skip
        tile = Period(ALL, start, last, None)
        summary(tile)
        ads_figures.summary(tile)
        done += 2
    return done


def cached(name, period: Period, extra, compute):
    parts = extra if isinstance(extra, tuple) else (extra,)
    options = "-".join(str(part) for part in parts)
    key = f"dashboard:{generation()}:{name}:{period.marketplace}:{period.start}:{period.end}"
    key += f":{options}"
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return compute()
    found = cache.get(key)
    if found is not None:
        return found
    # One request computes a missing answer; the others asking for it meanwhile wait for
    # it instead of all computing the same figures at once (right after a sync).
    lock = f"{key}:computing"
    if cache.add(lock, 1, timeout=LOCK_SECONDS):
        try:
            found = compute()
            cache.set(key, found, seconds)
        finally:
            cache.delete(lock)
        return found
    deadline = time.monotonic() + LOCK_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        found = cache.get(key)
        if found is not None:
            return found
    return compute()  # the other request gave up: do it here


# --- aggregation ------------------------------------------------------------------------------


def _col(name, local):
    return F(name if local else f"{name}_rc")


def _complete(local):
    """Rows whose profit is known."""
    complete = Q(missing_cogs=False, missing_fees=False)
    return complete if local else complete & Q(missing_fx=False)


def _profit_expression(local):
    def c(name):
        return Coalesce(_col(name, local), ZERO)

    return ExpressionWrapper(
        c("gross_sales")
        - c("promotions")
        - c("refund_amount")
        - c("referral_fees")
        - c("fba_fees")
        - c("other_fees")
        - c("refund_fees")
        - c("cogs"),
        output_field=MONEY,
    )


def aggregates(local: bool, per_sku: bool = False) -> dict:
    """The Sum/Count expressions every figure is built from."""
    revenue = ExpressionWrapper(
        Coalesce(_col("gross_sales", local), ZERO) - Coalesce(_col("promotions", local), ZERO),
        output_field=MONEY,
    )
    complete = _complete(local)
    return {
        "units": Coalesce(Sum("units"), 0),
        "orders": Coalesce(Sum("orders"), 0),
        "refund_units": Coalesce(Sum("refund_units"), 0),
        "sessions": Coalesce(Sum("sessions"), 0),
        "page_views": Coalesce(Sum("page_views"), 0),
        "gross_sales_sum": Sum(_col("gross_sales", local)),
        "promotions_sum": Sum(_col("promotions", local)),
        "revenue": Sum(revenue),
        "refund_amount_sum": Sum(_col("refund_amount", local)),
        "referral_fees_sum": Sum(_col("referral_fees", local)),
        "fba_fees_sum": Sum(_col("fba_fees", local)),
        "other_fees_sum": Sum(_col("other_fees", local)),
        "refund_fees_sum": Sum(_col("refund_fees", local)),
        "cogs_sum": Sum(_col("cogs", local)),
        "profit_known": Sum(_profit_expression(local), filter=complete),
        "revenue_known": Sum(revenue, filter=complete),
        "rows_missing_cogs": Count("id", filter=Q(missing_cogs=True)),
        "rows_missing_fees": Count("id", filter=Q(missing_fees=True)),
        "rows_fees_estimated": Count("id", filter=Q(fees_estimated=True)),
        "rows_sales_estimated": Count("id", filter=Q(sales_estimated=True)),
        "skus_missing_cogs": Count("seller_sku", filter=Q(missing_cogs=True), distinct=True),
        "rows": Count("id"),
        **({} if local else {"rows_missing_fx": Count("id", filter=Q(missing_fx=True))}),
    }


def total_aggregates(local: bool) -> dict:
    """The same figures' inputs from DailyTotals (one row per day and marketplace)."""
    sfx = "" if local else "_rc"
    amounts = ["gross_sales", "promotions", "refund_amount", "referral_fees", "fba_fees",
               "other_fees", "refund_fees", "cogs"]  # fmt: skip
    counts = ["units", "orders", "refund_units", "sessions", "page_views", "rows",
              "rows_missing_cogs", "rows_missing_fees", "rows_fees_estimated",
              "rows_sales_estimated"]  # fmt: skip
    if not local:
        counts.append("rows_missing_fx")
    return {
        **{name: Coalesce(Sum(name), 0) for name in counts},
        **{f"{name}_sum": Sum(f"{name}{sfx}") for name in amounts},
        "revenue": Sum(
            ExpressionWrapper(F(f"gross_sales{sfx}") - F(f"promotions{sfx}"), output_field=MONEY)
        ),
        "profit_known": Sum(f"profit_known{sfx}"),
        "revenue_known": Sum(f"revenue_known{sfx}"),
    }


def totals_of(period: Period):
    rows = DailyTotals.objects.filter(date__range=(period.start, period.end))
    if period.marketplace != ALL:
        rows = rows.filter(marketplace__code=period.marketplace)
    return rows


def _skus_missing_cogs(period: Period, by_marketplace=False):
    """Distinct SKUs sold without a cost in the period (a partial index finds them)."""
    rows = _rows(period).filter(missing_cogs=True)
    if by_marketplace:
        return dict(
            rows.values_list("marketplace__code").annotate(n=Count("seller_sku", distinct=True))
        )
    return rows.values("marketplace_id", "seller_sku").distinct().count()


def _with_skus(sums: dict, period: Period) -> dict:
    sums["skus_missing_cogs"] = _skus_missing_cogs(period)
    return sums


def money(value):
    if value is None:
        return None
    return float(Decimal(value).quantize(CENT))


def ratio(part, whole, digits=4):
    if part is None or not whole:
        return None
    return round(float(part) / float(whole), digits)


def figures(sums: dict) -> dict:
    """The figures a reader sees, from one aggregate row."""
    d = {
        k.removesuffix("_sum"): (Decimal(v) if isinstance(v, float | int | Decimal) else v)
        for k, v in sums.items()
    }
    fees_parts = [d.get(k) for k in ("referral_fees", "fba_fees", "other_fees", "refund_fees")]
    missing_fees = bool(sums.get("rows_missing_fees"))
    missing_cogs = bool(sums.get("rows_missing_cogs"))
    missing_fx = bool(sums.get("rows_missing_fx"))
    fees_total = None if missing_fees else sum((p or Decimal(0)) for p in fees_parts)
    revenue = d.get("revenue") or Decimal(0)
    complete = not (missing_fees or missing_cogs or missing_fx)
    profit = d.get("profit_known") if complete else None
    if complete and profit is None:
        profit = Decimal(0)
    units, orders = int(sums.get("units") or 0), int(sums.get("orders") or 0)
    return {
        "revenue": money(revenue),
        "gross_sales": money(d.get("gross_sales") or 0),
        "promotions": money(d.get("promotions") or 0),
        "units": units,
        "orders": orders,
        "average_order_value": money(revenue / orders) if orders else None,
        "refunds": {
            "units": int(sums.get("refund_units") or 0),
            "amount": money(d.get("refund_amount") or 0),
            "rate": ratio(sums.get("refund_units") or 0, units),
        },
        "fees": {
            "referral": money(d.get("referral_fees")),
            "fba": money(d.get("fba_fees")),
            "other": money(d.get("other_fees")),
            "refunds": money(d.get("refund_fees") or 0),
            "total": money(fees_total),
            "known_total": money(sum((p or Decimal(0)) for p in fees_parts)),
            "estimated": bool(sums.get("rows_fees_estimated")),
            "missing": missing_fees,
        },
        "cogs": None if missing_cogs else money(d.get("cogs") or 0),
        "cogs_known": money(d.get("cogs") or 0),
        "gross_profit": money(profit),
        "margin": ratio(profit, revenue) if profit is not None else None,
        "gross_profit_known": money(d.get("profit_known") or 0),
        "profit_coverage": ratio(d.get("revenue_known") or 0, revenue)
        if revenue
        else (1.0 if complete else None),
        "sessions": int(sums.get("sessions") or 0),
        "page_views": int(sums.get("page_views") or 0),
        "conversion": ratio(units, sums.get("sessions") or 0),
        "missing": {
            "cogs_skus": int(sums.get("skus_missing_cogs") or 0),
            "cogs": missing_cogs,
            "fees": missing_fees,
            "fx": missing_fx,
            "sales_estimated": bool(sums.get("rows_sales_estimated")),
        },
    }


def _rows(period: Period):
    rows = DailySales.objects.filter(date__range=(period.start, period.end))
    if period.marketplace != ALL:
        rows = rows.filter(marketplace__code=period.marketplace)
    return rows


def currency_of(period: Period, local: bool) -> str:
    if local:
        return Marketplace.objects.get(code=period.marketplace).currency
    return settings.REPORTING_CURRENCY


def change_of(now, before):
    if now is None or before is None or before == 0:
        return None
    return round((now - before) / abs(before), 4)


def summary(period: Period, local=False) -> dict:
    def compute():
        current = figures(
            _with_skus(totals_of(period).aggregate(**total_aggregates(local)), period)
        )
        previous_period = period.previous()
        previous = figures(
            _with_skus(
                totals_of(previous_period).aggregate(**total_aggregates(local)), previous_period
            )
        )
        keys = ["revenue", "units", "orders", "average_order_value", "gross_profit", "margin"]
        change = {k: change_of(current[k], previous[k]) for k in keys}
        change["refund_rate"] = change_of(current["refunds"]["rate"], previous["refunds"]["rate"])
        change["fees"] = change_of(current["fees"]["total"], previous["fees"]["total"])
        return {
            "current": current,
            "previous": {
                **previous,
                "start": previous_period.start.isoformat(),
                "end": previous_period.end.isoformat(),
            },
            "change": change,
        }

    return framed(period, local, cached("summary", period, local, compute))


def timeseries(period: Period, interval="day", local=False) -> dict:
    def compute():
        rows = totals_of(period)
        if interval == "day":
            bucket = F("date")
        elif interval == "week":
            bucket = TruncWeek("date")
        else:
            bucket = TruncMonth("date")
        grouped = {
            _as_date(row.pop("bucket")): row
            for row in rows.annotate(bucket=bucket)
            .values("bucket")
            .annotate(**total_aggregates(local))
        }
        points = []
        for start in buckets(period, interval):
            sums = grouped.get(start) or {}
            points.append({"date": start.isoformat(), **figures(sums)})
        return {"interval": interval, "points": points}

    return framed(period, local, cached("timeseries", period, (interval, local), compute))


def _as_date(value):
    return value.date() if isinstance(value, dt.datetime) else value


def buckets(period: Period, interval):
    day = period.start
    if interval == "week":
        day = day - dt.timedelta(days=day.weekday())
    elif interval == "month":
        day = day.replace(day=1)
    while day <= period.end:
        yield day
        if interval == "day":
            day += dt.timedelta(days=1)
        elif interval == "week":
            day += dt.timedelta(days=7)
        else:
            day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def marketplaces(period: Period) -> dict:
    def compute():
        grouped = (
            totals_of(period)
            .values("marketplace__code", "marketplace__name", "marketplace__currency")
            .annotate(**total_aggregates(False))
            .order_by("marketplace__code")
        )
        missing_skus = _skus_missing_cogs(period, by_marketplace=True)
        items = []
        for row in grouped:
            code = row.pop("marketplace__code")
            row["skus_missing_cogs"] = missing_skus.get(code, 0)
            name = row.pop("marketplace__name")
            currency = row.pop("marketplace__currency")
            items.append(
                {"marketplace": code, "name": name, "local_currency": currency, **figures(row)}
            )
        total = sum((i["revenue"] or 0) for i in items)
        for item in items:
            item["revenue_share"] = ratio(item["revenue"], total)
        items.sort(key=lambda i: -(i["revenue"] or 0))
        return {"items": items}

    return framed(period, False, cached("marketplaces", period, "", compute))


def sku_sums(period: Period, local: bool, ads: bool = False):
    """The SQL (and params) of one row per marketplace and SKU of the period with the
    sums `figures` reads (and with `ads` the ad columns): whole months from
    MonthlySkuTotals, the days at the period's edges from DailySales."""
    from orders.rollup import SKU_DAY_COLUMNS, month_end

    first_full = period.start if period.start.day == 1 else month_end(period.start)
    if first_full != period.start:
        first_full += dt.timedelta(days=1)
    last_full = month_end(period.end)
    if last_full != period.end:
        last_full = period.end.replace(day=1) - dt.timedelta(days=1)
    only, params = "", []
    if period.marketplace != ALL:
        table = Marketplace._meta.db_table
        only = f" AND marketplace_id = (SELECT id FROM {table} WHERE code = %s)"
        params = [period.marketplace]
    sfx = "" if local else "_rc"
    amounts = ["gross_sales", "promotions", "revenue", "refund_amount", "referral_fees",
               "fba_fees", "other_fees", "refund_fees", "cogs", "profit_known",
               "revenue_known"]  # fmt: skip
    counts = ["units", "orders", "refund_units", "sessions", "page_views", "rows",
              "rows_missing_cogs", "rows_missing_fees", "rows_fees_estimated",
              "rows_sales_estimated", *([] if local else ["rows_missing_fx"])]  # fmt: skip
    if ads:
        from orders.rollup import AD_AMOUNTS, AD_COUNTS

        amounts += AD_AMOUNTS
        counts += [*AD_COUNTS, "rows_unmapped"]
    # Only the columns of the currency asked for: half the work per row.
    columns = {name: f"{name}{sfx}" for name in amounts} | {name: name for name in counts}
    parts, part_params = [], []
    if first_full < last_full:
        parts.append(
            "SELECT marketplace_id, seller_sku, listing_id, "
            + ", ".join(f"{column} AS {name}" for name, column in columns.items())
            + f" FROM {MonthlySkuTotals._meta.db_table} WHERE month BETWEEN %s AND %s{only}"
        )
        part_params += [first_full, last_full.replace(day=1), *params]
        edges = [(period.start, first_full - dt.timedelta(days=1)),
                 (last_full + dt.timedelta(days=1), period.end)]  # fmt: skip
    else:
        edges = [(period.start, period.end)]
    for start, end in edges:
        if start <= end:
            parts.append(
                "SELECT marketplace_id, seller_sku, listing_id, "
                + ", ".join(f"{SKU_DAY_COLUMNS[c]} AS {name}" for name, c in columns.items())
                + f" FROM {DailySales._meta.db_table} WHERE date BETWEEN %s AND %s{only}"
            )
            part_params += [start, end, *params]
    select = [
        "marketplace_id", "seller_sku", "MAX(listing_id) AS listing_id",
        *(f"SUM({name}) AS {name}" for name in columns),
        "COUNT(*) OVER () AS sku_count",
    ]  # fmt: skip
    sql = (
        f"SELECT {', '.join(select)} FROM ({' UNION ALL '.join(parts)}) part "
        "GROUP BY marketplace_id, seller_sku"
    )
    return sql, part_params


# How top_products ranks, in SQL over _sku_sums' rows: the key, and when a row has one.
_RANK_KEYS = {
    "revenue": ("COALESCE(revenue, 0)", "1 = 1"),
    "units": ("units", "1 = 1"),
    "profit": ("COALESCE(profit_known, 0)", "{complete}"),
    "margin": ("COALESCE(profit_known, 0) * 1.0 / revenue", "{complete} AND revenue <> 0"),
}


def top_products(period: Period, sort="revenue", limit=10, local=False) -> dict:
    """The top and bottom SKUs by `sort`, ranked in the database; SKUs whose key is
    unknown (profit or margin with a cost, fee or rate missing) are listed apart."""

    def compute():
        sums, params = sku_sums(period, local)
        complete = "rows_missing_cogs = 0 AND rows_missing_fees = 0" + (
            "" if local else " AND rows_missing_fx = 0"
        )
        key, ranked = (part.format(complete=complete) for part in _RANK_KEYS[sort])
        codes = dict(Marketplace.objects.values_list("pk", "code"))
        order = "{key} {d}, seller_sku {d}, marketplace_id {d}"
        query = f"""WITH sku AS ({sums}), ranked AS (SELECT * FROM sku WHERE {ranked})
            SELECT * FROM (SELECT 'top' AS part, ranked.* FROM ranked
                ORDER BY {order.format(key=key, d="DESC")} LIMIT %s) t
            UNION ALL
            SELECT * FROM (SELECT 'bottom', ranked.* FROM ranked
                ORDER BY {order.format(key=key, d="ASC")} LIMIT %s) b
            UNION ALL
            SELECT 'unranked', sku.* FROM sku WHERE NOT ({ranked})
"""
        with connection.cursor() as cursor:
            cursor.execute(query, [*params, limit, limit])
            names = [c[0] for c in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        parts = {"top": [], "bottom": [], "unranked": []}
        count = 0
        for row in rows:
            part = row.pop("part")
            count = row.pop("sku_count")
            code, sku = codes[row.pop("marketplace_id")], row.pop("seller_sku")
            listing = row.pop("listing_id")
            row["skus_missing_cogs"] = 1 if row.get("rows_missing_cogs") else 0
            item = {"marketplace": code, "sku": sku, "title": "", "listing_id": listing}
            item.update(figures(row))
            parts[part].append(item)
        top, bottom = parts["top"], parts["bottom"]
        _days_of_stock(top + bottom, period)
        shown = {i["listing_id"] for i in top + bottom if i["listing_id"]}
        titles = dict(Listing.objects.filter(pk__in=shown).values_list("pk", "product__title"))
        for item in top + bottom:
            item["title"] = titles.get(item["listing_id"], "")
        unranked = sorted(parts["unranked"], key=lambda i: (i["marketplace"], i["sku"]))
        return {
            "sort": sort,
            "limit": limit,
            "count": count,
            "top": top,
            "bottom": bottom,
            "unranked": [
                {"marketplace": i["marketplace"], "sku": i["sku"], "missing": i["missing"]}
                for i in unranked
            ],
        }

    return framed(period, local, cached("top", period, (sort, limit, local), compute))


def _days_of_stock(items, period: Period):
    """Days the FBA stock lasts at the period's sales rate (None: no stock figure, or
    nothing sold)."""
    listing_ids = [i["listing_id"] for i in items if i["listing_id"]]
    stock = dict(
        InventoryLevel.objects.filter(listing_id__in=listing_ids, location=Location.FBA)
        .values_list("listing_id")
        .annotate(available=Sum("available"))
    )
    for item in items:
        available = stock.get(item["listing_id"])
        rate = item["units"] / period.length
        item["stock_available"] = available
        item["days_of_stock"] = (
            round(available / rate, 1) if available is not None and rate else None
        )


def framed(period: Period, local: bool, body: dict) -> dict:
    return {
        "marketplace": period.marketplace,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "days": period.length,
        "currency": currency_of(period, local),
        **body,
    }
