"""The alert rules: each reads what the other apps keep and returns the conditions it
finds now. Evaluation (alerts.services) turns conditions into events: a condition seen
again updates its event, one no longer seen resolves it.

Every condition names itself with a `key` (rule and subject) and carries the numbers
behind it, a message a seller reads without opening anything else, and a `level` (how
bad, on the rule's own scale) so an acknowledged event can tell when it got worse.
"""

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone

from alerts.models import AlertSettings, Severity
from catalog.filters import Period
from catalog.models import Marketplace, StockDay

RULES = {}


def rule(name, label):
    def register(func):
        RULES[name] = (label, func)
        return func

    return register


@dataclass
class Condition:
    rule: str
    key: str
    severity: str
    subject: str
    message: str
    numbers: dict = field(default_factory=dict)
    level: float = 0.0
    step: float = 1.0  # how much `level` must grow past an acknowledged one to reopen it
    marketplace_id: int | None = None
    listing_id: int | None = None
    link: str = ""


@dataclass
class Context:
    """What several rules read, computed once per evaluation."""

    settings: AlertSettings
    now: dt.datetime
    marketplaces: list  # the watched ones
    _plan: list | None = None

    @property
    def plan(self) -> list[dict]:
        if self._plan is None:
            from forecasting.plans import restock_plan

            self._plan = [
                row for market in self.marketplaces for row in restock_plan(marketplace=market)
            ]
        return self._plan


def _restock_link(row) -> str:
    return f"{reverse('restock')}?marketplace={row['marketplace']}#listing-{row['listing_id']}"


def _forecast_link(code, sku) -> str:
    return f"{reverse('forecast')}?marketplace={code}&sku={sku}&sku_marketplace={code}#sku-chart"


@rule("stock", "Stock-out imminent / low stock")
def stock(ctx: Context):
    """Days of cover (the restock plan's: stock, arrivals and forecast) under the
    critical or warning threshold."""
    critical, warning = ctx.settings.cover_critical_days, ctx.settings.cover_warning_days
    for row in ctx.plan:
        cover = row["days_of_cover"]
        if cover is None or row["forecast_method"] is None or cover >= warning:
            continue
        severity = Severity.CRITICAL if cover < critical else Severity.WARNING
        what = "out of stock now" if cover == 0 else f"{cover} day(s) of cover left"
        yield Condition(
            rule="stock",
            key=f"stock:{row['listing_id']}",
            severity=severity,
            subject=f"{row['marketplace']} {row['seller_sku']}",
            message=(
                f"{row['seller_sku']} ({row['title']}) on {row['marketplace']}: {what}; "
                f"stock runs out around {row['stockout_date']} at {row['daily_demand']} "
                f"units/day ({row['on_hand']} on hand, {row['inbound']} inbound, "
                f"{row['on_order']} on order)."
            ),
            numbers={
                "days_of_cover": cover,
                "stockout_date": row["stockout_date"],
                "daily_demand": row["daily_demand"],
                "on_hand": row["on_hand"],
                "inbound": row["inbound"],
                "on_order": row["on_order"],
                "thresholds": {"critical": critical, "warning": warning},
            },
            level=warning - cover,
            # Cover shrinks by a day every day: only turning critical reopens it.
            step=float(warning),
            marketplace_id=_market_id(ctx, row["marketplace"]),
            listing_id=row["listing_id"],
            link=_restock_link(row),
        )


