"""The daily sales rollup: one DailySales row per marketplace-local date, marketplace
and seller SKU, built from order items, Amazon's financial events and traffic.

- Sales (units, orders, gross sales, promotions) come from counted order items on the
  order's local date; cancelled and unfulfillable orders count for nothing.
- Fees of those items are Amazon's actual shipment fees where posted (matched on order
  id and SKU), else the listing's fee rule effective that day: referral percent of the
  price after promotions and the FBA fee per unit (`fees_estimated`). Items with
  neither leave the fees unknown (`missing_fees`; the fee amounts are null).
- Refunds count on the refund's own posted day: units, principal given back, and the
  net of returned commission and refund commission (`refund_fees`).
- COGS: units x the product's landed cost effective that day, converted into the
  marketplace currency when the cost is in another one; null (`missing_cogs`) when the
  SKU has no listing, the product no cost, or the conversion no rate.
- Sessions and page views: the day's traffic of the listing's ASIN.
- Every amount is also stored in the reporting currency with the FX rate of the day
  (or the last earlier one); null with `missing_fx` when there is none.

`rebuild(keys)` rebuilds given (marketplace pk, date) pairs and is called by the syncs
inside their transactions; `rebuild_range` does whole date ranges, a month at a time.
"""

import bisect
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

from catalog.models import FeeRule, Fulfillment, FxRate, Listing, Marketplace, SkuCost
from orders import dashboard
from orders.models import NOT_COUNTED, DailySales, MonthlySkuTotals

CENT = Decimal("0.01")
ZERO = Decimal(0)
CHUNK_DAYS = 31  # rebuild_range: a month per transaction
REBUILD_DAYS = 7  # rebuild: at most a week of days per computation


class Rates:
    """FX rates into the reporting currency, with fx_rate_on's fallback to the last
    earlier rate; None when there is no rate on or before the day."""

    def __init__(self, currencies, end):
        self.series = {}
        for currency in currencies:
            if currency == settings.REPORTING_CURRENCY:
                continue
            rows = list(
                FxRate.objects.filter(currency=currency, date__lte=end)
                .order_by("date")
                .values_list("date", "rate")
            )
            self.series[currency] = ([d for d, _ in rows], [r for _, r in rows])

    def on(self, currency, day) -> Decimal | None:
        if currency == settings.REPORTING_CURRENCY:
            return Decimal(1)
        dates, rates = self.series.get(currency, ([], []))
        index = bisect.bisect_right(dates, day) - 1
        return rates[index] if index >= 0 else None


class Effective:
    """Rows effective from a date, per key: the one in force on a given day."""

    def __init__(self, rows):
        self.by_key = defaultdict(list)
        for key, effective_from, value in sorted(rows, key=lambda r: (r[0], r[1])):
            self.by_key[key].append((effective_from, value))
        # The dates apart, once, for the bisection every row of the rollup makes.
        self.dates = {key: [e[0] for e in entries] for key, entries in self.by_key.items()}

    def on(self, key, day):
        entries = self.by_key.get(key)
        if not entries:
            return None
        index = bisect.bisect_right(self.dates[key], day) - 1
        return entries[index][1] if index >= 0 else None


def _sql(query, params):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _dec(value):
    if value is None:
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _marketplace_filter(column, marketplace_pks):
    if marketplace_pks is None:
        return "", []
    marks = ", ".join(["%s"] * len(marketplace_pks))
    return f" AND {column} IN ({marks})", list(marketplace_pks)


