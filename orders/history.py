"""A deterministic order history for the demo catalog.

The SP-API sandbox serves it (searchOrders, getOrder, the all-orders report)
and seed_demo imports it, so a demo database and the sandbox agree on every
order id, SKU and amount. Nothing here touches the database.

Demand per listing and day is Poisson around the listing's planned rate with a
yearly growth trend, a weekly rhythm, a fourth-quarter peak, a Prime Day bump
and a summer season for outdoor goods. Each day has its own numpy generator
keyed by (seed, day, marketplace), so any day can be produced alone and always
comes out the same.

An order's life, from its creation time:
  PENDING (payment not yet authorised, no prices) for 5 to 40 minutes,
  then UNSHIPPED, then SHIPPED 6 to 30 hours after the order was placed;
  about 2 % are CANCELLED instead, 10 minutes to 6 hours after.
`state(order, now)` gives the status and lastUpdatedTime as seen at `now`.
"""

import datetime as dt
import math
import random
import zlib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

import numpy as np

UTC = dt.UTC
EPOCH = dt.date(2024, 1, 1)  # the demand trend's day zero
TAX_RATES = {"US": "0.07", "CA": "0.13", "MX": "0.16", "UK": "0.20", "DE": "0.19"}
TAX_RATES.update({"FR": "0.20", "IT": "0.22", "ES": "0.21", "JP": "0.10"})
CENT = Decimal("0.01")
MARKETPLACE_NUMBERS = {
    code: 101 + 11 * n
    for n, code in enumerate(["US", "CA", "MX", "UK", "DE", "FR", "IT", "ES", "JP"])
}


@dataclass(frozen=True)
class HistoryListing:
    marketplace: str  # our code, e.g. US
    marketplace_id: str  # Amazon's id
    marketplace_name: str  # e.g. Amazon.com
    currency: str
    seller_sku: str
    asin: str
    title: str
    price: Decimal
    demand: float  # units per day at EPOCH
    category: str = ""
    referral_percent: Decimal = Decimal("15.00")  # Amazon's commission on the sale
    fba_fee: Decimal = Decimal("3.50")  # FBA fulfilment fee per unit