@rule("reorder", "Reorder now / soon / order-by passed")
def reorder(ctx: Context):
    """The restock plan's action and order-by date: passed (critical), today (warning),
    within the review period (info)."""
    for row in ctx.plan:
        if row["action"] not in ("order_now", "order_soon") or row["order_by"] is None:
            continue
        late = (row["today"] - row["order_by"]).days
        if late > 0:
            severity, what = (
                Severity.CRITICAL,
                f"order-by date {row['order_by']} passed {late} day(s) ago",
            )
        elif row["action"] == "order_now":
            severity, what = Severity.WARNING, "reorder now: today is the order-by date"
        else:
            severity, what = Severity.INFO, f"reorder soon: order by {row['order_by']}"
        value = (
            f" ({row['order_value']:.2f} {row['currency']})"
            if row["order_value"] is not None
            else ""
        )
        if row["suggested_quantity"]:
            advice = f"suggested {row['suggested_quantity']} units{value}"
        else:
            advice = (
                f"the {row['inbound'] + row['on_order']} units inbound or on order cover the "
                "need but arrive too late: expedite them"
            )
        yield Condition(
            rule="reorder",
            key=f"reorder:{row['listing_id']}",
            severity=severity,
            subject=f"{row['marketplace']} {row['seller_sku']}",
            message=(
                f"{row['seller_sku']} ({row['title']}) on {row['marketplace']}: {what}; "
                f"{advice}; lead time {row['lead_time_days']} days."
            ),
            numbers={
                "order_by": row["order_by"],
                "days_late": max(late, 0),
                "suggested_quantity": row["suggested_quantity"],
                "order_value": row["order_value"],
                "currency": row["currency"],
                "lead_time_days": row["lead_time_days"],
            },
            level=late,
            step=7,  # a week later still not ordered: ask again
            marketplace_id=_market_id(ctx, row["marketplace"]),
            listing_id=row["listing_id"],
            link=_restock_link(row),
        )


def _market_id(ctx, code):
    return next((m.pk for m in ctx.marketplaces if m.code == code), None)


def _source_in_use(source: str) -> bool:
    from ads.models import AdsProfile
    from orders.models import SpApiConnection

    if source.startswith("ads"):
        return AdsProfile.objects.filter(selected=True).exists()
    return SpApiConnection.objects.filter(active=True).exists()


@rule("sync", "Stale data / sync failing")
def sync(ctx: Context):
    """A source whose last success is older than its threshold (warning; critical past
    three times it), and one whose last N runs all failed (critical)."""
    from orders.models import SyncRun, SyncSource, SyncStatus
    from orders.services import last_success

    labels = dict(SyncSource.choices)
    for source, hours in ctx.settings.stale_hours.items():
        if source not in labels or not _source_in_use(source):
            continue
        success = last_success(source)
        age = (ctx.now - success.finished_at).total_seconds() / 3600 if success else None
        if age is None or age > hours:
            severity = Severity.CRITICAL if age is None or age > 3 * hours else Severity.WARNING
            when = f"{age:.1f} hours ago" if age is not None else "never"
            yield Condition(
                rule="sync",
                key=f"stale:{source}",
                severity=severity,
                subject=labels[source],
                message=f"{labels[source]}: last successful sync {when} (threshold {hours} h).",
                numbers={"source": source, "age_hours": age, "threshold_hours": hours},
                level=age if age is not None else 1e9,
                step=float(hours),
                link=reverse("sync-status"),
            )
        runs = list(
            SyncRun.objects.filter(source=source)
            .exclude(status__in=[SyncStatus.QUEUED, SyncStatus.RUNNING])
            .order_by("-created_at", "-id")
            .values_list("status", "error")[: ctx.settings.failing_runs]
        )
        if len(runs) == ctx.settings.failing_runs and all(s == SyncStatus.FAILED for s, _ in runs):
            yield Condition(
                rule="sync",
                key=f"failing:{source}",
                severity=Severity.CRITICAL,
                subject=labels[source],
                message=(
                    f"{labels[source]}: the last {len(runs)} runs failed; the latest: "
                    f"{(runs[0][1] or 'no error recorded')[:300]}"
                ),
                numbers={"source": source, "failed_runs": len(runs), "error": runs[0][1][:500]},
                level=len(runs),
                link=reverse("sync-status"),
            )


def _ads_rows(ctx: Context, market):
    from ads import figures

    end = market.local_date(ctx.now) - dt.timedelta(days=figures.SETTLING_DAYS)
    days = ctx.settings.acos_days
    period = Period(market.code, end - dt.timedelta(days=days - 1), end, None)
    return period, figures.sku_profitability(period, sort="spend")["rows"]


