from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_q.tasks import async_task

from accounts.permissions import owner_required, signed_in_required
from catalog.filters import ALL, period_from_query
from catalog.models import Marketplace
from forecasting import plans
from forecasting.models import ForecastRun, RunStatus
from forecasting.restock import Action

RESTOCK_ROWS = 500  # rows drawn on the page; the CSV exports have them all
ACTION_ORDER = {action: i for i, action in enumerate(Action.ALL)}


def _marketplace(request):
    period, _ = period_from_query(request.GET)
    if period.marketplace == ALL:
        return period, None
    return period, Marketplace.objects.get(code=period.marketplace)


def _horizon(request) -> int:
    value = request.GET.get("horizon")
    return int(value) if value in {str(h) for h in plans.HORIZON_CHOICES} else 30


def _runs():
    last = ForecastRun.objects.filter(status=RunStatus.DONE).first()
    failed = ForecastRun.objects.filter(status=RunStatus.FAILED).first()
    running = ForecastRun.objects.filter(status=RunStatus.RUNNING).first()
    return {
        "last_run": last,
        "failed_run": failed
        if failed and (not last or failed.started_at > last.started_at)
        else None,
        "running_run": running,
    }


@signed_in_required
def forecast_page(request):
    """The total and one listing's history with the forecast and its bands, the measured
    accuracy against the weekly naive, and the listings with the most forecast demand."""
    _, marketplace = _marketplace(request)
    horizon = _horizon(request)
    top = plans.top_skus(marketplace, horizon, 50)
    chosen = request.GET.get("sku", "").strip()
    choices = [(row["marketplace"], row["seller_sku"]) for row in top]
    chosen_market = request.GET.get("sku_marketplace", "").strip().upper()
    if not chosen and top:
        chosen, chosen_market = top[0]["seller_sku"], top[0]["marketplace"]
    return render(
        request,
        "forecasting/forecast.html",
        {
            "page_title": "Forecast",
            "nav": "forecast",
            "horizon": horizon,
            "horizons": plans.HORIZON_CHOICES,
            "top": top,
            "choices": choices,
            "chosen": chosen,
            "chosen_market": chosen_market,
            "accuracy": plans.accuracy_summary(marketplace),
            "now": timezone.now(),
            **_runs(),
        },
    )


def _plan_settings(request):
    """What-if assumptions from the page's query; bad values are ignored with a message."""
    overrides, problems = {}, []
    for name, cast, low, high in (
        ("lead_time_days", int, 0, 365),
        ("service_level", float, 0.5, 0.999),
        ("review_days", int, 0, 180),
    ):
        raw = request.GET.get(name, "").strip()
        if not raw:
            continue
        try:
            value = cast(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            problems.append(f"{name.replace('_', ' ')} must be {low} to {high}; ignored")
            continue
        overrides[name] = value
    return plans.PlanSettings.default(**overrides), overrides, problems


@signed_in_required
def restock_page(request):
    """Every listing's plan, most urgent first: days of cover, stock-out date and
    probability, order-by date, suggested quantity and action."""
    _, marketplace = _marketplace(request)
    plan_settings, overrides, problems = _plan_settings(request)
    rows = plans.restock_plan(marketplace=marketplace, plan_settings=plan_settings)
    totals = plans.actions_total(rows)
    rows.sort(
        key=lambda r: (
            ACTION_ORDER[r["action"]],
            r["order_by"] or r["today"].replace(year=9999),
            r["seller_sku"],
        )
    )
    return render(
        request,
        "forecasting/restock.html",
        {
            "page_title": "Restock",
            "nav": "restock",
            "rows": rows[:RESTOCK_ROWS],
            "count": len(rows),
            "totals": totals,
            "settings": plan_settings,
            "overrides": overrides,
            "problems": problems,
            "now": timezone.now(),
            **_runs(),
        },
    )


@owner_required
@require_POST
def forecast_run(request):
    """Queue a forecast run of every listing now (the owner's button)."""
    if ForecastRun.objects.filter(status=RunStatus.RUNNING).exists():
        messages.warning(request, "A forecast run is already going.")
    else:
        async_task("forecasting.tasks.forecast_compute_all", "owner")
        messages.success(request, "Forecast run queued: the page shows it once it finishes.")
    return redirect(request.POST.get("next") or "forecast")