@dataclass
class GeneratedItem:
    order_item_id: str
    listing: HistoryListing
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax: Decimal
    promotion_id: str = ""

    @property
    def principal(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass
class GeneratedOrder:
    order_id: str
    created: dt.datetime
    marketplace: str
    marketplace_id: str
    marketplace_name: str
    currency: str
    fulfilled_by: str  # AMAZON or MERCHANT
    business: bool
    prime: bool
    pending_until: dt.datetime
    shipped_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    items: list = field(default_factory=list)


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def seasonality(day: dt.date, category: str = "") -> float:
    """Relative demand on `day`: growth, weekday, Q4 peak, Prime Day, summer goods."""
    years = (day - EPOCH).days / 365.25
    trend = 1.25**years
    weekday = (1.12, 1.0, 0.97, 0.95, 0.96, 1.0, 1.1)[day.weekday()]
    doy = day.timetuple().tm_yday
    peak = 1 + 0.6 * math.exp(-(((doy - 333) / 18) ** 2))
    peak += 0.35 * math.exp(-(((doy - 355) / 6) ** 2))
    prime_day = 1 + 1.2 * math.exp(-(((doy - 191) / 1.5) ** 2))
    summer = 1.0
    if category == "Outdoor":
        summer += 0.45 * math.sin(2 * math.pi * (doy - 80) / 365.25)
    return trend * weekday * peak * prime_day * summer


def stocked_out(listing: HistoryListing, day: dt.date) -> bool:
    """About one listing in eight runs out of stock once, for one to three weeks, some time
    in its history: no sales then (what forecasts and restock plans must see through)."""
    rng = random.Random(f"{listing.marketplace}:{listing.seller_sku}:stock-out")
    if rng.random() >= 0.125:
        return False
    start = EPOCH + dt.timedelta(days=rng.randint(200, 1000))
    return start <= day < start + dt.timedelta(days=rng.randint(7, 21))


class OrderHistory:
    def __init__(self, listings, seed: int = 42, last_created: dt.datetime | None = None):
        """`last_created`: no order is created after this moment (tests pin the history)."""
        self.seed = seed
        self.last_created = last_created
        self.by_marketplace: dict[str, list[HistoryListing]] = {}
        for listing in listings:
            self.by_marketplace.setdefault(listing.marketplace, []).append(listing)
        # The first part of an order id names the marketplace, whatever else is listed.
        self.marketplace_numbers = {
            code: MARKETPLACE_NUMBERS.get(code, 900 + zlib.crc32(code.encode()) % 99)
            for code in self.by_marketplace
        }

    # --- generation ---------------------------------------------------------------

    def orders_on(self, day: dt.date) -> list[GeneratedOrder]:
        """Every order created on UTC `day`, sorted by creation time."""
        orders = []
        for code in sorted(self.by_marketplace):
            orders.extend(self._orders_for(day, code))
        orders.sort(key=lambda o: (o.created, o.order_id))
        if self.last_created is not None:
            orders = [o for o in orders if o.created <= self.last_created]
        return orders

    @lru_cache(maxsize=512)  # noqa: B019 - the history lives as long as its server
    def _orders_for(self, day: dt.date, code: str) -> tuple:
        listings = self.by_marketplace[code]
        number = self.marketplace_numbers[code]
        rng = np.random.default_rng([self.seed, day.toordinal(), number])
        rates = np.array(
            [
                0.0 if stocked_out(lst, day) else lst.demand * seasonality(day, lst.category)
                for lst in listings
            ]
        )
        units = rng.poisson(rates)
        start = dt.datetime.combine(day, dt.time(), tzinfo=UTC)
        orders = []
        sequence = 0
        tax_rate = Decimal(TAX_RATES.get(code, "0"))
        for index, count in enumerate(units):
            remaining = int(count)
            while remaining > 0:
                quantity = min(remaining, int(rng.choice([1, 1, 1, 1, 1, 1, 1, 1, 2, 3])))
                remaining -= quantity
                sequence += 1
                lines = [(listings[index], quantity)]
                if rng.random() < 0.06 and len(listings) > 1:  # an add-on item
                    lines.append((listings[int(rng.integers(len(listings)))], 1))
                orders.append(self._order(rng, day, code, number, sequence, start, lines, tax_rate))
        return tuple(orders)

    def _order(self, rng, day, code, number, sequence, start, lines, tax_rate):
        created = start + dt.timedelta(seconds=int(rng.integers(86400)))
        first = lines[0][0]
        business = rng.random() < 0.04
        fulfilled_by = "AMAZON" if rng.random() < 0.92 else "MERCHANT"
        pending_until = created + dt.timedelta(minutes=int(rng.integers(5, 41)))
        cancelled_at = shipped_at = None
        if rng.random() < 0.02:
            cancelled_at = created + dt.timedelta(minutes=int(rng.integers(10, 361)))
            pending_until = min(pending_until, cancelled_at)
        else:
            shipped_at = created + dt.timedelta(hours=float(rng.uniform(6, 30)))
        order = GeneratedOrder(
            order_id=f"{number:03d}-{day.toordinal() % 10**7:07d}-{sequence:07d}",
            created=created,
            marketplace=code,
            marketplace_id=first.marketplace_id,
            marketplace_name=first.marketplace_name,
            currency=first.currency,
            fulfilled_by=fulfilled_by,
            business=business,
            prime=fulfilled_by == "AMAZON" and rng.random() < 0.7,
            pending_until=pending_until,
            shipped_at=shipped_at,
            cancelled_at=cancelled_at,
        )
        merged: dict[str, list] = {}
        for listing, quantity in lines:  # one line per SKU, as Amazon does
            merged.setdefault(listing.seller_sku, [listing, 0])[1] += quantity
        for position, (listing, quantity) in enumerate(merged.values(), start=1):
            unit = listing.price
            if business:
                unit = _money(unit * Decimal("0.95"))
            principal = unit * quantity
            promotion = rng.random() < 0.08
            discount = _money(principal * Decimal("0.10")) if promotion else Decimal("0.00")
            order.items.append(
                GeneratedItem(
                    order_item_id=(
                        f"{day.toordinal():06d}{number % 100:02d}{sequence:04d}{position:02d}"
                    ),
                    listing=listing,
                    quantity=quantity,
                    unit_price=unit,
                    discount=discount,
                    tax=_money((principal - discount) * tax_rate),
                    promotion_id=f"PROMO-{listing.seller_sku}-{day:%Y%m}" if promotion else "",
                )
            )
        return order

    def orders_created(self, start: dt.datetime, end: dt.datetime):
        """Orders created in [start, end), oldest first."""
        day = start.astimezone(UTC).date()
        while day <= end.astimezone(UTC).date():
            for order in self.orders_on(day):
                if start <= order.created < end:
                    yield order
            day += dt.timedelta(days=1)

    def orders_updated(self, after: dt.datetime, before: dt.datetime, now: dt.datetime):
        """Orders whose lastUpdatedTime as seen at `now` is in [after, before]."""
        # Orders change for at most 30 hours after they are placed.
        for order in self.orders_created(after - dt.timedelta(hours=31), before):
            seen = state(order, now)
            if seen and after <= seen[1] <= before:
                yield order

    def find(self, order_id: str) -> GeneratedOrder | None:
        """The order with this id (ids encode marketplace and day)."""
        try:
            number, ordinal, _sequence = (int(part) for part in order_id.split("-"))
        except ValueError:
            return None
        codes = [c for c, n in self.marketplace_numbers.items() if n == number]
        if not codes:
            return None
        today = dt.date.today().toordinal()
        # The id keeps the ordinal's last 7 digits; days are far below 10**7 anyway.
        if not 0 < ordinal <= today + 1:
            return None
        for order in self._orders_for(dt.date.fromordinal(ordinal), codes[0]):
            if order.order_id == order_id:
                return order
        return None


def state(order: GeneratedOrder, now: dt.datetime):
    """(status, lastUpdatedTime) at `now`, or None when the order does not exist yet."""
    if order.created > now:
        return None
    if order.cancelled_at and order.cancelled_at <= now:
        return "CANCELLED", order.cancelled_at
    if now < order.pending_until:
        return "PENDING", order.created
    if order.shipped_at and order.shipped_at <= now:
        return "SHIPPED", order.shipped_at
    return "UNSHIPPED", order.pending_until


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _amount(value: Decimal, currency: str) -> dict:
    return {"amount": f"{value:.2f}", "currencyCode": currency}


def api_order(order: GeneratedOrder, now: dt.datetime, included: set[str]) -> dict:
    """The order as searchOrders/getOrder (2026-01-01) returns it at `now`."""
    status, updated = state(order, now)
    priced = status != "PENDING"
    currency = order.currency
    programs = ["PRIME"] if order.prime else []
    if order.business:
        programs.append("AMAZON_BUSINESS")
    body = {
        "orderId": order.order_id,
        "createdTime": iso(order.created),
        "lastUpdatedTime": iso(updated),
        "programs": programs,
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": order.marketplace_id,
            "marketplaceName": order.marketplace_name,
        },
        "orderItems": [],
    }
    if "FULFILLMENT" in included:
        body["fulfillment"] = {"fulfillmentStatus": status, "fulfilledBy": order.fulfilled_by}
    if "PROCEEDS" in included and priced:
        item_total = sum((i.principal for i in order.items), Decimal(0))
        tax = sum((i.tax for i in order.items), Decimal(0))
        discount = sum((i.discount for i in order.items), Decimal(0))
        breakdowns = [
            {"type": "ITEM", "subtotal": _amount(item_total, currency)},
            {"type": "TAX", "subtotal": _amount(tax, currency)},
        ]
        if discount:
            breakdowns.append({"type": "DISCOUNT", "subtotal": _amount(-discount, currency)})
        body["proceeds"] = {
            "grandTotal": _amount(item_total + tax - discount, currency),
            "breakdowns": breakdowns,
        }
    for item in order.items:
        line = {
            "orderItemId": item.order_item_id,
            "quantityOrdered": item.quantity,
            "product": {
                "asin": item.listing.asin,
                "title": item.listing.title,
                "sellerSku": item.listing.seller_sku,
            },
        }
        if priced:
            line["product"]["price"] = {"unitPrice": _amount(item.unit_price, currency)}
            if order.business:
                line["product"]["price"]["priceDesignation"] = "BUSINESS_PRICE"
        if "PROCEEDS" in included and priced:
            breakdowns = [
                {"type": "ITEM", "subtotal": _amount(item.principal, currency)},
                {"type": "TAX", "subtotal": _amount(item.tax, currency)},
            ]
            if item.discount:
                discount = _amount(-item.discount, currency)
                breakdowns.append({"type": "DISCOUNT", "subtotal": discount})
            line["proceeds"] = {
                "proceedsTotal": _amount(item.principal + item.tax - item.discount, currency),
                "breakdowns": breakdowns,
            }
        if "PROMOTION" in included and item.promotion_id:
            line["promotion"] = {"breakdowns": [{"promotionId": item.promotion_id}]}
        if "FULFILLMENT" in included:
            shipped = item.quantity if status == "SHIPPED" else 0
            line["fulfillment"] = {
                "quantityFulfilled": shipped,
                "quantityUnfulfilled": 0 if status == "CANCELLED" else item.quantity - shipped,
            }
        if "CANCELLATION" in included and status == "CANCELLED":
            line["cancellation"] = {
                "cancellationExecution": {"cancelledBy": "BUYER", "cancelReason": "Buyer request"}
            }
        body["orderItems"].append(line)
    return body


