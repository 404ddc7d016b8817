"""Forecast runs, the forecasts they made, and the purchase orders the owner keeps."""

from django.core.validators import MinValueValidator
from django.db import models

from catalog.models import Listing, Marketplace


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ForecastRun(models.Model):
    """One pass of the forecaster over some or all listings, with its timings.

    Kept after its forecasts are pruned (FORECAST_KEEP_RUNS) so accuracy and speed stay
    comparable from run to run.
    """

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    trigger = models.CharField(max_length=16, default="command")
    engine_version = models.CharField(max_length=32)
    horizon = models.PositiveIntegerField()
    skus = models.JSONField(
        default=list, blank=True, help_text="Seller SKUs asked for; empty: all."
    )
    workers = models.PositiveIntegerField(default=1)
    series = models.PositiveIntegerField(default=0, help_text="Listings forecast.")
    low_history = models.PositiveIntegerField(default=0)
    seconds_load = models.FloatField(default=0)
    seconds_fit = models.FloatField(default=0)
    seconds_store = models.FloatField(default=0)
    methods = models.JSONField(default=dict, blank=True, help_text="Listings per chosen method.")
    wape = models.FloatField(null=True, blank=True, help_text="Units-weighted backtest WAPE.")
    baseline_wape = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Forecast run {self.pk} ({self.status})"

    @property
    def seconds(self) -> float:
        return self.seconds_load + self.seconds_fit + self.seconds_store


class SeriesKind(models.TextChoices):
    LISTING = "listing", "Listing"
    TOTAL = "total", "Total"


class SeriesForecastQuerySet(models.QuerySet):
    def latest(self):
        return self.filter(latest=True)


class SeriesForecast(models.Model):
    """The daily demand forecast of one listing (or a marketplace's total, or all of
    them: kind total, marketplace null) made by one run, with its backtest accuracy.

    Day 1 is `first_day`; the arrays hold units per marketplace-local day. `latest`
    marks the newest forecast of each series, moved in the transaction that stores a run.
    """

    run = models.ForeignKey(ForecastRun, on_delete=models.CASCADE, related_name="forecasts")
    kind = models.CharField(max_length=8, choices=SeriesKind.choices, default=SeriesKind.LISTING)
    marketplace = models.ForeignKey(
        Marketplace, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    latest = models.BooleanField(default=False)
    first_day = models.DateField()
    history_days = models.PositiveIntegerField(help_text="Days of history the model saw.")
    method = models.CharField(max_length=32)
    demand_class = models.CharField(max_length=16, blank=True)
    low_history = models.BooleanField(default=False)
    mean = models.JSONField()
    lo80 = models.JSONField()
    hi80 = models.JSONField()
    lo95 = models.JSONField()
    hi95 = models.JSONField()
    cum_sigma = models.JSONField(
        default=list,
        blank=True,
        help_text="Standard deviation of the units summed over days 1..h (the restock plan's "
        "lead-time uncertainty); empty: from the daily bands.",
    )
    cum_quantiles = models.JSONField(
        default=list,
        blank=True,
        help_text="Quantiles of cumulative errors (levels x days, engine.safety_units) in "
        "units of cum_scale: the restock plan's safety stock; empty: from cum_sigma.",
    )
    cum_scale = models.FloatField(null=True, blank=True)
    units_30 = models.FloatField(default=0, help_text="Forecast units, days 1-30.")
    units_60 = models.FloatField(default=0, help_text="Forecast units, days 1-60.")
    units_90 = models.FloatField(default=0, help_text="Forecast units, days 1-90.")
    censored_days = models.JSONField(default=list, blank=True)
    mase = models.FloatField(null=True, blank=True)
    wape = models.FloatField(null=True, blank=True)
    bias = models.FloatField(null=True, blank=True)
    baseline_mase = models.FloatField(null=True, blank=True)
    baseline_wape = models.FloatField(null=True, blank=True)
    baseline_bias = models.FloatField(null=True, blank=True)
    recent_units = models.FloatField(
        default=0, help_text="Units sold in the last 28 days of history (weights run totals)."
    )
    candidates = models.JSONField(default=dict, blank=True)
    seconds = models.FloatField(default=0)

    objects = SeriesForecastQuerySet.as_manager()

    class Meta:
        ordering = ["run_id", "kind", "marketplace_id", "listing_id"]
        indexes = [models.Index(fields=["latest", "kind", "listing"], name="forecast_latest")]

    def __str__(self):
        return f"{self.kind} {self.listing_id or self.marketplace_id or 'all'} run {self.run_id}"


class PurchaseOrderStatus(models.TextChoices):
    OPEN = "open", "Open (ordered, not yet at Amazon)"
    RECEIVED = "received", "Received (now counted in FBA stock)"
    CANCELLED = "cancelled", "Cancelled"


class PurchaseOrder(models.Model):
    """Units ordered from a supplier for one listing, not yet in Amazon's stock.

    Open orders count in the restock plan from their expected arrival; mark an order
    received once Amazon shows the units (inbound or available), or it counts twice.
    """

    listing = models.ForeignKey(Listing, on_delete=models.PROTECT, related_name="purchase_orders")
    supplier = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=64, blank=True, help_text="Your PO number.")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    ordered_on = models.DateField()
    expected_arrival = models.DateField(
        help_text="When the units should be sellable at Amazon (after FBA receiving)."
    )
    status = models.CharField(
        max_length=10, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.OPEN
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["expected_arrival", "id"]

    def __str__(self):
        return f"PO {self.reference or self.pk}: {self.quantity} × {self.listing}"
