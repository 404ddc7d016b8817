"""Advertising figures: the ads dashboard, SKU profitability after ad spend, and the
daily merge of sales and ads (seed 001's `/api/reports/amazon`).

Definitions (one attribution window everywhere, ADS_ATTRIBUTION_DAYS or `window`):
- ad spend = Amazon's `cost`; ad sales = `sales{window}d` (every SKU bought after the
  click, what Seller Central shows); attributed sales of a SKU = the advertised SKU's
  own sales (`attributedSalesSameSku{window}d`); organic sales = revenue - attributed
  sales (not below 0: ad sales count on the click's day, revenue on the order's).
- ACOS = spend / ad sales; ROAS = ad sales / spend; TACoS = spend / total revenue;
  CPC = spend / clicks; CTR = clicks / impressions; conversion = ad orders / clicks.
- net profit = gross profit (revenue - refunds - Amazon fees - COGS, from the daily
  rollup) - ad spend; net margin = net profit / revenue; break-even ACOS = gross
  profit / revenue (the margin before ads: an ACOS above it loses money).
Money is in the reporting currency (each day's FX rate) unless `currency=local` with
one marketplace. Unknown is null with a warning flag, never 0.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from ads.models import AdsProfile, AdsReport, AdvertisedProductDaily, CampaignDaily, ReportStatus
from ads.sync import profile_today
from catalog.filters import ALL, Period, today_in
from catalog.models import Listing
from orders import dashboard
from orders.dashboard import MONEY, change_of, money, ratio
from orders.rollup import SKU_DAY_COLUMNS, Rates

AD_SUMS = ["spend", "sales", "same_sku_sales", "clicks", "impressions", "ad_orders", "ad_units"]
MONEY_SUMS = {"spend", "sales", "same_sku_sales"}
CENT = Decimal("0.01")


def _window(window) -> int:
    return int(window or settings.ADS_ATTRIBUTION_DAYS)


SETTLING_DAYS = 3  # the last days' attribution keeps growing: marked "still settling"


def settling_from(period: Period) -> dt.date:
    """The first day still settling: late attribution adds to the last SETTLING_DAYS."""
    from catalog.models import Marketplace

    marketplace = (
        Marketplace.objects.filter(code=period.marketplace).first()
        if period.marketplace != ALL
        else None
    )
    return today_in(marketplace) - dt.timedelta(days=SETTLING_DAYS - 1)


def _settling(period: Period) -> dict:
    first = settling_from(period)
    return {"settling_from": first.isoformat(), "settling": period.end >= first}


def _ad_query(model, period: Period, window: int, keys):
    rows = model.objects.filter(
        date__range=(period.start, period.end), profile__marketplace__isnull=False
    )
    if period.marketplace != ALL:
        rows = rows.filter(profile__marketplace__code=period.marketplace)
    extra = {}
    if model is AdvertisedProductDaily:
        extra["unmapped"] = Count("id", filter=Q(listing__isnull=True))
        extra["same_sku_sales"] = Sum(f"sales_same_sku_{window}d")
    return (
        rows.values("date", "currency", "profile__marketplace__code", *keys)
        .annotate(
            spend=Sum("cost"),
            sales=Sum(f"sales_{window}d"),
            clicks=Sum("clicks"),
            impressions=Sum("impressions"),
            ad_orders=Sum(f"purchases_{window}d"),
            ad_units=Sum(f"units_sold_{window}d"),
            **extra,
        )
        .order_by()
    )


def _converted(rows, period: Period, local: bool):
    """Yield (row, missing_fx) with money in the asked currency."""
    rows = list(rows)
    rates = None if local else Rates({r["currency"] for r in rows}, period.end)
    for row in rows:
        rate = Decimal(1) if local else rates.on(row["currency"], row["date"])
        missing = rate is None
        for name in MONEY_SUMS & row.keys():
            row[name] = None if missing else (row[name] or Decimal(0)) * rate
        yield row, missing


def _add(bucket, row):
    for name in AD_SUMS:
        if name in row:
            value = row[name]
            if value is None:
                bucket["missing_fx"] = True
            else:
                bucket[name] = bucket.get(name, 0) + value


def ad_metrics(sums: dict, revenue=None) -> dict:
    spend, sales = sums.get("spend"), sums.get("sales")
    clicks, impressions = sums.get("clicks", 0), sums.get("impressions", 0)
    missing_fx = bool(sums.get("missing_fx"))
    spend = None if missing_fx else (spend or Decimal(0))
    sales = None if missing_fx else (sales or Decimal(0))
    return {
        "spend": money(spend),
        "sales": money(sales),
        "acos": ratio(spend, sales) if spend is not None and sales else None,
        "roas": ratio(sales, spend, 2) if sales is not None and spend else None,
        "tacos": ratio(spend, revenue) if spend is not None and revenue else None,
        "cpc": money(spend / clicks) if spend is not None and clicks else None,
        "ctr": ratio(clicks, impressions),
        "conversion": ratio(sums.get("ad_orders", 0), clicks),
        "clicks": int(clicks),
        "impressions": int(impressions),
        "orders": int(sums.get("ad_orders", 0)),
        "units": int(sums.get("ad_units", 0)),
        "missing_fx": missing_fx,
    }


# --- ads dashboard ---------------------------------------------------------------------------


def rollup_aggregates(local: bool, window: int, daily: bool = False) -> dict:
    """Sum expressions of the rollup's ad columns (DailyTotals, or DailySales when
    `daily`), named as `ad_metrics` reads them, with the revenue beside."""
    sfx = "" if local else "_rc"
    sums = {
        "spend": Sum(f"ad_spend{sfx}"),
        "sales": Sum(f"ad_sales_{window}d{sfx}"),
        "same_sku_sales": Sum(f"ad_same_sku_{window}d{sfx}"),
        "clicks": Coalesce(Sum("ad_clicks"), 0),
        "impressions": Coalesce(Sum("ad_impressions"), 0),
        "ad_orders": Coalesce(Sum(f"ad_orders_{window}d"), 0),
        "ad_units": Coalesce(Sum(f"ad_units_{window}d"), 0),
        "gross": Sum(f"gross_sales{sfx}"),
        "promotions": Sum(f"promotions{sfx}"),
    }
    if not local:
        sums["rows_missing_fx"] = (
            Count("id", filter=Q(missing_fx=True)) if daily else Coalesce(Sum("rows_missing_fx"), 0)
        )
    return sums


def _revenue(sums) -> Decimal:
    return (sums.get("gross") or Decimal(0)) - (sums.get("promotions") or Decimal(0))


def _ads_of(sums) -> dict:
    """The ad sums of one rollup aggregate; amounts unknown where a day had no rate."""
    found = dict(sums)
    if found.get("rows_missing_fx"):
        found["missing_fx"] = True
    return found


def summary(period: Period, local=False, window=None) -> dict:
    window = _window(window)

    def one(p):
        sums = dashboard.totals_of(p).aggregate(**rollup_aggregates(local, window))
        revenue = _revenue(sums)
        return {**ad_metrics(_ads_of(sums), revenue), "revenue": money(revenue)}

    def compute():
        current, previous_period = one(period), period.previous()
        previous = one(previous_period)
        keys = ["spend", "sales", "acos", "roas", "tacos", "cpc", "ctr", "conversion"]
        return {
            **current,
            "window_days": window,
            "previous": {
                **previous,
                "start": previous_period.start.isoformat(),
                "end": previous_period.end.isoformat(),
            },
            "change": {k: change_of(current[k], previous[k]) for k in keys},
            "coverage": coverage(period),
            **_settling(period),
        }

    return _answer("ads-summary", period, local, (local, window), compute)


def _by_day(rows, local, window) -> dict:
    return {r["date"]: r for r in rows.values("date").annotate(**rollup_aggregates(local, window))}


def timeseries(period: Period, local=False, window=None) -> dict:
    window = _window(window)

    def compute():
        by_day = _by_day(dashboard.totals_of(period), local, window)
        settling = _settling(period)
        first = dt.date.fromisoformat(settling["settling_from"])
        points = []
        for day in dashboard.buckets(period, "day"):
            sums = by_day.get(day, {})
            metrics = ad_metrics(_ads_of(sums), _revenue(sums))
            points.append({"date": day.isoformat(), **metrics, "settling": day >= first})
        return {"window_days": window, "points": points, **settling}

    return _answer("ads-series", period, local, (local, window), compute)


def _answer(name, period, local, extra, compute) -> dict:
    """The cached answer (see orders.dashboard.cached), framed with the period."""
    return dashboard.framed(period, local, dashboard.cached(name, period, extra, compute))


# --- coverage: which days have ads data --------------------------------------------------


def coverage(period: Period, now=None) -> dict:
    """Per marketplace with a selected profile: the days up to the profile's yesterday
    whose advertised-product report is not stored (attribution unknown there)."""
    now = now or timezone.now()
    profiles = AdsProfile.objects.filter(selected=True, marketplace__isnull=False)
    if period.marketplace != ALL:
        profiles = profiles.filter(marketplace__code=period.marketplace)
    found = {}
    for profile in profiles.select_related("marketplace"):
        last = min(period.end, profile_today(profile, now) - dt.timedelta(days=1))
        days = set()
        day = period.start
        while day <= last:
            days.add(day)
            day += dt.timedelta(days=1)
        done = set(
            AdsReport.objects.filter(
                profile=profile,
                report_type="spAdvertisedProduct",
                status=ReportStatus.COMPLETED,
                date__range=(period.start, period.end),
            ).values_list("date", flat=True)
        )
        missing = sorted(days - done)
        found[profile.marketplace.code] = {
            "profile_id": profile.profile_id,
            "days_missing": len(missing),
            "first_missing": missing[0].isoformat() if missing else None,
            "last_missing": missing[-1].isoformat() if missing else None,
        }
    return found


# --- SKU profitability ---------------------------------------------------------------------------


SORTS = {"spend", "revenue", "net_profit", "acos", "tacos", "net_margin"}


# How the SKU table orders, in SQL over sku_sums' rows (unknown values last).
_ORDER = {
    "spend": "COALESCE(ad_spend, 0) DESC",
    "revenue": "COALESCE(revenue, 0) DESC",
    "net_profit": "net_profit DESC NULLS LAST",
    "net_margin": "net_profit * 1.0 / NULLIF(revenue, 0) DESC NULLS LAST",
    "acos": "ad_spend * 1.0 / NULLIF(ad_sales, 0) ASC NULLS LAST",
    "tacos": "ad_spend * 1.0 / NULLIF(revenue, 0) ASC NULLS LAST",
}
MAX_ROWS = 5000
PAGE_ROWS = 200  # what the Attribution page and the API show unless asked for more


def sku_profitability(period: Period, local=False, window=None, sort="spend", limit=None,
                      offset=0) -> dict:  # fmt: skip
    """Per marketplace and SKU of the period (sales or ad spend): the rollup's sums,
    ordered and cut (`limit`, `offset`) in the database."""
    window = _window(window)
    limit = min(limit or MAX_ROWS, MAX_ROWS)

    def compute():
        from django.db import connection

        from catalog.models import Marketplace

        sums, params = dashboard.sku_sums(period, local, ads=True)
        complete = "rows_missing_cogs = 0 AND rows_missing_fees = 0" + (
            "" if local else " AND rows_missing_fx = 0"
        )
        query = f"""WITH sku AS ({sums}), ranked AS (
                SELECT sku.*, ad_sales_{window}d AS ad_sales,
                    CASE WHEN {complete} THEN COALESCE(profit_known, 0) - COALESCE(ad_spend, 0)
                    END AS net_profit
                FROM sku)
            SELECT * FROM ranked
            ORDER BY {_ORDER[sort]}, seller_sku, marketplace_id LIMIT %s OFFSET %s"""
        with connection.cursor() as cursor:
            cursor.execute(query, [*params, limit, offset])
            names = [c[0] for c in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        codes = dict(Marketplace.objects.values_list("pk", "code"))
        gaps = {code for code, c in coverage(period).items() if c["days_missing"]}
        titles = dict(
            Listing.objects.filter(pk__in={r["listing_id"] for r in rows if r["listing_id"]})
            .values_list("pk", "product__title")
        )  # fmt: skip
        items = []
        count = 0
        for row in rows:
            count = row.pop("sku_count")
            code = codes[row.pop("marketplace_id")]
            items.append(_sku_row(code, row, window, code in gaps, titles))
        return {"window_days": window, "sort": sort, "count": count, "offset": offset,
                "rows": items, **_settling(period)}  # fmt: skip

    extra = (local, window, sort, limit, offset)
    return _answer("ads-skus", period, local, extra, compute)


def _dec(value) -> Decimal:
    """A sum as Decimal (SQLite sums money as float): to the cent, 0 when null."""
    return Decimal(str(value)).quantize(CENT) if value is not None else Decimal(0)


def _sku_row(code, row, window, attribution_gap, titles) -> dict:
    sku, listing = row.pop("seller_sku"), row.pop("listing_id")
    row["skus_missing_cogs"] = 1 if row.get("rows_missing_cogs") else 0
    figures = dashboard.figures(row)
    revenue = Decimal(str(figures["revenue"]))
    ads = {
        "spend": _dec(row["ad_spend"]), "sales": _dec(row[f"ad_sales_{window}d"]),
        "clicks": row["ad_clicks"], "impressions": row["ad_impressions"],
        "ad_orders": row[f"ad_orders_{window}d"], "ad_units": row[f"ad_units_{window}d"],
        "missing_fx": figures["missing"]["fx"],
    }  # fmt: skip
    metrics = ad_metrics(ads, revenue)
    known = not metrics["missing_fx"]
    spend = Decimal(str(metrics["spend"])) if known else None
    attributed = _dec(row[f"ad_same_sku_{window}d"]) if known else None
    gross = figures["gross_profit"]
    gross = Decimal(str(gross)) if gross is not None else None
    net = gross - spend if gross is not None and spend is not None else None
    flags = [
        flag
        for flag, on in (
            ("missing_cogs", figures["missing"]["cogs"]),
            ("missing_attribution", attribution_gap),
            ("missing_mapping", bool(row.get("rows_unmapped"))),
            ("missing_fx", figures["missing"]["fx"]),
            ("missing_fees", figures["missing"]["fees"]),
        )
        if on
    ]
    return {
        "marketplace": code,
        "sku": sku,
        "title": titles.get(listing, ""),
        "revenue": money(revenue),
        "units": figures["units"],
        "ad_spend": money(spend),
        "ad_sales": metrics["sales"],
        "attributed_sales": money(attributed),
        "organic_sales": money(max(revenue - attributed, Decimal(0)))
        if attributed is not None
        else None,
        "acos": metrics["acos"],
        "roas": metrics["roas"],
        "tacos": metrics["tacos"],
        "clicks": metrics["clicks"],
        "ad_orders": metrics["orders"],
        "fees": figures["fees"]["total"],
        "refunds": figures["refunds"]["amount"],
        "cogs": figures["cogs"],
        "gross_profit": money(gross),
        "net_profit": money(net),
        "net_margin": ratio(net, revenue) if net is not None and revenue else None,
        "break_even_acos": ratio(gross, revenue) if gross is not None and revenue else None,
        "warning_flags": flags,
    }


def sku_timeseries(period: Period, sku: str, local=False, window=None) -> dict:
    """One SKU per day: revenue, units, ad spend and sales, ACOS, TACoS, net profit."""
    window = _window(window)

    def compute():
        from orders.models import DailySales

        daily = DailySales.objects.filter(date__range=(period.start, period.end), seller_sku=sku)
        if period.marketplace != ALL:
            daily = daily.filter(marketplace__code=period.marketplace)
        profit = SKU_DAY_COLUMNS["profit_known" if local else "profit_known_rc"]
        incomplete = Q(missing_cogs=True) | Q(missing_fees=True)
        if not local:
            incomplete |= Q(missing_fx=True)
        by_day = {
            row["date"]: row
            for row in daily.values("date").annotate(
                **rollup_aggregates(local, window, daily=True),
                units=Sum("units"),
                profit=Sum(RawSQL(profit, [], output_field=MONEY)),  # noqa: S611 (a constant)
                incomplete=Count("id", filter=incomplete),
            )
        }
        first = settling_from(period)
        points = []
        for day in dashboard.buckets(period, "day"):
            row = by_day.get(day) or {}
            revenue = _revenue(row)
            metrics = ad_metrics(_ads_of(row), revenue)
            gross = None if row.get("incomplete") else (row.get("profit") or Decimal(0))
            spend = None if metrics["missing_fx"] else Decimal(str(metrics["spend"] or 0))
            points.append(
                {
                    "date": day.isoformat(),
                    "revenue": money(revenue),
                    "units": int(row.get("units") or 0),
                    "ad_spend": metrics["spend"],
                    "ad_sales": metrics["sales"],
                    "acos": metrics["acos"],
                    "tacos": metrics["tacos"],
                    "clicks": metrics["clicks"],
                    "net_profit": money(gross - spend)
                    if gross is not None and spend is not None
                    else None,
                    "settling": day >= first,
                }
            )
        return {"sku": sku, "window_days": window, "points": points, **_settling(period)}

    return _answer("ads-sku-series", period, local, (sku, local, window), compute)


# --- the daily merge (seed 001's Amazon report) ----------------------------------------------


def amazon_report(period: Period, local=False, window=None) -> dict:
    """Per day: revenue, units, sessions, fees, refunds from the rollup beside ad spend
    and ad sales; estimated payout = revenue - refunds - ad spend - Amazon fees (null
    on a day with fees unknown)."""
    window = _window(window)

    def compute():
        ad_sums = {
            f"ads_{k}": v
            for k, v in rollup_aggregates(local, window).items()
            if k not in ("rows_missing_fx", "gross", "promotions")  # the totals' own
        }
        rows = {
            r.pop("date"): r
            for r in dashboard.totals_of(period)
            .values("date")
            .annotate(**dashboard.total_aggregates(local), **ad_sums)
        }
        settling = _settling(period)
        first = dt.date.fromisoformat(settling["settling_from"])
        points, totals = [], defaultdict(Decimal)
        for day in dashboard.buckets(period, "day"):
            row = rows.get(day) or {}
            figures = dashboard.figures({k: v for k, v in row.items() if not k.startswith("ads_")})
            ads = {k.removeprefix("ads_"): v for k, v in row.items() if k.startswith("ads_")}
            ads["rows_missing_fx"] = row.get("rows_missing_fx")
            metrics = ad_metrics(_ads_of(ads), figures["revenue"])
            fees = figures["fees"]["total"]
            spend = metrics["spend"]
            payout = (
                figures["revenue"] - figures["refunds"]["amount"] - spend - fees
                if fees is not None and spend is not None
                else None
            )
            point = {
                "date": day.isoformat(),
                "revenue": figures["revenue"],
                "units": figures["units"],
                "sessions": figures["sessions"],
                "fba_fees": figures["fees"]["fba"],
                "referral_fees": figures["fees"]["referral"],
                "other_fees": figures["fees"]["other"],
                "refunds": figures["refunds"]["amount"],
                "refund_fees": figures["fees"]["refunds"],
                "cogs_known": figures["cogs_known"],
                "ad_spend": spend,
                "ad_sales": metrics["sales"],
                "estimated_payout": round(payout, 2) if payout is not None else None,
                "net_profit": round(figures["gross_profit"] - spend, 2)
                if figures["gross_profit"] is not None and spend is not None
                else None,
                "fees_missing": figures["fees"]["missing"],
                "settling": day >= first,
            }
            points.append(point)
            for name in ("revenue", "ad_spend", "ad_sales", "refunds"):
                totals[name] += Decimal(str(point[name] or 0))
        return {
            "window_days": window,
            "points": points,
            "totals": {k: money(v) for k, v in totals.items()},
            **settling,
        }

    return _answer("amazon-report", period, local, (local, window), compute)


def campaigns(period: Period, local=False, window=None) -> dict:
    """Each campaign of the period: spend, ad sales, ACOS, ROAS, clicks, CTR, CPC,
    orders, with its latest name, state and budget; largest spend first."""
    window = _window(window)

    def compute():
        rows = _ad_query(CampaignDaily, period, window, ["campaign_id"])
        by_campaign = defaultdict(dict)
        for row, _missing in _converted(rows, period, local):
            _add(by_campaign[(row["profile__marketplace__code"], row["campaign_id"])], row)
        latest = {}
        for row in (
            CampaignDaily.objects.filter(
                date__range=(period.start, period.end),
                campaign_id__in={key[1] for key in by_campaign},
            )
            .order_by("campaign_id", "date")
            .values(
                "campaign_id",
                "campaign_name",
                "campaign_status",
                "budget_amount",
                "budget_type",
                "currency",
            )
        ):
            latest[row["campaign_id"]] = row
        items = []
        for (code, campaign_id), sums in by_campaign.items():
            info = latest.get(campaign_id, {})
            budget = info.get("budget_amount")
            items.append(
                {
                    "marketplace": code,
                    "campaign_id": campaign_id,
                    "name": info.get("campaign_name", ""),
                    "state": info.get("campaign_status", ""),
                    "budget": float(budget) if budget is not None else None,
                    "budget_type": info.get("budget_type", ""),
                    "budget_currency": info.get("currency", ""),
                    **ad_metrics(sums),
                }
            )
        items.sort(key=lambda i: (-(i["spend"] or 0), i["marketplace"], i["name"]))
        return {"window_days": window, "campaigns": items, **_settling(period)}

    return _answer("ads-campaigns", period, local, (local, window), compute)
