"""Amazon Ads (Sponsored Products): the account, its profiles, the reports asked for,
the daily metrics they bring and the campaign entities.

Report rows keep Amazon's metrics as reported: `cost` in the profile's currency on the
profile's own (time-zone) day, and every attribution window (1, 7, 14 and 30 days after
the click) for all SKUs and for the advertised SKU alone. A restated day overwrites the
row, so late attribution is captured.
"""

from django.db import models
from django.utils import timezone

from accounts.crypto import encrypted
from catalog.models import MONEY, Listing, Marketplace, Region


class AdsAccount(models.Model):
    """The seller's Amazon Ads authorisation (Login with Amazon) for one region's host.

    A token from any region works everywhere, but profiles are listed and reported on
    from their region's host, so an account is kept per region. Secrets are encrypted
    with FIELD_ENCRYPTION_KEY and only ever shown masked.
    """

    region = models.CharField(max_length=2, choices=Region.choices, unique=True)
    client_id = models.CharField("client id", max_length=200)
    client_secret = encrypted(models.TextField(blank=True))
    refresh_token = encrypted(models.TextField(blank=True))
    active = models.BooleanField(default=True, help_text="Off: no scheduled syncs.")
    last_test_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_test_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["region"]
        verbose_name = "Ads API account"

    def __str__(self):
        return f"Amazon Ads {self.get_region_display()}"

    @property
    def has_credentials(self) -> bool:
        return bool(self.client_id and self.client_secret and self.refresh_token)


class AdsProfile(models.Model):
    """An advertising profile (one seller account in one marketplace), as Amazon lists
    it. Reports are asked for the profiles the owner selected."""

    account = models.ForeignKey(AdsAccount, on_delete=models.CASCADE, related_name="profiles")
    profile_id = models.BigIntegerField(unique=True)
    country_code = models.CharField(max_length=2)
    marketplace = models.ForeignKey(
        Marketplace,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Matched on Amazon's marketplace id, else the country code.",
    )
    currency = models.CharField(max_length=3)
    time_zone = models.CharField(max_length=64, help_text="The profile's reporting day.")
    account_name = models.CharField(max_length=200, blank=True)
    account_type = models.CharField(max_length=20, blank=True)  # seller, vendor, agency
    amazon_marketplace_id = models.CharField(max_length=20, blank=True)
    selected = models.BooleanField(default=False, help_text="Sync this profile's reports.")
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["country_code", "profile_id"]

    def __str__(self):
        return f"{self.country_code} {self.profile_id} ({self.account_name or self.account_type})"


class ReportType(models.TextChoices):
    CAMPAIGNS = "spCampaigns", "Campaigns"
    ADVERTISED_PRODUCT = "spAdvertisedProduct", "Advertised products"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Pending"  # asked for; Amazon PENDING or PROCESSING
    COMPLETED = "completed", "Completed"  # downloaded and stored
    FAILED = "failed", "Failed"  # Amazon FAILED or the file was unreadable: asked again
    REPLACED = "replaced", "Replaced"  # a newer request for the same day took over
    GAVE_UP = "gave_up", "Gave up"  # failed too often or never completed


class AdsReport(models.Model):
    """One report asked of Amazon for one profile, type and day, stored the moment
    Amazon gives its id so a crash never loses it; the collect phase polls it."""

    profile = models.ForeignKey(AdsProfile, on_delete=models.CASCADE, related_name="reports")
    report_type = models.CharField(max_length=32, choices=ReportType.choices)
    date = models.DateField(help_text="The profile-local day the report covers.")
    report_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=12, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    amazon_status = models.CharField(max_length=20, blank=True)
    attempt = models.PositiveSmallIntegerField(
        default=1, help_text="Which request for this profile, type and day this is."
    )
    error = models.TextField(blank=True)
    rows = models.IntegerField(null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["status", "requested_at"]),
            models.Index(fields=["profile", "report_type", "date"]),
        ]

    def __str__(self):
        return f"{self.report_type} {self.date} {self.profile.country_code} ({self.status})"


