import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orders import sync
from orders.models import SpApiConnection, SyncStatus


def _date(text):
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=dt.UTC)
    except ValueError:
        raise CommandError(f"--until must be a date like 2026-10-31, not {text!r}") from None


class Command(BaseCommand):
    help = (
        "Import order history through Amazon's all-orders report, in windows of at most 30 "
        "days per marketplace. Interrupted, it resumes: reports already requested are "
        "polled, not requested again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            required=True,
            help=f"Days of history (1 to {sync.MAX_BACKFILL_DAYS}).",
        )
        parser.add_argument("--region", choices=["NA", "EU", "FE"])
        parser.add_argument(
            "--until",
            help="End of the history to import (a UTC date, exclusive); default: this hour.",
        )

    def handle(self, *args, days, region=None, until=None, verbosity=1, **options):
        if not 1 <= days <= sync.MAX_BACKFILL_DAYS:
            raise CommandError(f"--days must be 1 to {sync.MAX_BACKFILL_DAYS}.")
        end = _date(until) if until else None
        connections = SpApiConnection.objects.filter(active=True)
        if region:
            connections = connections.filter(region=region)
        connections = [c for c in connections if c.has_credentials]
        if not connections:
            raise CommandError("No active SP-API connection with credentials (Settings > Amazon).")
        failed = False
        for connection in connections:
            last = end or sync.backfill_until(dt.datetime.now(dt.UTC))
            windows = len(sync.plan_windows(days, last))
            total = windows * connection.marketplaces.filter(active=True).count()
            with tqdm(
                total=total,
                desc=f"Reports {connection.region}",
                unit=" report",
                disable=verbosity == 0,
                file=self.stderr,
            ) as bar:
                run = sync.backfill_orders(
                    connection, days=days, until=end, progress=lambda _request: bar.update(1)
                )
            line = (
                f"{connection.region}: {run.get_status_display()}; {run.inserted} new, "
                f"{run.updated} updated orders from {run.pages} report(s)."
            )
            if run.status != SyncStatus.SUCCESS:
                failed = True
                self.stderr.write(f"{line}\n{run.error}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError(
                "Some windows are not imported yet; they are retried by the hourly job or "
                "by running this command again."
            )
