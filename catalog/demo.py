"""Demo catalog: marketplaces, ~60 products, listings, costs, fees, stock, FX.

Deterministic for a seed and idempotent: rows are found by their natural keys
and left alone when they exist. A few things are wrong on purpose so the data
health page has something to show: unmapped SKUs, products without a cost,
listings without a fee rule, stale and nearly sold-out stock.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from catalog.models import (
    FeeRule,
    FxRate,
    InventoryLevel,
    InventorySource,
    Listing,
    Location,
    Marketplace,
    ObservedSku,
    Product,
    Region,
    SkuCost,
    SkuSource,
)

MARKETPLACES = [
    # code, name, Amazon marketplace id, region, country, currency, time zone, domain
    (
        "US",
        "United States",
        "ATVPDKIKX0DER",
        Region.NA,
        "US",
        "USD",
        "America/Los_Angeles",
        "amazon.com",
    ),
    ("CA", "Canada", "A2EUQ1WTGCTBG2", Region.NA, "CA", "CAD", "America/Los_Angeles", "amazon.ca"),
    (
        "MX",
        "Mexico",
        "A1AM78C64UM0Y8",
        Region.NA,
        "MX",
        "MXN",
        "America/Mexico_City",
        "amazon.com.mx",
    ),
    (
        "UK",
        "United Kingdom",
        "A1F83G8C2ARO7P",
        Region.EU,
        "GB",
        "GBP",
        "Europe/London",
        "amazon.co.uk",
    ),
    ("DE", "Germany", "A1PA6795UKMFR9", Region.EU, "DE", "EUR", "Europe/Berlin", "amazon.de"),
    ("FR", "France", "A13V1IB3VIYZZH", Region.EU, "FR", "EUR", "Europe/Paris", "amazon.fr"),
    ("IT", "Italy", "APJ6JRA9NG5V4", Region.EU, "IT", "EUR", "Europe/Rome", "amazon.it"),
    ("ES", "Spain", "A1RKKUPIHCS9HS", Region.EU, "ES", "EUR", "Europe/Madrid", "amazon.es"),
    ("JP", "Japan", "A1VC38T7YXB528", Region.FE, "JP", "JPY", "Asia/Tokyo", "amazon.co.jp"),
]

CATEGORIES = {
    "Kitchen": [
        "Silicone Spatula Set",
        "Bamboo Cutting Board",
        "Pour-Over Coffee Kettle",
        "Glass Meal Prep Containers",
        'Cast Iron Skillet 12"',
        "Herb Keeper",
    ],
    "Outdoor": [
        "Camping Lantern",
        "Insulated Water Bottle",
        "Packable Rain Jacket",
        "Hammock Straps",
        "Trekking Poles",
        "Dry Bag",
    ],
    "Pets": [
        "Slow Feeder Dog Bowl",
        "Cat Scratching Post",
        "Reflective Dog Leash",
        "Pet Grooming Glove",
        "Chew Toy Bundle",
    ],
    "Home": [
        "Linen Throw Pillow Cover",
        "Blackout Curtains",
        "Bamboo Drawer Organizer",
        "Scented Soy Candle",
        "Wall Hook Rail",
    ],
}
COLOURS = ["Black", "Sage", "Sand", "Navy"]
BRANDS = ["Northwind", "Fieldcraft"]
SUPPLIERS = [("Ningbo Homeware Co.", 35), ("Shenzhen Outdoor Ltd.", 45), ("Porto Textiles", 21)]
# (marketplace, share of products listed there, referral %, FBA fee range in local currency)
PRESENCE = [
    ("US", 1.0, "15.00", (3.2, 6.9)),
    ("CA", 0.3, "15.00", (4.5, 8.9)),
    ("UK", 0.55, "15.30", (2.6, 5.4)),
    ("DE", 0.5, "15.00", (2.9, 5.9)),
    ("FR", 0.2, "15.00", (3.0, 6.1)),
    ("JP", 0.15, "10.00", (380, 720)),
]
FX_START = {"EUR": 1.08, "GBP": 1.27, "CAD": 0.74, "MXN": 0.058, "JPY": 0.0068}
FX_DAYS = 560


def _ean13(rng) -> str:
    body = [rng.randrange(10) for _ in range(12)]
    total = sum(d * (3 if i % 2 else 1) for i, d in enumerate(body))
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


def _code(rng, prefix, length):
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return prefix + "".join(rng.choice(alphabet) for _ in range(length - len(prefix)))


def marketplaces_seed() -> int:
    """The nine marketplaces with Amazon's ids; returns how many were added."""
    added = 0
    for code, name, mid, region, country, currency, tz, domain in MARKETPLACES:
        _, new = Marketplace.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "amazon_marketplace_id": mid,
                "region": region,
                "country_code": country,
                "currency": currency,
                "time_zone": tz,
                "domain": domain,
            },
        )
        added += new
    return added