class AdMetrics(models.Model):
    """Amazon's Sponsored Products metrics of one row. `sales_*`/`purchases_*`/`units_*`
    count every SKU bought after the click within the window; `*_same_sku_*` only the
    advertised one."""

    impressions = models.IntegerField(default=0)
    clicks = models.IntegerField(default=0)
    cost = models.DecimalField(**MONEY, default=0)
    purchases_1d = models.IntegerField(default=0)
    purchases_7d = models.IntegerField(default=0)
    purchases_14d = models.IntegerField(default=0)
    purchases_30d = models.IntegerField(default=0)
    purchases_same_sku_1d = models.IntegerField(default=0)
    purchases_same_sku_7d = models.IntegerField(default=0)
    purchases_same_sku_14d = models.IntegerField(default=0)
    purchases_same_sku_30d = models.IntegerField(default=0)
    units_sold_1d = models.IntegerField(default=0)
    units_sold_7d = models.IntegerField(default=0)
    units_sold_14d = models.IntegerField(default=0)
    units_sold_30d = models.IntegerField(default=0)
    units_sold_same_sku_1d = models.IntegerField(default=0)
    units_sold_same_sku_7d = models.IntegerField(default=0)
    units_sold_same_sku_14d = models.IntegerField(default=0)
    units_sold_same_sku_30d = models.IntegerField(default=0)
    sales_1d = models.DecimalField(**MONEY, default=0)
    sales_7d = models.DecimalField(**MONEY, default=0)
    sales_14d = models.DecimalField(**MONEY, default=0)
    sales_30d = models.DecimalField(**MONEY, default=0)
    sales_same_sku_1d = models.DecimalField(**MONEY, default=0)
    sales_same_sku_7d = models.DecimalField(**MONEY, default=0)
    sales_same_sku_14d = models.DecimalField(**MONEY, default=0)
    sales_same_sku_30d = models.DecimalField(**MONEY, default=0)
    currency = models.CharField(max_length=3)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class CampaignDaily(AdMetrics):
    """spCampaigns by campaign and day."""

    profile = models.ForeignKey(
        AdsProfile, on_delete=models.CASCADE, related_name="+", db_index=False
    )  # the unique constraint starts with it
    date = models.DateField()
    campaign_id = models.BigIntegerField()
    campaign_name = models.CharField(max_length=255, blank=True)
    campaign_status = models.CharField(max_length=20, blank=True)
    budget_amount = models.DecimalField(**MONEY, null=True, blank=True)
    budget_type = models.CharField(max_length=20, blank=True)
    bidding_strategy = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-date", "campaign_id"]
        verbose_name_plural = "campaign days"
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "date", "campaign_id"], name="campaigndaily_one_per_day"
            )
        ]

    def __str__(self):
        return f"{self.date} {self.campaign_name or self.campaign_id}"


class AdvertisedProductDaily(AdMetrics):
    """spAdvertisedProduct by ad group, advertised SKU and day: the report SKU
    profitability joins on. `listing` is the catalog's mapping of the advertised SKU
    (null: not mapped, shown in data health)."""

    # Indexed by the unique constraint, which starts with it: a second index of its own
    # would only slow down a collect of a million rows.
    profile = models.ForeignKey(
        AdsProfile, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    date = models.DateField()
    campaign_id = models.BigIntegerField()
    ad_group_id = models.BigIntegerField()
    ad_id = models.BigIntegerField(null=True, blank=True)
    advertised_sku = models.CharField(max_length=64)
    advertised_asin = models.CharField(max_length=10, blank=True)
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sales_other_sku_7d = models.DecimalField(**MONEY, default=0)
    units_sold_other_sku_7d = models.IntegerField(default=0)

    class Meta:
        ordering = ["-date", "advertised_sku"]
        verbose_name_plural = "advertised product days"
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "date", "ad_group_id", "advertised_sku"],
                name="adproductdaily_one_per_day",
            )
        ]
        indexes = [models.Index(fields=["date", "profile"])]

    def __str__(self):
        return f"{self.date} {self.advertised_sku}"


class EntityState(models.TextChoices):
    ENABLED = "ENABLED", "Enabled"
    PAUSED = "PAUSED", "Paused"
    ARCHIVED = "ARCHIVED", "Archived"


class AdEntity(models.Model):
    """What every Sponsored Products entity keeps: its profile, Amazon's state and when
    the daily refresh last saw it."""

    profile = models.ForeignKey(AdsProfile, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=10, blank=True)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True


class Campaign(AdEntity):
    campaign_id = models.BigIntegerField(unique=True)
    name = models.CharField(max_length=255)
    targeting_type = models.CharField(max_length=10, blank=True)  # AUTO, MANUAL
    budget = models.DecimalField(**MONEY, null=True, blank=True)
    budget_type = models.CharField(max_length=20, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    portfolio_id = models.BigIntegerField(null=True, blank=True)
    bidding_strategy = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AdGroup(AdEntity):
    ad_group_id = models.BigIntegerField(unique=True)
    campaign_id = models.BigIntegerField()
    name = models.CharField(max_length=255)
    default_bid = models.DecimalField(**MONEY, null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ProductAd(AdEntity):
    ad_id = models.BigIntegerField(unique=True)
    campaign_id = models.BigIntegerField()
    ad_group_id = models.BigIntegerField()
    sku = models.CharField(max_length=64, blank=True)
    asin = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["sku"]

    def __str__(self):
        return self.sku or self.asin


class Keyword(AdEntity):
    keyword_id = models.BigIntegerField(unique=True)
    campaign_id = models.BigIntegerField()
    ad_group_id = models.BigIntegerField()
    keyword_text = models.CharField(max_length=255)
    match_type = models.CharField(max_length=10, blank=True)  # EXACT, PHRASE, BROAD
    bid = models.DecimalField(**MONEY, null=True, blank=True)

    class Meta:
        ordering = ["keyword_text"]

    def __str__(self):
        return f"{self.keyword_text} ({self.match_type})"


class ProductTarget(AdEntity):
    target_id = models.BigIntegerField(unique=True)
    campaign_id = models.BigIntegerField()
    ad_group_id = models.BigIntegerField()
    expression_type = models.CharField(max_length=10, blank=True)  # AUTO, MANUAL
    expression = models.JSONField(default=list)
    bid = models.DecimalField(**MONEY, null=True, blank=True)

    class Meta:
        ordering = ["target_id"]

    def __str__(self):
        return f"target {self.target_id}"
