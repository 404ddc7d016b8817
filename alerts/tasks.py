"""django-q2 entry points for alerts (thin: call a service)."""

from django.core.cache import cache

from alerts import services


def alerts_evaluate_task():
    """Hourly and after each sync: run every rule."""
    cache.delete(services.QUEUED_KEY)
    return services.alerts_evaluate()


def webhooks_deliver():
    """Every 5 minutes (and after new alerts): post the webhook deliveries that are due."""
    return services.webhooks_deliver()


def alerts_digest():
    """Daily: the digest of new warnings and info alerts."""
    return services.alerts_digest_send()


def daily_summary():
    """Daily: yesterday's figures and the open alerts, for those who turned it on."""
    return services.daily_summary_send()
