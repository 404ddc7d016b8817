"""Alert settings, the events the rules raise, and their deliveries."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.models import Listing, Marketplace


def default_stale_hours() -> dict:
    """Hours after the last successful sync at which a source counts as stale: about
    twice each schedule's interval (orders every 15 minutes, inventory hourly, the daily
    ones daily, the ads collect every 30 minutes)."""
    return {
        "orders": 2,
        "finances": 48,
        "inventory": 6,
        "traffic": 48,
        "ads_collect": 6,
    }


class AlertSettings(models.Model):
    """The one row of thresholds, scope and notification choices (owner only)."""

    # What the owner edits (the API and the settings page; stale_hours has its own form).
    EDITABLE = [
        "marketplaces", "cover_critical_days", "cover_warning_days", "failing_runs",
        "acos_days", "zero_sales_spend", "anomaly_band", "anomaly_min_units",
        "email_critical", "email_digest", "email_summary", "webhook_url",
    ]  # fmt: skip

    marketplaces = models.ManyToManyField(
        Marketplace, blank=True, help_text="Watched marketplaces; none chosen: all of them."
    )
    cover_critical_days = models.PositiveIntegerField(
        default=7, help_text="Days of cover below which a stock-out is imminent (critical)."
    )
    cover_warning_days = models.PositiveIntegerField(
        default=14, help_text="Days of cover below which stock is low (warning)."
    )
    stale_hours = models.JSONField(
        default=default_stale_hours,
        help_text="Per sync source: hours since its last success before it is stale.",
    )
    failing_runs = models.PositiveIntegerField(
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Failed runs in a row of one source before it is flagged as failing.",
    )
    acos_days = models.PositiveIntegerField(
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Days over which a SKU's ACOS is compared with its break-even ACOS.",
    )
    zero_sales_spend = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("50.00"),
        help_text="Ad spend (reporting currency) on a SKU with no ad sales over the ACOS "
        "days that raises an alert.",
    )
    anomaly_band = models.PositiveIntegerField(
        default=95,
        choices=[(80, "80%"), (95, "95%")],
        help_text="A day's units outside this forecast band are a sales anomaly.",
    )
    anomaly_min_units = models.PositiveIntegerField(
        default=5,
        help_text="Anomalies only for SKUs forecast to sell at least this many units a day "
        "(or the day's actual units) — too few to tell otherwise.",
    )
    email_critical = models.BooleanField(
        default=True, help_text="E-mail critical alerts as soon as they open."
    )
    email_digest = models.BooleanField(
        default=True, help_text="A daily digest of the other new alerts."
    )
    email_summary = models.BooleanField(
        default=False,
        help_text="A daily summary: yesterday's sales, profit, ad spend and open alerts.",
    )
    webhook_url = models.URLField(
        blank=True, max_length=500, help_text="Slack-compatible incoming webhook (optional)."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "alert settings"
        verbose_name_plural = "alert settings"

    def __str__(self):
        return "Alert settings"

    def clean(self):
        if self.cover_critical_days > self.cover_warning_days:
            raise ValidationError({"cover_critical_days": "Must not be above the low-stock days."})

    @classmethod
    def load(cls) -> "AlertSettings":
        row = cls.objects.order_by("pk").first()
        return row or cls.objects.create()


class AlertRecipient(models.Model):
    """Which e-mails one user gets."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="alert_recipient",
    )
    critical = models.BooleanField(default=True)
    digest = models.BooleanField(default=True)
    summary = models.BooleanField(default=False)

    def __str__(self):
        return str(self.user)


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    WARNING = "warning", "Warning"
    INFO = "info", "Info"


SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class AlertEventQuerySet(models.QuerySet):
    def active(self):
        return self.exclude(status=AlertStatus.RESOLVED)


class AlertEvent(models.Model):
    """One condition a rule found, from when it was first seen until it cleared.

    `key` names the condition (rule and subject): while an event with that key is open or
    acknowledged, evaluations update it rather than open another. An acknowledged event
    stays quiet until it worsens (a higher severity, or its `level` past the
    acknowledged one), when it opens again.
    """

    rule = models.CharField(max_length=32)
    key = models.CharField(max_length=200)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    subject = models.CharField(max_length=200, help_text="SKU, marketplace or sync source.")
    marketplace = models.ForeignKey(
        Marketplace, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    message = models.TextField()
    numbers = models.JSONField(default=dict, blank=True)
    level = models.FloatField(
        default=0, help_text="How bad it is, on the rule's own scale (higher is worse)."
    )
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_severity = models.CharField(max_length=8, blank=True)
    acknowledged_level = models.FloatField(null=True, blank=True)
    emailed_at = models.DateTimeField(
        null=True, blank=True, help_text="When this event went out by e-mail (once)."
    )

    objects = AlertEventQuerySet.as_manager()

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=~models.Q(status="resolved"),
                name="alert_one_active_per_key",
            )
        ]
        indexes = [models.Index(fields=["status", "severity"], name="alert_status_severity")]

    def __str__(self):
        return f"{self.get_severity_display()}: {self.subject} ({self.rule})"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One alert posted to the webhook; retried with backoff until sent or given up."""

    event = models.ForeignKey(AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    url = models.URLField(max_length=500)
    payload = models.JSONField()
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_try_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"webhook {self.event_id} ({self.status})"
