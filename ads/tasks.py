"""django-q2 entry points for the Ads sync (thin: call ads.sync)."""

from ads import sync
from ads.models import AdsAccount


def _accounts():
    return [a for a in AdsAccount.objects.filter(active=True) if a.has_credentials]


def ads_request_all():
    """Daily: ask for the lookback days' reports of every selected profile."""
    return [f"{r.pk}:{r.status}" for r in (sync.request_reports(a) for a in _accounts())]


def ads_collect_all():
    """Every 30 minutes: store the reports Amazon completed; retry or give up the rest."""
    return [f"{r.pk}:{r.status}" for r in (sync.collect_reports(a) for a in _accounts())]


def ads_entities_all():
    """Daily: campaigns, ad groups, ads, keywords and targets of the selected profiles."""
    return [f"{r.pk}:{r.status}" for r in (sync.refresh_entities(a) for a in _accounts())]


def ads_sync_now(region: str):
    """The owner's "sync now": request, poll and collect in the background."""
    account = AdsAccount.objects.get(region=region)
    runs = sync.sync_now(account)
    return [f"{r.pk}:{r.status}" for r in runs]


def ads_backfill(region: str, days: int, batch: int):
    account = AdsAccount.objects.get(region=region)
    result = sync.backfill(account, days=days, batch=batch, deadline_seconds=3600)
    return result["summary"]