@rule("ads", "Ads: ACOS above break-even, spend without sales, spend on a stock-out")
def ads(ctx: Context):
    """Over the last `acos_days` settled days: ACOS above the SKU's break-even ACOS (the
    ads lose money), ad spend with no ad sales above the threshold, and ad spend on a SKU
    likely to run out before its next delivery (the ads will sell what is not there)."""
    threshold = float(ctx.settings.zero_sales_spend)
    plan = {(row["marketplace"], row["seller_sku"]): row for row in ctx.plan}
    for market in ctx.marketplaces:
        period, rows = _ads_rows(ctx, market)
        span = f"{period.start} – {period.end}"
        attribution = f"{reverse('ads-attribution')}?marketplace={market.code}"
        for row in rows:
            spend = row["ad_spend"]
            if not spend:
                continue
            # what the three ads conditions of one SKU have in common
            condition = functools.partial(
                Condition,
                rule="ads",
                severity=Severity.WARNING,
                subject=f"{market.code} {row['sku']}",
                marketplace_id=market.pk,
            )
            base = {"period": span, "ad_spend": spend, "ad_sales": row["ad_sales"]}
            acos, even = row["acos"], row["break_even_acos"]
            if acos is not None and even is not None and acos > even:
                yield condition(
                    key=f"acos:{market.code}:{row['sku']}",
                    message=(
                        f"{row['sku']} on {market.code}: ACOS {acos:.0%} above its break-even "
                        f"{even:.0%} over {span} ({spend:.2f} spent for {row['ad_sales']:.2f} "
                        f"of ad sales): its ads lose money."
                    ),
                    numbers={**base, "acos": acos, "break_even_acos": even},
                    level=(acos - even) * 100,
                    step=10,
                    link=attribution,
                )
            if not row["ad_sales"] and spend >= threshold:
                yield condition(
                    key=f"waste:{market.code}:{row['sku']}",
                    message=(
                        f"{row['sku']} on {market.code}: {spend:.2f} of ad spend and no ad "
                        f"sales over {span} (threshold {threshold:.2f})."
                    ),
                    numbers={**base, "threshold": threshold},
                    level=spend,
                    step=threshold,
                    link=attribution,
                )
            planned = plan.get((market.code, row["sku"]))
            if planned and _runs_out_first(planned):
                yield condition(
                    key=f"ads_stockout:{planned['listing_id']}",
                    message=(
                        f"{row['sku']} on {market.code}: {spend:.2f} of ad spend over {span} "
                        f"while stock is likely to run out on {planned['stockout_date']} "
                        f"({planned['stockout_probability']:.0%} before the next arrival): "
                        f"consider pausing its ads."
                    ),
                    numbers={
                        **base,
                        "stockout_date": planned["stockout_date"],
                        "stockout_probability": planned["stockout_probability"],
                        "next_arrival": planned["next_arrival"],
                    },
                    level=planned["stockout_probability"] * 100,
                    step=20,
                    listing_id=planned["listing_id"],
                    link=_restock_link(planned),
                )


def _runs_out_first(row) -> bool:
    probability = row["stockout_probability"]
    if row["stockout_date"] is None or probability is None or probability < 0.5:
        return False
    return row["next_arrival"] is None or row["stockout_date"] < row["next_arrival"]


