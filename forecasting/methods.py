"""Forecasting methods for daily unit sales: plain numpy, plus statsmodels for ETS fitting.

Every method here works on a numpy array `y` of daily units with a boolean `valid` mask
(False = censored day: out of stock, so its zero is not demand) and a weekday array `dow`
(0 = Monday). Methods that keep a state (Croston, SBA, TSB, ETS) run once over the whole
history and return their forecast origin state at every day, so a rolling-origin backtest
costs one pass, not one fit per origin.
"""

import math
import warnings

import numpy as np
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.exponential_smoothing.ets import ETSModel

WEEK = 7

# Syntetos, Boylan & Croston (2005), "On the categorization of demand patterns", JORS 56(5):
# average inter-demand interval 1.32 and squared coefficient of variation of demand sizes 0.49
# split smooth / erratic / intermittent / lumpy demand.
SBC_ADI = 1.32
SBC_CV2 = 0.49

# Smoothing constants from the literature, not fitted to any data set: Croston (1972) and
# Syntetos & Boylan (2005) use alpha 0.1-0.2 on intermittent demand; Teunter, Syntetos &
# Babai (2011) pair a demand-size alpha with a smaller probability beta.
CROSTON_ALPHA = 0.1
TSB_ALPHA = 0.1
TSB_BETA = 0.05


def demand_class(y: np.ndarray, valid: np.ndarray) -> str:
    """Syntetos-Boylan-Croston class on the valid days from the first sale on."""
    nz = np.flatnonzero((y > 0) & valid)
    if len(nz) < 2:
        return "lumpy"
    seen = valid[nz[0] :]
    sizes = y[nz]
    adi = seen.sum() / len(sizes)
    cv2 = (sizes.std() / sizes.mean()) ** 2
    if adi < SBC_ADI:
        return "smooth" if cv2 < SBC_CV2 else "erratic"
    return "intermittent" if cv2 < SBC_CV2 else "lumpy"


def croston_states(y: np.ndarray, valid: np.ndarray, alpha: float = CROSTON_ALPHA) -> np.ndarray:
    """Croston (1972) demand rate known after each day: out[t] is the forecast made with
    y[:t] (out[0] = nan). Size and interval are smoothed on demand days only; censored days
    neither count as a zero nor lengthen the interval."""
    out = np.full(len(y) + 1, np.nan)
    size = interval = None
    gap = 1
    for t in range(len(y)):
        if valid[t]:
            if y[t] > 0:
                if size is None:
                    size, interval = y[t], float(gap)
                else:
                    size += alpha * (y[t] - size)
                    interval += alpha * (gap - interval)
                gap = 1
            else:
                gap += 1
        if size is not None:
            out[t + 1] = size / interval
    return out


def tsb_states(
    y: np.ndarray, valid: np.ndarray, alpha: float = TSB_ALPHA, beta: float = TSB_BETA
) -> np.ndarray:
    """Teunter-Syntetos-Babai (2011): smooth the demand probability every (valid) day and
    the demand size on demand days; the rate is their product, so it decays while no
    demand comes (unlike Croston, which only updates on demand days)."""
    out = np.full(len(y) + 1, np.nan)
    prob = size = None
    for t in range(len(y)):
        if valid[t]:
            hit = y[t] > 0
            if size is None:
                if hit:
                    size, prob = y[t], 1.0 / max(t + 1, 1)
            else:
                prob += beta * (hit - prob)
                if hit:
                    size += alpha * (y[t] - size)
        if size is not None:
            out[t + 1] = prob * size
    return out


def weekday_profile(
    y: np.ndarray, valid: np.ndarray, dow: np.ndarray, prior: np.ndarray | None, strength: float
) -> np.ndarray:
    """Multiplicative weekday profile (mean 1 over the week) from the mean units per valid
    weekday, shrunk toward `prior` (the shop-wide profile) by `strength` pseudo-days per
    weekday, as a conjugate-prior average would. A weekday that never sells in the shop
    (closed on Saturdays, say) gets 0 without any special case."""
    sums = np.bincount(dow[valid], weights=y[valid], minlength=WEEK)
    days = np.bincount(dow[valid], minlength=WEEK).astype(float)
    total_days = days.sum()
    if total_days == 0 or sums.sum() <= 0:
        return np.ones(WEEK) if prior is None else prior.copy()
    mean = sums.sum() / total_days
    if prior is None:
        prior = np.ones(WEEK)
    weight = days + strength
    rate = np.divide(sums + strength * mean * prior, weight, out=np.zeros(WEEK), where=weight > 0)
    if rate.sum() <= 0:
        return np.ones(WEEK)
    return rate * WEEK / rate.sum()


