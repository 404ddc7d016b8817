"""Reads for pages and APIs: latest forecasts with their history, forecast quality, and
the restock plan of every listing (from the latest forecasts, stock, inbound and open
purchase orders)."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.conf import settings

from catalog.filters import today_in
from catalog.models import Fulfillment, InventoryLevel, Listing, Location, SkuCost
from forecasting import restock
from forecasting.models import PurchaseOrder, PurchaseOrderStatus, SeriesForecast, SeriesKind

# Forecast quality, from the backtest: the chosen method's MASE against the weekly
# seasonal naive's on the same windows. "Good" beats it by a fifth or more.
GOOD_RATIO = 0.8


def quality(forecast: SeriesForecast | None) -> dict:
    """A plain badge for a forecast's measured accuracy."""
    if forecast is None:
        return {"grade": "none", "label": "No forecast", "detail": "no sales to forecast from"}
    if forecast.low_history:
        return {
            "grade": "low_history",
            "label": "Low history",
            "detail": f"{forecast.history_days} days of sales: a simple rate with wide bands",
        }
    if forecast.mase is None or not forecast.baseline_mase:
        return {"grade": "unmeasured", "label": "Unmeasured", "detail": "backtest not possible"}
    ratio = forecast.mase / forecast.baseline_mase
    better = (1 - ratio) * 100
    detail = (
        f"{abs(better):.0f}% {'better' if better >= 0 else 'worse'} than repeating last week "
        f"(MASE {forecast.mase:.2f} vs {forecast.baseline_mase:.2f})"
    )
    if ratio <= GOOD_RATIO:
        return {"grade": "good", "label": "Good", "detail": detail}
    if ratio <= 1:
        return {"grade": "fair", "label": "Fair", "detail": detail}
    return {"grade": "poor", "label": "Poor", "detail": detail}


def weighted(rows, field: str) -> float | None:
    """`field` averaged over forecasts weighted by their recent units (None: no weight)."""
    pairs = [(getattr(r, field), r.recent_units) for r in rows if getattr(r, field) is not None]
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else None


def latest_forecasts(listing_ids=None) -> dict[int, SeriesForecast]:
    rows = SeriesForecast.objects.latest().filter(kind=SeriesKind.LISTING)
    if listing_ids is not None:
        rows = rows.filter(listing_id__in=list(listing_ids))
    return {row.listing_id: row for row in rows}


def from_today(forecast: SeriesForecast, today: dt.date, field: str) -> np.ndarray:
    """A forecast array cut to start today (a run from an earlier day has passed days)."""
    values = np.asarray(getattr(forecast, field), dtype=float)
    return values[max(0, (today - forecast.first_day).days) :]


