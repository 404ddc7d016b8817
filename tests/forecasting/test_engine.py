"""The forecasting engine on synthetic series with known answers, and forecast_csv."""

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from forecasting import engine, methods
from forecasting.engine import HORIZONS, LOW_HISTORY_DAYS, forecast_many

START = pd.Timestamp("2024-01-01")  # a Monday


def series(values, start=START):
    return pd.Series(
        np.asarray(values, dtype=float), index=pd.date_range(start, periods=len(values))
    )


def one(values, horizon=28, stock=None, keep_paths=False):
    s = series(values)
    st = None if stock is None else {"x": series(stock)}
    return forecast_many({"x": s}, horizon, stock=st, keep_paths=keep_paths)["x"]


def check_shape(fc, horizon):
    for name in ("mean", "lo80", "hi80", "lo95", "hi95"):
        assert len(getattr(fc, name)) == horizon
        assert (getattr(fc, name) >= 0).all()
    assert (fc.lo95 <= fc.lo80 + 1e-9).all()
    assert (fc.lo80 <= fc.mean + 1e-9).all()
    assert (fc.mean <= fc.hi80 + 1e-9).all()
    assert (fc.hi80 <= fc.hi95 + 1e-9).all()


def test_constant_series_forecasts_the_constant_with_tight_intervals():
    fc = one(np.full(200, 5.0))
    check_shape(fc, 28)
    assert np.allclose(fc.mean, 5.0, atol=0.05)
    assert (fc.hi95 - fc.lo95).max() < 0.5
    assert not fc.low_history
    assert fc.mase is not None and fc.baseline_mase is not None


def test_ets_continues_a_linear_trend():
    rng = np.random.default_rng(1)
    t = np.arange(300)
    y = 20 + 0.2 * t + rng.normal(0, 1, len(t))
    params = methods.ets_fit(y, trend=True)
    path = methods.ets_run(y, np.ones(len(y), bool), params, [len(y)], 28)[len(y)]
    expected = 20 + 0.2 * (len(y) + np.arange(28))
    # damped, so it may flatten a little over four weeks, but keeps climbing
    assert np.abs(path - expected).max() < 0.1 * expected.max()
    assert path[-1] > path[0] + 2
    fc = one(y)
    assert fc.mean[-7:].mean() > y[-7:].mean()


def test_ets_recursion_matches_statsmodels():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(2)
    y = rng.poisson(np.tile([5, 6, 7, 6, 5, 0, 2], 30)).astype(float)
    params = methods.ets_fit(y, trend=False)
    res = ETSModel(y, error="add", seasonal="add", seasonal_periods=7).fit(disp=False)
    path = methods.ets_run(y, np.ones(len(y), bool), params, [len(y)], 14)[len(y)]
    assert np.allclose(path, res.forecast(14), atol=1e-6)


def test_weekly_pattern_repeats_and_closed_day_is_zero():
    rng = np.random.default_rng(3)
    pattern = np.array([10, 20, 30, 40, 50, 0, 5], dtype=float)
    y = np.tile(pattern, 40) + rng.normal(0, 0.5, 280) * (np.tile(pattern, 40) > 0)
    fc = one(y, horizon=HORIZONS[0])
    check_shape(fc, 30)
    # 280 days from a Monday: the forecast starts on a Monday too
    assert np.allclose(fc.mean[:7], pattern, atol=1.5)
    assert np.allclose(fc.mean[7:14], pattern, atol=1.5)
    assert fc.mean[5] < 0.5 and fc.hi95[5] < 1.5


def test_intermittent_rate_is_probability_times_size():
    rng = np.random.default_rng(4)
    y = (rng.random(3000) < 0.2) * 10.0  # expected 2 units a day
    valid = np.ones(len(y), bool)
    croston = np.nanmean(methods.croston_states(y, valid)[500:])
    # Croston over-forecasts by about alpha / 2 (Syntetos & Boylan 2005); SBA removes it
    assert croston == pytest.approx(2.0 * (1 + methods.CROSTON_ALPHA / 2), rel=0.05)
    assert croston * (1 - methods.CROSTON_ALPHA / 2) == pytest.approx(2.0, rel=0.05)
    assert np.nanmean(methods.tsb_states(y, valid)[500:]) == pytest.approx(2.0, rel=0.05)
    assert methods.demand_class(y, valid) == "intermittent"
    fc = one(y[-400:])
    assert fc.mean.sum() == pytest.approx(2.0 * 28, rel=0.3)
    assert set(fc.candidates) >= {"snaive7", "ets", "croston", "sba", "tsb", "combo"}


