from django.db import models
from django.utils import timezone

from accounts.crypto import encrypted
from catalog.models import MONEY, Fulfillment, Listing, Marketplace, Product, Region


class SpApiConnection(models.Model):
    """The seller's Selling Partner API authorisation for one region.

    Amazon issues one refresh token per region the seller authorises (NA, EU,
    FE). Secrets are encrypted with FIELD_ENCRYPTION_KEY and only ever shown
    masked.
    """

    region = models.CharField(max_length=2, choices=Region.choices, unique=True)
    lwa_client_id = models.CharField("LWA client id", max_length=200)
    lwa_client_secret = encrypted(models.TextField("LWA client secret", blank=True))
    refresh_token = encrypted(models.TextField(blank=True))
    selling_partner_id = models.CharField("selling partner id", max_length=64, blank=True)
    marketplaces = models.ManyToManyField(
        Marketplace, blank=True, help_text="Marketplaces to sync in this region."
    )
    active = models.BooleanField(default=True, help_text="Off: no scheduled syncs.")
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region"]
        verbose_name = "SP-API connection"

    def __str__(self):
        return f"SP-API {self.get_region_display()}"

    @property
    def has_credentials(self) -> bool:
        return bool(self.lwa_client_id and self.lwa_client_secret and self.refresh_token)


class OrderStatus(models.TextChoices):
    """Amazon's FulfillmentStatus (Orders API 2026-01-01)."""

    PENDING_AVAILABILITY = "PENDING_AVAILABILITY", "Pending availability"
    PENDING = "PENDING", "Pending"
    UNSHIPPED = "UNSHIPPED", "Unshipped"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED", "Partially shipped"
    SHIPPED = "SHIPPED", "Shipped"
    CANCELLED = "CANCELLED", "Cancelled"
    UNFULFILLABLE = "UNFULFILLABLE", "Unfulfillable"


# Orders that count as sales: everything but cancelled and unfulfillable ones.
NOT_COUNTED = [OrderStatus.CANCELLED, OrderStatus.UNFULFILLABLE]


class OrderSource(models.TextChoices):
    API = "api", "Orders API"
    REPORT = "report", "All-orders report"


class OrderQuerySet(models.QuerySet):
    def counted(self):
        """Orders that count as sales (cancelled ones keep their rows but count for nothing)."""
        return self.exclude(status__in=NOT_COUNTED)


class Order(models.Model):
    """One Amazon order, upserted on Amazon's order id by the sync and the backfill."""

    amazon_order_id = models.CharField(max_length=32)
    # Indexed by (marketplace, local_date) below; a second index of its own would only
    # slow down every import.
    marketplace = models.ForeignKey(
        Marketplace, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(help_text="When the buyer placed the order (UTC).")
    local_date = models.DateField(
        db_index=True, help_text="The order's day in the marketplace's time zone."
    )
    last_updated_at = models.DateTimeField(help_text="Amazon's last change to the order.")
    status = models.CharField(max_length=24, choices=OrderStatus.choices)
    fulfillment_channel = models.CharField(max_length=3, choices=Fulfillment.choices)
    sales_channel = models.CharField(max_length=64, help_text="e.g. Amazon.com")
    currency = models.CharField(max_length=3, blank=True)
    item_total = models.DecimalField(**MONEY, null=True, blank=True)
    tax_total = models.DecimalField(**MONEY, null=True, blank=True)
    shipping_total = models.DecimalField(**MONEY, null=True, blank=True)
    discount_total = models.DecimalField(**MONEY, null=True, blank=True)
    is_business = models.BooleanField(default=False)
    is_prime = models.BooleanField(default=False)
    is_estimated = models.BooleanField(
        default=False, help_text="Amounts estimated (pending order): replaced when it updates."
    )
    source = models.CharField(max_length=8, choices=OrderSource.choices)
    synced_at = models.DateTimeField()

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["marketplace", "local_date"])]
        constraints = [
            # A constraint rather than unique=True: on PostgreSQL unique=True also builds
            # a varchar_pattern_ops index for LIKE lookups nobody makes.
            models.UniqueConstraint(fields=["amazon_order_id"], name="order_amazon_id_unique")
        ]

    def __str__(self):
        return self.amazon_order_id

    @property
    def counts(self) -> bool:
        return self.status not in NOT_COUNTED