@dataclass(frozen=True)
class PlanSettings:
    """What the plan assumes; the what-if endpoint overrides some of it."""

    service_level: float
    review_days: int
    inbound_days: int
    overstock_days: int
    lead_time_days: int | None = None  # None: each product's own

    @classmethod
    def default(cls, **overrides):
        values = {
            "service_level": settings.RESTOCK_SERVICE_LEVEL,
            "review_days": settings.RESTOCK_REVIEW_DAYS,
            "inbound_days": settings.RESTOCK_INBOUND_DAYS,
            "overstock_days": settings.RESTOCK_OVERSTOCK_DAYS,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def lead_time_of(product) -> int:
    transit = product.transit_days
    if transit is None:
        transit = settings.RESTOCK_TRANSIT_DAYS
    return product.lead_time_days + transit + settings.RESTOCK_RECEIVING_DAYS


def _costs(products) -> dict:
    """Each product's cost entries, newest first."""
    costs = defaultdict(list)
    for cost in SkuCost.objects.filter(product__in=products).order_by("-effective_from"):
        costs[cost.product_id].append(cost)
    return costs


def _cost_on(entries, day):
    return next((c for c in entries if c.effective_from <= day), None)


def restock_plan(
    *, marketplace=None, skus=None, plan_settings: PlanSettings | None = None, actions=None
) -> list[dict]:
    """The restock plan of every active listing (of a marketplace, or the SKUs asked)."""
    plan_settings = plan_settings or PlanSettings.default()
    listings = Listing.objects.filter(active=True, marketplace__active=True).select_related(
        "marketplace", "product"
    )
    if marketplace is not None:
        listings = listings.filter(marketplace=marketplace)
    if skus:
        listings = listings.filter(seller_sku__in=skus)
    listings = list(listings)
    ids = [listing.pk for listing in listings]
    forecasts = latest_forecasts(ids)
    levels = defaultdict(dict)
    for level in InventoryLevel.objects.filter(listing_id__in=ids):
        levels[level.listing_id][level.location] = level
    orders = defaultdict(list)
    for po in PurchaseOrder.objects.filter(listing_id__in=ids, status=PurchaseOrderStatus.OPEN):
        orders[po.listing_id].append(po)
    costs = _costs({listing.product_id for listing in listings})
    todays = {}
    rows = []
    for listing in listings:
        market = listing.marketplace
        today = todays.setdefault(market.pk, today_in(market))
        row = plan_row(
            listing,
            forecasts.get(listing.pk),
            levels[listing.pk],
            orders[listing.pk],
            _cost_on(costs[listing.product_id], today),
            today,
            plan_settings,
        )
        if actions and row["action"] not in actions:
            continue
        rows.append(row)
    return rows


def plan_row(listing, forecast, levels, purchase_orders, cost, today, plan_settings) -> dict:
    product = listing.product
    location = Location.FBA if listing.fulfillment == Fulfillment.FBA else Location.WAREHOUSE
    level = levels.get(location)
    on_hand = level.on_hand if level else 0
    inbound = level.inbound if level and location == Location.FBA else 0
    lead = (
        plan_settings.lead_time_days
        if plan_settings.lead_time_days is not None
        else lead_time_of(product)
    )
    cum_sigma = None
    if forecast is not None:
        mean = from_today(forecast, today, "mean")
        sigma = restock.sigma_from_bands(
            mean, *(from_today(forecast, today, f) for f in ("lo80", "hi80", "lo95", "hi95"))
        )
        if forecast.cum_sigma:
            passed = max(0, (today - forecast.first_day).days)
            cum_sigma = restock.shift_cumulative(forecast.cum_sigma, passed)
    else:
        mean = sigma = np.zeros(1)
    result = restock.plan(
        restock.RestockInput(
            today=today,
            mean=mean,
            sigma=sigma,
            on_hand=on_hand,
            inbound=inbound,
            inbound_days=plan_settings.inbound_days,
            purchase_orders=[
                (po.expected_arrival, po.quantity, f"PO {po.reference or po.pk}")
                for po in purchase_orders
            ],
            lead_time_days=lead,
            review_days=plan_settings.review_days,
            case_pack=product.case_pack,
            min_order=product.min_order_quantity,
            service_level=plan_settings.service_level,
            overstock_days=plan_settings.overstock_days,
            unit_cost=cost.landed_cost if cost else None,
            cum_sigma=cum_sigma,
            cum_quantiles=forecast.cum_quantiles if forecast is not None else None,
            cum_scale=forecast.cum_scale if forecast is not None else None,
        )
    )
    action = result.action
    reasons = list(result.reasons)
    if forecast is None:
        action = restock.Action.NO_FORECAST if on_hand or inbound else restock.Action.OK
        reasons = ["no sales in the forecast history: nothing to plan from"]
    stale = level is None or level.is_stale()
    if level is None:
        reasons.append("no stock figures for this listing: on hand counted as 0")
    elif stale:
        reasons.append(f"stock figures are stale (as of {level.as_of:%Y-%m-%d %H:%M} UTC)")
    if cost is None:
        reasons.append("no unit cost: order value unknown")
    return {
        "listing_id": listing.pk,
        "marketplace": listing.marketplace.code,
        "seller_sku": listing.seller_sku,
        "sku": product.sku,
        "title": product.title,
        "supplier": product.supplier,
        "fulfillment": listing.fulfillment,
        "action": action,
        "action_label": restock.Action.LABELS[action],
        "reasons": reasons,
        "on_hand": result.on_hand,
        "inbound": result.inbound,
        "on_order": result.on_order,
        "position": result.position,
        "lead_time_days": result.lead_time_days,
        "daily_demand": round(result.daily_demand, 2),
        "lead_time_demand": round(result.lead_time_demand, 1),
        "safety_stock": round(result.safety_stock, 1),
        "reorder_point": round(result.reorder_point, 1),
        "order_up_to": round(result.order_up_to, 1),
        "days_of_cover": result.days_of_cover,
        "stockout_date": result.stockout_date,
        "stockout_probability": (
            round(result.stockout_probability, 3)
            if result.stockout_probability is not None
            else None
        ),
        "next_arrival": result.next_arrival,
        "order_by": result.order_by,
        "order_by_overdue": result.order_by is not None and result.order_by < today,
        "suggested_quantity": result.suggested_quantity,
        "case_pack": product.case_pack,
        "cases": result.cases,
        "unit_cost": cost.landed_cost if cost else None,
        "currency": cost.currency if cost else None,
        "order_value": result.order_value,
        "inventory_as_of": level.as_of if level else None,
        "inventory_stale": stale,
        "forecast_method": forecast.method if forecast else None,
        "forecast_quality": quality(forecast)["grade"],
        "low_history": forecast.low_history if forecast else False,
        "today": today,
    }


# --- Forecast reads ---------------------------------------------------------------------

HISTORY_SHOWN = 180  # days of history drawn before a forecast
HORIZON_CHOICES = (30, 60, 90)


def _dates(first: dt.date, count: int) -> list[str]:
    return [(first + dt.timedelta(days=i)).isoformat() for i in range(count)]


def accuracy_of(forecast: SeriesForecast) -> dict:
    return {
        "method": forecast.method,
        "demand_class": forecast.demand_class,
        "low_history": forecast.low_history,
        "quality": quality(forecast),
        "mase": forecast.mase,
        "wape": forecast.wape,
        "bias": forecast.bias,
        "baseline": {
            "method": "snaive7",
            "mase": forecast.baseline_mase,
            "wape": forecast.baseline_wape,
            "bias": forecast.baseline_bias,
        },
        "candidates": forecast.candidates,
        "history_days": forecast.history_days,
    }


def forecast_payload(forecast: SeriesForecast, horizon: int, history: dict) -> dict:
    """A chart's worth: recent history (censored days marked) and the forecast with bands."""
    first_shown = forecast.first_day - dt.timedelta(days=HISTORY_SHOWN)
    censored = set(forecast.censored_days)
    days = [first_shown + dt.timedelta(days=i) for i in range(HISTORY_SHOWN)]
    return {
        "run": forecast.run_id,
        "made_at": forecast.run.finished_at,
        "engine_version": forecast.run.engine_version,
        "first_day": forecast.first_day,
        "horizon": horizon,
        "history": {
            "dates": [d.isoformat() for d in days],
            "units": [history.get(d, 0) for d in days],
            "censored": [d.isoformat() in censored for d in days],
        },
        "censored_days": sorted(censored),
        "forecast": {
            "dates": _dates(forecast.first_day, horizon),
            **{f: forecast_values(forecast, f)[:horizon] for f in BANDS},
        },
        "units": round(sum(forecast.mean[:horizon]), 1),
        "accuracy": accuracy_of(forecast),
    }


BANDS = ("mean", "lo80", "hi80", "lo95", "hi95")


def forecast_values(forecast: SeriesForecast, field: str) -> list:
    return [round(v, 2) for v in getattr(forecast, field)]


def _latest(**keys) -> SeriesForecast | None:
    return SeriesForecast.objects.latest().filter(**keys).select_related("run").first()


def listing_forecast(listing: Listing, horizon: int) -> dict | None:
    from orders.models import DailySales

    forecast = _latest(kind=SeriesKind.LISTING, listing=listing)
    if forecast is None:
        return None
    start = forecast.first_day - dt.timedelta(days=HISTORY_SHOWN)
    history = dict(
        DailySales.objects.filter(
            listing=listing, date__gte=start, date__lt=forecast.first_day
        ).values_list("date", "units")
    )
    body = forecast_payload(forecast, horizon, history)
    body["listing"] = {
        "marketplace": listing.marketplace.code,
        "seller_sku": listing.seller_sku,
        "sku": listing.product.sku,
        "title": listing.product.title,
    }
    return body


def total_forecast(marketplace, horizon: int) -> dict | None:
    from django.db.models import Sum

    from orders.models import DailyTotals

    forecast = _latest(kind=SeriesKind.TOTAL, marketplace=marketplace)
    if forecast is None:
        return None
    start = forecast.first_day - dt.timedelta(days=HISTORY_SHOWN)
    rows = DailyTotals.objects.filter(date__gte=start, date__lt=forecast.first_day)
    if marketplace is not None:
        rows = rows.filter(marketplace=marketplace)
    history = dict(rows.values_list("date").annotate(u=Sum("units")).values_list("date", "u"))
    body = forecast_payload(forecast, horizon, history)
    body["marketplace"] = marketplace.code if marketplace else "ALL"
    return body


def top_skus(marketplace, horizon: int, limit: int) -> list[dict]:
    """The listings with the most forecast units over the horizon."""
    field = f"units_{horizon}"
    rows = SeriesForecast.objects.latest().filter(kind=SeriesKind.LISTING)
    if marketplace is not None:
        rows = rows.filter(marketplace=marketplace)
    rows = rows.select_related("listing__marketplace", "listing__product").order_by(
        f"-{field}", "listing__seller_sku"
    )[:limit]
    return [
        {
            "marketplace": row.listing.marketplace.code,
            "seller_sku": row.listing.seller_sku,
            "title": row.listing.product.title,
            "units": round(getattr(row, field), 1),
            "daily": round(getattr(row, field) / horizon, 2),
            "method": row.method,
            "quality": quality(row),
            "low_history": row.low_history,
            "censored_days": len(row.censored_days),
        }
        for row in rows
    ]


def accuracy_summary(marketplace) -> dict:
    """How accurate the latest forecasts were in their backtests, weighted by recent units,
    beside the weekly seasonal naive; and how many listings fall in each grade."""
    rows = SeriesForecast.objects.latest().filter(kind=SeriesKind.LISTING)
    if marketplace is not None:
        rows = rows.filter(marketplace=marketplace)
    rows = list(
        rows.only(
            "method", "low_history", "history_days", "mase", "wape", "bias", "baseline_mase",
            "baseline_wape", "baseline_bias", "recent_units", "run_id",
        )
    )  # fmt: skip

    def mean(field):
        value = weighted(rows, field)
        return round(value, 4) if value is not None else None

    def median(field):
        values = sorted(getattr(r, field) for r in rows if getattr(r, field) is not None)
        return round(float(np.median(values)), 4) if values else None

    grades = defaultdict(int)
    methods = defaultdict(int)
    for row in rows:
        grades[quality(row)["grade"]] += 1
        methods[row.method] += 1
    return {
        "marketplace": marketplace.code if marketplace else "ALL",
        "listings": len(rows),
        "weighting": "units sold in the last 28 days",
        "forecast": {
            "wape": mean("wape"),
            "bias": mean("bias"),
            "mase_median": median("mase"),
        },
        "baseline": {
            "method": "snaive7",
            "wape": mean("baseline_wape"),
            "bias": mean("baseline_bias"),
            "mase_median": median("baseline_mase"),
        },
        "grades": dict(grades),
        "methods": dict(sorted(methods.items(), key=lambda kv: -kv[1])),
        "runs": sorted({r.run_id for r in rows}),
    }


def actions_total(rows: list[dict]) -> dict:
    """Listings per action; units, cases and order value (per currency) to order."""
    counts = dict.fromkeys(restock.Action.ALL, 0)
    units = dict.fromkeys(restock.Action.ALL, 0)
    value = defaultdict(lambda: defaultdict(lambda: Decimal(0)))
    missing_cost = 0
    overdue = 0
    for row in rows:
        counts[row["action"]] += 1
        units[row["action"]] += row["suggested_quantity"]
        overdue += row["order_by_overdue"] and row["action"] == restock.Action.ORDER_NOW
        if row["suggested_quantity"]:
            if row["order_value"] is None:
                missing_cost += 1
            else:
                value[row["action"]][row["currency"]] += row["order_value"]
    return {
        "listings": len(rows),
        "actions": [
            {
                "action": action,
                "label": restock.Action.LABELS[action],
                "listings": counts[action],
                "units": units[action],
                "value": dict(value[action]),
            }
            for action in restock.Action.ALL
        ],
        "overdue": overdue,
        "without_cost": missing_cost,
    }
