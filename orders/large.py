"""`seed_demo --scale large`: a business big enough to measure the dashboard against.

About 2,000 products listed on five marketplaces (US, CA, UK, DE, JP), three years of
orders from the same generator as the demo (about 3 million order items), costs and fee
rules for most listings, FX rates for every day, and the daily rollup built from it all.
Everything goes through the product's own writers (`OrderWriter`, `rollup`), so the
figures measure the real code. Fees are the fee rules' estimates (no financial events:
they would double the run time and change nothing the dashboard reads). Takes a while:
the benchmark prints how long.
"""

import datetime as dt
import random
import time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from catalog.demo import FX_START
from catalog.models import FeeRule, FxRate, Listing, Marketplace, Product, SkuCost
from orders import history, rollup
from orders.ingest import Marketplaces, OrderWriter, api_order_lines
from orders.sync import INCLUDED_DATA

PRODUCTS = 2000
YEARS = 3
CODES = ["US", "CA", "UK", "DE", "JP"]
SHARE = {"US": 1.0, "CA": 0.3, "UK": 0.6, "DE": 0.6, "JP": 0.2}  # products listed there
SCALE = {"US": 1.0, "CA": 0.25, "UK": 0.45, "DE": 0.5, "JP": 0.3}  # demand vs the US
PRICE = {"US": 1, "CA": 1.35, "UK": 0.8, "DE": 0.92, "JP": 150}  # local price factor
CATEGORIES = ["Kitchen", "Outdoor", "Home", "Pets", "Sports"]
# Units a day at the start of the demand trend: three years then hold about 3 million
# order items (the size the benchmark asks for).
TARGET_ITEMS_PER_DAY = 2900


def plan(seed: int):
    """HistoryListings of the large catalog (deterministic for a seed)."""
    rng = random.Random(f"{seed}:large")
    info = {m.code: m for m in Marketplace.objects.filter(code__in=CODES)}
    raw = []
    for n in range(PRODUCTS):
        popularity = 1 / (1 + n / 40)  # a long tail
        price = Decimal(str(round(rng.uniform(8, 80), 0))) - Decimal("0.01")
        category = CATEGORIES[n % len(CATEGORIES)]
        asin = f"B0L{n:07d}"
        for code in CODES:
            if n and rng.random() > SHARE[code]:
                continue
            marketplace = info[code]
            local = (price * Decimal(str(PRICE[code]))).quantize(Decimal("0.01"))
            if code == "JP":
                local = local.quantize(Decimal("1"))
            raw.append((marketplace, n, asin, local, popularity * SCALE[code], category))
    # Demand per listing so that all listings together sell about the target a day.
    total = sum(r[4] for r in raw)
    factor = TARGET_ITEMS_PER_DAY / 1.35 / total  # 1.35: the mean of the seasonality
    return [
        history.HistoryListing(
            marketplace=m.code,
            marketplace_id=m.amazon_marketplace_id,
            marketplace_name="Amazon." + m.domain.split("amazon.", 1)[1],
            currency=m.currency,
            seller_sku=f"LG-{n:05d}" + ("" if m.code in ("US", "CA") else f"-{m.code}"),
            asin=asin,
            title=f"Large catalog item {n}",
            price=local,
            demand=round(weight * factor, 4),
            category=category,
            referral_percent=Decimal("15.00"),
            fba_fee=(local * Decimal("0.12")).quantize(Decimal("0.01")),
        )
        for m, n, asin, local, weight, category in raw
    ]


def seed(seed: int, out, years: int = YEARS) -> dict:
    figures = {}
    started = time.perf_counter()
    listings = plan(seed)
    marketplaces = {m.code: m for m in Marketplace.objects.filter(code__in=CODES)}
    with transaction.atomic():
        Product.objects.bulk_create(
            [
                Product(sku=f"LGP-{n:05d}", title=f"Large catalog item {n}", category="Large")
                for n in range(PRODUCTS)
            ],
            ignore_conflicts=True,
        )
        products = {p.sku: p for p in Product.objects.filter(sku__startswith="LGP-")}
        Listing.objects.bulk_create(
            [
                Listing(
                    marketplace=marketplaces[lst.marketplace],
                    seller_sku=lst.seller_sku,
                    product=products[f"LGP-{int(lst.seller_sku[3:8]):05d}"],
                    asin=lst.asin,
                )
                for lst in listings
            ],
            ignore_conflicts=True,
        )
        by_sku = {
            (lst.marketplace_id, lst.seller_sku): lst.pk
            for lst in Listing.objects.filter(seller_sku__startswith="LG-")
        }
        start_day = timezone.now().date() - dt.timedelta(days=365 * years + 2)
        SkuCost.objects.bulk_create(
            [
                SkuCost(
                    product=product,
                    effective_from=start_day,
                    unit_cost=Decimal(str(round(4 + (n * 7919) % 23, 2))),
                    currency="USD",
                )
                for n, product in enumerate(sorted(products.values(), key=lambda p: p.sku))
                if n % 40 != 39  # a few without a cost, as in life
            ],
            ignore_conflicts=True,
        )
        FeeRule.objects.bulk_create(
            [
                FeeRule(
                    listing_id=by_sku[(marketplaces[lst.marketplace].pk, lst.seller_sku)],
                    effective_from=start_day,
                    referral_fee_percent=lst.referral_percent,
                    fba_fee_per_unit=lst.fba_fee,
                    currency=lst.currency,
                )
                for lst in listings
            ],
            ignore_conflicts=True,
        )
        rng = random.Random(f"{seed}:large-fx")
        rates = []
        for currency, rate in FX_START.items():
            day = start_day
            while day <= timezone.now().date():
                rate *= 1 + rng.gauss(0, 0.003)
                rates.append(FxRate(currency=currency, date=day, rate=Decimal(f"{rate:.6f}")))
                day += dt.timedelta(days=1)
        FxRate.objects.bulk_create(rates, ignore_conflicts=True)
    figures["catalog_seconds"] = time.perf_counter() - started
    out.write(f"Large catalog: {PRODUCTS} products, {len(listings)} listings.")

    orders_history = history.OrderHistory(listings, seed=seed)
    now = timezone.now().replace(microsecond=0)
    before = now - dt.timedelta(minutes=2)
    lookup = Marketplaces()
    started = time.perf_counter()
    items = orders = 0
    day = (before - dt.timedelta(days=365 * years)).date()
    while day <= before.date():
        with transaction.atomic():
            writer = OrderWriter(now=now, rollup=False)
            for order in orders_history.orders_on(day):
                if order.created >= before:
                    continue
                body = history.api_order(order, before, set(INCLUDED_DATA))
                writer.add(api_order_lines(body, lookup))
                items += len(order.items)
                orders += 1
            writer.finish()
        type(orders_history)._orders_for.cache_clear()  # one day in memory, not three years
        if day.day == 1:
            out.write(f"  {day}: {orders:,} orders, {items:,} items so far")
        day += dt.timedelta(days=1)
    figures.update(orders=orders, items=items, orders_seconds=time.perf_counter() - started)
    out.write(f"Orders: {orders:,} with {items:,} items in {figures['orders_seconds']:.0f} s.")

    started = time.perf_counter()
    first, last = rollup.data_range()
    figures["rollup_rows"] = rollup.rebuild_range(first, last)
    figures["rollup_seconds"] = time.perf_counter() - started
    out.write(
        f"Daily rollup: {figures['rollup_rows']:,} rows ({first} .. {last}) "
        f"in {figures['rollup_seconds']:.0f} s."
    )
    return figures
