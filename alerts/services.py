"""Alert evaluation, acknowledgement, settings, e-mail and webhook notifications."""

import datetime as dt
import logging

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from accounts.services import audit_log_record, model_snapshot
from alerts import rules
from alerts.models import (
    SEVERITY_RANK,
    AlertEvent,
    AlertRecipient,
    AlertSettings,
    AlertStatus,
    DeliveryStatus,
    Severity,
    WebhookDelivery,
)

log = logging.getLogger(__name__)

QUEUED_KEY = "alerts:evaluation-queued"
# Seconds to wait before each webhook retry; past the last, the delivery is given up.
WEBHOOK_BACKOFF = [60, 300, 1800, 7200, 21600]
WEBHOOK_TIMEOUT = 10


def _json(value):
    """Numbers behind an alert as JSON: dates as ISO text, decimals as floats."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if hasattr(value, "is_finite"):  # Decimal
        return float(value)
    return value


def _worse(event: AlertEvent, condition: rules.Condition) -> bool:
    """Has an acknowledged event worsened: a higher severity than when acknowledged, or
    its level past the acknowledged one by the rule's step?"""
    if SEVERITY_RANK[condition.severity] > SEVERITY_RANK.get(event.acknowledged_severity, 0):
        return True
    base = event.acknowledged_level if event.acknowledged_level is not None else event.level
    return condition.level >= base + condition.step


EVENT_FIELDS = [
    "rule", "severity", "subject", "message", "numbers", "level", "marketplace_id",
    "listing_id", "last_seen",
]  # fmt: skip


def alerts_evaluate(now=None) -> dict:
    """Run every rule; open, update, reopen (worsened after acknowledgement) and resolve
    events in one transaction; then notify what is new. Returns the counts."""
    ctx = rules.context(now)
    now = ctx.now
    found = {}
    for condition in rules.conditions(ctx):
        found.setdefault(condition.key, condition)
    counts = {"conditions": len(found), "opened": 0, "updated": 0, "reopened": 0, "resolved": 0}
    fresh, created, changed, unchanged, cleared = [], [], [], [], []
    with transaction.atomic():
        active = {e.key: e for e in AlertEvent.objects.active().select_for_update()}
        for key, condition in found.items():
            event = active.pop(key, None)
            values = {
                "rule": condition.rule,
                "severity": condition.severity,
                "subject": condition.subject[:200],
                "message": condition.message,
                "numbers": _json({**condition.numbers, "link": condition.link}),
                "level": condition.level,
                "marketplace_id": condition.marketplace_id,
                "listing_id": condition.listing_id,
                "last_seen": now,
            }
            if event is None:
                created.append(AlertEvent(key=key, first_seen=now, **values))
                continue
            reopen = event.status == AlertStatus.ACKNOWLEDGED and _worse(event, condition)
            differs = reopen or any(
                getattr(event, name) != value
                for name, value in values.items()
                if name != "last_seen"
            )
            for name, value in values.items():
                setattr(event, name, value)
            if reopen:
                event.status = AlertStatus.OPEN
                event.emailed_at = None
                counts["reopened"] += 1
                fresh.append(event)
            else:
                counts["updated"] += 1
            if differs:
                changed.append(event)
            else:
                unchanged.append(event.pk)
        for event in active.values():
            event.status = AlertStatus.RESOLVED
            event.resolved_at = now
            cleared.append(event)
        # In bulk: a large catalog on a bad day has thousands of conditions.
        AlertEvent.objects.bulk_create(created, batch_size=500)
        AlertEvent.objects.bulk_update(
            changed, [*EVENT_FIELDS, "status", "emailed_at"], batch_size=500
        )
        for start in range(0, len(unchanged), 5000):  # the same as before: only seen again
            AlertEvent.objects.filter(pk__in=unchanged[start : start + 5000]).update(last_seen=now)
        AlertEvent.objects.bulk_update(cleared, ["status", "resolved_at"], batch_size=500)
        counts["opened"], counts["resolved"] = len(created), len(cleared)
        fresh_ids = [event.pk for event in [*created, *fresh]]
        if fresh_ids:
            transaction.on_commit(lambda: alerts_notify(fresh_ids))
    return counts


def alerts_queue_evaluation():
    """After a sync: evaluate once the transaction commits (one queued at a time)."""
    if not settings.ALERTS_AFTER_SYNC:
        return

    def queue():
        if cache.add(QUEUED_KEY, 1, timeout=300):
            from django_q.tasks import async_task

            async_task("alerts.tasks.alerts_evaluate_task", group="alerts")

    transaction.on_commit(queue)


def alerts_acknowledge(*, actor, ids) -> int:
    """Acknowledge open events: they stay quiet until they worsen."""
    now = timezone.now()
    with transaction.atomic():
        events = list(
            AlertEvent.objects.select_for_update().filter(pk__in=ids, status=AlertStatus.OPEN)
        )
        for event in events:
            event.status = AlertStatus.ACKNOWLEDGED
            event.acknowledged_at = now
            event.acknowledged_by = actor
            event.acknowledged_severity = event.severity
            event.acknowledged_level = event.level
            event.save()
    return len(events)


