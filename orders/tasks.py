"""django-q2 entry points for the orders sync (thin: call a service)."""

import logging

from orders import finances, inventory, sync, traffic
from orders.models import SpApiConnection, SyncRun, SyncSource

log = logging.getLogger(__name__)


def _connections():
    return [c for c in SpApiConnection.objects.filter(active=True) if c.has_credentials]


def orders_sync_all():
    """Every 15 minutes: an incremental orders sync per active connection."""
    runs = [sync.sync_orders(connection) for connection in _connections()]
    return [f"{run.pk}:{run.status}" for run in runs]


def orders_backfill_resume():
    """Hourly: carry on with report windows left unfinished (failed ones when due)."""
    done = []
    for connection in _connections():
        run = sync.resume_reports(connection)
        if run:
            done.append(f"{run.pk}:{run.status}")
    return done


def finances_sync_all():
    """Daily: fees and refunds posted since the last finances sync (3-day overlap)."""
    runs = [finances.sync_finances(connection) for connection in _connections()]
    return [f"{run.pk}:{run.status}" for run in runs]


def inventory_sync_all():
    """Hourly: the FBA stock of every marketplace of every active connection."""
    runs = [inventory.sync_inventory(connection) for connection in _connections()]
    return [f"{run.pk}:{run.status}" for run in runs]


def traffic_sync_all():
    """Daily: sessions and sales per child ASIN of the last three days (and open ones)."""
    runs = [traffic.sync_traffic(connection) for connection in _connections()]
    return [f"{run.pk}:{run.status}" for run in runs]


def rollup_rebuild(start: str, end: str, marketplace_pks=None):
    """Rebuild the daily rollup of a range (after costs, fee rules, rates or mapping
    changed; see orders/signals.py)."""
    import datetime as dt

    from orders import rollup

    rows = rollup.rebuild_range(
        dt.date.fromisoformat(start), dt.date.fromisoformat(end), marketplace_pks
    )
    return f"{rows} rollup rows {start}..{end}"


def dashboard_warm():
    """After the rollup changed: the most-read dashboard and ads views, computed once
    so that their first readers find them cached."""
    from orders import dashboard

    return f"{dashboard.warm()} views warmed"


def orders_sync_run(run_id: int):
    """A sync the owner started from the page or the API (the run row exists already)."""
    run = SyncRun.objects.get(pk=run_id)
    if run.source != SyncSource.ORDERS:
        raise ValueError(f"run {run_id} is not an orders sync")
    connection = SpApiConnection.objects.get(region=run.region)
    sync.sync_orders(connection, run=run)
    return f"{run.pk}:{run.status}"