def compute(start: dt.date, end: dt.date, marketplace_pks=None) -> list[DailySales]:
    """The DailySales rows of [start, end] (both local dates), for the marketplaces
    given (all when None)."""
    not_counted = list(NOT_COUNTED)
    status_marks = ", ".join(["%s"] * len(not_counted))
    where_m, m_params = _marketplace_filter("o.marketplace_id", marketplace_pks)
    rows: dict[tuple, dict] = {}

    def row(day, marketplace_pk, sku):
        key = (_date(day), marketplace_pk, sku)
        found = rows.get(key)
        if found is None:
            found = rows[key] = {
                "units": 0,
                "orders": 0,
                "refund_units": 0,
                "sessions": 0,
                "page_views": 0,
                "gross_sales": ZERO,
                "promotions": ZERO,
                "refund_amount": ZERO,
                "refund_fees": ZERO,
                "fee_lines": [],  # (listing, price after promotions, units fulfilled by Amazon)
                "actual": [ZERO, ZERO, ZERO],
                "listing_id": None,
                "sales_estimated": False,
                "ads": None,  # {name: amount or count} in the marketplace currency
            }
        return found

    # Sales, with the actual fees Amazon posted for the same order and SKU.
    sales = _sql(
        f"""SELECT o.local_date, o.marketplace_id, i.seller_sku, i.listing_id,
            i.quantity_ordered, o.id, o.fulfillment_channel, i.item_price,
            i.promotion_discount, i.is_estimated, f.referral, f.fba, f.other
        FROM orders_orderitem i JOIN orders_order o ON o.id = i.order_id
        LEFT JOIN (
            SELECT amazon_order_id, seller_sku, SUM(referral_fee) AS referral,
                SUM(fba_fee) AS fba, SUM(other_fees) AS other
            FROM orders_financeline WHERE kind = 'shipment' AND amazon_order_id IN (
                SELECT o2.amazon_order_id FROM orders_order o2
                WHERE o2.local_date BETWEEN %s AND %s{where_m.replace("o.", "o2.")})
            GROUP BY amazon_order_id, seller_sku
        ) f ON f.amazon_order_id = o.amazon_order_id AND f.seller_sku = i.seller_sku
        WHERE o.local_date BETWEEN %s AND %s{where_m}
            AND o.status NOT IN ({status_marks})""",
        [start, end, *m_params, start, end, *m_params, *not_counted],
    )
    seen_orders = defaultdict(set)
    for day, mpk, sku, listing_id, quantity, order_pk, channel, price, discount, *rest in sales:
        estimated, fees = rest[0], rest[1:]
        entry = row(day, mpk, sku)
        entry["listing_id"] = entry["listing_id"] or listing_id
        entry["units"] += quantity
        seen_orders[(_date(day), mpk, sku)].add(order_pk)
        price, discount = _dec(price), _dec(discount) or ZERO
        entry["gross_sales"] += price or ZERO
        entry["promotions"] += discount
        entry["sales_estimated"] |= bool(estimated)
        if fees[0] is not None or fees[1] is not None or fees[2] is not None:
            for n, value in enumerate(fees):
                entry["actual"][n] -= _dec(value) or ZERO  # Amazon's sign: debits negative
        elif quantity:
            fba_units = quantity if channel == Fulfillment.FBA else 0
            entry["fee_lines"].append((listing_id, (price or ZERO) - discount, fba_units))
    for key, orders in seen_orders.items():
        rows[key]["orders"] = len(orders)

    # Refunds on their posted day.
    where_f, f_params = _marketplace_filter("marketplace_id", marketplace_pks)
    for day, mpk, sku, listing_id, quantity, principal, fees in _sql(
        f"""SELECT local_date, marketplace_id, seller_sku, MAX(listing_id), SUM(quantity),
            SUM(principal), SUM(referral_fee + fba_fee + other_fees + refund_commission)
        FROM orders_financeline WHERE kind = 'refund' AND local_date BETWEEN %s AND %s{where_f}
        GROUP BY local_date, marketplace_id, seller_sku""",
        [start, end, *f_params],
    ):
        entry = row(day, mpk, sku)
        entry["listing_id"] = entry["listing_id"] or listing_id
        entry["refund_units"] += quantity or 0
        entry["refund_amount"] += -(_dec(principal) or ZERO)
        entry["refund_fees"] += -(_dec(fees) or ZERO)

    # Traffic of each listing's ASIN (the first SKU of an ASIN carries it).
    where_t, t_params = _marketplace_filter("t.marketplace_id", marketplace_pks)
    for day, mpk, sku, listing_id, sessions, views in _sql(
        f"""SELECT t.date, t.marketplace_id, MIN(l.seller_sku), MIN(l.id),
            MAX(t.sessions), MAX(t.page_views)
        FROM orders_trafficdaily t JOIN catalog_listing l
            ON l.marketplace_id = t.marketplace_id AND l.asin = t.child_asin
            AND l.channel = 'amazon'
        WHERE t.date BETWEEN %s AND %s{where_t}
        GROUP BY t.date, t.marketplace_id, t.child_asin""",
        [start, end, *t_params],
    ):
        entry = row(day, mpk, sku)
        entry["listing_id"] = entry["listing_id"] or listing_id
        entry["sessions"] += sessions or 0
        entry["page_views"] += views or 0

    # Sponsored Products of each advertised SKU (the profile's day is the marketplace's).
    where_a, a_params = _marketplace_filter("p.marketplace_id", marketplace_pks)
    for day, mpk, sku, listing_id, currency, *sums in _sql(
        f"""SELECT a.date, p.marketplace_id, a.advertised_sku, MAX(a.listing_id), a.currency,
            SUM(a.cost), SUM(a.sales_7d), SUM(a.sales_14d), SUM(a.sales_same_sku_7d),
            SUM(a.sales_same_sku_14d), SUM(a.clicks), SUM(a.impressions),
            SUM(a.purchases_7d), SUM(a.purchases_14d), SUM(a.units_sold_7d),
            SUM(a.units_sold_14d)
        FROM ads_advertisedproductdaily a JOIN ads_adsprofile p ON p.id = a.profile_id
        WHERE a.date BETWEEN %s AND %s AND p.marketplace_id IS NOT NULL{where_a}
        GROUP BY a.date, p.marketplace_id, a.advertised_sku, a.currency""",
        [start, end, *a_params],
    ):
        entry = row(day, mpk, sku)
        entry["listing_id"] = entry["listing_id"] or listing_id
        found = entry["ads"] = entry["ads"] or {"currencies": set(), "by_currency": {}}
        found["currencies"].add(currency)
        sums_of = found["by_currency"].setdefault(currency, {})
        for name, value in zip(AD_AMOUNTS + AD_COUNTS, sums, strict=True):
            value = (_dec(value) or ZERO) if name in AD_AMOUNTS else int(value or 0)
            sums_of[name] = sums_of.get(name, 0) + value

    return _finish(rows, end)