REPORT_COLUMNS = [
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "gift-wrap-price",
    "gift-wrap-tax",
    "item-promotion-discount",
    "ship-promotion-discount",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "promotion-ids",
    "cpf",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
]
REPORT_ORDER_STATUS = {
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Cancelled",
}
REPORT_ITEM_STATUS = {
    "PENDING": "Unshipped",
    "UNSHIPPED": "Unshipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Cancelled",
}


def report_rows(order: GeneratedOrder, now: dt.datetime):
    """The order's lines in GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL."""
    status, updated = state(order, now)
    priced = status != "PENDING"
    for item in order.items:
        yield {
            "amazon-order-id": order.order_id,
            "merchant-order-id": "",
            "purchase-date": order.created.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "last-updated-date": updated.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "order-status": REPORT_ORDER_STATUS[status],
            "fulfillment-channel": "Amazon" if order.fulfilled_by == "AMAZON" else "Merchant",
            "sales-channel": order.marketplace_name,
            "order-channel": "",
            "ship-service-level": "Expedited" if order.prime else "Standard",
            "product-name": item.listing.title,
            "sku": item.listing.seller_sku,
            "asin": item.listing.asin,
            "item-status": REPORT_ITEM_STATUS[status],
            "quantity": str(item.quantity),
            "currency": order.currency if priced else "",
            "item-price": f"{item.principal:.2f}" if priced else "",
            "item-tax": f"{item.tax:.2f}" if priced else "",
            "shipping-price": "0.00" if priced else "",
            "shipping-tax": "0.00" if priced else "",
            "gift-wrap-price": "",
            "gift-wrap-tax": "",
            "item-promotion-discount": f"{-item.discount:.2f}" if priced and item.discount else "",
            "ship-promotion-discount": "",
            "ship-city": "",
            "ship-state": "",
            "ship-postal-code": "",
            "ship-country": "",
            "promotion-ids": item.promotion_id,
            "cpf": "",
            "is-business-order": "true" if order.business else "false",
            "purchase-order-number": "",
            "price-designation": "BusinessPrice" if order.business else "",
        }


