"""Every django-q2 schedule of Seller Hub, in one list.

`python manage.py setup_schedules` (also run after every migrate) makes the
database match this list: it creates or updates schedules by name and deletes
the ones no longer listed. Never add a schedule by hand in admin: it would be
deleted at the next deploy.
"""

from dataclasses import dataclass, field

from django_q.models import Schedule


@dataclass(frozen=True)
class Job:
    name: str
    func: str
    schedule_type: str
    minutes: int | None = None
    kwargs: dict = field(default_factory=dict)
    # "HH:MM" in TIME_ZONE: the first run's time of day (a daily job then keeps it).
    at: str | None = None


SCHEDULES = [
    # Proves the cluster runs tasks; /api/health reports its age.
    Job("cluster-heartbeat", "config.tasks.cluster_heartbeat", Schedule.MINUTES, minutes=1),
    Job("sessions-clear", "config.tasks.sessions_clear", Schedule.DAILY),
    # Keeps one row of data-health counts per day for the 30-day trend.
    Job("data-health-snapshot", "catalog.tasks.data_health_snapshot", Schedule.HOURLY),
    # Amazon orders: incremental every 15 minutes; report windows a backfill left
    # unfinished (still processing, or failed and due again) hourly.
    Job("orders-sync", "orders.tasks.orders_sync_all", Schedule.MINUTES, minutes=15),
    Job("orders-backfill-resume", "orders.tasks.orders_backfill_resume", Schedule.HOURLY),
    # Amazon's actual fees and refunds (listFinancialEvents), posted since the last run.
    Job("finances-sync", "orders.tasks.finances_sync_all", Schedule.DAILY),
    # FBA stock per marketplace (getInventorySummaries), a fresh snapshot each hour.
    Job("inventory-sync", "orders.tasks.inventory_sync_all", Schedule.HOURLY),
    # Sessions, page views and buy box per child ASIN (GET_SALES_AND_TRAFFIC_REPORT).
    Job("traffic-sync", "orders.tasks.traffic_sync_all", Schedule.DAILY),
    # Amazon Ads, in two phases: the lookback days' Sponsored Products reports asked
    # for daily, collected (stored, retried or given up) every 30 minutes.
    Job("ads-request", "ads.tasks.ads_request_all", Schedule.DAILY),
    Job("ads-collect", "ads.tasks.ads_collect_all", Schedule.MINUTES, minutes=30),
    # Campaigns, ad groups, product ads, keywords and targets (names, states, bids).
    Job("ads-entities", "ads.tasks.ads_entities_all", Schedule.DAILY),
    # Demand forecasts of every listing (backtest, model choice, bands), nightly once the
    # day is over in most marketplaces; the restock plan reads the latest.
    Job("forecast-compute", "forecasting.tasks.forecast_compute_all", Schedule.DAILY, at="03:30"),
    # Alert rules hourly (and after each sync); webhooks retried; the daily e-mails.
    Job("alerts-evaluate", "alerts.tasks.alerts_evaluate_task", Schedule.HOURLY),
    Job("alerts-webhooks", "alerts.tasks.webhooks_deliver", Schedule.MINUTES, minutes=5),
    Job("alerts-digest", "alerts.tasks.alerts_digest", Schedule.DAILY, at="07:00"),
    Job("alerts-summary", "alerts.tasks.daily_summary", Schedule.DAILY, at="07:05"),
]