def test_stock_out_is_censored_and_does_not_drag_the_level_down():
    rng = np.random.default_rng(5)
    n = 200
    y = rng.poisson(10, n).astype(float)
    stock = np.full(n, 50.0)
    out = slice(n - 40, n - 20)
    y[out] = 0
    stock[out] = 0
    y[n - 20 : n - 17] = [0, 1, 0]  # stock unknown after the stock-out, sales still far down
    stock[n - 20 : n - 17] = np.nan
    stock[n - 17 :] = np.nan  # still unknown, but sales are back to normal: not censored
    fc = one(y, stock=stock)
    expected = np.zeros(n, bool)
    expected[n - 40 : n - 17] = True
    assert (fc.censored == expected).all()
    assert fc.mean.mean() == pytest.approx(10, rel=0.15)
    uncensored = one(y)
    assert not uncensored.censored.any()
    assert uncensored.mean.mean() < fc.mean.mean() - 1


def test_censoring_is_off_without_stock():
    fc = one(np.r_[np.full(100, 4.0), np.zeros(30)])
    assert not fc.censored.any()
    assert len(fc.censored) == 130


def test_low_history_gives_a_simple_rate_with_wide_intervals():
    fc = one(np.full(LOW_HISTORY_DAYS - 8, 3.0), horizon=HORIZONS[-1])
    check_shape(fc, 90)
    assert fc.low_history
    assert fc.method == "rate"
    assert np.allclose(fc.mean, 3.0)
    assert fc.mase is None
    assert (fc.hi95 >= 2 * fc.mean).all()


def test_never_sold_forecasts_zero():
    fc = one(np.zeros(60), horizon=30)
    assert fc.method == "zero"
    assert fc.mean.sum() == 0 and fc.hi95.sum() == 0


def test_intervals_cover_simulated_demand_at_their_levels():
    rng = np.random.default_rng(6)
    n, h = 364 + 28, 28
    dow = np.arange(n) % 7
    profile = np.array([1.2, 1.1, 1.0, 1.0, 1.3, 0.0, 0.4])
    data, held = {}, {}
    for i in range(60):
        mu = rng.uniform(0.5, 20) * profile[dow]
        # odd series negative binomial (variance mu + mu^2 / 2), even ones Poisson
        nb = rng.negative_binomial(2, 2 / (2 + np.maximum(mu, 1e-9)))
        y = nb if i % 2 else rng.poisson(mu)
        data[i], held[i] = series(y[:-h]), y[-h:]
    out = forecast_many(data, h)
    inside80 = np.concatenate([(out[i].lo80 <= held[i]) & (held[i] <= out[i].hi80) for i in data])
    inside95 = np.concatenate([(out[i].lo95 <= held[i]) & (held[i] <= out[i].hi95) for i in data])
    assert 0.76 <= inside80.mean() <= 0.86
    assert 0.92 <= inside95.mean() <= 0.98


def test_cum_sigma_covers_autocorrelated_lead_time_demand():
    """Demand whose level wanders (AR(1) on the log rate, daily coefficient 0.95): days are
    positively correlated, so the 28-day total varies far more than 28 independent days
    would. cum_sigma, calibrated on the backtests, covers it at about the promised rates."""
    rng = np.random.default_rng(8)
    n, h = 364 + 28, 28
    data, held = {}, {}
    for i in range(80):
        x = np.zeros(n)
        shocks = rng.normal(0, 0.15, n)
        for t in range(1, n):
            x[t] = 0.95 * x[t - 1] + shocks[t]
        y = rng.poisson(rng.uniform(1, 10) * np.exp(x)).astype(float)
        data[i], held[i] = series(y[:-h]), y[-h:]
    out = forecast_many(data, 90)
    total = np.array([held[i].sum() for i in data])
    mean = np.array([out[i].mean[:h].sum() for i in data])
    cum = np.array([out[i].cum_sigma[h - 1] for i in data])
    assert 0.70 <= np.mean(total <= mean + 0.8416 * cum) <= 0.92  # 80% promised
    assert np.mean(total <= mean + 1.6449 * cum) >= 0.88  # 95% promised
    # the independent-days sum (sqrt(28) daily standard deviations) is far too small
    daily = np.array([data[i].std() for i in data])
    assert np.median(cum / (np.sqrt(h) * daily)) > 2
    for fc in out.values():
        assert len(fc.cum_sigma) == 90
        assert (np.diff(fc.cum_sigma) >= 0).all() and fc.cum_sigma[0] >= 0
        # past the backtest's 28 days: between sqrt(h) growth and growth in proportion to h
        grow = fc.cum_sigma[89] / fc.cum_sigma[27]
        assert (90 / 28) ** 0.5 - 1e-9 <= grow <= 90 / 28 + 1e-9