class OrderItemQuerySet(models.QuerySet):
    def counted(self):
        return self.exclude(order__status__in=NOT_COUNTED)


class OrderItem(models.Model):
    """One SKU of an order. Lines of the same SKU in one order are summed into one row
    (the all-orders report has no order item id, so (order, SKU) is the key both the
    report and the API agree on); Amazon's order item ids are kept for reference."""

    # Indexed as the first column of orderitem_one_per_sku.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", db_index=False)
    seller_sku = models.CharField("seller SKU", max_length=64)
    asin = models.CharField("ASIN", max_length=10, blank=True)
    title = models.CharField(max_length=500, blank=True)
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="order_items"
    )
    quantity_ordered = models.PositiveIntegerField()
    quantity_shipped = models.PositiveIntegerField(default=0)
    unit_price = models.DecimalField(**MONEY, null=True, blank=True)
    item_price = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Unit price x quantity, before discounts."
    )
    item_tax = models.DecimalField(**MONEY, null=True, blank=True)
    shipping_price = models.DecimalField(**MONEY, null=True, blank=True)
    shipping_tax = models.DecimalField(**MONEY, null=True, blank=True)
    promotion_discount = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Taken off by promotions (a positive amount)."
    )
    promotion_ids = models.CharField(max_length=500, blank=True)
    order_item_ids = models.CharField(max_length=200, blank=True)
    is_estimated = models.BooleanField(default=False)

    objects = OrderItemQuerySet.as_manager()

    class Meta:
        ordering = ["order", "seller_sku"]
        constraints = [
            models.UniqueConstraint(fields=["order", "seller_sku"], name="orderitem_one_per_sku")
        ]

    def __str__(self):
        return f"{self.order_id} {self.seller_sku} x{self.quantity_ordered}"


class SyncSource(models.TextChoices):
    ORDERS = "orders", "Orders (incremental)"
    ORDERS_BACKFILL = "orders_backfill", "Orders backfill (reports)"
    FINANCES = "finances", "Finances (fees and refunds)"
    INVENTORY = "inventory", "FBA inventory"
    TRAFFIC = "traffic", "Sales and traffic (reports)"
    ADS_REQUEST = "ads_request", "Ads reports (request)"
    ADS_COLLECT = "ads_collect", "Ads reports (collect)"
    ADS_BACKFILL = "ads_backfill", "Ads reports backfill"
    ADS_ENTITIES = "ads_entities", "Ads campaigns and targeting"


class SyncStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCESS = "success", "Succeeded"
    PARTIAL = "partial", "Partly done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class SyncRun(models.Model):
    """One run of a sync: what it did and how it ended."""

    source = models.CharField(max_length=32, choices=SyncSource.choices)
    region = models.CharField(max_length=2, choices=Region.choices, blank=True)
    trigger = models.CharField(max_length=16, default="schedule")  # schedule, manual, command
    status = models.CharField(max_length=16, choices=SyncStatus.choices, default=SyncStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    inserted = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    throttled = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    detail = models.TextField(blank=True, help_text="What was covered, e.g. the time window.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["source", "status", "-finished_at"])]

    def __str__(self):
        return f"{self.get_source_display()} #{self.pk} {self.status}"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class SyncCursor(models.Model):
    """How far a source is synced: moved in the same transaction as the rows it covers."""

    source = models.CharField(max_length=32, choices=SyncSource.choices)
    region = models.CharField(max_length=2, choices=Region.choices)
    watermark = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "region"], name="synccursor_unique")
        ]

    def __str__(self):
        return f"{self.source} {self.region} @ {self.watermark:%Y-%m-%d %H:%M}"


class ReportStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    REQUESTED = "requested", "Requested"  # Amazon has it (IN_QUEUE / IN_PROGRESS)
    DONE = "done", "Ready to download"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Failed, retried later"


