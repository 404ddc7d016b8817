from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orders import inventory
from orders.models import SpApiConnection, SyncSource, SyncStatus
from orders.sync import new_run


class Command(BaseCommand):
    help = (
        "Read the FBA stock of every marketplace (getInventorySummaries with details) for "
        "every active SP-API connection, or one --region, into the inventory levels. "
        "Amazon keeps no stock history: each run is a snapshot of today; --days N reads only "
        "the SKUs whose stock changed in the last N days (up to 540)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", choices=["NA", "EU", "FE"])
        parser.add_argument(
            "--days",
            type=int,
            help=f"only SKUs changed in the last N days (1 to {inventory.MAX_DAYS})",
        )

    def handle(self, *args, region=None, days=None, verbosity=1, **options):
        if days is not None and not 1 <= days <= inventory.MAX_DAYS:
            raise CommandError(f"--days must be 1 to {inventory.MAX_DAYS}.")
        connections = SpApiConnection.objects.filter(active=True)
        if region:
            connections = connections.filter(region=region)
        connections = [c for c in connections if c.has_credentials]
        if not connections:
            raise CommandError("No active SP-API connection with credentials (Settings > Amazon).")
        failed = False
        for connection in connections:
            run = new_run(SyncSource.INVENTORY, connection.region, trigger="command")
            with tqdm(
                desc=f"Inventory {connection.region}",
                unit=" SKUs",
                disable=verbosity == 0,
                file=self.stderr,
            ) as bar:
                inventory.sync_inventory(connection, days=days, run=run, progress=bar.update)
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