def test_cum_sigma_of_independent_days_is_near_the_sum_of_variances():
    """Poisson days with a steady rate: the total's standard deviation is about sqrt(h * mu)
    (plus the rate's own estimation error), and it grows about like sqrt(h) past 28 days."""
    rng = np.random.default_rng(9)
    mus = rng.uniform(2, 20, 40)
    data = {i: series(rng.poisson(mu, 392)) for i, mu in enumerate(mus)}
    out = forecast_many(data, 60)
    ratio = np.array([out[i].cum_sigma[27] / np.sqrt(28 * mu) for i, mu in enumerate(mus)])
    assert 0.8 <= np.median(ratio) <= 1.6
    grow = np.median([out[i].cum_sigma[59] / out[i].cum_sigma[27] for i in data])
    assert grow < (60 / 28) ** 0.75


def test_cum_sigma_without_a_backtest_is_negative_binomial_plus_rate_error():
    fc = one(np.full(LOW_HISTORY_DAYS - 8, 3.0), horizon=30)
    total = 3.0 * np.arange(1, 31)
    # dispersion 1 (Poisson floor), the rate estimated from 60 units
    assert np.allclose(fc.cum_sigma, np.sqrt(total + total**2 / 60))
    assert one(np.zeros(60), horizon=30).cum_sigma.sum() == 0


def test_spike_cap_is_tukeys_fence_on_log_order_sizes():
    y = np.array([2.0, 4, 4, 8, 8, 8, 16, 16, 0, 0, 500])
    valid = np.ones(len(y), bool)
    # log2 sizes of the 9 selling days: 1 2 2 3 3 3 4 4 ~9; quartiles 2 and 4, fence 4 + 3
    assert methods.spike_cap(y, valid) == pytest.approx(2.0**7, rel=0.01)
    assert methods.spike_cap(y[:5], valid[:5]) == np.inf  # too few selling days to tell


def test_robust_rate_counts_a_spike_at_its_yearly_rate():
    """One 1,000-unit order 10 days ago: the plain 28-day rate expects it every 4 weeks,
    the robust one spreads it over the year and keeps the regular sales' recent rate."""
    rng = np.random.default_rng(11)
    y = rng.poisson(5, 400).astype(float)
    y[-10] = 1000
    fc = one(y, keep_paths=True)
    recent = y[-364:]
    cap = methods.spike_cap(recent, np.ones(364, bool))
    regular = np.minimum(y[-28:], cap).mean()
    excess = (recent - np.minimum(recent, cap)).sum() / 364
    assert 10 < cap < 30  # Poisson(5) days reach ~11; the 1,000 is far above
    assert fc.paths["robust28"].sum() == pytest.approx(28 * (regular + excess), rel=1e-6)
    assert fc.paths["robust28"].sum() == pytest.approx(28 * (5 + 1000 / 364), rel=0.15)
    assert fc.paths["weekday_rate28"].sum() == pytest.approx(28 * 5 + 1000, rel=0.1)


def test_global_model_learns_growth_across_series():
    """60 series growing or shrinking exponentially (-0.4% .. +0.4% a day): the regression
    across series learns how recent rates relate to the next 28 days, so its totals beat a
    91-day rate that lags behind every trend."""
    rng = np.random.default_rng(10)
    n, h = 500, 28
    t = np.arange(n + h) - n
    data, truth = {}, {}
    for i in range(60):
        mu = rng.uniform(2, 20) * np.exp(rng.uniform(-0.004, 0.004) * t)
        data[i], truth[i] = series(rng.poisson(mu[:n])), mu[n:].sum()
    out = forecast_many(data, h, keep_paths=True)
    error = {
        c: np.median([abs(out[i].paths[c].sum() / truth[i] - 1) for i in data])
        for c in ("global", "weekday_rate91")
    }
    assert error["global"] < 0.05
    assert error["global"] < error["weekday_rate91"] / 2


