"""Sponsored Products data for the large dataset (`seed_demo --scale large`): the last
95 days (Amazon's retention) of advertised-product and campaign days for about 80% of
its listings on all five marketplaces, attributed sales drawn from what each listing
really sold that day (the daily rollup), so the SKU profitability benchmark reads
realistic volumes. Written with the collect phase's own writer; skipped when there."""

import datetime as dt
import random
import zlib
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ads import history as ads_history
from ads import sync
from ads.models import (
    AdsAccount,
    AdsProfile,
    AdsReport,
    AdvertisedProductDaily,
    CampaignDaily,
    ReportStatus,
    ReportType,
)
from catalog.models import Listing
from orders import rollup, sandbox
from orders.models import DailySales

DAYS = 95
CENT = Decimal("0.01")
WINDOWS = (1, 7, 14, 30)


def seed(out, days: int = DAYS) -> int:
    if AdvertisedProductDaily.objects.filter(advertised_sku__startswith="LG-").exists():
        out.write("Sponsored Products (large): already there.")
        return 0
    now = timezone.now()
    listings = list(Listing.objects.filter(seller_sku__startswith="LG-").select_related(
        "marketplace"))  # fmt: skip
    markets = {lst.marketplace for lst in listings}
    profiles = {}
    for marketplace in markets:
        account, _ = AdsAccount.objects.get_or_create(
            region=marketplace.region,
            defaults={
                "client_id": sandbox.CLIENT_ID,
                "client_secret": sandbox.CLIENT_SECRET,
                "refresh_token": sandbox.REFRESH_TOKEN,
            },
        )
        profiles[marketplace.pk], _ = AdsProfile.objects.update_or_create(
            profile_id=ads_history.profile_id(marketplace.code),
            defaults={
                "account": account, "country_code": marketplace.country_code,
                "marketplace": marketplace, "currency": marketplace.currency,
                "time_zone": marketplace.time_zone, "selected": True,
                "amazon_marketplace_id": marketplace.amazon_marketplace_id,
            },
        )  # fmt: skip
    last = timezone.localdate() - dt.timedelta(days=1)
    first = last - dt.timedelta(days=days - 1)
    sold = defaultdict(lambda: (0, Decimal(0)))
    for marketplace_id, sku, day, units, gross in DailySales.objects.filter(
        date__range=(first, last), seller_sku__startswith="LG-"
    ).values_list("marketplace_id", "seller_sku", "date", "units", "gross_sales"):
        sold[(marketplace_id, sku, day)] = (units, gross)
    advertised = [
        lst for lst in listings
        if zlib.crc32(f"ads:{lst.marketplace.code}:{lst.seller_sku}".encode()) % 10 < 8
    ]  # fmt: skip
    written = 0
    with transaction.atomic():
        day = first
        while day <= last:
            batch, by_campaign = [], {}
            for listing in advertised:
                units, gross = sold[(listing.marketplace_id, listing.seller_sku, day)]
                price = (gross / units) if units else Decimal("20")
                for row in _rows(listing, day, units, price, profiles[listing.marketplace_id]):
                    row["updated_at"] = now
                    batch.append(row)
                    total = by_campaign.setdefault(row["campaign_id"], _campaign(row))
                    for name in sync.METRIC_FIELDS:
                        total[name] += row[name]
            with sync._writer(AdvertisedProductDaily) as write:
                for row in batch:
                    write(row)
            with sync._writer(CampaignDaily) as write:
                for row in by_campaign.values():
                    write(row)
            AdsReport.objects.bulk_create(
                [
                    AdsReport(
                        profile=p,
                        report_type=t,
                        date=day,
                        status=ReportStatus.COMPLETED,
                        report_id=f"large-{p.profile_id}-{t}-{day}",
                        completed_at=now,
                    )
                    for p in profiles.values()
                    for t in ReportType
                ]
            )
            written += len(batch)
            day += dt.timedelta(days=1)
    out.write(f"Sponsored Products (large): {written:,} advertised-product days over {days} days.")
    rollup.rebuild_range(first, last)  # the ad columns of those days
    out.write(f"Daily rollup rebuilt with the ads: {first} .. {last}.")
    return written


def _rows(listing, day, units, price, profile):
    kinds = ["Auto"] + (["Manual"] if zlib.crc32(listing.seller_sku.encode()) % 3 == 0 else [])
    rng = random.Random(f"large-ads:{listing.pk}:{day}")
    rows = []
    left = units
    for kind in kinds:
        key = (listing.marketplace.code, listing.seller_sku, kind)
        clicks = rng.randint(0, 12)
        cost = (Decimal(clicks) * Decimal(str(round(rng.uniform(0.3, 1.5), 2)))).quantize(CENT)
        bought = sum(1 for _ in range(left) if rng.random() < 0.3)
        left -= bought
        row = {
            "profile_id": profile.pk, "date": day, "currency": profile.currency,
            "campaign_id": ads_history._id("campaign", *key),
            "ad_group_id": ads_history._id("adgroup", *key),
            "ad_id": ads_history._id("ad", *key),
            "advertised_sku": listing.seller_sku, "advertised_asin": listing.asin,
            "listing_id": listing.pk,
            "impressions": clicks * rng.randint(60, 250), "clicks": clicks, "cost": cost,
            "sales_other_sku_7d": Decimal(0), "units_sold_other_sku_7d": 0,
        }  # fmt: skip
        for w in WINDOWS:
            counted = bought if w >= 7 else max(bought - 1, 0)
            sales = (price * counted).quantize(CENT)
            row.update({
                f"purchases_{w}d": counted, f"purchases_same_sku_{w}d": counted,
                f"units_sold_{w}d": counted, f"units_sold_same_sku_{w}d": counted,
                f"sales_{w}d": sales, f"sales_same_sku_{w}d": sales,
            })  # fmt: skip
        rows.append(row)
    return rows


def _campaign(row) -> dict:
    return {
        "profile_id": row["profile_id"], "date": row["date"], "currency": row["currency"],
        "campaign_id": row["campaign_id"], "campaign_name": f"SP - {row['advertised_sku']}",
        "campaign_status": "ENABLED", "budget_amount": Decimal(25), "budget_type": "DAILY",
        "bidding_strategy": "LEGACY_FOR_SALES", "updated_at": row["updated_at"],
        **dict.fromkeys(sync.METRIC_FIELDS, 0),
    }  # fmt: skip
