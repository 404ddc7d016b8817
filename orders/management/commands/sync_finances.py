from orders import finances
from orders.commands import ConnectionSyncCommand
from orders.models import SyncSource


class Command(ConnectionSyncCommand):
    help = (
        "Pull Amazon's fees and refunds (listFinancialEvents) posted since the last sync, "
        "or over the last --days N (a backfill, N up to 730), for every active SP-API "
        "connection or one --region. Safe to rerun or interrupt: rows are upserted and the "
        "watermark moves with the last page of each window."
    )
    source = SyncSource.FINANCES
    label = "Finances"
    unit = "lines"
    max_days = finances.MAX_DAYS
    days_help = f"reach back this many days (1 to {finances.MAX_DAYS})"

    def sync(self, connection, run, days, progress):
        finances.sync_finances(connection, days=days, run=run, progress=progress)
