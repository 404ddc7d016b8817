import datetime
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone


def validate_time_zone(value):
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone.") from exc


class Region(models.TextChoices):
    """SP-API and Ads API regions: each has its own endpoints."""

    NA = "NA", "North America"
    EU = "EU", "Europe"
    FE = "FE", "Far East"


class MarketplaceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Marketplace(models.Model):
    """An Amazon marketplace the seller sells on.

    `time_zone` decides which calendar day a sale belongs to, as Seller
    Central shows it (Amazon's timestamps are UTC).
    """

    code = models.CharField(max_length=8, unique=True, help_text="Short code, e.g. US, UK, DE.")
    name = models.CharField(max_length=64)
    amazon_marketplace_id = models.CharField("Amazon marketplace id", max_length=32, unique=True)
    region = models.CharField(max_length=2, choices=Region.choices)
    country_code = models.CharField(max_length=2, help_text="ISO 3166 country code.")
    currency = models.CharField(max_length=3, help_text="ISO 4217, e.g. USD.")
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    domain = models.CharField(max_length=64, help_text="e.g. amazon.com")
    active = models.BooleanField(default=True, help_text="Shown in selectors and synced.")

    objects = MarketplaceQuerySet.as_manager()

    class Meta:
        ordering = ["region", "code"]

    def __str__(self):
        return f"{self.code} ({self.domain})"

    def local_date(self, moment: datetime.datetime) -> datetime.date:
        """The calendar day `moment` (an aware UTC timestamp from Amazon) falls on
        in this marketplace, as Seller Central shows it."""
        if timezone.is_naive(moment):
            raise ValueError("Amazon timestamps must be timezone-aware (UTC).")
        return moment.astimezone(zoneinfo.ZoneInfo(self.time_zone)).date()


currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a 3-letter ISO 4217 code, e.g. USD.")
MONEY = {"max_digits": 14, "decimal_places": 4}


def validate_barcode(value):
    """EAN-8, UPC-A (12), EAN-13 or GTIN-14 with a valid GS1 check digit."""
    if not value.isdigit() or len(value) not in (8, 12, 13, 14):
        raise ValidationError("A barcode is 8, 12, 13 or 14 digits (EAN/UPC/GTIN).")
    digits = [int(d) for d in value]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    if (10 - total % 10) % 10 != check:
        raise ValidationError(f"{value} has a wrong check digit.")


class Product(models.Model):
    """What the seller buys and stocks, under their own internal SKU."""

    sku = models.CharField("internal SKU", max_length=64, unique=True)
    title = models.CharField(max_length=300)
    brand = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=100, blank=True)
    active = models.BooleanField(default=True)
    barcode = models.CharField(
        max_length=14, blank=True, validators=[validate_barcode], help_text="EAN/UPC/GTIN"
    )
    case_pack = models.PositiveIntegerField(
        default=1, validators=[MinValueValidator(1)], help_text="Units per supplier case."
    )
    supplier = models.CharField(max_length=200, blank=True)
    lead_time_days = models.PositiveIntegerField(
        "supplier lead time (days)", default=0, help_text="Production time at the supplier."
    )
    transit_days = models.PositiveIntegerField(
        "transit time (days)",
        null=True,
        blank=True,
        help_text="Supplier to Amazon's warehouse. Empty: the RESTOCK_TRANSIT_DAYS setting.",
    )
    min_order_quantity = models.PositiveIntegerField(
        "minimum order (units)",
        default=0,
        help_text="The supplier's minimum order quantity (0: none).",
    )

    class Meta:
        ordering = ["sku"]

    def __str__(self):
        return f"{self.sku} · {self.title}"


class Channel(models.TextChoices):
    AMAZON = "amazon", "Amazon"
    SHOPIFY = "shopify", "Shopify"
    WALMART = "walmart", "Walmart"
    OTHER = "other", "Other"