@dataclass
class PlannedProduct:
    sku: str
    title: str
    brand: str
    category: str
    barcode: str
    case_pack: int
    supplier: str
    lead_time_days: int
    costs: list = field(default_factory=list)  # (effective_from offset days, unit, freight, other)


@dataclass
class PlannedListing:
    marketplace: str
    seller_sku: str
    product_sku: str
    title: str
    asin: str
    fnsku: str
    fba_fee: Decimal
    referral_percent: Decimal
    price: Decimal  # the usual selling price in the marketplace's currency
    demand: float  # mean units per day at the start of the history (orders demo)
    has_fee_rule: bool = True


@dataclass
class CatalogPlan:
    products: list
    listings: list
    costless: set


def _price(landed_usd: float, code: str, rng) -> Decimal:
    """A selling price around 3x landed cost, in the marketplace's currency, ending in .99."""
    currency = {m[0]: m[5] for m in MARKETPLACES}[code]
    local = landed_usd * rng.uniform(2.6, 3.8) / FX_START.get(currency, 1.0)
    if currency == "JPY":
        return Decimal(max(100, round(local, -2) - 20))
    return Decimal(max(1, int(local))) + Decimal("0.99")


def plan(rng) -> CatalogPlan:
    """The demo catalog as plain data, for seed() and the SP-API sandbox alike.

    Both build it from `random.Random(f"{seed}:catalog")`, so the orders the
    sandbox serves are for exactly the SKUs and ASINs seed_demo created.
    """
    products = []
    number = 1000
    for category, items in CATEGORIES.items():
        for item in items:
            for colour in rng.sample(COLOURS, 3 if category in ("Kitchen", "Outdoor") else 2):
                number += 1
                supplier, lead = rng.choice(SUPPLIERS)
                products.append(
                    PlannedProduct(
                        sku=f"SH-{number}",
                        title=f"{item}, {colour}",
                        brand=rng.choice(BRANDS),
                        category=category,
                        barcode=_ean13(rng),
                        case_pack=rng.choice([6, 12, 24, 48]),
                        supplier=supplier,
                        lead_time_days=lead,
                    )
                )

    costless = {products[7].sku, products[33].sku}  # deliberately without a cost
    landed = {}
    for product in products:
        unit = Decimal(rng.randint(250, 1800)) / 100
        freight = Decimal(rng.randint(30, 140)) / 100
        other = Decimal(rng.randint(0, 40)) / 100
        landed[product.sku] = float(unit + freight + other)
        offset = FX_DAYS
        for _change in range(rng.choice([1, 2, 3])):
            product.costs.append((offset, unit, freight, other))
            offset -= rng.randint(120, 200)
            unit = (unit * Decimal(rng.uniform(0.92, 1.12))).quantize(Decimal("0.01"))
        if product.sku in costless:
            product.costs = []

    listings = []
    for index, product in enumerate(products):
        asin = _code(rng, "B0", 10)
        popularity = rng.lognormvariate(0.4, 0.7)
        for code, share, referral, (fee_lo, fee_hi) in PRESENCE:
            if index and rng.random() > share:
                continue
            scale = {"US": 1.0, "CA": 0.25, "UK": 0.45, "DE": 0.5, "FR": 0.2, "JP": 0.2}[code]
            listings.append(
                PlannedListing(
                    marketplace=code,
                    # Sellers often relist in Europe under a suffixed SKU.
                    seller_sku=product.sku + ("-FBA" if code in ("UK", "DE", "FR") else ""),
                    product_sku=product.sku,
                    title=product.title,
                    asin=asin,
                    fnsku=_code(rng, "X00", 10),
                    fba_fee=Decimal(str(round(rng.uniform(fee_lo, fee_hi), 2))),
                    referral_percent=Decimal(referral),
                    price=_price(landed[product.sku], code, rng),
                    demand=round(popularity * scale, 3),
                    has_fee_rule=index % 23 != 5,  # some without a fee rule on purpose
                )
            )
    return CatalogPlan(products=products, listings=listings, costless=costless)


