from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orders import finances
from orders.models import SpApiConnection, SyncSource, SyncStatus
from orders.sync import new_run


class Command(BaseCommand):
    help = (
        "Pull Amazon's fees and refunds (listFinancialEvents) posted since the last sync, "
        "or over the last --days N (a backfill, N up to 730), for every active SP-API "
        "connection or one --region. Safe to rerun or interrupt: rows are upserted and the "
        "watermark moves with the last page of each window."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", choices=["NA", "EU", "FE"])
        parser.add_argument(
            "--days", type=int, help=f"reach back this many days (1 to {finances.MAX_DAYS})"
        )

    def handle(self, *args, region=None, days=None, verbosity=1, **options):
        if days is not None and not 1 <= days <= finances.MAX_DAYS:
            raise CommandError(f"--days must be 1 to {finances.MAX_DAYS}.")
        connections = SpApiConnection.objects.filter(active=True)
        if region:
            connections = connections.filter(region=region)
        connections = [c for c in connections if c.has_credentials]
        if not connections:
            raise CommandError("No active SP-API connection with credentials (Settings > Amazon).")
        failed = False
        for connection in connections:
            run = new_run(SyncSource.FINANCES, connection.region, trigger="command")
            with tqdm(
                desc=f"Finances {connection.region}",
                unit=" lines",
                disable=verbosity == 0,
                file=self.stderr,
            ) as bar:
                finances.sync_finances(connection, days=days, run=run, progress=bar.update)
            run.refresh_from_db()
            line = (
                f"{connection.region}: {run.get_status_display()}; {run.inserted} new, "
                f"{run.updated} updated, {run.pages} page(s), {run.throttled} throttled. "
                f"{run.detail}"
            )
            if run.status in (SyncStatus.FAILED, SyncStatus.SKIPPED):
                failed = True
                self.stderr.write(f"{line} {run.error}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError("At least one sync did not complete (see above).")