class Fulfillment(models.TextChoices):
    FBA = "FBA", "Fulfilled by Amazon"
    FBM = "FBM", "Merchant fulfilled"


class Listing(models.Model):
    """One sellable offer: a seller SKU on a marketplace, mapped to a Product.

    Several listings may map to one product (other marketplaces, old SKUs).
    """

    marketplace = models.ForeignKey(Marketplace, on_delete=models.PROTECT)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.AMAZON)
    seller_sku = models.CharField("seller SKU", max_length=64)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="listings")
    fulfillment = models.CharField(
        max_length=3, choices=Fulfillment.choices, default=Fulfillment.FBA
    )
    asin = models.CharField("ASIN", max_length=10, blank=True, db_index=True)
    fnsku = models.CharField("FNSKU", max_length=10, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["marketplace__code", "seller_sku"]
        constraints = [
            models.UniqueConstraint(
                fields=["marketplace", "channel", "seller_sku"], name="listing_unique_sku"
            )
        ]

    def __str__(self):
        return f"{self.marketplace.code} {self.seller_sku}"


class SkuCost(models.Model):
    """Landed cost of one unit, effective from a date until the next entry.

    History is never overwritten: a price change is a new row.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="costs")
    effective_from = models.DateField()
    unit_cost = models.DecimalField(**MONEY, validators=[MinValueValidator(0)])
    inbound_freight_per_unit = models.DecimalField(
        **MONEY, default=0, validators=[MinValueValidator(0)]
    )
    other_per_unit = models.DecimalField(**MONEY, default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, validators=[currency_validator])

    class Meta:
        ordering = ["product__sku", "-effective_from"]
        verbose_name = "SKU cost"
        constraints = [
            models.UniqueConstraint(
                fields=["product", "effective_from"], name="skucost_one_per_day"
            )
        ]

    def __str__(self):
        return f"{self.product.sku} from {self.effective_from}: {self.landed_cost} {self.currency}"

    @property
    def landed_cost(self):
        return self.unit_cost + self.inbound_freight_per_unit + self.other_per_unit


class FeeRule(models.Model):
    """Estimated Amazon fees per listing, used until actual fees arrive."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="fee_rules")
    effective_from = models.DateField()
    referral_fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    fba_fee_per_unit = models.DecimalField(**MONEY, default=0, validators=[MinValueValidator(0)])
    currency = models.CharField(max_length=3, validators=[currency_validator])

    class Meta:
        ordering = ["listing__seller_sku", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "effective_from"], name="feerule_one_per_day"
            )
        ]

    def __str__(self):
        return f"{self.listing} from {self.effective_from}"


class Location(models.TextChoices):
    FBA = "fba", "Amazon FBA"
    WAREHOUSE = "warehouse", "Own warehouse"
    THREE_PL = "3pl", "3PL"


class InventorySource(models.TextChoices):
    SYNC = "sync", "Amazon sync"
    MANUAL = "manual", "Manual"
    IMPORT = "import", "Import"


class InventoryLevelQuerySet(models.QuerySet):
    def stale(self, now=None):
        return self.filter(as_of__lt=stale_cutoff(now))


def stale_cutoff(now=None):
    now = now or timezone.now()
    return now - datetime.timedelta(hours=settings.INVENTORY_STALE_HOURS)


# The quantity columns of a stock row, in the order sellers read them.
INVENTORY_QUANTITIES = [
    "available",
    "reserved",
    "inbound_working",
    "inbound_shipped",
    "inbound_receiving",
    "unfulfillable",
]


