"""django-q2 entry points for forecasts (thin: call a service)."""

import multiprocessing
import subprocess
import sys

from django.conf import settings

from forecasting.services import forecast_compute, forecast_workers


def forecast_compute_all(trigger="schedule"):
    """Nightly, and when the owner asks: forecast every listing.

    A django-q2 worker is a daemon process, and daemon processes may not start the
    engine's worker processes; with more than one worker the run goes through
    `run_forecasts` in a child process of its own (same code, all cores)."""
    if multiprocessing.current_process().daemon and forecast_workers() > 1:
        manage = settings.BASE_DIR / "manage.py"
        done = subprocess.run(  # noqa: S603 (our own command, fixed arguments)
            [sys.executable, str(manage), "run_forecasts", "--trigger", trigger, "--quiet"],
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()[-500:]
    run = forecast_compute(trigger=trigger)
    return f"run {run.pk}: {run.series} listings in {run.seconds:.1f} s"
