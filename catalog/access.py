"""The one way views reach catalog objects. Roles: anyone signed in reads,
the owner writes (enforced by the views' permission classes)."""

from django.shortcuts import get_object_or_404

from catalog.models import Listing


def listing_get(marketplace_code: str, seller_sku: str) -> Listing:
    return get_object_or_404(
        Listing.objects.select_related("marketplace", "product"),
        marketplace__code=marketplace_code.upper(),
        seller_sku=seller_sku,
    )
