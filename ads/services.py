"""Ads services: the account, its profiles, and starting syncs.

The syncs themselves are in ads/sync.py; the figures in ads/figures.py."""

from django.db import transaction
from django.utils import timezone

from accounts.services import audit_log_record, model_snapshot
from ads import sync
from ads.adsapi import AdsApiError
from ads.models import AdsAccount, AdsProfile

SECRET_FIELDS = ("client_secret", "refresh_token")


def _snapshot(account: AdsAccount) -> dict:
    snap = model_snapshot(account)
    for key in ("last_test_at", "last_test_ok", "last_test_message", "updated_at"):
        snap.pop(key, None)
    return snap


def ads_account_save(*, actor, region: str, data: dict, request=None) -> AdsAccount:
    """Create or update a region's Ads account (audited, secrets masked). A blank secret
    keeps the stored one, so a form never has to show it back."""
    with transaction.atomic():
        account = AdsAccount.objects.select_for_update().filter(
            region=region
        ).first() or AdsAccount(region=region)
        before = _snapshot(account) if account.pk else None
        for key in ("client_id", "active"):
            if key in data:
                setattr(account, key, data[key])
        for key in SECRET_FIELDS:
            if data.get(key):
                setattr(account, key, data[key])
        account.save()
        audit_log_record(
            actor=actor,
            action="ads.account.update" if before else "ads.account.create",
            obj=account,
            before=before,
            after=_snapshot(account),
            request=request,
        )
    return account


def ads_account_test(*, actor, account: AdsAccount, request=None) -> dict:
    """Exchange the refresh token and list the profiles (stored, selection kept).

    Returns {"ok", "profiles", "error"}; the error is what Amazon said, without any
    credential."""
    client = sync.client_for(account, max_wait=30)
    try:
        profiles = sync.refresh_profiles(account, client=client)
    except AdsApiError as exc:
        result = {"ok": False, "profiles": [], "error": str(exc)}
    else:
        result = {"ok": True, "profiles": [profile_dict(p) for p in profiles], "error": ""}
    message = result["error"] or "Profiles: " + (
        ", ".join(f"{p['country_code']} {p['profile_id']}" for p in result["profiles"]) or "none"
    )
    AdsAccount.objects.filter(pk=account.pk).update(
        last_test_at=timezone.now(), last_test_ok=result["ok"], last_test_message=message[:2000]
    )
    audit_log_record(
        actor=actor,
        action="ads.account.test",
        obj=account,
        after={"ok": result["ok"], "message": message[:500]},
        request=request,
    )
    return result


def profile_dict(profile: AdsProfile) -> dict:
    return {
        "profile_id": profile.profile_id,
        "region": profile.account.region,
        "country_code": profile.country_code,
        "marketplace": profile.marketplace.code if profile.marketplace else None,
        "currency": profile.currency,
        "time_zone": profile.time_zone,
        "account_name": profile.account_name,
        "account_type": profile.account_type,
        "selected": profile.selected,
    }


def ads_profiles_select(*, actor, profile_ids: list[int], request=None) -> list[AdsProfile]:
    """Sync exactly these profiles (at most one per marketplace); audited."""
    with transaction.atomic():
        profiles = list(AdsProfile.objects.select_for_update().select_related("account"))
        known = {p.profile_id for p in profiles}
        unknown = sorted(set(profile_ids) - known)
        if unknown:
            raise ValueError(f"Unknown profile ids: {', '.join(map(str, unknown))}.")
        chosen = [p for p in profiles if p.profile_id in set(profile_ids)]
        markets = [p.marketplace_id or p.country_code for p in chosen]
        if len(markets) != len(set(markets)):
            raise ValueError("Choose at most one profile per marketplace.")
        before = sorted(p.profile_id for p in profiles if p.selected)
        for profile in profiles:
            selected = profile.profile_id in set(profile_ids)
            if profile.selected != selected:
                profile.selected = selected
                profile.save(update_fields=["selected"])
        audit_log_record(
            actor=actor,
            action="ads.profiles.select",
            obj=None,
            before={"selected": before},
            after={"selected": sorted(profile_ids)},
            request=request,
        )
    return profiles


