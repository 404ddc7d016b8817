from orders import inventory
from orders.commands import ConnectionSyncCommand
from orders.models import SyncSource


class Command(ConnectionSyncCommand):
    help = (
        "Read the FBA stock of every marketplace (getInventorySummaries with details) for "
        "every active SP-API connection, or one --region, into the inventory levels. "
        "Amazon keeps no stock history: each run is a snapshot of today; --days N reads only "
        "the SKUs whose stock changed in the last N days (up to 540)."
    )
    source = SyncSource.INVENTORY
    label = "Inventory"
    unit = "SKUs"
    max_days = inventory.MAX_DAYS
    days_help = f"only SKUs changed in the last N days (1 to {inventory.MAX_DAYS})"

    def sync(self, connection, run, days, progress):
        inventory.sync_inventory(connection, days=days, run=run, progress=progress)