def _peak(t):
    """Demand doubles for a few weeks around day 330 of every year (a Q4 peak)."""
    return 1 + np.exp(-((((np.asarray(t) % engine.YEAR) - 330) / 15.0) ** 2))


def _seasonal_shop(days, skus=40, seed=12):
    rng = np.random.default_rng(seed)
    rates = {i: rng.uniform(2, 20) for i in range(skus)}
    return {i: series(rng.poisson(rates[i] * _peak(np.arange(days)))) for i in rates}, rates


def test_yearly_ratios_read_last_years_season_against_last_years_base():
    y = np.ones(800)
    base_end = 800 - engine.YEAR  # the origin's date a year earlier
    y[base_end + 20 : base_end + 48] = 3.0  # last year, 20..47 days after that date
    ratios = engine.yearly_ratios(y, 90)
    assert set(ratios) == set(engine.YEARLY_WINDOWS)
    r = ratios[28]
    assert r[34] == pytest.approx(3.0)  # the 28 days around day 34 are all in the peak
    assert r[20] == pytest.approx(2.0)  # around day 20: half peak, half not
    assert r[0] == pytest.approx(1.0) and r[80] == pytest.approx(1.0)
    y[base_end - 28 : base_end] = 2.0  # a base window twice as busy halves every ratio
    assert engine.yearly_ratios(y, 90)[28][34] == pytest.approx(1.5)
    assert engine.yearly_ratios(np.ones(400), 90) == {}  # under a year before the window


def test_own_yearly_ratio_leans_on_the_shop_until_the_series_has_units():
    shop = np.full(30, 2.0)
    young = np.ones(300)
    assert engine.own_yearly_ratio(young, 300, 28, 30, shop) is shop  # no year before
    idle = np.zeros(800)
    assert np.allclose(engine.own_yearly_ratio(idle, 800, 28, 30, shop), 2.0)
    busy = np.full(800, 50.0)  # flat at 50 a day: its own ratio 1 outweighs the shop's 2
    r = engine.own_yearly_ratio(busy, 800, 28, 30, shop)
    assert np.allclose(r, (1400 + 28 * 2) / (1400 + 28))


def test_a_yearly_season_is_forecast_once_there_is_a_year_of_history():
    """Two and a half years of a shop with a yearly peak, forecast from just before it: the
    yearly candidates carry last year's peak; the recent rates cannot know it."""
    days = 2 * engine.YEAR + 300  # the origin 30 days before the peak's centre
    data, rates = _seasonal_shop(days)
    out = forecast_many(data, 60, keep_paths=True)
    future = _peak(np.arange(days, days + 60))
    truth = {i: rates[i] * future.sum() for i in data}
    error = {
        c: np.median([abs(out[i].paths[c].sum() / truth[i] - 1) for i in data])
        for c in ("yearly28", "robust28")
    }
    assert error["yearly28"] < 0.1
    assert error["yearly28"] < error["robust28"] / 2
    chosen = np.median([abs(out[i].mean.sum() / truth[i] - 1) for i in data])
    assert chosen < error["robust28"]


def test_no_yearly_candidate_without_a_year_of_history():
    data, _ = _seasonal_shop(engine.YEAR + 100)
    out = forecast_many(data, 28, keep_paths=True)
    assert not any(name.startswith("yearly") for fc in out.values() for name in fc.paths)


def test_workers_give_the_same_forecasts_as_one_process():
    rng = np.random.default_rng(7)
    data = {f"s{i}": series(rng.poisson(rng.uniform(1, 5), 120)) for i in range(60)}
    single = forecast_many(data, 14, workers=1)
    done = []
    pooled = forecast_many(data, 14, workers=2, progress=done.append)
    assert done[-1] == 60
    for key in data:
        assert single[key].method == pooled[key].method
        assert np.allclose(single[key].mean, pooled[key].mean)
        assert np.allclose(single[key].cum_sigma, pooled[key].cum_sigma)