AD_AMOUNTS = ["ad_spend", "ad_sales_7d", "ad_sales_14d", "ad_same_sku_7d", "ad_same_sku_14d"]
AD_COUNTS = ["ad_clicks", "ad_impressions", "ad_orders_7d", "ad_orders_14d", "ad_units_7d",
             "ad_units_14d"]  # fmt: skip


def _ad_values(ads, marketplace, day, rates) -> dict:
    """The row's ad columns: amounts converted into the marketplace currency (a profile
    normally reports in it) and the reporting currency; counts as they are."""
    values = dict.fromkeys(AD_COUNTS, 0)
    values.update(dict.fromkeys(AD_AMOUNTS, ZERO))
    if not ads:
        values.update({f"{name}_rc": ZERO for name in AD_AMOUNTS})
        return values
    missing = False
    for currency, sums in ads["by_currency"].items():
        for name in AD_COUNTS:
            values[name] += sums.get(name, 0)
        for name in AD_AMOUNTS:
            local = _convert(sums.get(name, ZERO), currency, marketplace, day, rates)
            if local is None:
                missing = True
                continue
            values[name] += local
    rate = rates.on(marketplace.currency, day)
    for name in AD_AMOUNTS:
        values[name] = values[name].quantize(CENT)
        values[f"{name}_rc"] = (
            None if missing or rate is None else (values[name] * rate).quantize(CENT)
        )
    return values