def demo_listings(seed: int = 42, marketplaces=None) -> list[HistoryListing]:
    """The demo catalog's listings (catalog.demo.plan with seed_demo's generator)."""
    import random

    from catalog.demo import MARKETPLACES, plan

    catalog = plan(random.Random(f"{seed}:catalog"))
    info = {m[0]: m for m in MARKETPLACES}
    categories = {p.sku: p.category for p in catalog.products}
    listings = []
    for planned in catalog.listings:
        if marketplaces and planned.marketplace not in marketplaces:
            continue
        _code, _name, mid, _region, _country, currency, _tz, domain = info[planned.marketplace]
        listings.append(
            HistoryListing(
                marketplace=planned.marketplace,
                marketplace_id=mid,
                marketplace_name="Amazon." + domain.split("amazon.", 1)[1],
                currency=currency,
                seller_sku=planned.seller_sku,
                asin=planned.asin,
                title=planned.title,
                price=planned.price,
                demand=planned.demand,
                category=categories[planned.product_sku],
                referral_percent=planned.referral_percent,
                fba_fee=planned.fba_fee,
            )
        )
    return listings


# --- finances (listFinancialEvents) ---------------------------------------------------------

DIGITAL_SERVICES_FEE = {"UK": "0.02", "FR": "0.03", "IT": "0.03", "ES": "0.03"}
REFUND_SHARE = 0.03  # of shipped orders
REFUND_COMMISSION_CAP = Decimal("5.00")  # Amazon keeps 20% of the commission, at most this