@rule("anomaly", "Sales anomaly")
def anomaly(ctx: Context):
    """Yesterday's units of a listing far outside the band forecast for that day (by a
    run made before it): a drop may mean a suppressed listing or a lost buy box, a spike a
    mention or a pricing error. Days with no stock are the stock rule's business."""
    from forecasting.models import SeriesForecast, SeriesKind
    from orders.models import DailySales

    band = ctx.settings.anomaly_band
    floor = ctx.settings.anomaly_min_units
    for market in ctx.marketplaces:
        yesterday = market.local_date(ctx.now) - dt.timedelta(days=1)
        forecasts = (
            SeriesForecast.objects.filter(
                kind=SeriesKind.LISTING,
                marketplace=market,
                # A forecast made in the last week (older ones are stale, and every kept
                # run's arrays would be read for nothing).
                first_day__range=(yesterday - dt.timedelta(days=6), yesterday),
            )
            .select_related("listing")
            .order_by("listing_id", "-first_day", "-run_id")
        )
        chosen = {}
        for forecast in forecasts.only(
            "listing_id", "first_day", "run_id", "mean", f"lo{band}", f"hi{band}",
            "listing__seller_sku",
        ):  # fmt: skip
            chosen.setdefault(forecast.listing_id, forecast)
        if not chosen:
            continue
        sold = dict(
            DailySales.objects.filter(
                marketplace=market, date=yesterday, listing_id__in=list(chosen)
            ).values_list("listing_id", "units")
        )
        out = set(
            StockDay.objects.filter(
                date=yesterday, available=0, listing_id__in=list(chosen)
            ).values_list("listing_id", flat=True)
        )
        for listing_id, forecast in chosen.items():
            day = (yesterday - forecast.first_day).days
            if day >= len(forecast.mean) or listing_id in out:
                continue
            units = sold.get(listing_id, 0)
            mean = forecast.mean[day]
            low, high = getattr(forecast, f"lo{band}")[day], getattr(forecast, f"hi{band}")[day]
            if max(mean, units) < floor or low <= units <= high:
                continue
            drop = units < low
            sku = forecast.listing.seller_sku
            yield Condition(
                rule="anomaly",
                key=f"anomaly:{listing_id}",
                severity=Severity.WARNING if drop else Severity.INFO,
                subject=f"{market.code} {sku}",
                message=(
                    f"{sku} on {market.code} sold {units} on {yesterday}, "
                    f"{'below' if drop else 'above'} its {band}% forecast band "
                    f"{low:.1f}–{high:.1f} (forecast {mean:.1f})"
                    + (": check the listing is live and holds the buy box." if drop else ".")
                ),
                numbers={
                    "date": yesterday,
                    "units": units,
                    "forecast": mean,
                    "low": low,
                    "high": high,
                    "band": band,
                },
                level=(low - units) if drop else (units - high),
                step=max(1.0, mean),
                marketplace_id=market.pk,
                listing_id=listing_id,
                link=_forecast_link(market.code, sku),
            )


@rule("missing", "Missing data: unmapped SKUs, sold SKUs without cost")
def missing(ctx: Context):
    """SKUs Amazon reports that the catalog does not map (their sales and fees land
    nowhere), and products sold without a unit cost (their profit is unknown)."""
    from catalog.services import products_missing_cost, unmapped_skus

    watched = {m.pk for m in ctx.marketplaces}
    seen = set()
    for observed in unmapped_skus():
        pair = (observed.marketplace_id, observed.seller_sku)
        if observed.marketplace_id not in watched or pair in seen:
            continue
        seen.add(pair)
        yield Condition(
            rule="missing",
            key=f"unmapped:{observed.marketplace_id}:{observed.seller_sku}",
            severity=Severity.WARNING,
            subject=f"{observed.marketplace.code} {observed.seller_sku}",
            message=(
                f"{observed.seller_sku} on {observed.marketplace.code} is in Amazon's "
                f"{observed.get_source_display().lower()} data (first seen "
                f"{observed.first_seen:%Y-%m-%d}) but mapped to no product: its figures "
                f"are left out of SKU reports."
            ),
            numbers={"first_seen": observed.first_seen, "source": observed.source},
            marketplace_id=observed.marketplace_id,
            link=reverse("data-health"),
        )
    for product in products_missing_cost(timezone.localdate(ctx.now)):
        yield Condition(
            rule="missing",
            key=f"no_cost:{product.pk}",
            severity=Severity.WARNING,
            subject=product.sku,
            message=(
                f"{product.sku} ({product.title}) sells without a unit cost: its profit is "
                f"unknown. Add its cost in Admin > SKU costs."
            ),
            numbers={"sku": product.sku},
            link=reverse("data-health"),
        )


def conditions(ctx: Context):
    for _label, func in RULES.values():
        yield from func(ctx)


def context(now=None) -> Context:
    settings = AlertSettings.load()
    watched = list(settings.marketplaces.filter(active=True))
    markets = watched or list(Marketplace.objects.filter(active=True))
    return Context(settings=settings, now=now or timezone.now(), marketplaces=markets)