def _finish(rows: dict, end: dt.date) -> list[DailySales]:
    marketplaces = {m.pk: m for m in Marketplace.objects.all()}
    listing_ids = {entry["listing_id"] for entry in rows.values() if entry["listing_id"]}
    products = dict(Listing.objects.filter(pk__in=listing_ids).values_list("id", "product_id"))
    costs = Effective(
        (c.product_id, c.effective_from, (c.landed_cost, c.currency))
        for c in SkuCost.objects.filter(product_id__in=set(products.values()))
    )
    fee_rules = Effective(
        (r.listing_id, r.effective_from, r)
        for r in FeeRule.objects.filter(listing_id__in=listing_ids, effective_from__lte=end)
    )
    currencies = {m.currency for m in marketplaces.values()}
    currencies |= {c for entries in costs.by_key.values() for _, (_, c) in entries}
    currencies |= {c for entry in rows.values() if entry["ads"] for c in entry["ads"]["currencies"]}
    rates = Rates(currencies, end)

    result = []
    for (day, mpk, sku), entry in rows.items():
        marketplace = marketplaces[mpk]
        listing_id = entry["listing_id"]
        product_id = products.get(listing_id)
        referral, fba, other = entry["actual"]
        fees_estimated = missing_fees = False
        for fee_listing, net_price, fba_units in entry["fee_lines"]:
            rule = fee_rules.on(fee_listing, day) if fee_listing else None
            fba_fee = None
            if rule is not None:
                fba_fee = _convert(
                    rule.fba_fee_per_unit * fba_units, rule.currency, marketplace, day, rates
                )
            if fba_fee is None:  # no fee rule, or one in a currency without a rate
                missing_fees = True
                continue
            fees_estimated = True
            referral += (net_price * rule.referral_fee_percent / 100).quantize(CENT)
            fba += fba_fee
        rate = rates.on(marketplace.currency, day)
        cogs = None
        if entry["units"]:
            cost = costs.on(product_id, day) if product_id else None
            if cost is not None:
                cogs = _convert(cost[0] * entry["units"], cost[1], marketplace, day, rates)
        elif product_id:
            cogs = ZERO
        amounts = {
            "gross_sales": entry["gross_sales"],
            "promotions": entry["promotions"],
            "refund_amount": entry["refund_amount"],
            "referral_fees": None if missing_fees else referral,
            "fba_fees": None if missing_fees else fba,
            "other_fees": None if missing_fees else other,
            "refund_fees": entry["refund_fees"],
            "cogs": cogs,
        }
        converted = {
            f"{name}_rc": None if value is None or rate is None else (value * rate).quantize(CENT)
            for name, value in amounts.items()
        }
        result.append(
            DailySales(
                date=day,
                marketplace_id=mpk,
                seller_sku=sku,
                listing_id=listing_id,
                product_id=product_id,
                currency=marketplace.currency,
                fx_rate=rate,
                units=entry["units"],
                orders=entry["orders"],
                refund_units=entry["refund_units"],
                sessions=entry["sessions"],
                page_views=entry["page_views"],
                **{k: None if v is None else v.quantize(CENT) for k, v in amounts.items()},
                **converted,
                **_ad_values(entry["ads"], marketplace, day, rates),
                sales_estimated=entry["sales_estimated"],
                fees_estimated=fees_estimated,
                missing_fees=missing_fees,
                missing_cogs=bool(entry["units"]) and cogs is None,
                unmapped=listing_id is None,
                missing_fx=rate is None,
            )
        )
    return result


def _convert(amount, currency, marketplace, day, rates):
    """`amount` in `currency` as marketplace currency; None without the rates."""
    if amount is None:
        return None
    if currency == marketplace.currency:
        return amount
    source, target = rates.on(currency, day), rates.on(marketplace.currency, day)
    if source is None or target is None:
        return None
    return (amount * source / target).quantize(CENT)