def seed(rng, out, options=None):
    added = dict.fromkeys(
        ("marketplaces", "products", "listings", "costs", "fees", "stock", "fx", "seen"), 0
    )
    added["marketplaces"] = marketplaces_seed()
    markets = {m.code: m for m in Marketplace.objects.all()}
    today = timezone.localdate()
    now = timezone.now()
    catalog = plan(rng)

    products = []
    for planned in catalog.products:
        product, new = Product.objects.get_or_create(
            sku=planned.sku,
            defaults={
                "title": planned.title,
                "brand": planned.brand,
                "category": planned.category,
                "barcode": planned.barcode,
                "case_pack": planned.case_pack,
                "supplier": planned.supplier,
                "lead_time_days": planned.lead_time_days,
            },
        )
        added["products"] += new
        products.append(product)
        for offset, unit, freight, other in planned.costs:
            _, new = SkuCost.objects.get_or_create(
                product=product,
                effective_from=today - dt.timedelta(days=offset),
                defaults={
                    "unit_cost": unit,
                    "currency": "USD",
                    "inbound_freight_per_unit": freight,
                    "other_per_unit": other,
                },
            )
            added["costs"] += new

    by_sku = {p.sku: p for p in products}
    listings = []
    for planned in catalog.listings:
        listing, new = Listing.objects.get_or_create(
            marketplace=markets[planned.marketplace],
            channel="amazon",
            seller_sku=planned.seller_sku,
            defaults={
                "product": by_sku[planned.product_sku],
                "asin": planned.asin,
                "fnsku": planned.fnsku,
            },
        )
        added["listings"] += new
        listings.append(listing)
        if not planned.has_fee_rule:
            continue
        _, new = FeeRule.objects.get_or_create(
            listing=listing,
            effective_from=today - dt.timedelta(days=FX_DAYS),
            defaults={
                "referral_fee_percent": planned.referral_percent,
                "fba_fee_per_unit": planned.fba_fee,
                "currency": markets[planned.marketplace].currency,
            },
        )
        added["fees"] += new

    for index, listing in enumerate(listings):
        stale = index % 17 == 3
        low = index % 13 == 4
        age = (
            dt.timedelta(days=3, hours=rng.randint(0, 20))
            if stale
            else dt.timedelta(minutes=rng.randint(5, 90))
        )
        _, new = InventoryLevel.objects.get_or_create(
            listing=listing,
            location=Location.FBA,
            defaults={
                "available": rng.randint(0, 6) if low else rng.randint(40, 900),
                "reserved": rng.randint(0, 25),
                "inbound_working": 0,
                "inbound_shipped": rng.choice([0, 0, 0, 120, 240]),
                "inbound_receiving": rng.choice([0, 0, 48]),
                "unfulfillable": rng.choice([0, 0, 1, 3]),
                "as_of": now - age,
                "source": InventorySource.SYNC,
            },
        )
        added["stock"] += new
        if listing.marketplace.code == "US" and index % 4 == 0:
            _, new = InventoryLevel.objects.get_or_create(
                listing=listing,
                location=Location.WAREHOUSE,
                defaults={
                    "available": rng.randint(100, 2000),
                    "as_of": now - dt.timedelta(hours=rng.randint(1, 20)),
                    "source": InventorySource.MANUAL,
                },
            )
            added["stock"] += new

    rows = []
    for currency, start_rate in FX_START.items():
        rate = start_rate
        for offset in range(FX_DAYS, -1, -1):
            day = today - dt.timedelta(days=offset)
            rate *= 1 + rng.gauss(0, 0.004)
            rows.append(FxRate(currency=currency, date=day, rate=Decimal(str(round(rate, 8)))))
    before = FxRate.objects.count()
    FxRate.objects.bulk_create(rows, ignore_conflicts=True)
    added["fx"] = FxRate.objects.count() - before

    us_listing = Listing.objects.filter(
        marketplace=markets["US"], seller_sku=products[2].sku
    ).first()
    unmapped = [
        # A relisted SKU in lower case with a suffix, same ASIN: two suggestions agree.
        (
            "US",
            products[2].sku.lower() + "-fba",
            SkuSource.ORDERS,
            us_listing.asin if us_listing else "",
        ),
        # The EAN used as the SKU.
        ("DE", products[11].barcode, SkuSource.INVENTORY, ""),
        ("UK", products[20].sku + "_NEW", SkuSource.ADS, ""),
        # Looks like a known SKU but carries another ASIN: never suggested.
        ("US", products[25].sku + "-FBM", SkuSource.ORDERS, "B0ZZZZZZZ9"),
        ("DE", "MYSTERY-77", SkuSource.INVENTORY, ""),
    ]
    for code, sku, source, asin in unmapped:
        _, new = ObservedSku.objects.get_or_create(
            marketplace=markets[code],
            seller_sku=sku,
            source=source,
            defaults={
                "asin": asin,
                "first_seen": now - dt.timedelta(days=rng.randint(1, 20)),
                "last_seen": now - dt.timedelta(hours=rng.randint(1, 30)),
            },
        )
        added["seen"] += new
    out.write("Catalog: " + ", ".join(f"{n} {name}" for name, n in added.items()) + " added.")
