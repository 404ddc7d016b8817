"""Restock arithmetic: from a daily demand forecast and the stock picture to what to
order, how much and by when. Pure functions; `forecasting.plans` feeds them.

The policy is a periodic review order-up-to policy (R, S) with a service-level safety
stock, as in Silver, Pyke & Thomas, "Inventory and Production Management in Supply
Chains" (4th ed., ch. 6-7), applied day by day to the forecast rather than to one
average rate, so a rising season or a promotion shows in the plan:

- lead time L = supplier production + transit + Amazon receiving (days);
- demand over days 0..t has mean D(t) = sum of the daily forecast means and standard
  deviation S(t): the forecaster's own for sums of days (`cum_sigma`, calibrated on its
  backtest's errors of cumulative totals, so that days that sell together are not taken
  as independent); for a forecast without it, sqrt(sum of daily variances), the daily
  standard deviation read from the forecast's 80% and 95% bands (the wider of the two
  normal readings, so a skewed upper band is not understated);
- the margin M(t) held above D(t) for the service level: where the forecaster gives its
  table of quantiles of cumulative errors (`cum_quantiles`, pooled per demand class from
  its backtest, in units of the SKU's `cum_scale`), that quantile (demand is lumpy, its
  upper tail heavier than a normal one: z * S under-covers at high service levels);
  else z * S(t), z the normal quantile of the service level;
- projected stock P(t) = on hand + arrivals up to day t - D(t);
- stock-out date: the first day P(t) < 0, the expected day the shelf is empty
  (days of cover = days from today to it);
- risk day: the first day P(t) < M(t): from then on, the chance of having run out
  exceeds 1 - service level. Order-by date = risk day - L: the last day an order can be
  placed and arrive before that;
- reorder point = D(L-1) + M(L-1) (lead-time demand plus safety stock);
- order-up-to level = D(o+L+R-1) + M(o+L+R-1), o = days until the order-by date
  (0 once it has come): what an order placed then must cover until the next order
  arrives; suggested quantity = order-up-to - inventory position (on hand + inbound +
  open purchase orders), rounded up to whole cases and at least the supplier's minimum.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from statistics import NormalDist

import numpy as np

from forecasting.engine import CUM_QUANTILE_LEVELS, safety_units

# Days the projection looks ahead; past the forecast horizon the last 28 forecast days'
# average rate (and spread) carry on.
PROJECTION_DAYS = 365
TAIL_DAYS = 28
Z80 = NormalDist().inv_cdf(0.9)
Z95 = NormalDist().inv_cdf(0.975)


class Action:
    ORDER_NOW = "order_now"
    ORDER_SOON = "order_soon"
    OK = "ok"
    OVERSTOCKED = "overstocked"
    NO_FORECAST = "no_forecast"

    LABELS = {
        ORDER_NOW: "Order now",
        ORDER_SOON: "Order soon",
        OK: "OK",
        OVERSTOCKED: "Overstocked",
        NO_FORECAST: "No forecast",
    }
    ALL = tuple(LABELS)


@dataclass
class Arrival:
    offset: int  # days from today (0: today)
    quantity: int
    what: str  # "inbound to Amazon", "PO 123"
    overdue: bool = False


@dataclass
class RestockInput:
    today: dt.date
    mean: np.ndarray  # daily demand forecast, day 0 = today
    sigma: np.ndarray  # daily standard deviation, same days
    on_hand: int
    inbound: int = 0
    inbound_days: int = 14
    purchase_orders: list = field(default_factory=list)  # [(expected arrival date, qty, label)]
    lead_time_days: int = 0
    review_days: int = 14
    case_pack: int = 1
    min_order: int = 0
    service_level: float = 0.95
    overstock_days: int = 180
    unit_cost: Decimal | None = None
    cum_sigma: np.ndarray | None = None  # sd of demand summed over days 0..t, day 0 = today
    cum_quantiles: list | None = None  # the forecaster's table (engine.safety_units)
    cum_scale: float | None = None


@dataclass
class RestockPlan:
    action: str
    reasons: list
    on_hand: int
    inbound: int
    on_order: int
    position: int
    lead_time_days: int
    daily_demand: float  # mean of the next 30 forecast days
    lead_time_demand: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    days_of_cover: int | None  # None: no stock-out within PROJECTION_DAYS
    stockout_date: dt.date | None
    stockout_probability: float | None  # before the next arrival
    next_arrival: dt.date | None
    order_by: dt.date | None
    suggested_quantity: int
    cases: int
    order_value: Decimal | None


def sigma_from_bands(mean, lo80, hi80, lo95, hi95) -> np.ndarray:
    """Daily standard deviation read off the forecast's bands (normal approximation).

    The upper half of each band is used: demand is skewed to the right, and running out
    is the upper tail's business. The wider of the 80% and 95% readings wins."""
    mean = np.asarray(mean, dtype=float)
    from80 = (np.asarray(hi80, dtype=float) - mean) / Z80
    from95 = (np.asarray(hi95, dtype=float) - mean) / Z95
    return np.clip(np.maximum(from80, from95), 0, None)