@transaction.atomic
def rebuild(keys) -> int:
    """Rebuild the rows of the given (marketplace pk, date) pairs; returns rows written."""
    by_marketplace = defaultdict(set)
    for marketplace_pk, day in keys:
        by_marketplace[marketplace_pk].add(day)
    written = 0
    for marketplace_pk, days in by_marketplace.items():
        # A week at a time: a backfill window touches a month or more, and computing it at
        # once would hold every item of it in memory.
        ordered = sorted(days)
        while ordered:
            first = ordered[0]
            group = [d for d in ordered if d < first + dt.timedelta(days=REBUILD_DAYS)]
            ordered = ordered[len(group) :]
            start, end = group[0], group[-1]
            rows = [r for r in compute(start, end, [marketplace_pk]) if r.date in group]
            DailySales.objects.filter(marketplace_id=marketplace_pk, date__in=group).delete()
            DailySales.objects.bulk_create(rows, batch_size=2000)
            _totals(start, end, [marketplace_pk], group)
            written += len(rows)
    if by_marketplace:
        dashboard.bump_generation()
    return written


def rebuild_range(start: dt.date, end: dt.date, marketplace_pks=None, progress=None) -> int:
    """Rebuild [start, end] a month at a time, each month in its own transaction."""
    written = 0
    chunk_start = start
    while chunk_start <= end:
        chunk_end = min(chunk_start + dt.timedelta(days=CHUNK_DAYS - 1), end)
        with transaction.atomic():
            rows = compute(chunk_start, chunk_end, marketplace_pks)
            stale = DailySales.objects.filter(date__range=(chunk_start, chunk_end))
            if marketplace_pks is not None:
                stale = stale.filter(marketplace_id__in=marketplace_pks)
            stale.delete()
            DailySales.objects.bulk_create(rows, batch_size=2000)
            _totals(chunk_start, chunk_end, marketplace_pks)
            dashboard.bump_generation()
        written += len(rows)
        if progress:
            progress((chunk_end - chunk_start).days + 1)
        chunk_start = chunk_end + dt.timedelta(days=1)
    return written


TOTAL_FLAGS = {
    "rows_missing_cogs": "missing_cogs",
    "rows_missing_fees": "missing_fees",
    "rows_missing_fx": "missing_fx",
    "rows_fees_estimated": "fees_estimated",
    "rows_sales_estimated": "sales_estimated",
}


PROFIT_PARTS = ["gross_sales", "promotions", "refund_amount", "referral_fees", "fba_fees",
                "other_fees", "refund_fees", "cogs"]  # fmt: skip


def _profit(suffix):
    """Gross profit of a DailySales row in SQL: sales less everything taken off."""
    first, *rest = (f"COALESCE({name}{suffix}, 0)" for name in PROFIT_PARTS)
    return first + "".join(f" - {part}" for part in rest)


_COMPLETE = "NOT missing_cogs AND NOT missing_fees"
_COMPLETE_RC = f"{_COMPLETE} AND NOT missing_fx"
_REVENUE = "COALESCE(gross_sales{s}, 0) - COALESCE(promotions{s}, 0)"
# One DailySales row's share of a per-SKU sum, by MonthlySkuTotals column: every column
# sums (a month's, or a period's edge days').
SKU_DAY_COLUMNS = {
    "units": "units",
    "orders": "orders",
    "refund_units": "refund_units",
    "sessions": "sessions",
    "page_views": "page_views",
    **{f"{name}{s}": f"{name}{s}" for s in ("", "_rc") for name in PROFIT_PARTS},
    "revenue": _REVENUE.format(s=""),
    "revenue_rc": _REVENUE.format(s="_rc"),
    "profit_known": f"CASE WHEN {_COMPLETE} THEN {_profit('')} END",
    "revenue_known": f"CASE WHEN {_COMPLETE} THEN {_REVENUE.format(s='')} END",
    "profit_known_rc": f"CASE WHEN {_COMPLETE_RC} THEN {_profit('_rc')} END",
    "revenue_known_rc": f"CASE WHEN {_COMPLETE_RC} THEN {_REVENUE.format(s='_rc')} END",
    "rows": "1",
    **{name: f"CASE WHEN {flag} THEN 1 ELSE 0 END" for name, flag in TOTAL_FLAGS.items()},
    "rows_unmapped": "CASE WHEN unmapped THEN 1 ELSE 0 END",
    **{f"{name}{s}": f"{name}{s}" for s in ("", "_rc") for name in AD_AMOUNTS},
    **{name: name for name in AD_COUNTS},
}