def test_lean_ets_fit_gives_statsmodels_parameters():
    """methods.ets_fit runs statsmodels' own fit without its overheads: same parameters,
    variance and AICc as the plain ETSModel.fit, with and without a damped trend."""
    rng = np.random.default_rng(12)
    t = np.arange(364)
    weekly = np.array([3.0, 2, 2, 1, 4, 0, 1])[t % 7]
    for trend, y in (
        (False, rng.poisson(5 + weekly).astype(float)),
        (True, 10 + 0.03 * t + weekly + rng.normal(0, 1, len(t))),
        (False, (rng.random(364) < 0.2) * rng.poisson(8, 364).astype(float)),
    ):
        lean, plain = methods.ets_fit(y, trend), methods.ets_fit_statsmodels(y, trend)
        for name in ("alpha", "beta", "gamma", "phi", "level", "trend", "season", "sigma2"):
            assert np.allclose(lean[name], plain[name], rtol=1e-9, atol=1e-12), name
        assert lean["aicc"] == pytest.approx(plain["aicc"], rel=1e-9)


def test_paths_are_kept_only_when_asked():
    rng = np.random.default_rng(13)
    data = {"a": series(rng.poisson(4, 200)), "b": series(rng.poisson(2, 40))}
    assert all(fc.paths == {} for fc in forecast_many(data, 28).values())
    kept = forecast_many(data, 28, keep_paths=True)
    assert "ets" in kept["a"].paths and len(kept["a"].paths["ets"]) == 28
    assert np.allclose(kept["a"].mean, forecast_many(data, 28)["a"].mean)


def test_safety_units_reads_the_table_from_plain_lists():
    levels, days = engine.CUM_QUANTILE_LEVELS, engine.CUM_QUANTILE_DAYS
    # a table whose value at (level, d) is z(level) * sqrt(d): normal with unit daily sd
    z = np.array([NormalDist().inv_cdf(p) for p in levels])
    table = (z[:, None] * np.sqrt(np.array(days, float))[None, :]).tolist()
    assert engine.safety_units(table, 2.0, 0.95, 28) == pytest.approx(2 * 1.6449 * 28**0.5, 1e-4)
    # between grid levels: linear in the normal score, so exact for a normal table
    assert engine.safety_units(table, 1.0, 0.92, 14) == pytest.approx(
        NormalDist().inv_cdf(0.92) * 14**0.5, rel=1e-9
    )
    # between grid days: linear in days; from 0 at day 0; past day 90 like sqrt(days)
    mid = engine.safety_units(table, 1.0, 0.9, 12)
    lo, hi = (engine.safety_units(table, 1.0, 0.9, d) for d in (10, 14))
    assert mid == pytest.approx((lo + hi) / 2)
    assert engine.safety_units(table, 1.0, 0.9, 0) == 0
    far = engine.safety_units(table, 1.0, 0.9, 360)
    assert far == pytest.approx(engine.safety_units(table, 1.0, 0.9, 90) * 2)
    # levels are clamped to the grid; arrays of days give arrays; no table gives 0
    assert engine.safety_units(table, 1.0, 0.9999, 7) == engine.safety_units(table, 1.0, 0.999, 7)
    run = engine.safety_units(table, 1.0, 0.95, np.arange(1, 31))
    assert run.shape == (30,) and (np.diff(run) > 0).all()
    assert engine.safety_units(None, None, 0.95, 7) == 0


def test_quantile_cover_keeps_the_promise_on_heavy_tailed_demand():
    """Steady sales plus rare big orders (lognormal sizes, about one a month): lead-time
    demand has a heavy upper tail. Cover = mean + z * cum_sigma under-covers at high levels;
    the class's pooled error quantiles (cum_quantiles x cum_scale) keep about the promise."""
    rng = np.random.default_rng(14)
    n, h = 364 + 28, 28
    data, held = {}, {}
    for i in range(150):
        base = rng.uniform(1, 6)
        orders = (rng.random(n) < 1 / 30) * rng.lognormal(np.log(15 * base), 0.8, n)
        y = rng.poisson(base, n) + np.round(orders)
        data[i], held[i] = series(y[:-h]), y[-h:]
    out = forecast_many(data, h)
    shared = {id(fc.cum_quantiles) for fc in out.values()}
    assert len(shared) <= 5  # one table per demand class
    quantile_99, normal_99 = [], []
    for lead in (7, 28):
        total = np.array([held[i][:lead].sum() for i in data])
        mean = np.array([out[i].mean[:lead].sum() for i in data])
        # 150 SKUs: a binomial standard error of 3 points at 80%, 1.8 at 95%
        for level, lo, hi in ((0.8, 0.7, 0.9), (0.95, 0.88, 0.995), (0.99, 0.94, 1.0)):
            cover = mean + np.array([out[i].safety_units(level, lead) for i in data])
            assert lo <= np.mean(total <= cover) <= hi, (lead, level)
        quantile_99.append(np.mean(total <= cover))
        sigma = np.array([out[i].cum_sigma[lead - 1] for i in data])
        normal_99.append(np.mean(total <= mean + NormalDist().inv_cdf(0.99) * sigma))
    assert np.mean(quantile_99) > np.mean(normal_99)  # the normal shape misses the tail


