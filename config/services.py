"""Project-wide services: health, cluster heartbeat, schedules."""

import datetime as dt
import logging

from django.core.cache import cache
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "seller-hub:qcluster-heartbeat"
# A heartbeat older than this means no cluster is running scheduled jobs.
HEARTBEAT_STALE_AFTER = dt.timedelta(minutes=5)
_migrations_applied = False


def heartbeat_record() -> dt.datetime:
    now = timezone.now()
    cache.set(HEARTBEAT_KEY, now.isoformat(), timeout=None)
    return now


def heartbeat_last() -> dt.datetime | None:
    value = cache.get(HEARTBEAT_KEY)
    return dt.datetime.fromisoformat(value) if value else None


def unapplied_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Names of migrations on disk not applied to the database.

    Once a process has seen none, it stops asking: its code cannot gain new
    migrations without a restart.
    """
    global _migrations_applied
    if _migrations_applied:
        return []
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    names = [f"{migration.app_label}.{migration.name}" for migration, _ in plan]
    _migrations_applied = not names
    return names


def health_report() -> tuple[dict, int]:
    """What `/api/health` answers, with its HTTP status.

    503 when this node cannot serve: database unreachable or migrations not
    applied. A stale cluster heartbeat degrades the status but the web still
    serves, so it stays 200. Error details name the failure's kind only: the
    endpoint is public.
    """
    report = {"status": "ok", "time": timezone.now().isoformat()}
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        log.warning("health: database unreachable: %s", exc)
        report.update(status="error", database={"ok": False, "error": type(exc).__name__})
        return report, 503
    report["database"] = {"ok": True, "vendor": connections[DEFAULT_DB_ALIAS].vendor}

    pending = unapplied_migrations()
    report["migrations"] = {"ok": not pending, "unapplied": len(pending)}
    if pending:
        report["status"] = "error"
        return report, 503

    try:
        last = heartbeat_last()
    except DatabaseError as exc:  # e.g. the cache table is missing
        log.warning("health: cannot read the cluster heartbeat: %s", exc)
        last = None
    age = (timezone.now() - last).total_seconds() if last else None
    fresh = age is not None and age <= HEARTBEAT_STALE_AFTER.total_seconds()
    report["qcluster"] = {
        "ok": fresh,
        "last_heartbeat": last.isoformat() if last else None,
        "age_seconds": round(age, 1) if age is not None else None,
    }
    if not fresh:
        report["status"] = "degraded"
    report["orders_sync"] = _orders_sync_age()
    return report, 200


def _orders_sync_age() -> dict:
    """Age of the last successful orders sync (informational: no connection is normal)."""
    from orders.models import SyncRun, SyncSource, SyncStatus

    last = (
        SyncRun.objects.filter(source=SyncSource.ORDERS, status=SyncStatus.SUCCESS)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return {
        "last_success": last.isoformat() if last else None,
        "age_seconds": round((timezone.now() - last).total_seconds(), 1) if last else None,
    }


def first_run(at: str | None, now=None):
    """Now, or the next time the clock in TIME_ZONE shows `at` ("HH:MM")."""
    now = now or timezone.now()
    if not at:
        return now
    hour, minute = (int(part) for part in at.split(":"))
    local = timezone.localtime(now)
    run = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if run <= local:
        run += dt.timedelta(days=1)
    return run


def schedules_apply(using: str = DEFAULT_DB_ALIAS) -> dict:
    """Make django-q2's schedules match `config.schedules.SCHEDULES`.

    Upsert by name, delete the ones no longer listed. Returns counts.
    """
    from django_q.models import Schedule

    from config.schedules import SCHEDULES

    counts = {"created": 0, "updated": 0, "deleted": 0, "unchanged": 0}
    wanted = {job.name: job for job in SCHEDULES}
    with transaction.atomic(using=using):
        existing = {s.name: s for s in Schedule.objects.using(using).filter(name__in=wanted)}
        for name, job in wanted.items():
            fields = {
                "func": job.func,
                "schedule_type": job.schedule_type,
                "minutes": job.minutes,
                "kwargs": repr(job.kwargs) if job.kwargs else "",
                "repeats": -1,
            }
            current = existing.get(name)
            if current is None:
                Schedule.objects.using(using).create(
                    name=name, next_run=first_run(job.at), **fields
                )
                counts["created"] += 1
            elif any(getattr(current, key) != value for key, value in fields.items()):
                for key, value in fields.items():
                    setattr(current, key, value)
                current.save(using=using)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        deleted, _ = Schedule.objects.using(using).exclude(name__in=wanted).delete()
        counts["deleted"] = deleted
    return counts


def post_migrate_setup(sender, using=DEFAULT_DB_ALIAS, verbosity=1, **kwargs):
    """After every migrate: the database cache table and the schedules."""
    tables = connections[using].introspection.table_names()
    if "django_q_schedule" not in tables:
        return  # a partial migrate; the full one will get here again
    call_command("createcachetable", database=using, verbosity=0)
    counts = schedules_apply(using)
    if verbosity >= 1 and (counts["created"] or counts["updated"] or counts["deleted"]):
        print(f"  Schedules: {counts}")