def _totals(start, end, marketplace_pks=None, days=None):
    """Rebuild DailyTotals of the range (and marketplaces) from DailySales."""
    only, only_params = _marketplace_filter("marketplace_id", marketplace_pks)
    where = f"date BETWEEN %s AND %s{only}"
    params = [start, end, *only_params]
    if days is not None:
        where += f" AND date IN ({', '.join(['%s'] * len(days))})"
        params += sorted(days)
    names = [name for name in SKU_DAY_COLUMNS if name not in ("revenue", "revenue_rc")]
    columns = [f"COALESCE(SUM({SKU_DAY_COLUMNS[name]}), 0)" for name in names]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM orders_dailytotals WHERE {where}", params)
        cursor.execute(
            f"""INSERT INTO orders_dailytotals (date, marketplace_id, {", ".join(names)})
            SELECT date, marketplace_id, {", ".join(columns)}
            FROM orders_dailysales WHERE {where} GROUP BY date, marketplace_id""",
            params,
        )
    months = {_month(day) for day in days} if days is not None else _months(start, end)
    _monthly(sorted(months), marketplace_pks)


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], _month(start)
    while month <= end:
        months.append(month)
        month = month_end(month) + dt.timedelta(days=1)
    return months


def _monthly(months, marketplace_pks=None):
    """Rebuild MonthlySkuTotals of the given months (and marketplaces) from DailySales."""
    table = MonthlySkuTotals._meta.db_table
    names = ", ".join(SKU_DAY_COLUMNS)
    sums = ", ".join(f"SUM({expr})" for expr in SKU_DAY_COLUMNS.values())
    only, only_params = _marketplace_filter("marketplace_id", marketplace_pks)
    with connection.cursor() as cursor:
        for month in months:
            cursor.execute(f"DELETE FROM {table} WHERE month = %s{only}", [month, *only_params])
            cursor.execute(
                f"""INSERT INTO {table} (month, marketplace_id, seller_sku, listing_id, {names})
                SELECT %s, marketplace_id, seller_sku, MAX(listing_id), {sums}
                FROM {DailySales._meta.db_table} WHERE date BETWEEN %s AND %s{only}
                GROUP BY marketplace_id, seller_sku""",
                [month, month, month_end(month), *only_params],
            )


def data_range():
    """The first and last local dates any source has (None, None when empty)."""
    rows = _sql(
        """SELECT MIN(d), MAX(d) FROM (
            SELECT MIN(local_date) AS d FROM orders_order UNION ALL
            SELECT MAX(local_date) FROM orders_order UNION ALL
            SELECT MIN(local_date) FROM orders_financeline UNION ALL
            SELECT MAX(local_date) FROM orders_financeline UNION ALL
            SELECT MIN(date) FROM orders_trafficdaily UNION ALL
            SELECT MAX(date) FROM orders_trafficdaily) bounds""",
        [],
    )
    first, last = rows[0]
    return _date(first), _date(last)


def refresh_statistics() -> bool:
    """After a big rebuild on PostgreSQL: VACUUM (ANALYZE) the rollup's tables, so the
    planner knows their new size and index-only scans need not visit the heap (a fresh
    rewrite leaves the visibility map empty until autovacuum comes by). Outside any
    transaction; False where there is nothing to do (SQLite)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    tables = [m._meta.db_table for m in (DailySales, MonthlySkuTotals)] + ["orders_dailytotals"]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
    return True
