from orders import sync
from orders.commands import ConnectionSyncCommand
from orders.models import SyncSource


class Command(ConnectionSyncCommand):
    help = (
        "Pull orders updated since the last sync (searchOrders, all pages) for every active "
        "SP-API connection, or one --region. Safe to rerun or interrupt: it resumes from the "
        "last committed watermark."
    )
    source = SyncSource.ORDERS
    label = "Orders"
    unit = "orders"

    def sync(self, connection, run, days, progress):
        sync.sync_orders(connection, run=run, progress=progress)
