import datetime as dt
from decimal import Decimal

import pytest

from catalog.models import FxRate, ObservedSku, SkuSource
from catalog.services import (
    SuggestionIndex,
    data_health_counts,
    fee_rule_on,
    fx_rate_on,
    products_missing_cost,
    sku_cost_on,
    sku_normalize,
    sku_observe,
    unmapped_skus,
)
from tests.factories import FeeRuleFactory, ListingFactory, ProductFactory, SkuCostFactory

pytestmark = pytest.mark.django_db
D = dt.date


def test_cost_lookup_at_the_edges():
    product = ProductFactory()
    SkuCostFactory(product=product, effective_from=D(2026, 1, 1), unit_cost=Decimal("4.00"))
    SkuCostFactory(product=product, effective_from=D(2026, 3, 15), unit_cost=Decimal("4.60"))
    assert sku_cost_on(product, D(2025, 12, 31)) is None  # before any cost: unknown
    assert sku_cost_on(product, D(2026, 1, 1)).unit_cost == Decimal("4.00")  # first day
    assert sku_cost_on(product, D(2026, 3, 14)).unit_cost == Decimal("4.00")  # day before
    assert sku_cost_on(product, D(2026, 3, 15)).unit_cost == Decimal("4.60")  # day of change
    assert sku_cost_on(product, D(2027, 1, 1)).unit_cost == Decimal("4.60")


def test_landed_cost_adds_freight_and_other():
    cost = SkuCostFactory(
        unit_cost=Decimal("4.00"),
        inbound_freight_per_unit=Decimal("0.55"),
        other_per_unit=Decimal("0.10"),
    )
    assert cost.landed_cost == Decimal("4.65")


def test_fee_rule_lookup_at_the_edges(marketplaces):
    listing = ListingFactory(marketplace=marketplaces["US"])
    FeeRuleFactory(listing=listing, effective_from=D(2026, 2, 1), referral_fee_percent=15)
    FeeRuleFactory(listing=listing, effective_from=D(2026, 6, 1), referral_fee_percent=8)
    assert fee_rule_on(listing, D(2026, 1, 31)) is None
    assert fee_rule_on(listing, D(2026, 2, 1)).referral_fee_percent == 15
    assert fee_rule_on(listing, D(2026, 6, 1)).referral_fee_percent == 8


def test_fx_falls_back_to_the_last_known_rate_and_says_so(settings):
    settings.REPORTING_CURRENCY = "USD"
    FxRate.objects.create(currency="EUR", date=D(2026, 5, 1), rate=Decimal("1.08"))
    FxRate.objects.create(currency="EUR", date=D(2026, 5, 4), rate=Decimal("1.10"))
    exact = fx_rate_on("eur", D(2026, 5, 4))
    assert (exact.rate, exact.fallback, exact.note) == (Decimal("1.10"), False, "")
    weekend = fx_rate_on("EUR", D(2026, 5, 3))
    assert (weekend.rate, weekend.rate_date, weekend.fallback) == (
        Decimal("1.08"),
        D(2026, 5, 1),
        True,
    )
    assert weekend.note == "no rate for that day; used the rate of 2026-05-01"
    assert fx_rate_on("EUR", D(2026, 4, 30)) is None  # never 1:1 by default
    assert fx_rate_on("USD", D(2000, 1, 1)).rate == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ab-12", "AB-12"),  # case
        ("AB 12", "AB12"),  # spaces
        ("AB-0012", "AB-12"),  # leading zeros in a number part
        ("AB-12-FBA", "AB-12"),
        ("AB-12-FBM", "AB-12"),
        ("AB-12_NEW", "AB-12"),
        ("AB-12-fba-v2", "AB-12"),
    ],
)
def test_sku_normalisation_rules(a, b):
    assert sku_normalize(a) == sku_normalize(b)


@pytest.mark.parametrize(("a", "b"), [("AB-12", "AB-13"), ("AB-12", "AB-120"), ("A1", "A10")])
def test_sku_normalisation_keeps_different_skus_apart(a, b):
    assert sku_normalize(a) != sku_normalize(b)