# --- settings --------------------------------------------------------------------------


def alert_settings_update(*, actor, values: dict, marketplaces=None, recipients=None, request=None):
    """Change the alert settings (owner only), audit-logged; `recipients`: {user id:
    {"critical": bool, "digest": bool, "summary": bool}}."""
    with transaction.atomic():
        current = AlertSettings.load()
        row = AlertSettings.objects.select_for_update().get(pk=current.pk)
        before = model_snapshot(row)
        before["marketplaces"] = sorted(row.marketplaces.values_list("code", flat=True))
        for name, value in values.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
        if marketplaces is not None:
            row.marketplaces.set(marketplaces)
        after = model_snapshot(row)
        after["marketplaces"] = sorted(row.marketplaces.values_list("code", flat=True))
        audit_log_record(
            actor=actor,
            action="alerts.alertsettings.update",
            obj=row,
            before=before,
            after=after,
            request=request,
        )
        for user_id, toggles in (recipients or {}).items():
            recipient, created = AlertRecipient.objects.get_or_create(user_id=user_id)
            was = None if created else model_snapshot(recipient)
            for name, value in toggles.items():
                setattr(recipient, name, value)
            recipient.save()
            audit_log_record(
                actor=actor,
                action="alerts.alertrecipient.update",
                obj=recipient,
                before=was,
                after=model_snapshot(recipient),
                request=request,
            )
    return row


EMAIL_KINDS = ("critical", "digest", "summary")


def recipient_choices() -> list[tuple[User, bool, dict]]:
    """(user, chose for themselves, {kind: gets it}) for every active user: what each
    chose; owners who never chose get the critical e-mails and the digest."""
    chosen = {r.user_id: r for r in AlertRecipient.objects.all()}
    out = []
    for user in User.objects.filter(is_active=True).exclude(email="").order_by("email"):
        choice = chosen.get(user.pk)
        wants = {
            kind: getattr(choice, kind) if choice else user.is_owner and kind != "summary"
            for kind in EMAIL_KINDS
        }
        out.append((user, choice is not None, wants))
    return out


def recipients(kind: str) -> list[User]:
    """Who gets `kind` ("critical", "digest", "summary") e-mails."""
    return [user for user, _, wants in recipient_choices() if wants[kind]]


# --- e-mail ----------------------------------------------------------------------------


def _absolute(link: str) -> str:
    return settings.SITE_URL.rstrip("/") + link if link else settings.SITE_URL