class ReportRequest(models.Model):
    """One report window of a backfill. The report id is saved the moment Amazon returns
    it, so a restarted backfill resumes polling instead of asking again."""

    report_type = models.CharField(max_length=80)
    region = models.CharField(max_length=2, choices=Region.choices)
    marketplace = models.ForeignKey(Marketplace, on_delete=models.PROTECT, related_name="+")
    data_start = models.DateTimeField()
    data_end = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=ReportStatus.choices, default=ReportStatus.PLANNED
    )
    report_id = models.CharField(max_length=64, blank=True)
    processing_status = models.CharField(max_length=16, blank=True)  # Amazon's
    document_id = models.CharField(max_length=128, blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Reports requested so far.")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["data_start", "marketplace__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["report_type", "marketplace", "data_start", "data_end"],
                name="reportrequest_one_per_window",
            )
        ]

    def __str__(self):
        return (
            f"{self.report_type} {self.marketplace_id} "
            f"{self.data_start:%Y-%m-%d}..{self.data_end:%Y-%m-%d} ({self.status})"
        )


class FinanceKind(models.TextChoices):
    SHIPMENT = "shipment", "Shipment"
    REFUND = "refund", "Refund"


class FinanceLine(models.Model):
    """One item of a shipment or refund event from listFinancialEvents: what Amazon
    actually charged and paid, on the day it posted it.

    Amounts keep Amazon's signs, from the seller's side: credits positive, debits
    negative. A shipment has a positive principal and negative fees; a refund a
    negative principal (given back to the buyer), a positive commission (returned to
    the seller) and a negative refund commission (what Amazon keeps of it).
    """

    kind = models.CharField(max_length=8, choices=FinanceKind.choices)
    amazon_order_id = models.CharField(max_length=32)
    item_key = models.CharField(
        max_length=64, help_text="OrderItemId (shipment) or OrderAdjustmentItemId (refund)."
    )
    posted_at = models.DateTimeField()
    marketplace = models.ForeignKey(
        Marketplace, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    local_date = models.DateField(help_text="The posted day in the marketplace's time zone.")
    seller_sku = models.CharField("seller SKU", max_length=64)
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    quantity = models.IntegerField(default=0)
    currency = models.CharField(max_length=3)
    principal = models.DecimalField(**MONEY, default=0)
    shipping = models.DecimalField(**MONEY, default=0)
    tax = models.DecimalField(**MONEY, default=0, help_text="All tax charges (item, shipping, …).")
    other_charges = models.DecimalField(**MONEY, default=0)
    promotion = models.DecimalField(**MONEY, default=0)
    referral_fee = models.DecimalField(**MONEY, default=0, help_text="Commission.")
    fba_fee = models.DecimalField(**MONEY, default=0, help_text="FBA fulfilment fees.")
    other_fees = models.DecimalField(**MONEY, default=0)
    refund_commission = models.DecimalField(**MONEY, default=0)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-posted_at", "amazon_order_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "amazon_order_id", "item_key", "posted_at"],
                name="financeline_natural_key",
            )
        ]
        indexes = [
            models.Index(fields=["marketplace", "local_date"]),
            models.Index(fields=["amazon_order_id", "seller_sku"]),
        ]

    def __str__(self):
        return f"{self.kind} {self.amazon_order_id} {self.seller_sku} {self.posted_at:%Y-%m-%d}"

    @property
    def fees(self):
        """All fees as Amazon posted them (negative: charged to the seller)."""
        return self.referral_fee + self.fba_fee + self.other_fees + self.refund_commission