def test_cum_quantiles_without_a_backtest_are_normal_on_cum_sigma():
    fc = one(np.full(LOW_HISTORY_DAYS - 8, 3.0), horizon=30)
    assert fc.cum_scale == 1.0 and np.shape(fc.cum_quantiles) == (11, 12)
    assert fc.safety_units(0.95, 14) == pytest.approx(1.6449 * fc.cum_sigma[13], rel=1e-3)
    assert one(np.zeros(60), horizon=30).safety_units(0.99, 28) == 0


# --- forecast_csv --------------------------------------------------------------------------


def write(path, text):
    path.write_text(text)
    return path


def sales_file(tmp_path, extra=""):
    rows = ["date,sku,units,price"]
    for day in pd.date_range("2024-01-01", periods=70):
        if day.day_of_week < 5 and day != pd.Timestamp("2024-01-10"):  # a missing day: 0
            rows.append(f"{day.date()},00123,{3 + day.day_of_week},1.5")
        rows.append(f"{day.date()},B-7,{day.day % 2},")
    return write(tmp_path / "sales.csv", "\n".join(rows) + "\n" + extra)


def test_forecast_csv_round_trip(tmp_path):
    out = tmp_path / "fc.csv"
    call_command("forecast_csv", input=sales_file(tmp_path), output=out, horizon=28, verbosity=0)
    fc = pd.read_csv(out, dtype={"sku": str})
    assert list(fc.columns) == ["sku", "date", "mean", "lo80", "hi80", "lo95", "hi95"]
    assert sorted(fc["sku"].unique()) == ["00123", "B-7"]
    assert len(fc) == 2 * 28
    first = fc[fc["sku"] == "00123"]
    assert first["date"].iloc[0] == "2024-03-11" and first["date"].iloc[-1] == "2024-04-07"
    assert (fc[["mean", "lo80", "hi80", "lo95", "hi95"]] >= 0).all().all()
    # weekdays 3..7 units, weekends none
    assert first["mean"].iloc[:5].to_numpy() == pytest.approx([3, 4, 5, 6, 7], abs=0.8)
    assert first["mean"].iloc[5:7].max() < 0.5


def test_forecast_csv_uses_available_as_stock(tmp_path, capsys):
    rows = ["date,sku,units,available"]
    for i, day in enumerate(pd.date_range("2024-01-01", periods=60)):
        gone = 40 <= i < 50
        rows.append(f"{day.date()},A1,{0 if gone else 4},{0 if gone else ''}")
    path = write(tmp_path / "stock.csv", "\n".join(rows) + "\n")
    out = tmp_path / "fc.csv"
    call_command("forecast_csv", input=path, output=out, horizon=7, verbosity=1)
    assert "censoring on, 10 days censored" in capsys.readouterr().out
    assert pd.read_csv(out)["mean"].mean() == pytest.approx(4, rel=0.1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,sku\n2024-01-01,A\n", "line 1: missing column(s) units"),
        ("date,sku,units\n2024-01-01,A,1\n2024-13-01,A,1\n", "line 3: bad date '2024-13-01'"),
        ("date,sku,units\n2024-01-01,A,1\n2024-01-02,A,lots\n", "line 3: units 'lots' is not"),
        ("date,sku,units\n2024-01-01,A,1\n2024-01-02,A,-2\n", "line 3: negative units -2"),
        (
            "date,sku,units\n2024-01-01,A,1\n2024-01-02,A,1\n2024-01-01,A,3\n",
            "line 4: duplicate row for sku A on 2024-01-01 (first on line 2)",
        ),
        ("date,sku,units\n2024-01-01,A,\n", "line 2: units '' is not a number"),
    ],
)
def test_forecast_csv_rejects_bad_input(tmp_path, text, message):
    out = tmp_path / "fc.csv"
    with pytest.raises(CommandError) as err:
        call_command(
            "forecast_csv", input=write(tmp_path / "bad.csv", text), output=out, verbosity=0
        )
    assert message in str(err.value)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "bad.csv"]
