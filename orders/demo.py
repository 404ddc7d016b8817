"""The demo's SP-API connection: the local sandbox's credentials (public test values)."""

from catalog.models import Marketplace
from orders import sandbox
from orders.models import SpApiConnection


def seed(rng, out):
    connection, created = SpApiConnection.objects.get_or_create(
        region="NA",
        defaults={
            "lwa_client_id": sandbox.CLIENT_ID,
            "lwa_client_secret": sandbox.CLIENT_SECRET,
            "refresh_token": sandbox.REFRESH_TOKEN,
            "selling_partner_id": sandbox.SELLING_PARTNER_ID,
        },
    )
    if created:
        connection.marketplaces.set(Marketplace.objects.filter(code__in=["US", "CA"]))
    out.write(
        "SP-API connection (NA, local sandbox): " + ("added." if created else "already there.")
    )