# --- SKU costs (seed 000's endpoints over the catalog's effective-dated SkuCost) ---------


def product_for_sku(sku: str):
    """The product of an internal SKU, or of a seller SKU mapped to exactly one product."""
    from catalog.models import Listing, Product

    product = Product.objects.filter(sku=sku).first()
    if product:
        return product
    products = {
        listing.product
        for listing in Listing.objects.filter(seller_sku=sku).select_related("product")
        if listing.product_id
    }
    return products.pop() if len(products) == 1 else None


def sku_cost_dict(cost) -> dict:
    return {
        "sku": cost.product.sku,
        "title": cost.product.title,
        "effective_from": cost.effective_from.isoformat(),
        "unit_cost": float(cost.unit_cost),
        "inbound_freight_per_unit": float(cost.inbound_freight_per_unit),
        "other_per_unit": float(cost.other_per_unit),
        "landed_cost": float(cost.landed_cost),
        "currency": cost.currency,
    }


def sku_cost_put(*, actor, sku: str, data: dict, request=None):
    """Set the cost of a SKU from a date (a new entry, or that date's entry replaced):
    history is kept; the rollup of the days affected is rebuilt by the catalog's signal."""
    from catalog.models import SkuCost

    product = product_for_sku(sku)
    if product is None:
        raise ValueError(f"No product with SKU {sku!r} (internal or mapped seller SKU).")
    with transaction.atomic():
        cost = SkuCost.objects.filter(
            product=product, effective_from=data["effective_from"]
        ).first() or SkuCost(product=product, effective_from=data["effective_from"])
        before = model_snapshot(cost) if cost.pk else None
        for key in ("unit_cost", "inbound_freight_per_unit", "other_per_unit", "currency"):
            if key in data:
                setattr(cost, key, data[key])
        cost.full_clean()
        cost.save()
        audit_log_record(
            actor=actor,
            action="catalog.sku_cost.update" if before else "catalog.sku_cost.create",
            obj=cost,
            before=before,
            after=model_snapshot(cost),
            request=request,
        )
    return cost


def sku_cost_delete(*, actor, sku: str, effective_from=None, request=None) -> int:
    """Delete the SKU's cost entry of `effective_from`, or the one in force today."""
    from catalog.models import SkuCost

    product = product_for_sku(sku)
    if product is None:
        raise LookupError(f"No product with SKU {sku!r}.")
    costs = SkuCost.objects.filter(product=product)
    if effective_from:
        cost = costs.filter(effective_from=effective_from).first()
    else:
        cost = costs.filter(effective_from__lte=timezone.localdate()).order_by("-effective_from")
        cost = cost.first()
    if cost is None:
        raise LookupError(
            f"No cost entry for {sku!r}" + (f" from {effective_from}." if effective_from else ".")
        )
    with transaction.atomic():
        audit_log_record(actor=actor, action="catalog.sku_cost.delete", obj=cost,
                         before=model_snapshot(cost), request=request)  # fmt: skip
        cost.delete()
    return 1


def ads_report_status(limit: int = 50) -> dict:
    """The Sync page's view of the Ads reports: counts by status, and the ones that
    failed or were given up, newest first."""
    from django.db.models import Count

    from ads.models import AdsReport, ReportStatus

    counts = dict(AdsReport.objects.values_list("status").annotate(n=Count("id")))
    problems = (
        AdsReport.objects.filter(status__in=[ReportStatus.FAILED, ReportStatus.GAVE_UP])
        .select_related("profile")
        .order_by("-date", "report_type")[:limit]
    )
    return {
        "counts": {status: counts.get(status, 0) for status in ReportStatus.values},
        "problems": [
            {
                "report": f"{r.get_report_type_display()} {r.date} {r.profile.country_code}",
                "status": r.status,
                "attempt": r.attempt,
                "error": r.error,
            }
            for r in problems
        ],
    }