def deseasonalised_level(
    y: np.ndarray, valid: np.ndarray, dow: np.ndarray, profile: np.ndarray
) -> float:
    """Units per average day: valid units divided by the profile weight of the valid days,
    so a censored Monday does not lower the level of a Monday-heavy product."""
    weight = profile[dow[valid]].sum()
    if weight <= 0:
        return 0.0
    return float(y[valid].sum() / weight)


# Tukey's (1977) outer-fence multiplier of the interquartile range: the textbook outlier rule
TUKEY_K = 1.5
MIN_SPIKE_DAYS = 8  # selling days needed before quartiles of order sizes mean anything


def spike_cap(y: np.ndarray, valid: np.ndarray) -> float:
    """The size above which a day's units are a spike: Tukey's fence Q3 + 1.5 IQR on the
    log units of the valid selling days (order sizes are closer to log-normal than
    normal). inf when there are too few selling days to tell."""
    pos = y[valid & (y > 0)]
    if len(pos) < MIN_SPIKE_DAYS:
        return float("inf")
    q1, q3 = np.quantile(np.log(pos), [0.25, 0.75])
    return float(np.exp(q3 + TUKEY_K * (q3 - q1)))


# --- exponential smoothing (ETS) ------------------------------------------------------------


def ets_fit(y: np.ndarray, trend: bool) -> dict | None:
    """Fit ETS(A,N,A) or ETS(A,Ad,A) with a weekly season by maximum likelihood
    (statsmodels ETSModel, Hyndman et al. 2008) and return its parameters; None when
    the optimiser fails. The damped trend is the robust trend choice (Gardner &
    McKenzie 1985): it flattens out instead of running away over 90 days.

    The fit is statsmodels' own (its start values, bounds, parametrisation, likelihood
    recursion and L-BFGS-B settings) without its overheads: the objective calls the
    compiled recursion directly, the finite-difference gradient is computed as scipy's
    forward differences are (same steps, same bound handling, so the same iterates), and
    no covariance matrix of the parameters is computed (statsmodels' results object takes
    a complex-step Hessian, ~20% of a fit, that nothing here uses). `ets_fit_statsmodels`
    is the plain call; a test checks both give the same parameters."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model = _ets_model(y, trend)
            try:
                params, llf = _ets_fit_lean(model)
            except (AttributeError, TypeError):  # private statsmodels API changed
                params = np.asarray(model.fit(disp=False, maxiter=200, return_params=True))
                llf = float(model.loglike(params))
        except (ValueError, np.linalg.LinAlgError):
            return None
    return _ets_params(model, params, llf)


def ets_fit_statsmodels(y: np.ndarray, trend: bool) -> dict | None:
    """ets_fit through statsmodels' public fit (the reference the lean fit is checked
    against)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            model = _ets_model(y, trend)
            res = model.fit(disp=False, maxiter=200)
        except (ValueError, np.linalg.LinAlgError):
            return None
    return _ets_params(model, np.asarray(res.params, dtype=float), float(res.llf))


def _ets_model(y: np.ndarray, trend: bool) -> ETSModel:
    return ETSModel(
        y,
        error="add",
        trend="add" if trend else None,
        damped_trend=trend,
        seasonal="add",
        seasonal_periods=WEEK,
    )


def _ets_params(model: ETSModel, params: np.ndarray, llf: float) -> dict | None:
    p = dict(zip(model.param_names, np.asarray(params, dtype=float), strict=True))
    if not np.all(np.isfinite(list(p.values()))) or not np.isfinite(llf):
        return None
    nobs = model.nobs
    k = len(model.param_names) + 1  # statsmodels' df_model: free parameters + the variance
    return {
        "alpha": p["smoothing_level"],
        "beta": p.get("smoothing_trend", 0.0),
        "gamma": p["smoothing_seasonal"],
        "phi": p.get("damping_trend", 1.0),
        "level": p["initial_level"],
        "trend": p.get("initial_trend", 0.0),
        # initial_seasonal.j is the state j + 1 days before the first observation
        "season": np.array([p[f"initial_seasonal.{j}"] for j in range(WEEK)])[::-1],
        # the likelihood is concentrated: the variance is the mean squared one-step error
        "sigma2": float(math.exp(-2 * llf / nobs - 1) / (2 * math.pi)),
        "aicc": float(-2 * llf + 2 * k + 2 * k * (k + 1) / max(nobs - k - 1, 1)),
    }


ETS_MAXITER = 200
_FD_STEP = 1e-8  # scipy's L-BFGS-B default finite-difference step (epsilon)


