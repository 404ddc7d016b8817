"""Demand forecasting engine: daily unit forecasts per SKU with intervals and measured accuracy.

Pure computation (numpy, pandas, statsmodels); no database. The app calls
`forecast_many(series, horizon, stock=...)` and stores the returned `Forecast`s.

Per series:

1. Censoring (only when stock is given): a day with 0 available units, or a day after a
   stock-out whose stock is unknown and whose units are far below normal, is censored: its
   units are a lower bound, not demand. Censored days are left out of every level, rate and
   error, and ETS / seasonal naive see an imputed value (weekday profile x local level).
2. Candidates, each a point forecast from the same origins: seasonal naive (last week),
   ETS(A,N,A) or ETS(A,Ad,A) fitted with statsmodels, Croston, SBA and TSB for intermittent
   demand, a weekday-profiled rate over 28..182 days, the same rate with spikes separated
   ("robust": days above a Tukey fence on the SKU's order sizes count at their yearly
   rate, not at the rate of the last few weeks), a pooled top-down model (the SKU's recent
   rate times the growth the shop as a whole is forecast to have, from an ETS on the sum of
   all SKUs), a global model (one Poisson regression across all SKUs of the next 28 days'
   units on each SKU's recent rates) and a combination (mean) of the three candidates that
   score best over the series of a demand class.
3. Rolling-origin backtest on the SKU's own history (origins 28, 56 and 84 days before its
   end, 28 days ahead each): every candidate is scored (MASE, WAPE, bias); the default per
   demand class is the best mean score of the class, and a SKU keeps its own best only
   when it is significantly better (see _choose). Seasonal naive is the baseline.
4. Intervals from the chosen methods' backtest errors (below). Under 4 weeks of history,
   a weekday-profiled simple rate with wide negative-binomial intervals and low_history set.
5. cum_sigma, the standard deviation of the units summed over days 1..h (what a reorder
   over a lead time of h days must cover), from the backtest errors of cumulative totals
   (see _cum_growth); and cum_quantiles / cum_scale, the same errors' quantiles, for
   safety stock at any service level (below).

Safety stock at a service level (Forecast.cum_quantiles, Forecast.cum_scale, safety_units):
lumpy lead-time demand has a narrow body and a heavy upper tail, so mean + z * cum_sigma
over-covers at 80% and under-covers at 95-99%. The quantiles themselves keep the promise:

    cover(level, h) = sum(mean[:h]) + safety_units(cum_quantiles, cum_scale, level, h)

- cum_quantiles: float array (or nested list) of shape (11, 12) = (len(CUM_QUANTILE_LEVELS),
  len(CUM_QUANTILE_DAYS)), levels 0.5 0.6 0.7 0.8 0.85 0.9 0.95 0.975 0.99 0.995 0.999 by
  lead times 1 2 3 5 7 10 14 21 28 42 56 90 days. Cell [i][j] is the level-i quantile of
  (demand - forecast mean) summed over days 1..days[j], divided by the SKU's scale, pooled
  over the chosen methods' backtests of the SKU's demand class (see _cum_growth): from the
  most recent backtest window when the class has >= TAIL_SERIES series, else from all
  three; past day 28 by the class's power law, as cum_sigma. Every Forecast of a class
  refers to the same array object. Monotone in the level; it can be negative at low levels.
- cum_scale: float, the SKU's standard deviation of daily units over its last 52 weeks.
  Series without a backtest (never sold, under 9 weeks) get normal quantiles of their
  negative binomial cum_sigma with cum_scale = 1.0 (never sold: all 0).
- safety_units(quantiles, scale, level, days) (also Forecast.safety_units(level, days)):
  scale x the table interpolated linearly in the normal score of the level (clamped to
  [0.5, 0.999]) and linearly in days (0 at day 0), growing with sqrt(days / 90) past day
  90. days may be an int or an array; plain lists from JSON work. Keep the cover >= 0.

Why empirical intervals: daily sales of most SKUs are mostly zeros with occasional large
orders, so a Gaussian interval (what ETS itself gives) over-covers at 80% and under-covers
at 95% (the demand-dev README measures 89.8% and 94.1% for ETS(A,N,A)). The ratios
actual / forecast on the backtest days of the chosen method are an estimate of the forecast's
real error distribution (Lee & Scholtes 2014; the "empirical" intervals of Hyndman &
Athanasopoulos, FPP3 section 5.5). They are pooled over the series of a demand class: one
SKU's 84 days hold too few large orders to place its own 95% tail. The interval for a day
is forecast x quantiles of the pooled ratios; a ratio distribution with a mass of zeros
bigger than the lower tail puts the whole miss probability into the upper tail,
[0, q(1 - a)], so that an 80% interval covers 80% and never goes below 0. When there are
too few ratios, a negative binomial fallback is used.
"""

import math
import os
import time
import warnings
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
import pandas as pd

from forecasting import methods as m

ENGINE_VERSION = "1.4"
HORIZONS = (30, 60, 90)
LOW_HISTORY_DAYS = 28

BACKTEST_HORIZON = 28  # one reorder lead time; also the scoring window of the dev protocol
BACKTEST_ORIGINS = 3
MIN_TRAIN_DAYS = 35  # five weeks before a backtest origin: enough for a weekday profile
FIT_WINDOW = 364  # ETS and weekday profiles look at the last 52 weeks at most
# Windows (days) over which the weekday-profiled and pooled models take a SKU's rate: short
# follows changes, long is steadier on lumpy demand; the backtest picks.
LEVEL_WINDOWS = (28, 56, 91, 182)
PROFILE_PRIOR_DAYS = 8.0  # pseudo-days per weekday pulling a SKU's profile to the shop's
MIN_INTERVAL_POINTS = 20
# Service levels at which cum_sigma's normal approximation is fitted (the restock plan's)
CUM_LEVELS = (0.80, 0.90, 0.95)
# The grid of Forecast.cum_quantiles (see safety_units): service levels (rows) and lead
# times in days (columns; past the 28 backtest days by the class's power law).
CUM_QUANTILE_LEVELS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999)
CUM_QUANTILE_DAYS = (1, 2, 3, 5, 7, 10, 14, 21, 28, 42, 56, 90)
TAIL_SERIES = 100  # 1 / (1 - 0.99): series a class needs for its table to use one window
CHUNK = 25  # series per task sent to a worker process
MIN_CLASS_SERIES = 30  # a demand class with fewer series borrows the choice of all series
COMBO_SIZE = 3
BASE_CANDIDATES = (
    "snaive7",
    "ets",
    "croston",
    "sba",
    "tsb",
    *(f"weekday_rate{d}" for d in LEVEL_WINDOWS),
    *(f"pooled{d}" for d in LEVEL_WINDOWS),
    *(f"robust{d}" for d in LEVEL_WINDOWS),
    "global",
)
# Last year's season: only where the shop has a year of history before every backtest origin
# (a candidate the backtest cannot judge is never offered).
YEAR = 364  # 52 weeks: the same weekday a year earlier
YEARLY_WINDOWS = (28, 91)
YEARLY_SMOOTH = 28  # days around last year's date whose mean is its demand (4 whole weeks)
YEARLY_PRIOR_UNITS = 28.0  # a SKU's own season counts as much as the shop's after 28 units


def _yearly_names() -> tuple:
    """The yearly candidates' names (read at call time: a bench empties YEARLY_WINDOWS)."""
    return tuple(f"yearly{d}" for d in YEARLY_WINDOWS)


def _override_z(candidates: int) -> float:
    """One-sided 5% level, Bonferroni-corrected for the candidates a series' best was picked
    from: the best of 15 candidates on 84 lumpy days beats the default at 5% by luck."""
    return float(NormalDist().inv_cdf(1 - 0.05 / candidates))


