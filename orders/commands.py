"""What the sync management commands share: pick the connections, run one sync per
region with a progress bar, print the outcome, fail when a run did not complete."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from orders.models import SpApiConnection, SyncStatus
from orders.sync import new_run


class ConnectionSyncCommand(BaseCommand):
    source = ""  # SyncSource value of the runs
    label = ""  # progress bar title
    unit = ""  # what the bar counts
    max_days = None  # a --days option from 1 to this, when set
    days_help = ""

    def add_arguments(self, parser):
        parser.add_argument("--region", choices=["NA", "EU", "FE"])
        if self.max_days:
            parser.add_argument("--days", type=int, help=self.days_help)

    def sync(self, connection, run, days, progress):
        raise NotImplementedError

    def handle(self, *args, region=None, days=None, verbosity=1, **options):
        if days is not None and not 1 <= days <= self.max_days:
            raise CommandError(f"--days must be 1 to {self.max_days}.")
        connections = SpApiConnection.objects.filter(active=True)
        if region:
            connections = connections.filter(region=region)
        connections = [c for c in connections if c.has_credentials]
        if not connections:
            raise CommandError("No active SP-API connection with credentials (Settings > Amazon).")
        failed = False
        for connection in connections:
            run = new_run(self.source, connection.region, trigger="command")
            with tqdm(
                desc=f"{self.label} {connection.region}",
                unit=f" {self.unit}",
                disable=verbosity == 0,
                file=self.stderr,
            ) as bar:
                self.sync(connection, run, days, bar.update)
            run.refresh_from_db()
            line = (
                f"{connection.region}: {run.get_status_display()}; {run.inserted} new, "
                f"{run.updated} updated, {run.pages} page(s), {run.throttled} throttled. "
                f"{run.detail}"
            ).strip()
            if run.status in (SyncStatus.FAILED, SyncStatus.SKIPPED):
                failed = True
                self.stderr.write(f"{line} {run.error}")
            else:
                self.stdout.write(line)
        if failed:
            raise CommandError("At least one sync did not complete (see above).")
