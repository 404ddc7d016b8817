from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orders import sync
from orders.models import SpApiConnection, SyncSource, SyncStatus
from orders.spapi import SpApiError


class Command(BaseCommand):
    help = (
        "Pull orders updated since the last sync (searchOrders, all pages) for every active "
        "SP-API connection, or one --region. Safe to rerun or interrupt: it resumes from the "
        "last committed watermark."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", choices=["NA", "EU", "FE"])

    def handle(self, *args, region=None, verbosity=1, **options):
        connections = SpApiConnection.objects.filter(active=True)
        if region:
            connections = connections.filter(region=region)
        connections = [c for c in connections if c.has_credentials]
        if not connections:
            raise CommandError("No active SP-API connection with credentials (Settings > Amazon).")
        failed = False
        for connection in connections:
            run = sync.new_run(SyncSource.ORDERS, connection.region, trigger="command")
            with tqdm(
                desc=f"Orders {connection.region}",
                unit=" orders",
                disable=verbosity == 0,
                file=self.stderr,
            ) as bar:
                try:
                    sync.sync_orders(connection, run=run, progress=bar.update)
                except SpApiError as exc:  # pragma: no cover - sync_orders records these
                    raise CommandError(str(exc)) from None
            run.refresh_from_db()
            line = (
                f"{connection.region}: {run.get_status_display()}; {run.inserted} new, "
                f"{run.updated} updated, {run.pages} page(s), {run.throttled} throttled."
            )
            if run.status in (SyncStatus.FAILED, SyncStatus.SKIPPED):
                failed = True
                self.stderr.write(f"{line} {run.error}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError("At least one sync did not complete (see above).")