class TrafficDaily(models.Model):
    """One child ASIN's sessions and sales on one marketplace-local day, from
    GET_SALES_AND_TRAFFIC_REPORT (one report per marketplace and day)."""

    marketplace = models.ForeignKey(
        Marketplace, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    date = models.DateField(help_text="The marketplace-local day.")
    child_asin = models.CharField("child ASIN", max_length=10)
    parent_asin = models.CharField("parent ASIN", max_length=10, blank=True)
    sessions = models.PositiveIntegerField(default=0)
    page_views = models.PositiveIntegerField(default=0)
    buy_box_percentage = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    unit_session_percentage = models.DecimalField(
        max_digits=7, decimal_places=2, null=True, blank=True, help_text="Amazon's conversion rate."
    )
    units_ordered = models.PositiveIntegerField(default=0)
    total_order_items = models.PositiveIntegerField(default=0)
    ordered_sales = models.DecimalField(**MONEY, default=0)
    currency = models.CharField(max_length=3, blank=True)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date", "marketplace", "child_asin"]
        constraints = [
            models.UniqueConstraint(
                fields=["marketplace", "date", "child_asin"], name="traffic_one_per_asin_day"
            )
        ]

    def __str__(self):
        return f"{self.child_asin} {self.date}: {self.sessions} sessions"

    @property
    def conversion(self):
        """Units per session (None without sessions)."""
        return self.units_ordered / self.sessions if self.sessions else None


# Money columns of the daily rollup; each is also kept in the reporting currency
# (`<name>_rc`, converted with the FX rate of that day).
ROLLUP_AMOUNTS = [
    "gross_sales",
    "promotions",
    "refund_amount",
    "referral_fees",
    "fba_fees",
    "other_fees",
    "refund_fees",
    "cogs",
]


class AdColumns(models.Model):
    """Sponsored Products of the row's SKU and day (ads.AdvertisedProductDaily summed):
    spend, ad sales for both attribution windows (every SKU bought after the click, and
    the advertised SKU's own), clicks, impressions, ad orders and units. Money in the
    marketplace currency and (`_rc`) the reporting currency, null without an FX rate."""

    ad_spend = models.DecimalField(**MONEY, default=0)
    ad_sales_7d = models.DecimalField(**MONEY, default=0)
    ad_sales_14d = models.DecimalField(**MONEY, default=0)
    ad_same_sku_7d = models.DecimalField(**MONEY, default=0)
    ad_same_sku_14d = models.DecimalField(**MONEY, default=0)
    ad_spend_rc = models.DecimalField(**MONEY, null=True, blank=True)
    ad_sales_7d_rc = models.DecimalField(**MONEY, null=True, blank=True)
    ad_sales_14d_rc = models.DecimalField(**MONEY, null=True, blank=True)
    ad_same_sku_7d_rc = models.DecimalField(**MONEY, null=True, blank=True)
    ad_same_sku_14d_rc = models.DecimalField(**MONEY, null=True, blank=True)
    ad_clicks = models.IntegerField(default=0)
    ad_impressions = models.IntegerField(default=0)
    ad_orders_7d = models.IntegerField(default=0)
    ad_orders_14d = models.IntegerField(default=0)
    ad_units_7d = models.IntegerField(default=0)
    ad_units_14d = models.IntegerField(default=0)

    class Meta:
        abstract = True


class DailySales(AdColumns):
    """One marketplace-local day of one seller SKU on one marketplace: what sold, what
    Amazon took, what came back, what it cost. Dashboards read only this table.

    Costs are positive amounts (refund_fees may be negative: commission Amazon gave
    back). Fees are Amazon's actual ones where posted, else estimated from the fee rule
    (`fees_estimated`). A missing cost or fee rule leaves that amount null with its
    flag set, never zero. Rebuilt for the dates a sync touches, in its transaction.
    """

    date = models.DateField()
    marketplace = models.ForeignKey(
        Marketplace, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    seller_sku = models.CharField("seller SKU", max_length=64)
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    currency = models.CharField(max_length=3, help_text="The marketplace's currency.")
    fx_rate = models.DecimalField(
        max_digits=20,
        decimal_places=10,
        null=True,
        blank=True,
        help_text="Reporting currency per unit of `currency` that day (null: no rate).",
    )
    units = models.IntegerField(default=0)
    orders = models.IntegerField(default=0)
    refund_units = models.IntegerField(default=0)
    sessions = models.IntegerField(default=0)
    page_views = models.IntegerField(default=0)
    gross_sales = models.DecimalField(**MONEY, default=0)
    promotions = models.DecimalField(**MONEY, default=0)
    refund_amount = models.DecimalField(**MONEY, default=0)
    referral_fees = models.DecimalField(**MONEY, null=True, blank=True)
    fba_fees = models.DecimalField(**MONEY, null=True, blank=True)
    other_fees = models.DecimalField(**MONEY, null=True, blank=True)
    refund_fees = models.DecimalField(**MONEY, default=0)
    cogs = models.DecimalField(**MONEY, null=True, blank=True)
    gross_sales_rc = models.DecimalField(**MONEY, null=True, blank=True)
    promotions_rc = models.DecimalField(**MONEY, null=True, blank=True)
    refund_amount_rc = models.DecimalField(**MONEY, null=True, blank=True)
    referral_fees_rc = models.DecimalField(**MONEY, null=True, blank=True)
    fba_fees_rc = models.DecimalField(**MONEY, null=True, blank=True)
    other_fees_rc = models.DecimalField(**MONEY, null=True, blank=True)
    refund_fees_rc = models.DecimalField(**MONEY, null=True, blank=True)
    cogs_rc = models.DecimalField(**MONEY, null=True, blank=True)
    sales_estimated = models.BooleanField(
        default=False, help_text="Some sales are pending orders' estimated amounts."
    )
    fees_estimated = models.BooleanField(
        default=False, help_text="Some fees are fee-rule estimates (Amazon has not posted them)."
    )
    missing_fees = models.BooleanField(
        default=False, help_text="Some fees are unknown (no actual fees and no fee rule)."
    )
    missing_cogs = models.BooleanField(
        default=False, help_text="Units sold without a known cost (no SKU cost or mapping)."
    )
    unmapped = models.BooleanField(default=False, help_text="The SKU has no listing.")
    missing_fx = models.BooleanField(default=False, help_text="No FX rate on or before the day.")

    class Meta:
        ordering = ["-date", "marketplace", "seller_sku"]
        verbose_name = "daily sales"
        verbose_name_plural = "daily sales"
        constraints = [
            models.UniqueConstraint(
                fields=["date", "marketplace", "seller_sku"], name="dailysales_one_per_sku_day"
            )
        ]
        indexes = [
            models.Index(fields=["marketplace", "date"]),
            # The few SKU-days without a cost, found without reading the others.
            models.Index(
                fields=["date", "marketplace", "seller_sku"],
                condition=models.Q(missing_cogs=True),
                name="dailysales_missing_cogs",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.seller_sku}: {self.units} units"


class DailyTotals(AdColumns):
    """DailySales summed per marketplace-local date and marketplace: what the summary,
    timeseries and marketplace figures read (a year is a few hundred rows per
    marketplace, not a row per SKU and day). Rebuilt with the DailySales rows it sums.

    Money sums cover the known amounts; the `rows_*` counts say how many SKU-days had
    an amount unknown, so a reader can tell a total from a partial one.
    """

    date = models.DateField()
    marketplace = models.ForeignKey(
        Marketplace, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    units = models.IntegerField(default=0)
    orders = models.IntegerField(default=0)
    refund_units = models.IntegerField(default=0)
    sessions = models.IntegerField(default=0)
    page_views = models.IntegerField(default=0)
    gross_sales = models.DecimalField(**MONEY, default=0)
    promotions = models.DecimalField(**MONEY, default=0)
    refund_amount = models.DecimalField(**MONEY, default=0)
    referral_fees = models.DecimalField(**MONEY, default=0)
    fba_fees = models.DecimalField(**MONEY, default=0)
    other_fees = models.DecimalField(**MONEY, default=0)
    refund_fees = models.DecimalField(**MONEY, default=0)
    cogs = models.DecimalField(**MONEY, default=0)
    profit_known = models.DecimalField(**MONEY, default=0)
    revenue_known = models.DecimalField(**MONEY, default=0)
    gross_sales_rc = models.DecimalField(**MONEY, default=0)
    promotions_rc = models.DecimalField(**MONEY, default=0)
    refund_amount_rc = models.DecimalField(**MONEY, default=0)
    referral_fees_rc = models.DecimalField(**MONEY, default=0)
    fba_fees_rc = models.DecimalField(**MONEY, default=0)
    other_fees_rc = models.DecimalField(**MONEY, default=0)
    refund_fees_rc = models.DecimalField(**MONEY, default=0)
    cogs_rc = models.DecimalField(**MONEY, default=0)
    profit_known_rc = models.DecimalField(**MONEY, default=0)
    revenue_known_rc = models.DecimalField(**MONEY, default=0)
    rows = models.IntegerField(default=0)
    rows_missing_cogs = models.IntegerField(default=0)
    rows_missing_fees = models.IntegerField(default=0)
    rows_missing_fx = models.IntegerField(default=0)
    rows_fees_estimated = models.IntegerField(default=0)
    rows_sales_estimated = models.IntegerField(default=0)
    rows_unmapped = models.IntegerField(default=0)

    class Meta:
        ordering = ["-date", "marketplace"]
        verbose_name_plural = "daily totals"
        constraints = [
            models.UniqueConstraint(fields=["date", "marketplace"], name="dailytotals_one_per_day")
        ]

    def __str__(self):
        return f"{self.date} {self.marketplace_id}: {self.units} units"


class MonthlySkuTotals(AdColumns):
    """DailySales summed per calendar month, marketplace and seller SKU: what the
    per-SKU table of a long period reads (a year is twelve rows per SKU, not 365), with
    the days at the period's edges taken from DailySales. Rebuilt with the DailySales
    rows it sums.

    Money sums are null when every day's amount was unknown, as a sum over DailySales
    would be; `profit_known`/`revenue_known` sum the days whose profit is known (in the
    marketplace currency; `_rc`: known and converted), and the `rows_*` counts say how
    many SKU-days had an amount unknown.
    """

    month = models.DateField(help_text="The first day of the month.")
    marketplace = models.ForeignKey(
        Marketplace, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    seller_sku = models.CharField("seller SKU", max_length=64)
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    units = models.IntegerField(default=0)
    orders = models.IntegerField(default=0)
    refund_units = models.IntegerField(default=0)
    sessions = models.IntegerField(default=0)
    page_views = models.IntegerField(default=0)
    gross_sales = models.DecimalField(**MONEY, null=True, blank=True)
    promotions = models.DecimalField(**MONEY, null=True, blank=True)
    revenue = models.DecimalField(**MONEY, null=True, blank=True)
    refund_amount = models.DecimalField(**MONEY, null=True, blank=True)
    referral_fees = models.DecimalField(**MONEY, null=True, blank=True)
    fba_fees = models.DecimalField(**MONEY, null=True, blank=True)
    other_fees = models.DecimalField(**MONEY, null=True, blank=True)
    refund_fees = models.DecimalField(**MONEY, null=True, blank=True)
    cogs = models.DecimalField(**MONEY, null=True, blank=True)
    profit_known = models.DecimalField(**MONEY, null=True, blank=True)
    revenue_known = models.DecimalField(**MONEY, null=True, blank=True)
    gross_sales_rc = models.DecimalField(**MONEY, null=True, blank=True)
    promotions_rc = models.DecimalField(**MONEY, null=True, blank=True)
    revenue_rc = models.DecimalField(**MONEY, null=True, blank=True)
    refund_amount_rc = models.DecimalField(**MONEY, null=True, blank=True)
    referral_fees_rc = models.DecimalField(**MONEY, null=True, blank=True)
    fba_fees_rc = models.DecimalField(**MONEY, null=True, blank=True)
    other_fees_rc = models.DecimalField(**MONEY, null=True, blank=True)
    refund_fees_rc = models.DecimalField(**MONEY, null=True, blank=True)
    cogs_rc = models.DecimalField(**MONEY, null=True, blank=True)
    profit_known_rc = models.DecimalField(**MONEY, null=True, blank=True)
    revenue_known_rc = models.DecimalField(**MONEY, null=True, blank=True)
    rows = models.IntegerField(default=0)
    rows_missing_cogs = models.IntegerField(default=0)
    rows_missing_fees = models.IntegerField(default=0)
    rows_missing_fx = models.IntegerField(default=0)
    rows_fees_estimated = models.IntegerField(default=0)
    rows_sales_estimated = models.IntegerField(default=0)
    rows_unmapped = models.IntegerField(default=0)

    class Meta:
        ordering = ["-month", "marketplace", "seller_sku"]
        verbose_name_plural = "monthly SKU totals"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "marketplace", "seller_sku"], name="monthlysku_one_per_month"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.marketplace_id} {self.seller_sku}: {self.units} units"