def _ets_fit_lean(model: ETSModel) -> tuple[np.ndarray, float]:
    """statsmodels' ETSModel.fit(return_params=True), step by step (ets.py, 0.14-0.15),
    with a lean objective and gradient; returns (model parameters, log-likelihood)."""
    from scipy.optimize import fmin_l_bfgs_b

    internal_start = model._convert_and_bound_start_params(model.start_params)
    bounds = model._setup_bounds()
    use_beta_star = "smoothing_trend" not in model.bounds
    if use_beta_star:
        internal_start[1] /= internal_start[0]
    use_gamma_star = "smoothing_seasonal" not in model.bounds
    if use_gamma_star:
        internal_start[2] /= 1 - internal_start[0]
    k = model._k_params_internal
    is_fixed = np.zeros(k, dtype=np.int64)
    fixed_values = np.empty_like(internal_start)
    free, free_bounds = [], []
    for i in range(k):
        if bounds[i][0] == bounds[i][1]:
            is_fixed[i] = True
            fixed_values[i] = bounds[i][0]
        else:
            free.append(internal_start[i])
            free_bounds.append(bounds[i])
    x0 = np.asarray(free, dtype=float)
    lb = np.array([-np.inf if b[0] is None else b[0] for b in free_bounds], dtype=float)
    ub = np.array([np.inf if b[1] is None else b[1] for b in free_bounds], dtype=float)
    data = np.asarray(model.endog, dtype=float)
    nobs = data.shape[0]
    yhat = np.zeros(nobs)
    xhat = np.zeros((nobs, model._k_states_internal))
    smooth = model._smoothing_func
    two_pi = 2 * np.pi

    def objective(x):
        smooth(x, data, yhat, xhat, is_fixed, fixed_values, use_beta_star, use_gamma_star)
        res = data - yhat
        loglike = -nobs / 2 * (np.log(two_pi * np.mean(res**2)) + 1)
        return -loglike / nobs

    def objective_and_gradient(x):
        f0 = objective(x)
        # scipy's approx_derivative('2-point', abs_step=epsilon) with its bound handling
        h = np.full(len(x), _FD_STEP)
        step = x + h
        violated = (step < lb) | (step > ub)
        fitting = h <= np.maximum(x - lb, ub - x)
        h[violated & fitting] *= -1
        grad = np.empty(len(x))
        for i in range(len(x)):
            shifted = x.copy()
            shifted[i] = x[i] + h[i]
            grad[i] = (objective(shifted) - f0) / ((x[i] + h[i]) - x[i])
        return f0, grad

    x, f, _ = fmin_l_bfgs_b(objective_and_gradient, x0, bounds=free_bounds, maxiter=ETS_MAXITER)
    fitted = np.empty_like(internal_start)
    j = 0
    for i in range(k):
        if is_fixed[i]:
            fitted[i] = fixed_values[i]
        else:
            fitted[i] = x[j]
            j += 1
    if use_beta_star:
        fitted[1] *= fitted[0]
    if use_gamma_star:
        fitted[2] *= 1 - fitted[0]
    return model._model_params(fitted), float(-f * nobs)


def ets_run(
    y: np.ndarray, valid: np.ndarray, params: dict, origins, horizon: int, season: bool = True
) -> dict:
    """Run the ETS recursion with fixed parameters over y and return the `horizon`-day
    point forecast from each origin (forecast after seeing y[:origin]); with the weekly
    states replaced by their mean when season is False (the deseasonalised forecast).
    Censored days are treated as missing: the states move on without an error correction."""
    alpha, beta, gamma, phi = params["alpha"], params["beta"], params["gamma"], params["phi"]
    level, trend = params["level"], params["trend"]
    states = list(params["season"])  # states[-7] is the seasonal state for the current day
    wanted = {int(o) for o in origins}
    steps = np.cumsum(phi ** np.arange(1, horizon + 1))
    out = {}
    for t in range(len(y) + 1):
        if t in wanted:
            s = np.array(states[-WEEK:])
            if not season:  # the week's mean (statsmodels does not centre the states)
                s = np.full(WEEK, s.mean())
            out[t] = level + steps * trend + s[np.arange(horizon) % WEEK]
        if t == len(y):
            break
        s_t = states[-WEEK]
        fitted = level + phi * trend + s_t
        err = (y[t] - fitted) if valid[t] else 0.0
        new_level = level + phi * trend + alpha * err
        trend = phi * trend + beta * err
        level = new_level
        states.append(s_t + gamma * err)
    return out


def ets_variance(params: dict, horizon: int) -> np.ndarray:
    """Forecast variance of the additive ETS class-1 models, Hyndman et al. (2008), table
    6.1: sigma^2 * (1 + sum_{j<h} c_j^2) with c_j = alpha + beta*phi_j + gamma*[j % m == 0]."""
    alpha, beta, gamma, phi = params["alpha"], params["beta"], params["gamma"], params["phi"]
    j = np.arange(1, horizon)
    c = alpha + beta * np.cumsum(phi ** np.arange(1, horizon)) + gamma * (j % WEEK == 0)
    return params["sigma2"] * np.concatenate([[1.0], 1.0 + np.cumsum(c**2)])