def _order_rng(order: GeneratedOrder, purpose: str) -> random.Random:
    """Draws of their own per order, so adding finances leaves the orders as they were."""
    return random.Random(f"{order.order_id}:{purpose}")


def shipment_posted_at(order: GeneratedOrder) -> dt.datetime | None:
    """When Amazon posts the shipment's charges and fees: some hours after it ships."""
    if order.shipped_at is None:
        return None
    hours = _order_rng(order, "posted").uniform(1, 20)
    return (order.shipped_at + dt.timedelta(hours=hours)).replace(microsecond=0)


def refund_of(order: GeneratedOrder):
    """(posted_at, item, quantity) of the refund of a shipped order, or None (3% have one)."""
    posted = shipment_posted_at(order)
    if posted is None:
        return None
    rng = _order_rng(order, "refund")
    if rng.random() >= REFUND_SHARE:
        return None
    item = order.items[rng.randrange(len(order.items))]
    quantity = 1 if item.quantity > 1 and rng.random() < 0.5 else item.quantity
    when = posted + dt.timedelta(days=rng.uniform(3, 40))
    return when.replace(microsecond=0), item, quantity


def item_fees(order: GeneratedOrder, item: GeneratedItem) -> dict:
    """Amazon's fees on one shipped item, as positive amounts: commission on the price
    after promotions, FBA fulfilment per unit, digital services fee where one is due."""
    commission = _money((item.principal - item.discount) * item.listing.referral_percent / 100)
    fba = _money(item.listing.fba_fee * item.quantity) if order.fulfilled_by == "AMAZON" else None
    dst_rate = DIGITAL_SERVICES_FEE.get(order.marketplace)
    digital = _money((commission + (fba or 0)) * Decimal(dst_rate)) if dst_rate else None
    return {
        "Commission": commission,
        "FBAPerUnitFulfillmentFee": fba,
        "DigitalServicesFee": digital,
    }


def _v0_amount(value: Decimal, currency: str) -> dict:
    return {"CurrencyCode": currency, "CurrencyAmount": float(value)}


def shipment_event(order: GeneratedOrder) -> dict:
    """The order's ShipmentEvent (financesV0), charges positive and fees negative."""
    currency = order.currency
    items = []
    for item in order.items:
        fees = item_fees(order, item)
        entry = {
            "SellerSKU": item.listing.seller_sku,
            "OrderItemId": item.order_item_id,
            "QuantityShipped": item.quantity,
            "ItemChargeList": [
                {"ChargeType": "Principal", "ChargeAmount": _v0_amount(item.principal, currency)},
                {"ChargeType": "Tax", "ChargeAmount": _v0_amount(item.tax, currency)},
            ],
            "ItemFeeList": [
                {"FeeType": kind, "FeeAmount": _v0_amount(-amount, currency)}
                for kind, amount in fees.items()
                if amount is not None
            ],
        }
        if item.discount:
            entry["PromotionList"] = [
                {
                    "PromotionType": "PromotionMetaDataDefinitionValue",
                    "PromotionId": item.promotion_id,
                    "PromotionAmount": _v0_amount(-item.discount, currency),
                }
            ]
        items.append(entry)
    return {
        "AmazonOrderId": order.order_id,
        "MarketplaceName": order.marketplace_name,
        "PostedDate": iso(shipment_posted_at(order)),
        "ShipmentItemList": items,
    }