GROWTH_BOUNDS = (0.25, 4.0)  # sanity guard on the shop-wide growth factor, not a tuning knob


@dataclass
class Forecast:
    method: str
    mean: np.ndarray
    lo80: np.ndarray
    hi80: np.ndarray
    lo95: np.ndarray
    hi95: np.ndarray
    low_history: bool
    censored: np.ndarray
    mase: float | None
    wape: float | None
    bias: float | None
    baseline_mase: float | None
    baseline_wape: float | None
    baseline_bias: float | None
    candidates: dict
    demand_class: str
    seconds: float
    start: pd.Timestamp | None = None  # the first forecast day
    # standard deviation of the units summed over forecast days 1..h (see _cum_growth)
    cum_sigma: np.ndarray | None = None
    # every candidate's point forecast; only with forecast_many(..., keep_paths=True)
    paths: dict = field(default_factory=dict)
    # quantiles of the lead-time demand's error, for safety stock at any service level:
    # cum_quantiles[i][j] at level CUM_QUANTILE_LEVELS[i] over CUM_QUANTILE_DAYS[j] days,
    # in units of cum_scale (see safety_units). The series of one demand class share the
    # same array object.
    cum_quantiles: np.ndarray | None = None
    cum_scale: float | None = None

    def safety_units(self, level: float, days):
        """Units to hold above the forecast mean summed over `days` days so that demand
        over them stays within cover with probability `level` (see safety_units)."""
        return safety_units(self.cum_quantiles, self.cum_scale, level, days)


_Z_GRID = np.array([NormalDist().inv_cdf(p) for p in CUM_QUANTILE_LEVELS])


def safety_units(quantiles, scale, level: float, days):
    """Safety stock over a lead time: the units to hold above the forecast mean summed over
    days 1..`days` so that demand over those days stays within cover with probability
    `level`, i.e. cover = sum(mean[:days]) + safety_units(...).

    quantiles: Forecast.cum_quantiles, a table (nested lists from JSON are fine) of
        len(CUM_QUANTILE_LEVELS) rows by len(CUM_QUANTILE_DAYS) columns: row i, column j
        is the level-CUM_QUANTILE_LEVELS[i] quantile of (demand - forecast mean) summed
        over CUM_QUANTILE_DAYS[j] days, in units of `scale`.
    scale: Forecast.cum_scale (a number).
    level: service level; clamped to [0.5, 0.999]. Between grid levels the table is
        interpolated linearly in the normal score Phi^-1(level) (smooth in the tail).
    days: an int or an array of ints (>= 0). Between grid days the table is interpolated
        linearly in days, from 0 at day 0; past the last grid day (90) it grows with the
        square root of the days, as restock.cumulative_spread extends cum_sigma.

    Returns a float (or an array like `days`): scale * Q(level, days). It can be negative
    at low levels (the median lead-time demand is below the mean for lumpy demand): the
    caller should keep the cover itself at or above 0. None tables (or scale) give 0."""
    if quantiles is None or scale is None:
        return np.zeros(np.shape(days)) if np.ndim(days) else 0.0
    table = np.asarray(quantiles, dtype=float)
    z = NormalDist().inv_cdf(min(max(float(level), CUM_QUANTILE_LEVELS[0]), 0.999))
    row = np.array([np.interp(z, _Z_GRID, table[:, j]) for j in range(table.shape[1])])
    grid = np.asarray(CUM_QUANTILE_DAYS, dtype=float)
    d = np.maximum(np.asarray(days, dtype=float), 0.0)
    inside = np.interp(np.minimum(d, grid[-1]), np.concatenate([[0.0], grid]), [0.0, *row])
    out = float(scale) * inside * np.sqrt(np.maximum(d / grid[-1], 1.0))
    return float(out) if np.ndim(out) == 0 else out


# --- statistics pooled across all series ---------------------------------------------------


@dataclass
class Pooled:
    """Shop-wide statistics, one entry per origin date (the last history day).

    profile:  the weekday profile of the sum of all series (the prior for each SKU's own).
    outlook:  the sum's ETS forecast without its weekly season (level + damped trend) for
              the next days, in units per day.
    history:  the sum's last FIT_WINDOW days, to put a SKU's rate over any recent window in
              proportion to the shop's over the same days.
    """

    profile: dict = field(default_factory=dict)
    outlook: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    # {origin date: {window days: ratio per step}}: the shop's demand on the same days a year
    # earlier (a 28-day mean around each) over its mean in the window before that origin a
    # year earlier; only origins with a whole year of shop history behind them
    yearly: dict = field(default_factory=dict)

    def growth(self, end, days: int, steps: int) -> np.ndarray | None:
        """Shop-wide forecast / the shop's mean over the last `days` days: the factor that
        turns a SKU's rate over those days into its forecast if its share stays put."""
        if end not in self.outlook:
            return None
        recent = self.history[end][-days:].mean()
        if recent <= 0:
            return None
        return np.clip(self.outlook[end][:steps] / recent, *GROWTH_BOUNDS)


def _pooled_compute(series: Mapping, ends: set, horizon: int) -> Pooled:
    starts = [s.index[0] for s in series.values() if len(s)]
    if not starts:
        return Pooled()
    first = min(starts)
    last = max(s.index[-1] for s in series.values() if len(s))
    days = (last - first).days + 1
    total = np.zeros(days)
    for s in series.values():
        if not len(s):
            continue
        offset = (s.index[0] - first).days
        values = np.nan_to_num(np.asarray(s, dtype=float), nan=0.0)
        total[offset : offset + len(values)] += np.clip(values, 0, None)
    dates = pd.date_range(first, periods=days, freq="D")
    dow_all = np.asarray(dates.day_of_week)
    pooled = Pooled()
    steps = max(horizon, BACKTEST_HORIZON)
    for end in sorted(ends):
        cut = (end - first).days + 1
        if cut <= 0:
            continue
        lo = max(0, cut - FIT_WINDOW)
        y, dow = total[lo:cut], dow_all[lo:cut]
        valid = np.ones(len(y), dtype=bool)
        pooled.profile[end] = m.weekday_profile(y, valid, dow, None, 0.0)
        pooled.history[end] = y
        outlook = _aggregate_outlook(y, steps)
        if outlook is not None:
            pooled.outlook[end] = outlook
        ratios = yearly_ratios(total[:cut], steps)
        if ratios:
            pooled.yearly[end] = ratios
    return pooled