def _extend(values: np.ndarray, days: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if len(values) >= days:
        return values[:days]
    tail = float(values[-TAIL_DAYS:].mean()) if len(values) else 0.0
    return np.concatenate([values, np.full(days - len(values), tail)])


def _extend_sigma(values: np.ndarray, days: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if len(values) >= days:
        return values[:days]
    tail = float(np.sqrt((values[-TAIL_DAYS:] ** 2).mean())) if len(values) else 0.0
    return np.concatenate([values, np.full(days - len(values), tail)])


def cumulative_spread(sigma, cum_sigma, days: int) -> np.ndarray:
    """Standard deviation of demand summed over days 0..t, for t < `days`.

    From the forecaster's `cum_sigma` where it has one (past its end growing with the
    square root of the days, as a sum of independent stretches would), else from the
    daily standard deviations summed as independent."""
    if cum_sigma is not None and len(cum_sigma):
        known = np.maximum.accumulate(np.clip(np.asarray(cum_sigma, dtype=float), 0, None))
        if len(known) >= days:
            return known[:days]
        later = np.arange(len(known) + 1, days + 1)
        return np.concatenate([known, known[-1] * np.sqrt(later / len(known))])
    return np.sqrt(np.cumsum(_extend_sigma(sigma, days) ** 2))


def shift_cumulative(cum_sigma, days_passed: int) -> np.ndarray:
    """`cum_sigma` of a forecast made `days_passed` days ago, counted from today: the
    variance of the days still ahead (that of the whole stretch less the days gone)."""
    values = np.asarray(cum_sigma, dtype=float)
    if days_passed <= 0 or not len(values):
        return values
    if days_passed >= len(values):
        return np.zeros(0)
    variance = values**2
    return np.sqrt(np.clip(variance[days_passed:] - variance[days_passed - 1], 0, None))


def _order_risk(risky: np.ndarray, lead: int, after: int = 0) -> int | None:
    """The day an order placed today must beat: the start of the run of risky days that
    such an order would land in (its earlier days say how late the order is), else the
    first risky day after the lead time. A run that ends before the lead time is beyond
    any new order (stock on the way lands first or not at all): it does not count. Days
    before `after` are not looked at."""
    first = max(lead, after)
    if first < len(risky) and risky[first]:
        start = first
        while start > after and risky[start - 1]:
            start -= 1
        return start
    later = _first(risky[first:])
    return first + later if later is not None else None


def _first(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if len(hits) else None


def cover_margin(inputs, level: float, days: int, spread=None) -> np.ndarray:
    """M(t) for t < `days`: the units held above the summed forecast over days 0..t for
    `level` (see the module docstring). `inputs` needs sigma, cum_sigma, cum_quantiles and
    cum_scale (a RestockInput, or a Forecast of the engine)."""
    table = getattr(inputs, "cum_quantiles", None)
    scale = getattr(inputs, "cum_scale", None)
    if table is not None and len(table) and scale is not None:
        margins = safety_units(table, scale, level, np.arange(1, days + 1))
        return np.maximum(np.asarray(margins, dtype=float), 0.0)
    if spread is None:
        spread = cumulative_spread(inputs.sigma, inputs.cum_sigma, days)
    return NormalDist().inv_cdf(level) * spread


def _table_probability(inputs: RestockInput, days: int, headroom: float) -> float | None:
    """P(demand over `days` days > mean + headroom), read off the forecaster's quantile
    table where the headroom falls inside it (levels 50% to 99.9%); None elsewhere (the
    normal reading of the spread answers then)."""
    if inputs.cum_quantiles is None or not len(inputs.cum_quantiles) or inputs.cum_scale is None:
        return None
    margins = [
        safety_units(inputs.cum_quantiles, inputs.cum_scale, level, days)
        for level in CUM_QUANTILE_LEVELS
    ]
    if not margins[0] <= headroom <= margins[-1] or margins[-1] <= margins[0]:
        return None
    return 1 - float(np.interp(headroom, margins, CUM_QUANTILE_LEVELS))


def round_order(quantity: float, case_pack: int, min_order: int) -> int:
    """Whole cases, at least the minimum order (itself rounded up to whole cases)."""
    if quantity <= 0:
        return 0
    pack = max(1, case_pack)
    units = int(np.ceil(round(quantity, 6) / pack)) * pack
    floor = int(np.ceil(min_order / pack)) * pack if min_order else 0
    return max(units, floor)


def plan(inputs: RestockInput) -> RestockPlan:
    """The restock plan of one listing (see the module docstring for each figure)."""
    today = inputs.today
    lead = max(0, int(inputs.lead_time_days))
    review = max(0, int(inputs.review_days))
    days = max(PROJECTION_DAYS, lead + review + 1)
    mean = _extend(inputs.mean, days)

    arrivals = []
    if inputs.inbound > 0:
        arrivals.append(Arrival(max(0, inputs.inbound_days), inputs.inbound, "inbound to Amazon"))
    for arrival_date, quantity, label in inputs.purchase_orders:
        offset = (arrival_date - today).days
        arrivals.append(Arrival(max(0, offset), quantity, label, overdue=offset < 0))
    arriving = np.zeros(days)
    for arrival in arrivals:
        if arrival.offset < days:
            arriving[arrival.offset] += arrival.quantity

    demand = np.cumsum(mean)
    spread = cumulative_spread(inputs.sigma, inputs.cum_sigma, days)
    projected = inputs.on_hand + np.cumsum(arriving) - demand
    on_order = sum(a.quantity for a in arrivals if a.what != "inbound to Amazon")
    position = inputs.on_hand + inputs.inbound + on_order

    def through(values, day_count):
        return float(values[day_count - 1]) if day_count > 0 else 0.0

    margin = cover_margin(inputs, inputs.service_level, days, spread)

    lead_demand = through(demand, lead)
    safety = through(margin, lead)
    daily = float(mean[:30].mean())

    stockout = _first(projected < -1e-9)
    risky = projected < margin - 1e-9
    risk = _order_risk(risky, lead)
    future = sorted(a.offset for a in arrivals if a.offset > 0)
    next_offset = future[0] if future else lead
    # The chance that demand before the next delivery beats what is there until then.
    before = int(next_offset)
    stock_until = inputs.on_hand + float(arriving[:before].sum()) if before else inputs.on_hand
    probability = None
    if before > 0:
        expected, sd = through(demand, before), through(spread, before)
        probability = _table_probability(inputs, before, stock_until - expected)
        if probability is None and sd > 0:
            probability = 1 - NormalDist(expected, sd).cdf(stock_until)
        elif probability is None:
            probability = 1.0 if expected > stock_until + 1e-9 else 0.0

    no_demand = float(mean.sum()) <= 1e-9
    overstock = not no_demand and position > float(demand[min(inputs.overstock_days, days) - 1])

    def decide(risk):
        """Order-by date, action, reasons and order-up-to level for the order that must
        land by the `risk` day."""
        reasons = []
        order_by = today + dt.timedelta(days=risk - lead) if risk is not None else None
        # An order placed on the order-by day (today if that has passed) must cover
        # demand until the order after it arrives: that day + lead time + review period.
        placed = max(0, risk - lead) if risk is not None else 0
        covered = min(days, placed + lead + review)
        up_to = through(demand, covered) + through(margin, covered)
        if no_demand:
            action = Action.OVERSTOCKED if position > 0 else Action.OK
            reasons.append(
                "no demand forecast"
                + (f": {position} units held with no sales expected" if position > 0 else "")
            )
        elif order_by is not None and order_by <= today:
            action = Action.ORDER_NOW
            late = (today - order_by).days
            if late:
                reasons.append(
                    f"order-by date {order_by.isoformat()} passed {late} day(s) ago: "
                    f"an order placed today arrives after stock is likely to run short"
                )
            else:
                reasons.append("today is the last day to order and arrive in time")
        elif order_by is not None and order_by <= today + dt.timedelta(days=review):
            action = Action.ORDER_SOON
            reasons.append(
                f"order by {order_by.isoformat()} (within the {review}-day review period)"
            )
        elif overstock:
            action = Action.OVERSTOCKED
            reasons.append(
                f"{position} units on hand, inbound and ordered cover more than "
                f"{inputs.overstock_days} days of forecast demand"
            )
        else:
            action = Action.OK
            reasons.append("stock and orders cover the lead time and review period")
        return order_by, action, reasons, up_to

    order_by, action, reasons, up_to = decide(risk)
    quantity = 0
    if action in (Action.ORDER_NOW, Action.ORDER_SOON):
        quantity = round_order(up_to - position, inputs.case_pack, inputs.min_order)
        if quantity == 0:
            # What is on the way covers the need but lands after stock runs short: no
            # order helps that; the order that matters is the next one.
            end = risk
            while end < days and risky[end]:
                end += 1
            short_from = today + dt.timedelta(days=risk)
            order_by, action, reasons, up_to = decide(_order_risk(risky, lead, after=end))
            reasons.insert(
                0,
                f"likely to run short from {short_from.isoformat()} until stock on the way "
                "lands, sooner than any new order could: expedite the inbound or purchase "
                "orders",
            )
            if action in (Action.ORDER_NOW, Action.ORDER_SOON):
                quantity = round_order(up_to - position, inputs.case_pack, inputs.min_order)

    if stockout is not None and not no_demand:
        reasons.append(
            f"expected to run out on {(today + dt.timedelta(days=stockout)).isoformat()}"
        )
    late_arrivals = [a for a in arrivals if stockout is not None and a.offset > stockout]
    for arrival in late_arrivals:
        reasons.append(f"{arrival.what} ({arrival.quantity} units) arrives after the stock-out")
    for arrival in arrivals:
        if arrival.overdue:
            reasons.append(f"{arrival.what} is overdue: counted as arriving today")

    value = None
    if inputs.unit_cost is not None:
        value = (inputs.unit_cost * quantity).quantize(Decimal("0.01"), ROUND_HALF_UP)

    return RestockPlan(
        action=action,
        reasons=reasons,
        on_hand=inputs.on_hand,
        inbound=inputs.inbound,
        on_order=on_order,
        position=position,
        lead_time_days=lead,
        daily_demand=daily,
        lead_time_demand=lead_demand,
        safety_stock=safety,
        reorder_point=lead_demand + safety,
        order_up_to=up_to,
        days_of_cover=stockout,
        stockout_date=today + dt.timedelta(days=stockout) if stockout is not None else None,
        stockout_probability=probability,
        next_arrival=today + dt.timedelta(days=next_offset) if future else None,
        order_by=order_by,
        suggested_quantity=quantity,
        cases=quantity // max(1, inputs.case_pack),
        order_value=value,
    )