def refund_event(order: GeneratedOrder) -> dict | None:
    """The order's refund (a ShipmentEvent in RefundEventList), or None."""
    refund = refund_of(order)
    if refund is None:
        return None
    posted, item, quantity = refund
    currency = order.currency
    share = Decimal(quantity) / item.quantity
    fees = item_fees(order, item)
    commission = _money(fees["Commission"] * share)
    kept = min(_money(commission * Decimal("0.20")), REFUND_COMMISSION_CAP)
    entry = {
        "SellerSKU": item.listing.seller_sku,
        "OrderAdjustmentItemId": f"R{item.order_item_id}",
        "QuantityShipped": quantity,
        "ItemChargeAdjustmentList": [
            {
                "ChargeType": "Principal",
                "ChargeAmount": _v0_amount(-(item.unit_price * quantity), currency),
            },
            {"ChargeType": "Tax", "ChargeAmount": _v0_amount(-_money(item.tax * share), currency)},
        ],
        "ItemFeeAdjustmentList": [
            {"FeeType": "Commission", "FeeAmount": _v0_amount(commission, currency)},
            {"FeeType": "RefundCommission", "FeeAmount": _v0_amount(-kept, currency)},
        ],
    }
    if item.discount:
        entry["PromotionAdjustmentList"] = [
            {
                "PromotionType": "PromotionMetaDataDefinitionValue",
                "PromotionId": item.promotion_id,
                "PromotionAmount": _v0_amount(_money(item.discount * share), currency),
            }
        ]
    return {
        "AmazonOrderId": order.order_id,
        "MarketplaceName": order.marketplace_name,
        "PostedDate": iso(posted),
        "ShipmentItemAdjustmentList": [entry],
    }


REFUND_LAG = dt.timedelta(days=42)  # the latest a refund posts after its order


def financial_events(orders_history: "OrderHistory", after: dt.datetime, before: dt.datetime):
    """(posted, list name, event) of every shipment and refund event posted in
    [after, before), oldest first."""
    events = []
    for order in orders_history.orders_created(after - REFUND_LAG, before):
        posted = shipment_posted_at(order)
        if posted is not None and after <= posted < before:
            events.append((posted, "ShipmentEventList", order.order_id, shipment_event(order)))
        refund = refund_of(order)
        if refund is not None and after <= refund[0] < before:
            events.append((refund[0], "RefundEventList", order.order_id, refund_event(order)))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return [(posted, kind, event) for posted, kind, _id, event in events]


# --- FBA inventory (getInventorySummaries) ---------------------------------------------------


def inventory_summary(listing: HistoryListing, now: dt.datetime) -> dict:
    """The listing's FBA stock at `now`, as getInventorySummaries (details=true) answers.

    Each listing keeps a cover of its own (days of demand in stock); about one in twelve
    is sold out, and listings running low have a shipment on its way."""
    own = random.Random(f"{listing.marketplace}:{listing.seller_sku}:cover")
    today = random.Random(f"{listing.marketplace}:{listing.seller_sku}:{now.date()}")
    rate = listing.demand * seasonality(now.date(), listing.category)
    sold_out = own.random() < 1 / 12 or stocked_out(listing, now.date())
    # A seller reordering on a cycle of a few months against 2-3 months of lead time:
    # from a week or two of cover to five months, with a shipment on its way when low.
    cover = 0.0 if sold_out else own.uniform(10, 160) * today.uniform(0.85, 1.0)
    available = int(rate * cover)
    reserved = min(available, int(rate * today.uniform(0.2, 1.5)))
    low = cover < 70
    inbound_shipped = int(rate * own.uniform(40, 90)) if low else 0
    inbound_working = int(rate * own.uniform(10, 30)) if low and own.random() < 0.5 else 0
    inbound_receiving = int(inbound_shipped * today.uniform(0, 0.3)) if low else 0
    unfulfillable = int(today.random() < 0.3) * today.randint(1, 4)
    return {
        "asin": listing.asin,
        "fnSku": "X00" + listing.asin[-7:],
        "sellerSku": listing.seller_sku,
        "condition": "NewItem",
        "inventoryDetails": {
            "fulfillableQuantity": available,
            "inboundWorkingQuantity": inbound_working,
            "inboundShippedQuantity": inbound_shipped,
            "inboundReceivingQuantity": inbound_receiving,
            "reservedQuantity": {
                "totalReservedQuantity": reserved,
                "pendingCustomerOrderQuantity": reserved - reserved // 3,
                "pendingTransshipmentQuantity": reserved // 3,
                "fcProcessingQuantity": 0,
            },
            "researchingQuantity": {
                "totalResearchingQuantity": 0,
                "researchingQuantityBreakdown": [],
            },
            "unfulfillableQuantity": {
                "totalUnfulfillableQuantity": unfulfillable,
                "customerDamagedQuantity": unfulfillable,
                "warehouseDamagedQuantity": 0,
                "distributorDamagedQuantity": 0,
                "carrierDamagedQuantity": 0,
                "defectiveQuantity": 0,
                "expiredQuantity": 0,
            },
        },
        "lastUpdatedTime": iso(now.replace(minute=0, second=0, microsecond=0)),
        "productName": listing.title,
        "totalQuantity": available
        + reserved
        + inbound_working
        + inbound_shipped
        + inbound_receiving
        + unfulfillable,
    }


