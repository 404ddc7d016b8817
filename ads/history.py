"""Sponsored Products activity that fits the sandbox's order history: the profiles,
entities and daily report rows the Ads sandbox serves and the demo imports.

Each advertised listing has an auto campaign (and every third one a manual campaign
with two keywords). Clicks come from the listing's shoppers, cost from a CPC of its
own, and attributed purchases are a share of the units it really sold that day, so ad
sales never exceed sales. Attribution keeps growing after the day: a row asked for
within 30 days of it carries only what the windows had counted by then, as Amazon's
restated reports do. Everything is a pure function of (marketplace, SKU, day).
"""

import datetime as dt
import random
import zlib
from decimal import Decimal

from orders import history as orders_history

CENT = Decimal("0.01")
WINDOWS = (1, 7, 14, 30)


def profile_id(code: str) -> int:
    return 3_000_000_000 + zlib.crc32(f"profile:{code}".encode()) % 999_999_999


def _id(*parts) -> int:
    return 100_000_000_000_000 + zlib.crc32(":".join(map(str, parts)).encode()) * 1000


def advertised(listing) -> bool:
    return zlib.crc32(f"ads:{listing.marketplace}:{listing.seller_sku}".encode()) % 10 < 8


def manual(listing) -> bool:
    return zlib.crc32(f"manual:{listing.marketplace}:{listing.seller_sku}".encode()) % 3 == 0


def profiles(orders, region_marketplaces) -> list[dict]:
    """Profile objects (Profiles API) of the marketplaces the history sells in."""
    found = []
    for code, _name, amazon_id, _region, country, currency, zone, _domain in region_marketplaces:
        if code not in orders.by_marketplace:
            continue
        found.append(
            {
                "profileId": profile_id(code),
                "countryCode": country,
                "currencyCode": currency,
                "dailyBudget": 999999999.0,
                "timezone": zone,
                "accountInfo": {
                    "marketplaceStringId": amazon_id,
                    "id": "A3SANDBOXSELLER",
                    "type": "seller",
                    "name": "Seller Hub Sandbox",
                    "validPaymentMethod": True,
                },
            }
        )
    return found


def campaigns_of(listing) -> list[dict]:
    """The campaigns advertising one listing, with their ad group, ad and targeting."""
    if not advertised(listing):
        return []
    kinds = ["Auto"] + (["Manual"] if manual(listing) else [])
    found = []
    for kind in kinds:
        key = (listing.marketplace, listing.seller_sku, kind)
        rng = random.Random(f"campaign:{key}")
        found.append(
            {
                "kind": kind,
                "campaignId": _id("campaign", *key),
                "campaignName": f"SP - {listing.seller_sku} - {kind}",
                "adGroupId": _id("adgroup", *key),
                "adGroupName": kind,
                "adId": _id("ad", *key),
                "budget": Decimal(rng.choice([10, 15, 20, 25, 30, 50])),
                "cpc": Decimal(str(round(rng.uniform(0.35, 1.6), 2))),
                "share": rng.uniform(0.12, 0.3) if kind == "Auto" else rng.uniform(0.08, 0.2),
                "keywords": []
                if kind == "Auto"
                else [
                    {"keywordId": _id("keyword", *key, n), "keywordText": text, "matchType": match}
                    for n, (text, match) in enumerate(
                        [
                            (listing.title.lower()[:40], "EXACT"),
                            (listing.category or "gift", "BROAD"),
                        ]
                    )
                ],
            }
        )
    return found


def _round(value) -> Decimal:
    return Decimal(value).quantize(CENT)


