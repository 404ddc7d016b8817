import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models


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
