from orders import traffic
from orders.commands import ConnectionSyncCommand
from orders.models import SyncSource


class Command(ConnectionSyncCommand):
    help = (
        "Request and import GET_SALES_AND_TRAFFIC_REPORT, one report per marketplace and "
        "day (sessions, page views, buy box, units and sales per child ASIN): the last 3 "
        "complete days, or the last --days N (up to 730), plus any earlier day still open. "
        "Amazon allows about one report a minute after a burst of 15."
    )
    source = SyncSource.TRAFFIC
    label = "Traffic"
    unit = "days"
    max_days = traffic.MAX_DAYS
    days_help = f"days to cover (1 to {traffic.MAX_DAYS}; default 3)"

    def sync(self, connection, run, days, progress):
        traffic.sync_traffic(connection, days=days, run=run, progress=lambda _day: progress())