def _around(y: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The mean of y over YEARLY_SMOOTH days around each centre (cut at y's end)."""
    cum = np.concatenate([[0.0], np.cumsum(y)])
    lo = np.clip(centres - YEARLY_SMOOTH // 2, 0, len(y))
    hi = np.clip(centres + YEARLY_SMOOTH // 2, 0, len(y))
    return (cum[hi] - cum[lo]) / np.maximum(hi - lo, 1)


def yearly_ratios(y: np.ndarray, steps: int) -> dict:
    """{window days: ratio per step 1..steps}: demand on the same day a year earlier (the
    mean of the 28 days around it, so weekdays and single orders wash out) over the mean
    demand of the `window` days that ended on the origin's date a year earlier. Times a
    recent rate over the same window, it is that rate carried through last year's season
    (Q4, Prime Day, summer goods). {} when y holds less than a year before the window."""
    t = len(y)  # the origin: y's days are 0..t-1
    out = {}
    for days in YEARLY_WINDOWS:
        base_end = t - YEAR
        if base_end - days - YEARLY_SMOOTH // 2 < 0:
            continue
        base = y[base_end - days : base_end].mean()
        if base <= 0:
            continue
        out[days] = _around(y, base_end + np.arange(steps)) / base
    return out


def own_yearly_ratio(y: np.ndarray, o: int, days: int, steps: int, shop: np.ndarray):
    """A series' own ratio as in yearly_ratios, shrunk toward the shop's: its units a year
    earlier around each target day and in the base window, plus YEARLY_PRIOR_UNITS pseudo-
    units at the shop's ratio. A series without a year before the window has the shop's."""
    base_end = o - YEAR
    if base_end - days < 0:
        return shop
    base = y[base_end - days : base_end].mean() * YEARLY_SMOOTH  # units in 28 base-rate days
    around = _around(y[:o], base_end + np.arange(steps)) * YEARLY_SMOOTH
    return (around + YEARLY_PRIOR_UNITS * shop) / (base + YEARLY_PRIOR_UNITS)


def _aggregate_outlook(y: np.ndarray, steps: int) -> np.ndarray | None:
    """ETS level + damped trend forecast of the shop-wide sum, without its weekly season.

    ETS(A,N,A) and ETS(A,Ad,A) are both fitted and the lower AICc wins, so a trend is used
    only where the shop's history supports it. The sum is scaled to mean 1 for the fit (the
    optimiser converges in far fewer steps), then scaled back."""
    scale = y.mean()
    if len(y) < 4 * m.WEEK or scale <= 0:
        return None
    z = y / scale
    fits = [p for p in (m.ets_fit(z, False), m.ets_fit(z, True)) if p is not None]
    if not fits:
        return None
    best = min(fits, key=lambda p: p["aicc"])
    valid = np.ones(len(z), dtype=bool)
    return m.ets_run(z, valid, best, [len(z)], steps, season=False)[len(z)] * scale


# --- the global model: one regression across all series ----------------------------------

GLOBAL_WINDOWS = (7, 14, 28, 56, 91, 182)
GLOBAL_LONG = 364  # the long-run rate every recent rate is compared with
GLOBAL_TRAIN_ORIGINS = 26  # weekly training origins (half a year) before each forecast origin
GLOBAL_PRIOR_DAYS = 7.0  # pseudo-days at the long-run rate added to each window's rate
GLOBAL_MIN_DAYS = 28  # history a series needs at an origin to enter the regression


class _Panel:
    """All series on one calendar: cumulative valid units and valid days (censored days and
    the days before a series' first sale are not valid), to read any window's rate at any
    origin in one vectorised step."""

    def __init__(self, items):
        firsts = [first for _, first, _, _ in items]
        self.first = min(firsts)
        lasts = [first + pd.Timedelta(days=len(v) - 1) for _, first, v, _ in items]
        self.days = (max(lasts) - self.first).days + 1
        units = np.zeros((len(items), self.days))
        valid = np.zeros((len(items), self.days), dtype=bool)
        self.start = np.zeros(len(items), dtype=int)  # first sale
        self.stop = np.zeros(len(items), dtype=int)  # one past the last day
        for i, (_, first, values, stock) in enumerate(items):
            y = np.clip(np.nan_to_num(values, nan=0.0), 0, None)
            dow = (first.day_of_week + np.arange(len(y))) % m.WEEK
            ok = ~np.isnan(values) & ~_censor_mask(y, stock, dow)
            sold = np.flatnonzero(ok & (y > 0))
            offset = (first - self.first).days
            self.stop[i] = offset + len(y)
            if not len(sold):
                self.start[i] = self.stop[i]
                continue
            ok[: sold[0]] = False
            self.start[i] = offset + sold[0]
            units[i, offset : offset + len(y)] = np.where(ok, y, 0.0)
            valid[i, offset : offset + len(y)] = ok
        zero = np.zeros((len(items), 1))
        self.daily = units
        self.raw = self.units = np.hstack([zero, np.cumsum(units, axis=1)])
        self.valid = np.hstack([zero, np.cumsum(valid, axis=1)])
        self.sold = np.hstack([zero, np.cumsum(valid & (units > 0), axis=1)])
        self.selling = valid & (units > 0)

    def cap_spikes(self, c: int):
        """Features from here on read units capped at each series' spike cap (as
        methods.spike_cap, from the year before column c), plus the rate of the units above
        the cap over the year before each feature's own origin, as the robust candidates
        do; targets still read the real units. The cap (a quartile-based threshold) is the
        one figure the training origins share with later days."""
        lo = max(c - GLOBAL_LONG, 0)
        sizes = np.where(
            self.selling[:, lo:c], np.log(np.maximum(self.daily[:, lo:c], 1e-12)), np.nan
        )
        enough = (~np.isnan(sizes)).sum(axis=1) >= m.MIN_SPIKE_DAYS
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            q1, q3 = np.nanquantile(sizes, [0.25, 0.75], axis=1)
        cap = np.where(enough, np.exp(q3 + m.TUKEY_K * (q3 - q1)), np.inf)
        capped = np.minimum(self.daily, cap[:, None])
        self.units = np.hstack([np.zeros((len(cap), 1)), np.cumsum(capped, axis=1)])

    def window(self, c: int, days: int):
        """Units and valid days of every series over the `days` days before column c."""
        lo = max(c - days, 0)
        return self.units[:, c] - self.units[:, lo], self.valid[:, c] - self.valid[:, lo]

    def target(self, c: int, days: int):
        """Real (uncapped) units and valid days over the `days` days before column c."""
        lo = max(c - days, 0)
        return self.raw[:, c] - self.raw[:, lo], self.valid[:, c] - self.valid[:, lo]

    def features(self, c: int):
        """Regressors at origin c (history = columns before c) and the offset log(long-run
        rate); rows of series without GLOBAL_MIN_DAYS of history or sales are masked."""
        long_units, long_days = self.window(c, GLOBAL_LONG)
        ok = (long_days >= GLOBAL_MIN_DAYS) & (long_units > 0) & (self.stop >= c)
        regular = long_units / np.maximum(long_days, 1)
        raw_units, _ = self.target(c, GLOBAL_LONG)
        excess = (raw_units - long_units) / np.maximum(long_days, 1)
        rate = regular + excess
        columns = [np.ones(len(rate))]
        for days in GLOBAL_WINDOWS:
            units, valid_days = self.window(c, days)
            smooth = (units + GLOBAL_PRIOR_DAYS * regular) / (valid_days + GLOBAL_PRIOR_DAYS)
            smooth = smooth + excess
            columns.append(np.log(np.maximum(smooth, 1e-12) / np.maximum(rate, 1e-12)))
        lo = max(c - 91, 0)
        recent_days = self.valid[:, c] - self.valid[:, lo]
        columns.append((self.sold[:, c] - self.sold[:, lo]) / np.maximum(recent_days, 1))
        age = np.clip(c - self.start, 1, GLOBAL_LONG)
        columns.append(np.log(age / GLOBAL_LONG))
        offset = np.log(np.maximum(rate, 1e-12))
        return np.column_stack(columns), offset, ok


def _glm_params(y: np.ndarray, x: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Poisson GLM coefficients. statsmodels' model and results refer to each other, so
    they are freed only by the cycle collector: collected here at once, or every origin's
    copies of the ~140,000-row design (about 80 MB on 5,000 series) pile up."""
    import gc

    import statsmodels.api as sm

    fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset).fit()
    params = np.array(fit.params, dtype=float)
    del fit
    gc.collect(1)
    return params


def _global_rates(items, ends) -> dict:
    """{key: {origin date: daily rate}}: a Poisson regression (log link) across all series
    of the units sold in the 28 days after an origin, on what was known at it: the SKU's
    rates over the last 7..182 days relative to its 364-day rate (momentum; spikes capped
    and counted at their yearly rate, as the robust candidates do), its share of selling
    days and its age. (The shop's own momentum was tried as a regressor: with one
    value per training origin it learnt the season of the training half year, not a rule.)
    One fit per origin date, on the weekly origins of the half year whose 28 days ahead end
    before it, so a backtest origin's forecast never sees its own window. The Poisson
    likelihood gives the conditional mean whatever the demand's real distribution
    (quasi-likelihood, McCullagh & Nelder 1989, ch. 9), and its weights (proportional to
    the mean) make big sellers count as units do in the reorder. The M5 competition's
    winners were global models across series (Makridakis et al. 2022, "M5 accuracy
    competition", IJF 38(4)); this one stays linear in a few features so it fits in a
    second."""
    if not items:
        return {}
    panel = _Panel(items)
    h = BACKTEST_HORIZON
    out = {}
    for end in sorted(ends):
        c = (end - panel.first).days + 1  # the origin's first forecast column
        if c <= GLOBAL_LONG // 4:
            continue
        xs, ys, offs = [], [], []
        panel.cap_spikes(c)
        for k in range(GLOBAL_TRAIN_ORIGINS):
            t = c - h - m.WEEK * k
            if t < GLOBAL_MIN_DAYS:
                break
            x, off, ok = panel.features(t)
            units, days = panel.target(t + h, h)
            ok &= (days > 0) & (panel.stop >= t + h)
            xs.append(x[ok])
            ys.append(units[ok])
            offs.append(off[ok] + np.log(np.maximum(days[ok], 1)))
        if not xs or sum(len(y) for y in ys) < 10 * xs[0].shape[1]:
            continue
        x, y, off = np.vstack(xs), np.concatenate(ys), np.concatenate(offs)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                params = np.asarray(_glm_params(y, x, off))
        except (ValueError, np.linalg.LinAlgError):
            continue
        if not np.all(np.isfinite(params)):
            continue
        x, off, ok = panel.features(c)
        rate = np.exp(np.clip(x @ params + off, -50, 50))
        for i in np.flatnonzero(ok):
            out.setdefault(items[i][0], {})[end] = float(rate[i])
    return out


# --- one series ------------------------------------------------------------------------------


def _censor_mask(y: np.ndarray, stock: np.ndarray | None, dow: np.ndarray) -> np.ndarray:
    """Days whose sales were limited by stock.

    A day with 0 available units is censored. After such a day, while stock stays unknown
    (NaN), days whose units are far below normal (under a quarter of the weekday-profiled
    rate of the uncensored days) are censored too: the stock-out probably lasted. The
    first day at normal sales or with known positive stock ends the run."""
    censored = np.zeros(len(y), dtype=bool)
    if stock is None:
        return censored
    stock = np.asarray(stock, dtype=float)
    out = stock <= 0
    censored |= out
    if not out.any():
        return censored
    base_valid = ~out & ~np.isnan(stock)
    if base_valid.sum() < m.WEEK:
        base_valid = ~out
    profile = m.weekday_profile(y, base_valid, dow, None, float(m.WEEK))
    level = m.deseasonalised_level(y, base_valid, dow, profile)
    normal = level * profile[dow]
    running = False
    for t in range(len(y)):
        if out[t]:
            running = True
        elif running and np.isnan(stock[t]) and y[t] < 0.25 * normal[t]:
            censored[t] = True
        else:
            running = False
    return censored


def _impute(y: np.ndarray, valid: np.ndarray, dow: np.ndarray) -> np.ndarray:
    """Fill censored days with the weekday profile times the level of the 8 weeks before."""
    if valid.all():
        return y
    filled = y.copy()
    profile = m.weekday_profile(y, valid, dow, None, float(m.WEEK))
    overall = m.deseasonalised_level(y, valid, dow, profile)
    for t in np.flatnonzero(~valid):
        lo = max(0, t - 8 * m.WEEK)
        window = valid[lo:t]
        level = (
            m.deseasonalised_level(y[lo:t], window, dow[lo:t], profile)
            if window.sum() >= m.WEEK
            else overall
        )
        filled[t] = level * profile[dow[t]]
    return filled


def _weekly_trend_significant(y: np.ndarray) -> bool:
    """OLS slope of the last 26 weekly totals, |t| > 2: the history supports a trend."""
    weeks = len(y) // m.WEEK
    if weeks < 16:
        return False
    weeks = min(weeks, 26)
    totals = y[len(y) - weeks * m.WEEK :].reshape(weeks, m.WEEK).sum(axis=1)
    x = np.arange(weeks, dtype=float)
    x -= x.mean()
    slope = (x * (totals - totals.mean())).sum() / (x * x).sum()
    resid = totals - totals.mean() - slope * x
    se = math.sqrt((resid * resid).sum() / (weeks - 2) / (x * x).sum())
    return se > 0 and abs(slope / se) > 2


def _candidate_paths(
    y, valid, filled, dow, end_date, origins, steps, pooled, global_rates=None
) -> dict:
    """Every candidate's point forecast from each origin: {method: {origin: path}}."""
    global_rates = global_rates or {}
    n = len(y)
    paths = {name: {} for name in (*BASE_CANDIDATES, *_yearly_names())}
    croston = m.croston_states(y, valid)
    tsb = m.tsb_states(y, valid)
    for o in origins:
        origin_date = end_date - pd.Timedelta(days=n - o)
        lo = max(0, o - FIT_WINDOW)
        future_dow = (dow[o - 1] + 1 + np.arange(steps)) % m.WEEK
        prior = pooled.profile.get(origin_date)
        profile = m.weekday_profile(y[lo:o], valid[lo:o], dow[lo:o], prior, PROFILE_PRIOR_DAYS)
        shape = profile[future_dow]
        # Spikes (one-off large orders) are rare: their rate is read over the whole year,
        # and only the regular sales below the cap over each level window.
        cap = m.spike_cap(y[lo:o], valid[lo:o])
        capped = np.minimum(y, cap)
        seen = valid[lo:o]
        excess = float((y[lo:o] - capped[lo:o])[seen].sum() / max(seen.sum(), 1))
        profile_r = m.weekday_profile(
            capped[lo:o], valid[lo:o], dow[lo:o], prior, PROFILE_PRIOR_DAYS
        )
        for days in LEVEL_WINDOWS:
            window = slice(max(0, o - days), o)
            level = m.deseasonalised_level(y[window], valid[window], dow[window], profile)
            paths[f"weekday_rate{days}"][o] = level * shape
            growth = pooled.growth(origin_date, min(days, o), steps)
            paths[f"pooled{days}"][o] = level * shape * (1.0 if growth is None else growth)
            regular = m.deseasonalised_level(capped[window], valid[window], dow[window], profile_r)
            paths[f"robust{days}"][o] = (regular + excess) * profile_r[future_dow]
        season = pooled.yearly.get(origin_date, {})
        for days in YEARLY_WINDOWS:
            if days in season:
                ratio = own_yearly_ratio(filled, o, days, steps, season[days])
                paths[f"yearly{days}"][o] = paths[f"robust{days}"][o] * ratio
        rate = global_rates.get(origin_date)
        if rate is not None:
            paths["global"][o] = rate * shape
        paths["snaive7"][o] = filled[o - m.WEEK : o][np.arange(steps) % m.WEEK]
        c = croston[o] if np.isfinite(croston[o]) else 0.0
        paths["croston"][o] = np.full(steps, c)
        paths["sba"][o] = np.full(steps, c * (1 - m.CROSTON_ALPHA / 2))
        paths["tsb"][o] = np.full(steps, tsb[o] if np.isfinite(tsb[o]) else 0.0)
    ets = _ets_paths(filled, valid, origins, steps)
    fallback = f"weekday_rate{LEVEL_WINDOWS[-1]}"
    for o in origins:
        paths["ets"][o] = ets.get(o, paths[fallback][o])
        paths["global"].setdefault(o, paths[fallback][o])
    for days in YEARLY_WINDOWS:
        if len(paths[f"yearly{days}"]) < len(origins):  # not judged from every origin: none
            del paths[f"yearly{days}"]
    for name in paths:
        for o in paths[name]:
            paths[name][o] = np.clip(np.nan_to_num(paths[name][o]), 0, None)
    return paths


def _ets_paths(filled, valid, origins, steps) -> dict:
    """One ETS fit on the 52 weeks before the earliest backtest origin (or before the end
    when there is no backtest), then the ETS recursion with those parameters gives the
    forecast from every origin and from the end: refitting at each origin would cost 4x the
    time, and fitting on later data would let the parameters see the backtest days (an
    in-sample backtest flatters ETS and narrows its intervals). The states still follow the
    data up to each origin. A damped trend is fitted when the weekly totals have a
    significant slope."""
    first_origin = min(origins)
    lo = max(0, first_origin - FIT_WINDOW)
    if first_origin - lo < 3 * m.WEEK:
        return {}
    trend = _weekly_trend_significant(filled[lo:first_origin])
    params = m.ets_fit(filled[lo:first_origin], trend)
    if params is None:
        return {}
    out = m.ets_run(filled[lo:], valid[lo:], params, [o - lo for o in origins], steps)
    return {o + lo: path for o, path in out.items()}


def _ratio_quantiles(ratios: np.ndarray, level: float) -> tuple[float, float]:
    a = 1 - level
    lo_q, hi_q = np.quantile(ratios, [a / 2, 1 - a / 2])
    if lo_q <= 0:
        # the zeros alone cover the lower tail: all of the miss probability goes up
        lo_q, hi_q = 0.0, np.quantile(ratios, 1 - a)
    return float(lo_q), float(hi_q)


def _nbinom_interval(mean: np.ndarray, dispersion: float, level: float):
    """Negative binomial quantiles with variance = mean * dispersion (>= Poisson)."""
    from scipy.stats import nbinom, poisson

    a = 1 - level
    mu = np.maximum(mean, 1e-9)
    if dispersion <= 1.0001:
        lo, hi = poisson.ppf(a / 2, mu), poisson.ppf(1 - a / 2, mu)
    else:
        p = 1.0 / dispersion
        r = mu * p / (1 - p)
        lo, hi = nbinom.ppf(a / 2, r, p), nbinom.ppf(1 - a / 2, r, p)
    lo = np.where(mean > 0, lo, 0.0)
    hi = np.where(mean > 0, hi, 0.0)
    return lo, hi


def _cum_sigma_counts(mean: np.ndarray, dispersion: float, units_seen: float) -> np.ndarray:
    """Standard deviation of the units summed over days 1..h when there is no backtest to
    calibrate it (never sold, under 9 weeks of history): negative binomial days with
    variance = mean * dispersion, taken as independent, plus the error of a rate estimated
    from `units_seen` units (relative variance dispersion / units_seen), which is shared by
    every day and so grows with the square of the total."""
    total = np.cumsum(np.asarray(mean, dtype=float))
    dispersion = max(dispersion, 1.0)
    return np.sqrt(total * dispersion + total**2 * dispersion / max(units_seen, 1.0))


def _widen(mean, lo, hi):
    """Beyond the backtest horizon the level itself is less certain: the distance from the
    mean grows with sqrt(h / 28), the rate at which a random-walk level drifts."""
    h = np.arange(1, len(mean) + 1)
    grow = np.sqrt(np.maximum(h / BACKTEST_HORIZON, 1.0))
    return np.maximum(mean - (mean - lo) * grow, 0.0), mean + (hi - mean) * grow


def _normal_table(mean: np.ndarray, dispersion: float, units_seen: float) -> np.ndarray:
    """cum_quantiles (with scale 1) where there is no backtest to measure them: the normal
    quantiles of the negative binomial cum_sigma, over a mean extended to the grid's last
    day by repeating its last week."""
    last = CUM_QUANTILE_DAYS[-1]
    if 0 < len(mean) < last:
        mean = np.concatenate([mean, np.resize(mean[-m.WEEK :], last - len(mean))])
    sigma = _cum_sigma_counts(mean, dispersion, units_seen) if len(mean) else np.zeros(last)
    return _Z_GRID[:, None] * sigma[np.asarray(CUM_QUANTILE_DAYS) - 1][None, :]


def _make(
    prep, method, mean, bounds, scores=None, low=False, cum_sigma=None, quantiles=None
) -> Forecast:
    lo80, hi80, lo95, hi95 = (np.asarray(b, dtype=float) for b in bounds)
    mean = np.clip(np.asarray(mean, dtype=float), 0, None)
    if cum_sigma is None:
        cum_sigma = _cum_sigma_counts(mean, prep.dispersion, prep.units_seen)
    if quantiles is None:
        quantiles = (_normal_table(mean, prep.dispersion, prep.units_seen), 1.0)
    cum_sigma = np.maximum.accumulate(np.clip(np.nan_to_num(cum_sigma[: len(mean)]), 0, None))
    lo80 = np.clip(np.minimum(lo80, mean), 0, None)
    lo95 = np.minimum(lo95, lo80).clip(0, None)
    hi80 = np.maximum(hi80, mean)
    hi95 = np.maximum(hi95, hi80)
    scores = scores or {}
    chosen = scores.get(method, {})
    base = scores.get("snaive7", {})
    return Forecast(
        method=method,
        mean=mean,
        lo80=lo80,
        hi80=hi80,
        lo95=lo95,
        hi95=hi95,
        low_history=low,
        censored=prep.censored,
        mase=chosen.get("mase"),
        wape=chosen.get("wape"),
        bias=chosen.get("bias"),
        baseline_mase=base.get("mase"),
        baseline_wape=base.get("wape"),
        baseline_bias=base.get("bias"),
        candidates={k: {x: v[x] for x in ("mase", "wape", "bias")} for k, v in scores.items()},
        demand_class=prep.cls,
        seconds=prep.seconds,
        start=prep.start,
        paths=dict(prep.final) if prep.keep_paths else {},
        cum_sigma=cum_sigma,
        cum_quantiles=quantiles[0],
        cum_scale=float(quantiles[1]),
    )


@dataclass
class _Prepared:
    """One series after the worker's part: candidate forecasts from every origin."""

    censored: np.ndarray
    start: pd.Timestamp
    cls: str = "lumpy"
    seconds: float = 0.0
    done: Forecast | None = None  # decided already (never sold, low history, no backtest)
    backtest: dict = field(default_factory=dict)  # method -> forecasts on the backtest days
    actual: np.ndarray | None = None  # units on the backtest days (censored days removed)
    windows: np.ndarray | None = None  # which origin each backtest day belongs to
    offsets: np.ndarray | None = None  # which day of its window (0 = first) each one is
    scale: float = 1.0  # in-sample MAE of seasonal naive (the MASE denominator)
    final: dict = field(default_factory=dict)  # method -> forecast for the horizon
    dispersion: float = 1.0  # variance / mean of the valid days, for fallback intervals
    zero_share: np.ndarray | None = None  # share of zero days per weekday, last 52 weeks
    spread: float = 0.0  # standard deviation of the valid daily units, last 52 weeks
    units_seen: float = 0.0  # units on the valid days the rate is estimated from
    keep_paths: bool = False  # Forecast.paths gets every candidate's forecast


def prepare_one(
    values: np.ndarray,
    first_date: pd.Timestamp,
    horizon: int,
    stock: np.ndarray | None = None,
    pooled: Pooled | None = None,
    global_rates: dict | None = None,
) -> _Prepared:
    """The per-series part: censoring, candidate forecasts, backtest forecasts."""
    t0 = time.perf_counter()
    pooled = pooled or Pooled()
    raw = np.asarray(values, dtype=float)
    n_all = len(raw)
    end_date = first_date + pd.Timedelta(days=n_all - 1)
    start = end_date + pd.Timedelta(days=1)
    dow_all = (first_date.day_of_week + np.arange(n_all)) % m.WEEK
    unknown = np.isnan(raw)
    y_all = np.clip(np.nan_to_num(raw, nan=0.0), 0, None)
    censored = _censor_mask(y_all, stock, dow_all)
    prep = _Prepared(censored=censored, start=start)
    valid_all = ~censored & ~unknown
    sold = np.flatnonzero((y_all > 0) & valid_all)
    if len(sold) == 0:
        zeros = np.zeros(horizon)
        prep.done = _make(prep, "zero", zeros, (zeros,) * 4, low=n_all < LOW_HISTORY_DAYS)
        prep.done.seconds = time.perf_counter() - t0
        return prep
    first = sold[0]
    y, valid, dow = y_all[first:], valid_all[first:], dow_all[first:]
    n = len(y)
    prep.cls = m.demand_class(y, valid)
    vals = y[valid]
    prep.dispersion = float(vals.var() / vals.mean()) if vals.mean() > 0 else 1.0
    prep.units_seen = float(vals.sum())
    if n < LOW_HISTORY_DAYS:
        prep.done = _low_history(prep, y, valid, dow, end_date, horizon, pooled)
        prep.done.seconds = time.perf_counter() - t0
        return prep

    backtest = [
        n - BACKTEST_HORIZON * k
        for k in range(1, BACKTEST_ORIGINS + 1)
        if n - BACKTEST_HORIZON * k >= MIN_TRAIN_DAYS
    ]
    filled = _impute(y, valid, dow)
    steps = max(horizon, BACKTEST_HORIZON)
    origins = [*backtest, n]
    paths = _candidate_paths(y, valid, filled, dow, end_date, origins, steps, pooled, global_rates)
    prep.final = {name: p[n][:horizon] for name, p in paths.items()}
    if not backtest:
        # 4 to 9 weeks of history: no backtest yet, the longest weekday-profiled rate
        method = f"weekday_rate{LEVEL_WINDOWS[-1]}"
        mean = prep.final[method]
        bounds = (
            *_nbinom_interval(mean, prep.dispersion + mean.mean(), 0.8),
            *_nbinom_interval(mean, prep.dispersion + mean.mean(), 0.95),
        )
        prep.seconds = time.perf_counter() - t0
        prep.done = _make(prep, method, mean, bounds)
        return prep
    recent = slice(max(0, n - FIT_WINDOW), n)
    seen = np.bincount(dow[recent][valid[recent]], minlength=m.WEEK)
    zeros = np.bincount(dow[recent][valid[recent] & (y[recent] == 0)], minlength=m.WEEK)
    prep.zero_share = zeros / np.maximum(seen, 1)
    prep.spread = float(y[recent][valid[recent]].std())
    days = np.concatenate([np.arange(o, o + BACKTEST_HORIZON) for o in backtest])
    ok = valid[days]
    prep.actual = y[days][ok]
    prep.windows = np.repeat(np.arange(len(backtest)), BACKTEST_HORIZON)[ok]
    prep.offsets = np.tile(np.arange(BACKTEST_HORIZON), len(backtest))[ok]
    prep.backtest = {
        name: np.concatenate([p[o][:BACKTEST_HORIZON] for o in backtest])[ok]
        for name, p in paths.items()
    }
    hist = filled[: min(backtest)]
    scale = float(np.abs(hist[m.WEEK :] - hist[: -m.WEEK]).mean()) if len(hist) > m.WEEK else 0
    prep.scale = scale if scale > 0 else max(float(hist.mean()), 1e-9)
    prep.seconds = time.perf_counter() - t0
    return prep


def _low_history(prep, y, valid, dow, end_date, horizon, pooled) -> Forecast:
    """Under 4 weeks: the mean of the valid days with the shop's weekday profile, and
    negative binomial intervals whose dispersion is the observed variance/mean plus the
    uncertainty of a rate estimated from so few days (wide on purpose)."""
    prior = pooled.profile.get(end_date)
    profile = prior if prior is not None and prior.sum() > 0 else np.ones(m.WEEK)
    level = m.deseasonalised_level(y, valid, dow, profile)
    future_dow = (dow[-1] + 1 + np.arange(horizon)) % m.WEEK
    mean = level * profile[future_dow]
    days = max(int(valid.sum()), 1)
    dispersion = prep.dispersion + level * max(1.0, LOW_HISTORY_DAYS / days)
    bounds = (*_nbinom_interval(mean, dispersion, 0.8), *_nbinom_interval(mean, dispersion, 0.95))
    return _make(prep, "rate", mean, bounds, low=True)


# --- choosing a method: the backtests of every series at once --------------------------------


def _window_loss(f: np.ndarray, prep: _Prepared) -> np.ndarray:
    """Loss per backtest window: the mean of its mean absolute daily error and its absolute
    total error per day. A seller's reorder rests on the total over the lead time, and the
    daily error alone rewards forecasting the median (often 0) of lumpy demand."""
    k = prep.windows.max() + 1
    days = np.bincount(prep.windows, minlength=k)
    daily = np.bincount(prep.windows, np.abs(f - prep.actual), minlength=k) / np.maximum(days, 1)
    total = np.abs(np.bincount(prep.windows, f - prep.actual, minlength=k)) / BACKTEST_HORIZON
    return (daily + total) / 2


def _cum_errors(f: np.ndarray, prep: _Prepared) -> np.ndarray:
    """Errors of the cumulative totals, actual - forecast over days 1..h of each backtest
    window: one row per window, one column per h. A censored day adds no error."""
    k = prep.windows.max() + 1
    err = np.zeros((k, BACKTEST_HORIZON))
    np.add.at(err, (prep.windows, prep.offsets), prep.actual - f)
    return np.cumsum(err, axis=1)


def _score(f: np.ndarray, prep: _Prepared) -> float:
    """Backtest score of one candidate on one series, in MASE units (see _window_loss)."""
    return float(_window_loss(f, prep).mean() / prep.scale)


def _metrics(f: np.ndarray, prep: _Prepared) -> dict:
    a = prep.actual
    total = a.sum()
    mae = float(np.abs(f - a).mean())
    return {
        "mase": mae / prep.scale,
        "wape": float(np.abs(f - a).sum() / total) if total > 0 else None,
        "bias": float((f.sum() - total) / total) if total > 0 else None,
    }


def _dm_statistic(d: np.ndarray, windows: np.ndarray) -> float:
    """Diebold-Mariano statistic of a loss difference series: mean over its standard error,
    with the Newey-West (Bartlett) long-run variance over lags up to h - 1 = 27 inside each
    backtest window. A level error lasts the whole window, so days are far from independent;
    without the lags the test calls noise significant."""
    n = len(d)
    if n < 2:
        return 0.0
    c = d - d.mean()
    var = float(c @ c) / n
    lags = BACKTEST_HORIZON - 1
    for lag in range(1, lags + 1):
        same = windows[lag:] == windows[:-lag]
        if not same.any():
            break
        gamma = float((c[lag:] * c[:-lag])[same].sum()) / n
        var += 2 * (1 - lag / (lags + 1)) * gamma
    if var <= 0:
        return 0.0
    return float(d.mean() / math.sqrt(var / n))


def _mix(paths: dict, members) -> np.ndarray:
    return np.mean([paths[c] for c in members], axis=0)


def _choose(preps: dict) -> dict:
    """Pick a method per series from the backtests.

    Picking the best of ~15 candidates on 84 days of one lumpy series mostly picks noise
    (on the dev data the per-SKU winner did worse than ETS alone). So the default for every
    series is the candidate with the lowest mean backtest score over all series of its
    demand class (all series when the class has fewer than MIN_CLASS_SERIES), plus a
    "combo": the mean of that pool's three best candidates (forecast combination; see
    Petropoulos et al. 2022, "Forecasting: theory and practice", section 2.6). A series
    keeps its own best candidate only where its backtest says so at the 5% level (paired
    t-test on daily absolute errors, Diebold & Mariano 1995, Bonferroni-corrected)."""
    ready = {k: p for k, p in preps.items() if p.done is None}
    if not ready:
        return {}
    seasonal = [c for c in _yearly_names() if any(c in p.backtest for p in ready.values())]
    offered = (*BASE_CANDIDATES, *seasonal)
    for p in ready.values():
        for days in YEARLY_WINDOWS:
            name = f"yearly{days}"
            if name in offered and name not in p.backtest:  # its base window sold nothing
                p.backtest[name] = p.backtest[f"robust{days}"]
                p.final[name] = p.final[f"robust{days}"]
    override_z = _override_z(len(offered))
    scores = {k: {c: _score(p.backtest[c], p) for c in offered} for k, p in ready.items()}
    classes = {}
    for k, p in ready.items():
        classes.setdefault(p.cls, []).append(k)
    pools = {c: ks for c, ks in classes.items() if len(ks) >= MIN_CLASS_SERIES}
    everyone = list(ready)
    choice = {}
    for cls, keys in {**{"*": everyone}, **pools}.items():
        mean = {c: np.mean([scores[k][c] for k in keys]) for c in offered}
        members = sorted(offered, key=lambda c: mean[c])[:COMBO_SIZE]
        combo = np.mean([_score(_mix(ready[k].backtest, members), ready[k]) for k in keys])
        best = min(mean, key=mean.get)
        choice[cls] = ("combo", members) if combo < mean[best] else (best, members)
    out = {}
    for k, p in ready.items():
        default, members = choice[p.cls] if p.cls in choice else choice["*"]
        p.backtest["combo"] = _mix(p.backtest, members)
        p.final["combo"] = _mix(p.final, members)
        own = dict(scores[k], combo=_score(p.backtest["combo"], p))
        best = min(own, key=own.get)
        method = default
        if best != default and own[best] < own[default]:
            d = np.abs(p.backtest[default] - p.actual) - np.abs(p.backtest[best] - p.actual)
            gain = _window_loss(p.backtest[default], p) - _window_loss(p.backtest[best], p)
            if _dm_statistic(d, p.windows) > override_z and (gain > 0).all():
                method = best
        out[k] = (method, {c: _metrics(p.backtest[c], p) for c in own})
    return out


Z_CUM = np.array([NormalDist().inv_cdf(p) for p in CUM_LEVELS])


def _cum_growth(preps: dict, chosen: dict, steps: int) -> tuple[dict, dict]:
    """Per demand class: c(h), the standard deviation of the cumulative demand over days
    1..h in units of a series' daily standard deviation, so that cum_sigma = spread * c(h).

    Calibrated on the chosen methods' own backtests: each series' errors of its cumulative
    totals (actual - forecast over days 1..h of each window), divided by its daily standard
    deviation, pooled over the windows and the series of its demand class (all series when
    the class is small) as _choose pools its scores. Days are not independent (a level error
    lasts the whole lead time; orders cluster), so c(h) is measured rather than taken as
    sqrt(h); c(28) / sqrt(28) is how much the independent-days sum understates.

    c(h) is the scale of the normal distribution whose 80%, 90% and 95% quantiles fit the
    pooled errors' best (least squares on the quantiles; the errors keep the method's bias).
    The restock plan reads cover = mean + z * cum_sigma at those service levels, and lumpy
    totals are too heavy-tailed for the root mean square error to give z * RMSE coverage.

    Beyond the backtest horizon c(h) follows the power law c(28) * (h / 28)^p, p the
    log-log slope of c over days 7..28 of the backtest, bounded to [0.5, 1]: 0.5 is days
    independent of each other, 1 a level error that persists (perfectly correlated days).

    Returns ({class: c(h) over max(steps, 28) days}, {class: cum_quantiles table}): the
    table holds the same pooled normalised errors' empirical quantiles at the levels and
    days of the CUM_QUANTILE grid (days past 28 by the same power law), for safety stock
    at any service level without the normal shape (see safety_units)."""
    errors = {}
    for key, prep in preps.items():
        if prep.done is None and prep.spread > 0:
            err = _cum_errors(prep.backtest[chosen[key][0]], prep) / prep.spread
            errors.setdefault(prep.cls, []).append(err)
    everyone = [e for errs in errors.values() for e in errs]
    pools = {"*": everyone} | {c: e for c, e in errors.items() if len(e) >= MIN_CLASS_SERIES}
    out, tables = {}, {}
    h = np.arange(1, BACKTEST_HORIZON + 1)
    days = np.asarray(CUM_QUANTILE_DAYS)
    for cls, errs in pools.items():
        if not errs:
            continue
        pooled = np.concatenate(errs)
        q = np.quantile(pooled, CUM_LEVELS, axis=0)
        c = np.maximum.accumulate(np.clip(Z_CUM @ q / (Z_CUM @ Z_CUM), 0, None))
        tail = h >= m.WEEK
        p = 0.5
        if (c[tail] > 0).all():
            p = float(np.clip(np.polyfit(np.log(h[tail]), np.log(c[tail]), 1)[0], 0.5, 1.0))
        later = np.arange(BACKTEST_HORIZON + 1, max(steps, BACKTEST_HORIZON) + 1)
        out[cls] = np.concatenate([c, c[-1] * (later / BACKTEST_HORIZON) ** p])
        # the quantile table: the pooled errors' own quantiles (heavy upper tail and bias
        # kept), the same power law past the backtest horizon
        # from the most recent window only when the class holds enough series for its 99%
        # quantile to rest on at least one error beyond it (errors drift with the season:
        # the window just before the forecast is the most like it), else from all windows
        recent = np.concatenate([e[:1] for e in errs]) if len(errs) >= TAIL_SERIES else pooled
        quant = np.quantile(recent, CUM_QUANTILE_LEVELS, axis=0)
        inside = quant[:, np.minimum(days, BACKTEST_HORIZON) - 1]
        growth = np.maximum(days / BACKTEST_HORIZON, 1.0) ** p
        tables[cls] = np.maximum.accumulate(inside * growth, axis=0)  # monotone in level
    return out, tables


def _ratios(prep: _Prepared, method: str) -> np.ndarray:
    """actual / forecast on the backtest days the method forecast more than nothing."""
    f = prep.backtest[method]
    usable = f > 1e-3 * max(f.mean(), 1e-9)
    return prep.actual[usable] / f[usable]


def _ratio_pools(preps: dict, chosen: dict) -> dict:
    """Per demand class (all series when the class is small): the ratios actual / forecast
    of every series' chosen method on its backtest days, pooled. One series' 84 days hold
    a few large orders or none, so the tails of its own ratios are noise (its 95% band
    would rest on its 2 largest days); the pool's tails are measured on thousands."""
    ratios = {}
    for key, prep in preps.items():
        if prep.done is None:
            ratios.setdefault(prep.cls, []).append(_ratios(prep, chosen[key][0]))
    everyone = [r for rs in ratios.values() for r in rs]
    pools = {"*": everyone} | {c: r for c, r in ratios.items() if len(r) >= MIN_CLASS_SERIES}
    # {class: {level: (lower, upper, one-sided upper) ratio quantiles}}, None when too few:
    # computed once per class (per series it was the parent's slowest step on 5,000 series)
    out = {}
    for cls, rs in pools.items():
        if not rs:
            continue
        pooled = np.concatenate(rs)
        if len(pooled) < MIN_INTERVAL_POINTS:
            out[cls] = None
            continue
        out[cls] = {
            level: (*_ratio_quantiles(pooled, level), float(np.quantile(pooled, level)))
            for level in (0.8, 0.95)
        }
    return out


def _finish(
    prep: _Prepared, method: str, metrics: dict, growth: dict, tables: dict, pools: dict
) -> Forecast:
    mean = prep.final[method]
    quantiles = pools.get(prep.cls, pools.get("*"))
    few = quantiles is None
    # A weekday on which the SKU sells nothing more often than the lower tail's share (the
    # shop's closed day, most weekdays of a slow seller) has a lower bound of 0, whatever
    # the ratios of the other days say; its upper bound is then the one-sided 1 - a
    # quantile, as in _ratio_quantiles, or the interval would cover 1 - a/2.
    dow = (prep.start.day_of_week + np.arange(len(mean))) % m.WEEK
    zero = prep.zero_share[dow]
    bounds = []
    for level in (0.8, 0.95):
        if few:
            lo, hi = _nbinom_interval(mean, prep.dispersion, level)
            _, upper = _nbinom_interval(mean, prep.dispersion, 1 - 2 * (1 - level))
        else:
            lo_q, hi_q, upper_q = quantiles[level]
            lo, hi, upper = mean * lo_q, mean * hi_q, mean * upper_q
        at_zero = zero >= (1 - level) / 2
        bounds.append(_widen(mean, np.where(at_zero, 0.0, lo), np.where(at_zero, upper, hi)))
    (lo80, hi80), (lo95, hi95) = bounds
    c = growth.get(prep.cls, growth.get("*"))
    cum_sigma = None if c is None else prep.spread * c[: len(mean)]
    table = tables.get(prep.cls, tables.get("*"))
    return _make(
        prep,
        method,
        mean,
        (lo80, hi80, lo95, hi95),
        metrics,
        cum_sigma=cum_sigma,
        quantiles=None if table is None else (table, prep.spread),
    )


# --- many series -----------------------------------------------------------------------------

_BLAS_THREAD_CALLS = (
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("openblas_get_num_threads", "openblas_set_num_threads"),
)


def _blas_threads(count: int | None) -> dict:
    """Set the thread count of every loaded OpenBLAS (numpy's and scipy's own copy) and
    return the previous counts. The ETS optimiser (scipy's L-BFGS-B) calls BLAS on vectors
    of ~10 numbers, where OpenBLAS's thread hand-offs made each fit 3-4x slower on this
    2-core machine. Linux only (reads /proc/self/maps); elsewhere it does nothing."""
    import ctypes

    previous = {}
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return previous
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for get, set_ in _BLAS_THREAD_CALLS:
            if hasattr(lib, get) and hasattr(lib, set_):
                previous[path] = int(getattr(lib, get)())
                if count is not None:
                    getattr(lib, set_)(count)
                break
    return previous


def _restore_blas_threads(previous: dict):
    import ctypes

    for path, count in previous.items():
        lib = ctypes.CDLL(path)
        for get, set_ in _BLAS_THREAD_CALLS:
            if hasattr(lib, get) and hasattr(lib, set_):
                getattr(lib, set_)(count)
                break


_POOLED: Pooled | None = None


def _init_worker(pooled: Pooled):
    global _POOLED
    _POOLED = pooled
    warnings.simplefilter("ignore")
    _blas_threads(1)


def _run_chunk(items, horizon):
    pooled = _POOLED or Pooled()
    return [
        (key, prepare_one(values, first, horizon, stock, pooled, rates))
        for key, first, values, stock, rates in items
    ]


def forecast_many(
    series: Mapping,
    horizon: int,
    stock: Mapping | None = None,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    keep_paths: bool = False,
) -> dict:
    """Forecast every series `horizon` days ahead; returns {key: Forecast}.

    series: {key: pd.Series of daily units} on contiguous calendar days (DatetimeIndex),
    ending on the last complete day; units may start anywhere (history starts at the first
    sale). stock: None (censoring off) or {key: pd.Series} of the units available on the
    same days (NaN = unknown). workers > 1 runs that many processes over chunks of series;
    the statistics pooled across series are computed once here first, and the choice of
    method (which compares backtests across series) is made here after.
    progress(n) is called with the number of series done so far. keep_paths=True fills
    Forecast.paths with every candidate's forecast (for comparison charts; off by default:
    ~20 arrays per series that the app does not store)."""
    if horizon < 1:
        raise ValueError("horizon must be at least 1")
    items = []
    ends = set()
    for key, s in series.items():
        if len(s) == 0:
            continue
        s = s.sort_index()
        first = pd.Timestamp(s.index[0]).normalize()
        values = np.asarray(s, dtype=float)
        st = None
        if stock is not None and stock.get(key) is not None:
            st = np.asarray(stock[key].reindex(s.index), dtype=float)
        items.append((key, first, values, st))
        end = first + pd.Timedelta(days=len(values) - 1)
        ends.update(end - pd.Timedelta(days=BACKTEST_HORIZON * k) for k in range(4))
    previous = _blas_threads(1)
    try:
        return _forecast_items(series, items, ends, horizon, workers, progress, keep_paths)
    finally:
        _restore_blas_threads(previous)


def _forecast_items(series, items, ends, horizon, workers, progress, keep_paths) -> dict:
    global _POOLED
    t0 = time.perf_counter()
    pooled = _pooled_compute(series, ends, horizon) if items else Pooled()
    rates = _global_rates(items, ends)
    items = [(key, first, v, st, rates.get(key)) for key, first, v, st in items]
    shared = (time.perf_counter() - t0) / max(len(items), 1)
    preps = {}
    if workers <= 1 or len(items) < 2 * CHUNK:
        _POOLED = pooled
        for key, first, values, st, rates in items:
            preps[key] = prepare_one(values, first, horizon, st, pooled, rates)
            if progress:
                progress(len(preps))
    else:
        workers = min(workers, os.cpu_count() or 1)
        size = max(CHUNK, min(100, len(items) // (workers * 8) + 1))
        chunks = [items[i : i + size] for i in range(0, len(items), size)]
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(pooled,)) as pool:
            for result in pool.map(_run_chunk, chunks, [horizon] * len(chunks)):
                preps.update(result)
                if progress:
                    progress(len(preps))
    t1 = time.perf_counter()
    chosen = _choose(preps)
    growth, tables = _cum_growth(preps, chosen, horizon)
    pools = _ratio_pools(preps, chosen)
    out = {}
    for key in list(preps):
        prep = preps.pop(key)  # the backtests are not needed past here: free them
        prep.keep_paths = keep_paths
        if prep.done is not None:
            out[key] = prep.done
            if keep_paths:
                out[key].paths = dict(prep.final)
        else:
            out[key] = _finish(prep, *chosen[key], growth, tables, pools)
    shared += (time.perf_counter() - t1) / max(len(items), 1)
    for fc in out.values():
        fc.seconds += shared
    return out