class InventoryLevel(models.Model):
    """The latest known stock of a listing at one location, and how old it is."""

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="inventory")
    location = models.CharField(max_length=16, choices=Location.choices, default=Location.FBA)
    available = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)
    reserved_transfer = models.PositiveIntegerField(
        "reserved for transfer",
        default=0,
        help_text="Of reserved: moving between Amazon warehouses or being processed there "
        "(still the seller's stock, unlike units reserved for customer orders).",
    )
    inbound_working = models.PositiveIntegerField(default=0)
    inbound_shipped = models.PositiveIntegerField(default=0)
    inbound_receiving = models.PositiveIntegerField(default=0)
    unfulfillable = models.PositiveIntegerField(default=0)
    as_of = models.DateTimeField(help_text="When these numbers were true (UTC).")
    source = models.CharField(
        max_length=8, choices=InventorySource.choices, default=InventorySource.MANUAL
    )

    objects = InventoryLevelQuerySet.as_manager()

    class Meta:
        ordering = ["listing__marketplace__code", "listing__seller_sku", "location"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "location"], name="inventory_one_per_place")
        ]

    def __str__(self):
        return f"{self.listing} @ {self.get_location_display()}: {self.available}"

    @property
    def on_hand(self):
        """Stock the seller still owns at Amazon: sellable plus moving between warehouses."""
        return self.available + self.reserved_transfer

    @property
    def inbound(self):
        return self.inbound_working + self.inbound_shipped + self.inbound_receiving

    def is_stale(self, now=None):
        return self.as_of < stale_cutoff(now)


class StockDay(models.Model):
    """The lowest sellable stock seen for a listing on one marketplace-local day.

    Amazon keeps no stock history, so every inventory read writes today's row (the
    lowest count wins: a day that touched 0 was a stock-out day). Forecasts use it to
    tell "sold nothing" from "had nothing to sell". A day without a row is unknown.
    """

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    available = models.PositiveIntegerField()

    class Meta:
        ordering = ["listing_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "date"], name="stockday_one_per_day")
        ]

    def __str__(self):
        return f"{self.listing_id} {self.date}: {self.available}"


class FxRate(models.Model):
    """How many units of the reporting currency one unit of `currency` bought that day."""

    currency = models.CharField(max_length=3, validators=[currency_validator])
    date = models.DateField()
    rate = models.DecimalField(
        max_digits=20, decimal_places=10, validators=[MinValueValidator(Decimal("0.0000000001"))]
    )

    class Meta:
        ordering = ["currency", "-date"]
        verbose_name = "FX rate"
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="fxrate_one_per_day")
        ]

    def __str__(self):
        return f"{self.currency} {self.date}: {self.rate} {settings.REPORTING_CURRENCY}"


class SkuSource(models.TextChoices):
    ORDERS = "orders", "Orders"
    ADS = "ads", "Ads"
    INVENTORY = "inventory", "Inventory"
    FINANCES = "finances", "Finances"


class ObservedSku(models.Model):
    """A seller SKU seen in Amazon data (orders, ads, inventory).

    Later apps report what they see through `catalog.services.sku_observe`;
    one with no Listing is unmapped and shows in data health.
    """

    marketplace = models.ForeignKey(Marketplace, on_delete=models.CASCADE)
    seller_sku = models.CharField("seller SKU", max_length=64)
    source = models.CharField(max_length=16, choices=SkuSource.choices)
    asin = models.CharField("ASIN", max_length=10, blank=True)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["marketplace__code", "seller_sku"]
        verbose_name = "seen SKU"
        constraints = [
            models.UniqueConstraint(
                fields=["marketplace", "seller_sku", "source"], name="observedsku_unique"
            )
        ]

    def __str__(self):
        return f"{self.marketplace.code} {self.seller_sku} ({self.source})"


class DataHealthSnapshot(models.Model):
    """The data-health counts of one day, kept for the 30-day trend."""

    date = models.DateField(unique=True)
    unmapped_skus = models.PositiveIntegerField()
    products_missing_cost = models.PositiveIntegerField()
    listings_missing_fee_rule = models.PositiveIntegerField()
    stale_inventory = models.PositiveIntegerField()

    class Meta:
        ordering = ["-date"]

    def __str__(self):
        return f"Data health {self.date}"
