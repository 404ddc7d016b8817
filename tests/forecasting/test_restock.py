"""Restock arithmetic to the unit, on cases worked out by hand (forecasting.restock)."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from forecasting import restock
from forecasting.restock import Action, RestockInput

TODAY = dt.date(2026, 11, 20)


def steady(rate, days=90, sigma=0.0, **fields):
    return RestockInput(today=TODAY, mean=np.full(days, rate), sigma=np.full(days, sigma), **fields)


def test_enough_stock_is_ok_with_its_stockout_and_order_by_dates():
    # 2/day, 40 on hand: days 0..19 are covered, day 20 (Dec 10) is the first empty one.
    # No spread: the risk day is the stock-out day; minus 10 days' lead: order by Nov 30,
    # beyond the 5-day review period.
    plan = restock.plan(steady(2, on_hand=40, lead_time_days=10, review_days=5, case_pack=12))
    assert plan.action == Action.OK
    assert plan.days_of_cover == 20
    assert plan.stockout_date == dt.date(2026, 12, 10)
    assert plan.order_by == dt.date(2026, 11, 30)
    assert plan.reorder_point == 20  # 10 days × 2, no safety stock without spread
    assert plan.suggested_quantity == 0


def test_order_soon_quantity_covers_to_the_next_review_in_whole_cases():
    # 30 on hand at 2/day: empty from day 15 (Dec 5); order by day 5 (Nov 25), within the
    # review period. An order placed then covers days 0..19 (5 + 10 lead + 5 review):
    # 40 units, 30 held: 10 short, rounded up to a case of 12.
    plan = restock.plan(
        steady(2, on_hand=30, lead_time_days=10, review_days=5, case_pack=12, min_order=0)
    )
    assert plan.action == Action.ORDER_SOON
    assert plan.stockout_date == dt.date(2026, 12, 5)
    assert plan.order_by == dt.date(2026, 11, 25)
    assert plan.order_up_to == 40
    assert plan.suggested_quantity == 12
    assert plan.cases == 1


def test_minimum_order_is_rounded_to_cases_too():
    plan = restock.plan(
        steady(2, on_hand=30, lead_time_days=10, review_days=5, case_pack=12, min_order=30)
    )
    assert plan.suggested_quantity == 36  # 30 minimum → 3 cases of 12


def test_inbound_arriving_after_the_stockout_orders_now_and_says_so():
    # 5/day, 20 on hand: empty from day 4. 100 inbound arrive on day 14: too late.
    # The gap before the inbound (days 4-13) no order can fill. After it, 120 units last
    # to day 23: empty again from day 24, which an order placed 6 days ago (lead time 30)
    # would have beaten. Order now: cover days 0..29 =
    # 150 units, position 120 (20 + 100): 30 units.
    plan = restock.plan(
        steady(5, on_hand=20, inbound=100, inbound_days=14, lead_time_days=30, review_days=0)
    )
    assert plan.action == Action.ORDER_NOW
    assert plan.stockout_date == dt.date(2026, 11, 24)
    assert plan.order_by == dt.date(2026, 11, 14)
    assert plan.next_arrival == dt.date(2026, 12, 4)
    assert plan.position == 120
    assert plan.suggested_quantity == 30
    # Demand before the inbound lands (days 0..13: 70 units) beats 20 on hand for sure.
    assert plan.stockout_probability == 1.0
    assert any(
        "inbound to Amazon (100 units) arrives after the stock-out" in r for r in plan.reasons
    )
    assert any("passed 6 day(s) ago" in r for r in plan.reasons)


def test_a_gap_no_order_can_fill_asks_to_expedite_and_plans_the_next_order():
    # 2/day, 14 on hand: short from day 7 (no spread); 200 inbound on day 14 last to day
    # 106. Lead time 10: no order placed now lands before the inbound; the next order
    # must land by day 107 → order by day 97: OK for now, with the gap called out.
    plan = restock.plan(
        steady(2, on_hand=14, inbound=200, inbound_days=14, lead_time_days=10, review_days=5)
    )
    assert plan.action == Action.OK
    assert plan.order_by == TODAY + dt.timedelta(days=97)
    assert plan.suggested_quantity == 0
    assert plan.reasons[0] == (
        "likely to run short from 2026-11-27 until stock on the way lands, sooner than any "
        "new order could: expedite the inbound or purchase orders"
    )
    assert plan.stockout_date == TODAY + dt.timedelta(days=7)


def test_purchase_orders_count_from_their_arrival():
    # 2/day, 10 on hand (empty from day 5); a PO of 50 arrives on day 3 → stock lasts until
    # 60 units are sold: empty from day 30.
    plan = restock.plan(
        steady(
            2,
            on_hand=10,
            purchase_orders=[(TODAY + dt.timedelta(days=3), 50, "PO 7")],
            lead_time_days=5,
            review_days=5,
        )
    )
    assert plan.on_order == 50
    assert plan.position == 60
    assert plan.days_of_cover == 30
    assert plan.order_by == TODAY + dt.timedelta(days=25)


def test_zero_demand_needs_nothing_and_flags_idle_stock():
    empty = restock.plan(steady(0, on_hand=0, lead_time_days=20))
    assert (empty.action, empty.suggested_quantity, empty.stockout_date) == (Action.OK, 0, None)
    idle = restock.plan(steady(0, on_hand=50, lead_time_days=20))
    assert idle.action == Action.OVERSTOCKED
    assert idle.order_by is None
    assert idle.days_of_cover is None


def test_overstock_beyond_the_setting():
    plan = restock.plan(steady(1, on_hand=400, lead_time_days=10, overstock_days=180))
    assert plan.action == Action.OVERSTOCKED
    assert plan.days_of_cover == 365 or plan.days_of_cover is None


def test_order_value_from_the_unit_cost_and_unknown_without_one():
    with_cost = restock.plan(
        steady(
            2, on_hand=30, lead_time_days=10, review_days=5, case_pack=12, unit_cost=Decimal("3.50")
        )
    )
    assert with_cost.order_value == Decimal("42.00")
    without = restock.plan(steady(2, on_hand=30, lead_time_days=10, review_days=5, case_pack=12))
    assert without.suggested_quantity == 12
    assert without.order_value is None


def test_safety_stock_and_order_by_from_the_service_level():
    # 1/day with a daily sd of 1, 20 on hand, lead 5, 95%: z = 1.6449.
    # Safety stock z·√5 = 3.678; reorder point 5 + 3.678.
    # Risk day: first n (days 0..n-1) with 20 - n < z·√n → n = 14 (6 < 6.155), offset 13;
    # order by offset 8. Empty (mean) from offset 20.
    plan = restock.plan(steady(1, sigma=1, on_hand=20, lead_time_days=5, review_days=10))
    assert plan.safety_stock == pytest.approx(1.644854 * 5**0.5, abs=1e-4)
    assert plan.reorder_point == pytest.approx(5 + 1.644854 * 5**0.5, abs=1e-4)
    assert plan.order_by == TODAY + dt.timedelta(days=8)
    assert plan.stockout_date == TODAY + dt.timedelta(days=20)
    assert plan.action == Action.ORDER_SOON
    # Before an order placed today could land (5 days): 5 ± 2.24 against 20 held.
    assert plan.stockout_probability < 1e-9
    # A higher service level orders earlier.
    strict = restock.plan(
        steady(1, sigma=1, on_hand=20, lead_time_days=5, review_days=10, service_level=0.99)
    )
    assert strict.order_by < plan.order_by


def test_rounding_and_bands():
    assert restock.round_order(10, 12, 0) == 12
    assert restock.round_order(24.0000001, 12, 0) == 24
    assert restock.round_order(0, 12, 30) == 0
    assert restock.round_order(-5, 1, 0) == 0
    sigma = restock.sigma_from_bands(
        [10.0], [8.0], [10 + restock.Z80 * 2], [5.0], [10 + restock.Z95 * 3]
    )
    assert sigma[0] == pytest.approx(3)


def test_the_forecasters_own_cumulative_spread_sets_the_safety_stock():
    # Days that sell together: the sum over 5 days has sd 6 (not √5 × 1 = 2.24).
    cum = np.array([1.0, 2.5, 3.5, 5.0, 6.0, 6.5, 7.0])
    plan = restock.plan(
        steady(1, sigma=1, days=90, on_hand=50, lead_time_days=5, review_days=2, cum_sigma=cum)
    )
    assert plan.safety_stock == pytest.approx(1.644854 * 6.0, abs=1e-4)
    # Past its 7 days it grows with √t: day index 27 (28 days) → 7 × √(28/7) = 14.
    spread = restock.cumulative_spread(None, cum, 28)
    assert spread[6] == 7.0 and spread[27] == pytest.approx(14.0)
    # Without it: the daily bands' sigma, days independent.
    independent = restock.cumulative_spread(np.full(90, 2.0), None, 4)
    assert independent == pytest.approx([2, 2 * 2**0.5, 2 * 3**0.5, 4])


def test_a_day_old_cumulative_spread_keeps_the_days_ahead():
    cum = np.sqrt(np.array([1.0, 2.0, 4.0, 7.0]))  # variances 1, 2, 4, 7
    # One day gone: the stretches ahead have variances 2-1, 4-1, 7-1.
    assert restock.shift_cumulative(cum, 1) == pytest.approx(np.sqrt([1.0, 3.0, 6.0]))
    assert restock.shift_cumulative(cum, 0) == pytest.approx(cum)
    assert len(restock.shift_cumulative(cum, 9)) == 0


def test_the_forecasters_quantile_table_sets_the_safety_stock_and_the_chance():
    from forecasting.engine import CUM_QUANTILE_DAYS, CUM_QUANTILE_LEVELS

    # One margin per level, the same for any number of days from day 1 on, scale 2:
    # at 95% (row value 5) hold 10 units above the forecast.
    rows = [0, 1, 2, 3, 3.5, 4, 5, 6, 7, 8, 9]
    assert len(rows) == len(CUM_QUANTILE_LEVELS)
    table = [[value] * len(CUM_QUANTILE_DAYS) for value in rows]
    plan = restock.plan(
        steady(1, on_hand=50, lead_time_days=5, review_days=5, cum_quantiles=table, cum_scale=2)
    )
    assert plan.safety_stock == 10
    assert plan.reorder_point == 15
    # Risk day: first n with 50 - n < 10 → n = 41 (offset 40); order by offset 35.
    assert plan.order_by == TODAY + dt.timedelta(days=35)
    # 12 on hand, 5 expected before an order placed today lands: 7 of headroom, which is
    # the 85% level's margin (3.5 × 2): a 15% chance of running out first.
    tight = restock.plan(
        steady(1, on_hand=12, lead_time_days=5, review_days=5, cum_quantiles=table, cum_scale=2)
    )
    assert tight.stockout_probability == pytest.approx(0.15)