def _send(subject: str, template: str, context: dict, to: list[str]) -> None:
    context = {**context, "site_url": settings.SITE_URL}
    text = render_to_string(f"alerts/email/{template}.txt", context)
    html = render_to_string(f"alerts/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, to)
    message.attach_alternative(html, "text/html")
    message.send()


def _event_context(event: AlertEvent) -> dict:
    return {"event": event, "link": _absolute(event.numbers.get("link", ""))}


# New alerts posted to the webhook one by one per evaluation; past this, one message says
# how many more there are (a chat channel flooded by thousands is read by nobody).
WEBHOOK_BURST = 20


def alerts_notify(event_ids) -> None:
    """New or reopened events: the critical ones e-mailed at once (one e-mail for all of
    an evaluation's, each alert once), every one posted to the webhook (delivered by its
    own task, never blocking evaluation; past WEBHOOK_BURST, one message for the rest)."""
    alert_settings = AlertSettings.load()
    events = list(
        AlertEvent.objects.filter(pk__in=event_ids, status=AlertStatus.OPEN).order_by(
            "subject", "pk"
        )
    )
    if alert_settings.email_critical:
        critical = [e for e in events if e.severity == Severity.CRITICAL and not e.emailed_at]
        to = [u.email for u in recipients("critical")]
        if critical and to:
            if len(critical) == 1:
                _send(
                    f"[Seller Hub] Critical: {critical[0].subject}",
                    "alert",
                    _event_context(critical[0]),
                    to,
                )
            else:
                _send(
                    f"[Seller Hub] {len(critical)} critical alerts",
                    "digest",
                    {"events": [_event_context(e) for e in critical], "critical": True},
                    to,
                )
        if critical:
            AlertEvent.objects.filter(pk__in=[e.pk for e in critical]).update(
                emailed_at=timezone.now()
            )
    if alert_settings.webhook_url and events:
        now = timezone.now()
        events.sort(key=lambda e: (-SEVERITY_RANK[e.severity], e.subject))
        shown, rest = events[:WEBHOOK_BURST], events[WEBHOOK_BURST:]
        deliveries = [
            WebhookDelivery(
                event=event,
                url=alert_settings.webhook_url,
                payload=webhook_payload(event),
                next_try_at=now,
            )
            for event in shown
        ]
        if rest:
            deliveries.append(
                WebhookDelivery(
                    event=rest[0],
                    url=alert_settings.webhook_url,
                    payload=webhook_more(rest),
                    next_try_at=now,
                )
            )
        WebhookDelivery.objects.bulk_create(deliveries)
        from django_q.tasks import async_task

        async_task("alerts.tasks.webhooks_deliver", group="alerts-webhooks")


def alerts_digest_send(now=None) -> int:
    """The daily digest: every open alert not e-mailed yet (warnings and info; critical
    ones went out at once), to the digest recipients; each alert once."""
    if not AlertSettings.load().email_digest:
        return 0
    now = now or timezone.now()
    events = list(
        AlertEvent.objects.filter(status=AlertStatus.OPEN, emailed_at__isnull=True).order_by(
            "severity", "subject"
        )
    )
    events.sort(key=lambda e: (-SEVERITY_RANK[e.severity], e.subject))
    to = [u.email for u in recipients("digest")]
    if not events or not to:
        return 0
    _send(
        f"[Seller Hub] {len(events)} new alert(s)",
        "digest",
        {"events": [{"event": e, "link": _absolute(e.numbers.get("link", ""))} for e in events]},
        to,
    )
    AlertEvent.objects.filter(pk__in=[e.pk for e in events]).update(emailed_at=now)
    return len(events)


def daily_summary_send(now=None) -> bool:
    """Yesterday's sales, profit, ad spend and the open alerts, to those who want it."""
    if not AlertSettings.load().email_summary:
        return False
    to = [u.email for u in recipients("summary")]
    if not to:
        return False
    from ads import figures as ads_figures
    from catalog.filters import ALL, Period, today_in
    from orders import dashboard

    yesterday = today_in(None) - dt.timedelta(days=1)
    period = Period(ALL, yesterday, yesterday, None)
    figures = dashboard.summary(period)
    ads = ads_figures.summary(period)
    open_counts = {
        severity: AlertEvent.objects.filter(status=AlertStatus.OPEN, severity=severity).count()
        for severity in (Severity.CRITICAL, Severity.WARNING, Severity.INFO)
    }
    _send(
        f"[Seller Hub] {yesterday:%a %d %b}: the day in figures",
        "summary",
        {
            "day": yesterday,
            "figures": figures,
            "ads": ads,
            "open": open_counts,
            "currency": settings.REPORTING_CURRENCY,
            "alerts_link": _absolute("/alerts/"),
        },
        to,
    )
    return True


# --- webhook ---------------------------------------------------------------------------

EMOJI = {
    Severity.CRITICAL: ":red_circle:",
    Severity.WARNING: ":warning:",
    Severity.INFO: ":information_source:",
}


def webhook_payload(event: AlertEvent) -> dict:
    """Slack's incoming-webhook JSON (`text`, with mrkdwn), plus the alert's own fields
    for other receivers."""
    link = _absolute(event.numbers.get("link", ""))
    return {
        "text": (
            f"{EMOJI[event.severity]} *{event.get_severity_display()}* · {event.subject}\n"
            f"{event.message}\n<{link}|Open in Seller Hub>"
        ),
        "alert": {
            "id": event.pk,
            "rule": event.rule,
            "severity": event.severity,
            "subject": event.subject,
            "message": event.message,
            "numbers": event.numbers,
            "first_seen": event.first_seen.isoformat(),
            "link": link,
        },
    }


def webhook_more(events) -> dict:
    counts = {}
    for event in events:
        counts[event.severity] = counts.get(event.severity, 0) + 1
    parts = ", ".join(
        f"{counts[s]} {s}"
        for s in (Severity.CRITICAL, Severity.WARNING, Severity.INFO)
        if s in counts
    )
    return {
        "text": f"…and {len(events)} more new alerts ({parts}): <{_absolute('/alerts/')}|see them "
        "all in Seller Hub>",
        "alerts": {"more": len(events), "by_severity": counts},
    }


def webhook_post(url: str, payload: dict) -> str | None:
    """POST one payload; None when delivered, else why not."""
    try:
        response = requests.post(url, json=payload, timeout=WEBHOOK_TIMEOUT)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"[:1000]
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:500]}"


def webhooks_deliver(now=None) -> dict:
    """Send the deliveries that are due; a failure is recorded and retried later
    (WEBHOOK_BACKOFF), and given up after the last retry."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    due = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_try_at__lte=now)
    for delivery in due.order_by("next_try_at")[:200]:
        error = webhook_post(delivery.url, delivery.payload)
        delivery.attempts += 1
        if error is None:
            delivery.status = DeliveryStatus.SENT
            delivery.sent_at = timezone.now()
            delivery.last_error = ""
            counts["sent"] += 1
        elif delivery.attempts > len(WEBHOOK_BACKOFF):
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = error
            counts["failed"] += 1
        else:
            delivery.last_error = error
            delivery.next_try_at = now + dt.timedelta(
                seconds=WEBHOOK_BACKOFF[delivery.attempts - 1]
            )
            counts["retry"] += 1
        delivery.save()
    return counts


def webhook_test(url: str) -> str | None:
    """The settings page's "send test" button: one message, no retries."""
    return webhook_post(
        url,
        {"text": ":white_check_mark: Seller Hub test message: this webhook receives alerts."},
    )
