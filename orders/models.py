from django.db import models
from django.utils import timezone

from accounts.crypto import encrypted
from catalog.models import Marketplace, Region


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