def product_rows(orders, marketplace: str, day: dt.date, now: dt.datetime) -> list[dict]:
    """spAdvertisedProduct rows of one profile-local day, every metric, as known at `now`.
    Keys are the report's column names."""
    listings = orders.by_marketplace.get(marketplace, [])
    sold = _units_sold(orders, marketplace, day)
    days_since = (now.date() - day).days
    rows = []
    for listing in listings:
        for campaign in campaigns_of(listing):
            rng = random.Random(f"adday:{listing.marketplace}:{campaign['campaignId']}:{day}")
            units = sold.get(listing.seller_sku, 0)
            expected = listing.demand * orders_history.seasonality(day, listing.category)
            impressions = int(max(expected, 0.3) * rng.uniform(180, 420))
            clicks = int(impressions * rng.uniform(0.003, 0.008))
            cost = _round(clicks * campaign["cpc"] * Decimal(str(rng.uniform(0.85, 1.1))))
            bought = sum(1 for _ in range(units) if rng.random() < campaign["share"])
            # When each attributed unit was counted: most on the day, some days later.
            lags = sorted(min(int(rng.expovariate(0.35)), 29) for _ in range(bought))
            other = rng.randint(0, 1) if bought and rng.random() < 0.15 else 0
            row = {
                "date": day.isoformat(),
                "campaignName": campaign["campaignName"],
                "campaignId": campaign["campaignId"],
                "campaignStatus": "ENABLED",
                "campaignBudgetAmount": float(campaign["budget"]),
                "campaignBudgetType": "DAILY",
                "campaignBudgetCurrencyCode": listing.currency,
                "adGroupName": campaign["adGroupName"],
                "adGroupId": campaign["adGroupId"],
                "adId": campaign["adId"],
                "portfolioId": None,
                "advertisedAsin": listing.asin,
                "advertisedSku": listing.seller_sku,
                "impressions": impressions,
                "clicks": clicks,
                "cost": float(cost),
                "spend": float(cost),
                "costPerClick": float(_round(cost / clicks)) if clicks else 0.0,
                "clickThroughRate": round(clicks / impressions, 4) if impressions else 0.0,
            }
            for window in WINDOWS:
                counted = sum(1 for lag in lags if lag < window and lag <= days_since)
                extra = other if window >= 7 and days_since >= 7 else 0
                row[f"purchases{window}d"] = counted + extra
                row[f"purchasesSameSku{window}d"] = counted
                row[f"unitsSoldClicks{window}d"] = counted + extra
                row[f"unitsSoldSameSku{window}d"] = counted
                row[f"sales{window}d"] = float(_round(listing.price * (counted + extra)))
                row[f"attributedSalesSameSku{window}d"] = float(_round(listing.price * counted))
            row["salesOtherSku7d"] = float(
                _round(listing.price * (other if days_since >= 7 else 0))
            )
            row["unitsSoldOtherSku7d"] = other if days_since >= 7 else 0
            spend = row["cost"]
            row["acosClicks7d"] = round(spend / row["sales7d"], 4) if row["sales7d"] else None
            row["acosClicks14d"] = round(spend / row["sales14d"], 4) if row["sales14d"] else None
            row["roasClicks7d"] = round(row["sales7d"] / spend, 4) if spend else None
            row["roasClicks14d"] = round(row["sales14d"] / spend, 4) if spend else None
            rows.append(row)
    return rows


CAMPAIGN_SUMS = ["impressions", "clicks", "cost", "spend"] + [
    f"{name}{window}d"
    for window in WINDOWS
    for name in (
        "purchases",
        "purchasesSameSku",
        "unitsSoldClicks",
        "unitsSoldSameSku",
        "sales",
        "attributedSalesSameSku",
    )
]