# --- sales and traffic (GET_SALES_AND_TRAFFIC_REPORT) ---------------------------------------

SALES_AND_TRAFFIC_REPORT = "GET_SALES_AND_TRAFFIC_REPORT"


def _traffic_numbers(listing: HistoryListing, day: dt.date, units: int) -> dict:
    """Sessions and page views that fit the units sold: each listing converts at a rate
    of its own (7-16% of sessions), and shoppers come on days nobody buys too."""
    own = random.Random(f"{listing.marketplace}:{listing.seller_sku}:conversion")
    today = random.Random(f"{listing.marketplace}:{listing.seller_sku}:{day}:traffic")
    conversion = own.uniform(0.07, 0.16)
    expected = listing.demand * seasonality(day, listing.category)
    sessions = max(round(max(units, expected) / conversion * today.uniform(0.9, 1.1)), units)
    return {
        "sessions": sessions,
        "pageViews": round(sessions * today.uniform(1.15, 1.45)),
        "buyBoxPercentage": round(today.uniform(88, 100), 2),
    }


def traffic_document(orders_history, marketplace_id: str, day: dt.date, zone, now) -> dict:
    """The report of one marketplace-local day, child ASIN granularity, as of `now`:
    units and sales of the orders placed that day that are not cancelled."""
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone).astimezone(UTC)
    listings = [
        listing
        for listings in orders_history.by_marketplace.values()
        for listing in listings
        if listing.marketplace_id == marketplace_id
    ]
    sold = {listing.asin: [0, 0, Decimal(0)] for listing in listings}  # units, items, sales
    for order in orders_history.orders_created(start, end):
        if order.marketplace_id != marketplace_id or state(order, now)[0] == "CANCELLED":
            continue
        for item in order.items:
            entry = sold[item.listing.asin]
            entry[0] += item.quantity
            entry[1] += 1
            entry[2] += item.principal
    currency = listings[0].currency if listings else "USD"
    by_asin = []
    totals = {"units": 0, "items": 0, "sales": Decimal(0), "sessions": 0, "views": 0}
    for listing in sorted(listings, key=lambda lst: lst.asin):
        units, items, sales = sold[listing.asin]
        traffic = _traffic_numbers(listing, day, units)
        by_asin.append(
            {
                "parentAsin": listing.asin,
                "childAsin": listing.asin,
                "salesByAsin": {
                    "unitsOrdered": units,
                    "orderedProductSales": {"amount": float(sales), "currencyCode": currency},
                    "totalOrderItems": items,
                },
                "trafficByAsin": {
                    **traffic,
                    "unitSessionPercentage": round(100 * units / traffic["sessions"], 2)
                    if traffic["sessions"]
                    else 0.0,
                },
            }
        )
        totals["units"] += units
        totals["items"] += items
        totals["sales"] += sales
        totals["sessions"] += traffic["sessions"]
        totals["views"] += traffic["pageViews"]
    return {
        "reportSpecification": {
            "reportType": SALES_AND_TRAFFIC_REPORT,
            "reportOptions": {"dateGranularity": "DAY", "asinGranularity": "CHILD"},
            "dataStartTime": day.isoformat(),
            "dataEndTime": day.isoformat(),
            "marketplaceIds": [marketplace_id],
        },
        "salesAndTrafficByDate": [
            {
                "date": day.isoformat(),
                "salesByDate": {
                    "orderedProductSales": {
                        "amount": float(totals["sales"]),
                        "currencyCode": currency,
                    },
                    "unitsOrdered": totals["units"],
                    "totalOrderItems": totals["items"],
                },
                "trafficByDate": {
                    "pageViews": totals["views"],
                    "sessions": totals["sessions"],
                },
            }
        ],
        "salesAndTrafficByAsin": by_asin,
    }