def _observe(market, sku, asin=""):
    return sku_observe(marketplace=market, seller_sku=sku, source=SkuSource.ORDERS, asin=asin)


def test_suggestions_by_each_rule(marketplaces):
    us, de = marketplaces["US"], marketplaces["DE"]
    mug = ProductFactory(sku="MUG-007", barcode="4006381333931")
    ListingFactory(marketplace=us, seller_sku="MUG-007", product=mug, asin="B0MUG00001")
    index_of = SuggestionIndex
    by_asin = index_of().suggest(_observe(de, "totally-different", asin="B0MUG00001"))
    assert [(s.product, s.via) for s in by_asin] == [(mug, "asin")]
    assert by_asin[0].reason == "same ASIN B0MUG00001 as US listing MUG-007"
    by_barcode = index_of().suggest(_observe(de, "4006381333931"))
    assert [(s.product, s.via) for s in by_barcode] == [(mug, "barcode")]
    by_sku = index_of().suggest(_observe(de, "mug-7-FBA"))
    assert [(s.product, s.via) for s in by_sku] == [(mug, "sku")]
    assert index_of().suggest(_observe(de, "CUP-007")) == []


def test_no_suggestion_across_different_asins(marketplaces):
    us = marketplaces["US"]
    mug = ProductFactory(sku="MUG-007", barcode="4006381333931")
    ListingFactory(marketplace=us, seller_sku="MUG-007", product=mug, asin="B0MUG00001")
    index = SuggestionIndex()
    assert index.suggest(_observe(us, "MUG-007-FBM", asin="B0OTHER999")) == []
    assert index.suggest(_observe(us, "4006381333931", asin="B0OTHER999")) == []


def test_unmapped_is_seen_without_a_listing(marketplaces):
    us, uk = marketplaces["US"], marketplaces["UK"]
    ListingFactory(marketplace=us, seller_sku="KNOWN")
    _observe(us, "KNOWN")
    _observe(uk, "KNOWN")  # the same SKU in another marketplace is not mapped there
    _observe(us, "NEW-1")
    assert sorted((o.marketplace.code, o.seller_sku) for o in unmapped_skus()) == [
        ("UK", "KNOWN"),
        ("US", "NEW-1"),
    ]


def test_observe_keeps_first_and_last_seen(marketplaces):
    from django.utils import timezone

    us = marketplaces["US"]
    t0 = timezone.now()
    sku_observe(marketplace=us, seller_sku="X", source="orders", when=t0)
    sku_observe(marketplace=us, seller_sku="X", source="orders", when=t0 - dt.timedelta(days=2))
    sku_observe(marketplace=us, seller_sku="X", source="orders", when=t0 + dt.timedelta(days=1))
    seen = ObservedSku.objects.get()
    assert seen.first_seen == t0 - dt.timedelta(days=2)
    assert seen.last_seen == t0 + dt.timedelta(days=1)


def test_products_missing_cost_on_the_days_they_sold(marketplaces):
    from django.utils import timezone

    us = marketplaces["US"]
    today = timezone.localdate()
    covered = ProductFactory(sku="COVERED")
    ListingFactory(marketplace=us, seller_sku="COVERED", product=covered)
    SkuCostFactory(product=covered, effective_from=today - dt.timedelta(days=100))
    late = ProductFactory(sku="LATE-COST")
    ListingFactory(marketplace=us, seller_sku="LATE-COST", product=late)
    SkuCostFactory(product=late, effective_from=today - dt.timedelta(days=5))
    sku_observe(
        marketplace=us,
        seller_sku="LATE-COST",
        source="orders",
        when=timezone.now() - dt.timedelta(days=20),
    )
    none = ProductFactory(sku="NO-COST")
    ListingFactory(marketplace=us, seller_sku="NO-COST", product=none)
    ProductFactory(sku="UNLISTED")  # never sold anywhere: not a problem yet
    assert [p.sku for p in products_missing_cost(today)] == ["LATE-COST", "NO-COST"]
    assert data_health_counts()["products_missing_cost"] == 2