def campaign_rows(orders, marketplace: str, day: dt.date, now: dt.datetime,
                  products=None) -> list[dict]:  # fmt: skip
    """spCampaigns rows (groupBy campaign) of one day: the advertised products summed
    (`products`: that day's product rows when already made)."""
    by_campaign = {}
    if products is None:
        products = product_rows(orders, marketplace, day, now)
    for row in products:
        found = by_campaign.get(row["campaignId"])
        if found is None:
            found = by_campaign[row["campaignId"]] = {
                key: row[key]
                for key in (
                    "date",
                    "campaignName",
                    "campaignId",
                    "campaignStatus",
                    "campaignBudgetAmount",
                    "campaignBudgetType",
                    "campaignBudgetCurrencyCode",
                )
            }
            found.update(dict.fromkeys(CAMPAIGN_SUMS, 0))
            found["campaignBiddingStrategy"] = "LEGACY_FOR_SALES"
        for name in CAMPAIGN_SUMS:
            found[name] = round(found[name] + row[name], 2)
    for row in by_campaign.values():
        row["costPerClick"] = round(row["cost"] / row["clicks"], 2) if row["clicks"] else 0.0
        row["clickThroughRate"] = (
            round(row["clicks"] / row["impressions"], 4) if row["impressions"] else 0.0
        )
    return list(by_campaign.values())


def _units_sold(orders, marketplace, day):
    """Units of each SKU ordered on the marketplace-local day (not cancelled)."""
    import zoneinfo

    from catalog.demo import MARKETPLACES

    zone_name = next((m[6] for m in MARKETPLACES if m[0] == marketplace), "UTC")
    zone = zoneinfo.ZoneInfo(zone_name)
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone).astimezone(dt.UTC)
    sold = {}
    for order in orders.orders_created(start, end):
        if order.marketplace != marketplace or order.cancelled_at is not None:
            continue
        for item in order.items:
            sold[item.listing.seller_sku] = sold.get(item.listing.seller_sku, 0) + item.quantity
    return sold


def entities(orders, marketplace: str) -> dict[str, list[dict]]:
    """The SP v3 entity lists of one profile (ids as strings, as v3 entities give them)."""
    found = {"campaigns": [], "adGroups": [], "productAds": [], "keywords": [], "targets": []}
    for listing in orders.by_marketplace.get(marketplace, []):
        for campaign in campaigns_of(listing):
            cid, gid = str(campaign["campaignId"]), str(campaign["adGroupId"])
            found["campaigns"].append(
                {
                    "campaignId": cid,
                    "name": campaign["campaignName"],
                    "state": "ENABLED",
                    "targetingType": campaign["kind"].upper(),
                    "budget": {"budget": float(campaign["budget"]), "budgetType": "DAILY"},
                    "startDate": "2024-01-15",
                    "dynamicBidding": {"strategy": "LEGACY_FOR_SALES", "placementBidding": []},
                }
            )
            found["adGroups"].append(
                {
                    "adGroupId": gid,
                    "campaignId": cid,
                    "name": campaign["adGroupName"],
                    "state": "ENABLED",
                    "defaultBid": float(campaign["cpc"]),
                }
            )
            found["productAds"].append(
                {
                    "adId": str(campaign["adId"]),
                    "adGroupId": gid,
                    "campaignId": cid,
                    "sku": listing.seller_sku,
                    "asin": listing.asin,
                    "state": "ENABLED",
                }
            )
            for keyword in campaign["keywords"]:
                found["keywords"].append(
                    {
                        "keywordId": str(keyword["keywordId"]),
                        "adGroupId": gid,
                        "campaignId": cid,
                        "keywordText": keyword["keywordText"],
                        "matchType": keyword["matchType"],
                        "state": "ENABLED",
                        "bid": float(campaign["cpc"]),
                    }
                )
            if campaign["kind"] == "Auto":
                found["targets"].append(
                    {
                        "targetId": str(_id("target", campaign["campaignId"])),
                        "adGroupId": gid,
                        "campaignId": cid,
                        "expressionType": "AUTO",
                        "expression": [{"type": "QUERY_HIGH_REL_MATCHES"}],
                        "resolvedExpression": [{"type": "QUERY_HIGH_REL_MATCHES"}],
                        "state": "ENABLED",
                        "bid": float(campaign["cpc"]),
                    }
                )
    return found
