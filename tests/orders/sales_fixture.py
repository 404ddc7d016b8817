"""A small shop whose every figure is worked out by hand (the comments show the sums).

US (USD, America/Los_Angeles) and UK (GBP, Europe/London); reporting currency USD.

- KET-1 (US) and KET-1-FBA (UK) are one product, landed cost 10.00 USD from 2026-01-01.
  Fee rules: US 15% + 4.00 USD per unit, UK 15.30% + 2.50 GBP per unit.
- LAN-2 (US) has no cost and no fee rule.
- GBP: 1.25 USD on 2026-03-28, 1.26 on 2026-03-29 (and after, by fallback).

Orders:
- A 2026-03-10 (US): KET-1 x2, 59.98, promotion 5.00, shipped. Amazon posted its fees:
  commission 8.25, FBA 8.00.
- B 2026-03-11 00:30 PDT (07:30 UTC): KET-1 x1, 29.99, shipped, no fees posted yet:
  estimated 15% of 29.99 = 4.4985 -> 4.50, FBA 4.00.
- C 2026-03-11 (US): KET-1 x1 cancelled: counts for nothing.
- D 2026-03-12 (US): LAN-2 x1 pending, estimated 24.99: no fee rule, no cost.
- E 2026-03-29 00:30 UTC (UK, the night clocks go forward: 00:30 GMT, local 29th):
  KET-1-FBA x1, 34.99 GBP; fees estimated 15.30% of 34.99 = 5.35347 -> 5.35, FBA 2.50;
  COGS 10.00 USD / 1.26 = 7.936 -> 7.94 GBP.
- Refund of A, posted 2026-04-02 10:00 PDT: one unit, 29.99 back to the buyer, commission
  4.12 returned, refund commission 0.82 kept: refund fees -(4.12 - 0.82) = -3.30.
"""

import datetime as dt
from decimal import Decimal

from catalog.models import FeeRule, FxRate, Listing, Product, SkuCost
from orders.models import FinanceLine, Order, OrderItem

UTC = dt.UTC
D = Decimal


def build(marketplaces):
    us, uk = marketplaces["US"], marketplaces["UK"]
    kettle = Product.objects.create(sku="P-KET", title="Kettle")
    lantern = Product.objects.create(sku="P-LAN", title="Lantern")
    ket_us = Listing.objects.create(
        marketplace=us, seller_sku="KET-1", product=kettle, asin="B0KETTLE01"
    )
    ket_uk = Listing.objects.create(
        marketplace=uk, seller_sku="KET-1-FBA", product=kettle, asin="B0KETTLE01"
    )
    lan_us = Listing.objects.create(
        marketplace=us, seller_sku="LAN-2", product=lantern, asin="B0LANTERN2"
    )
    SkuCost.objects.create(
        product=kettle, effective_from=dt.date(2026, 1, 1), unit_cost=D("8.50"),
        inbound_freight_per_unit=D("1.00"), other_per_unit=D("0.50"), currency="USD",
    )  # fmt: skip
    FeeRule.objects.create(
        listing=ket_us, effective_from=dt.date(2026, 1, 1), referral_fee_percent=D("15"),
        fba_fee_per_unit=D("4.00"), currency="USD",
    )  # fmt: skip
    FeeRule.objects.create(
        listing=ket_uk, effective_from=dt.date(2026, 1, 1), referral_fee_percent=D("15.30"),
        fba_fee_per_unit=D("2.50"), currency="GBP",
    )  # fmt: skip
    FxRate.objects.create(currency="GBP", date=dt.date(2026, 3, 28), rate=D("1.25"))
    FxRate.objects.create(currency="GBP", date=dt.date(2026, 3, 29), rate=D("1.26"))

    def order(code, marketplace, created, local_date, status, items, estimated=False):
        placed = Order.objects.create(
            amazon_order_id=code, marketplace=marketplace, created_at=created,
            local_date=local_date, last_updated_at=created, status=status,
            fulfillment_channel="FBA", sales_channel="Amazon", currency=marketplace.currency,
            is_estimated=estimated, source="api", synced_at=created,
        )  # fmt: skip
        for listing, quantity, price, discount in items:
            OrderItem.objects.create(
                order=placed, seller_sku=listing.seller_sku, asin=listing.asin, listing=listing,
                quantity_ordered=quantity, quantity_shipped=0 if estimated else quantity,
                unit_price=price / quantity, item_price=price, promotion_discount=discount,
                is_estimated=estimated,
            )  # fmt: skip
        return placed

    order("111-A", us, dt.datetime(2026, 3, 10, 18, 0, tzinfo=UTC), dt.date(2026, 3, 10),
          "SHIPPED", [(ket_us, 2, D("59.98"), D("5.00"))])  # fmt: skip
    order("111-B", us, dt.datetime(2026, 3, 11, 7, 30, tzinfo=UTC), dt.date(2026, 3, 11),
          "SHIPPED", [(ket_us, 1, D("29.99"), D("0"))])  # fmt: skip
    order("111-C", us, dt.datetime(2026, 3, 11, 20, 0, tzinfo=UTC), dt.date(2026, 3, 11),
          "CANCELLED", [(ket_us, 1, D("29.99"), D("0"))])  # fmt: skip
    order("111-D", us, dt.datetime(2026, 3, 12, 19, 0, tzinfo=UTC), dt.date(2026, 3, 12),
          "PENDING", [(lan_us, 1, D("24.99"), D("0"))], estimated=True)  # fmt: skip
    order("203-E", uk, dt.datetime(2026, 3, 29, 0, 30, tzinfo=UTC), dt.date(2026, 3, 29),
          "SHIPPED", [(ket_uk, 1, D("34.99"), D("0"))])  # fmt: skip

    FinanceLine.objects.create(
        kind="shipment", amazon_order_id="111-A", item_key="1", marketplace=us,
        posted_at=dt.datetime(2026, 3, 11, 12, 0, tzinfo=UTC), local_date=dt.date(2026, 3, 11),
        seller_sku="KET-1", listing=ket_us, quantity=2, currency="USD", principal=D("59.98"),
        promotion=D("-5.00"), referral_fee=D("-8.25"), fba_fee=D("-8.00"),
    )  # fmt: skip
    FinanceLine.objects.create(
        kind="refund", amazon_order_id="111-A", item_key="R1", marketplace=us,
        posted_at=dt.datetime(2026, 4, 2, 17, 0, tzinfo=UTC), local_date=dt.date(2026, 4, 2),
        seller_sku="KET-1", listing=ket_us, quantity=1, currency="USD", principal=D("-29.99"),
        referral_fee=D("4.12"), refund_commission=D("-0.82"),
    )  # fmt: skip
    return {"ket_us": ket_us, "ket_uk": ket_uk, "lan_us": lan_us}
