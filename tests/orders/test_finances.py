import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from catalog.models import ObservedSku
from orders import finances
from orders import history as history_module
from orders.models import FinanceLine, SyncCursor, SyncStatus
from orders.sync import MIN_AGE
from tests.orders.conftest import set_faults


def finance_rows():
    return sorted(
        FinanceLine.objects.values_list(
            "kind",
            "amazon_order_id",
            "item_key",
            "posted_at",
            "marketplace__code",
            "local_date",
            "seller_sku",
            "listing_id",
            "quantity",
            "currency",
            "principal",
            "tax",
            "promotion",
            "referral_fee",
            "fba_fee",
            "other_fees",
            "refund_commission",
        )
    )


def expected_events(shop, after, before):
    return history_module.financial_events(shop.history, after, before)


def test_first_sync_stores_every_fee_and_refund_of_thirty_days(shop, make_client):
    run = finances.sync_finances(shop.connection, client=shop.client(make_client), now=shop.now)
    assert run.status == SyncStatus.SUCCESS, run.error
    before = (shop.now - MIN_AGE).replace(microsecond=0)
    after = before - finances.FIRST_SYNC_LOOKBACK
    events = expected_events(shop, after, before)
    shipments = [e for _, kind, e in events if kind == "ShipmentEventList"]
    refunds = [e for _, kind, e in events if kind == "RefundEventList"]
    assert len(shipments) > 300 and len(refunds) > 5
    items = sum(len(e["ShipmentItemList"]) for e in shipments)
    assert FinanceLine.objects.filter(kind="shipment").count() == items
    assert FinanceLine.objects.filter(kind="refund").count() == len(refunds)
    assert run.inserted == items + len(refunds) and run.updated == 0
    assert run.pages == -(-len(events) // 100)
    assert SyncCursor.objects.get(source="finances", region="NA").watermark == before

    # A shipped item: Amazon's charges positive, fees negative, as the history computed.
    order = next(
        o
        for o in shop.history.orders_created(after - dt.timedelta(days=2), before)
        if o.fulfilled_by == "AMAZON"
        and o.items[0].discount
        and history_module.shipment_posted_at(o)
        and after <= history_module.shipment_posted_at(o) < before
    )
    item = order.items[0]
    line = FinanceLine.objects.get(kind="shipment", item_key=item.order_item_id)
    fees = history_module.item_fees(order, item)
    assert line.amazon_order_id == order.order_id
    assert line.quantity == item.quantity
    assert line.principal == item.principal
    assert line.tax == item.tax
    assert line.promotion == -item.discount
    assert line.referral_fee == -fees["Commission"]
    assert line.fba_fee == -fees["FBAPerUnitFulfillmentFee"]
    assert line.other_fees == 0  # no digital services fee in the US
    assert line.currency == "USD"
    assert line.listing is not None  # KET-1 and LAN-2 are mapped
    posted = history_module.shipment_posted_at(order)
    assert line.posted_at == posted
    assert line.local_date == posted.astimezone(ZoneInfo("America/Los_Angeles")).date()

    # A refund: principal given back, commission returned, refund commission kept.
    refund = FinanceLine.objects.filter(kind="refund").first()
    assert refund.principal < 0 and refund.tax <= 0
    assert refund.referral_fee > 0 and refund.refund_commission < 0
    assert -refund.refund_commission == min(
        (refund.referral_fee * Decimal("0.20")).quantize(Decimal("0.01")), Decimal("5.00")
    )
    assert refund.item_key.startswith("R")


def test_the_unmapped_sku_is_recorded_as_seen_in_finances(shop, make_client):
    finances.sync_finances(shop.connection, client=shop.client(make_client), now=shop.now)
    seen = ObservedSku.objects.filter(source="finances").values_list("seller_sku", flat=True)
    assert set(seen) == {"BOWL-3", "KET-1-FBA"}
    assert not FinanceLine.objects.filter(seller_sku="BOWL-3", listing__isnull=False).exists()


def test_sync_twice_gives_the_same_rows_and_the_watermark_only_moves_forward(shop, make_client):
    client = shop.client(make_client)
    finances.sync_finances(shop.connection, client=client, now=shop.now)
    first = finance_rows()
    watermark = SyncCursor.objects.get(source="finances").watermark
    run = finances.sync_finances(shop.connection, client=client, now=shop.now)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert run.inserted == 0 and run.updated > 0  # the three-day overlap, rewritten
    assert finance_rows() == first
    # A backfill of 90 days adds older events and leaves the watermark where it was.
    run = finances.sync_finances(shop.connection, client=client, now=shop.now, days=90)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert run.inserted > 0
    assert "3 windows" in run.detail
    assert SyncCursor.objects.get(source="finances").watermark == watermark
    assert set(first) < set(finance_rows())


def test_a_throttling_and_server_error_storm_loses_nothing(shop, make_client):
    clean_client = shop.client(make_client)
    finances.sync_finances(shop.connection, client=clean_client, now=shop.now)
    clean = finance_rows()
    FinanceLine.objects.all().delete()
    SyncCursor.objects.all().delete()
    set_faults(
        shop.server, listFinancialEvents=["429", "ok", "500", "429-bare", "503", "ok", "429"]
    )
    run = finances.sync_finances(shop.connection, client=shop.client(make_client), now=shop.now)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert run.throttled >= 3
    assert finance_rows() == clean


def test_a_failure_mid_pages_keeps_the_committed_pages_and_the_rerun_completes(shop, make_client):
    client = shop.client(make_client)
    finances.sync_finances(shop.connection, client=client, now=shop.now)
    clean = finance_rows()
    FinanceLine.objects.all().delete()
    SyncCursor.objects.all().delete()
    # Page 3 keeps failing past the client's patience: pages 1-2 stay, no watermark.
    set_faults(shop.server, listFinancialEvents=["ok", "ok"] + ["500"] * 40)
    impatient = shop.client(make_client, max_wait=20)
    run = finances.sync_finances(shop.connection, client=impatient, now=shop.now)
    assert run.status == SyncStatus.FAILED
    assert "listFinancialEvents" in run.error and "500" in run.error
    assert run.pages == 2
    assert 0 < FinanceLine.objects.count() < len(clean)
    assert not SyncCursor.objects.filter(source="finances").exists()
    shop.server.state.faults.clear()
    run = finances.sync_finances(shop.connection, client=client, now=shop.now)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert finance_rows() == clean


def test_an_unreadable_event_refuses_its_page_with_the_reason(shop, make_client):
    client = shop.client(make_client)
    set_faults(shop.server, listFinancialEvents=["ok", "malformed-event"])
    run = finances.sync_finances(shop.connection, client=client, now=shop.now)
    assert run.status == SyncStatus.FAILED
    assert "PostedDate 'yesterday' is not an ISO 8601 time" in run.error
    assert run.pages == 1
    assert FinanceLine.objects.count() > 0  # page 1 is kept
    assert not SyncCursor.objects.filter(source="finances").exists()


def test_finance_lines_reads_amazons_lists_and_signs(db, marketplaces):
    from orders.ingest import Marketplaces

    def money(amount):
        return {"CurrencyCode": "GBP", "CurrencyAmount": amount}

    events = {
        "ShipmentEventList": [
            {
                "AmazonOrderId": "203-1-1",
                "MarketplaceName": "Amazon.co.uk",
                "PostedDate": "2026-03-29T00:30:00Z",  # 01:30 in London after the change
                "ShipmentItemList": [
                    {
                        "SellerSKU": "MUG-1",
                        "OrderItemId": "1001",
                        "QuantityShipped": 2,
                        "ItemChargeList": [
                            {"ChargeType": "Principal", "ChargeAmount": money(20.0)},
                            {"ChargeType": "Tax", "ChargeAmount": money(4.0)},
                            {"ChargeType": "ShippingCharge", "ChargeAmount": money(2.99)},
                            {"ChargeType": "ShippingTax", "ChargeAmount": money(0.6)},
                            {"ChargeType": "GiftWrap", "ChargeAmount": money(1.5)},
                        ],
                        "ItemFeeList": [
                            {"FeeType": "Commission", "FeeAmount": money(-3.06)},
                            {"FeeType": "FBAPerUnitFulfillmentFee", "FeeAmount": money(-5.5)},
                            {"FeeType": "ShippingChargeback", "FeeAmount": money(-2.99)},
                            {"FeeType": "DigitalServicesFee", "FeeAmount": money(-0.17)},
                        ],
                        "PromotionList": [
                            {"PromotionId": "P1", "PromotionAmount": money(-2.0)},
                        ],
                    }
                ],
            },
            {"AmazonOrderId": "S01-1-1", "MarketplaceName": "Non-Amazon", "PostedDate": "x"},
        ],
        "RefundEventList": [
            {
                "AmazonOrderId": "203-1-1",
                "MarketplaceName": "Amazon.co.uk",
                "PostedDate": "2026-04-10T12:00:00Z",
                "ShipmentItemAdjustmentList": [
                    {
                        "SellerSKU": "MUG-1",
                        "OrderAdjustmentItemId": "9001",
                        "QuantityShipped": 1,
                        "ItemChargeAdjustmentList": [
                            {"ChargeType": "Principal", "ChargeAmount": money(-10.0)},
                        ],
                        "ItemFeeAdjustmentList": [
                            {"FeeType": "Commission", "FeeAmount": money(1.53)},
                            {"FeeType": "RefundCommission", "FeeAmount": money(-0.31)},
                        ],
                    }
                ],
            }
        ],
    }
    lines, skipped = finances.finance_lines(events, Marketplaces())
    assert skipped == 1  # multi-channel fulfilment: not a sale on Amazon
    shipment, refund = lines
    assert shipment["local_date"] == dt.date(2026, 3, 29)
    assert shipment["marketplace_id"] == marketplaces["UK"].pk
    assert shipment["quantity"] == 2 and shipment["currency"] == "GBP"
    assert shipment["principal"] == Decimal("20.0")
    assert shipment["tax"] == Decimal("4.6")
    assert shipment["shipping"] == Decimal("2.99")
    assert shipment["other_charges"] == Decimal("1.5")
    assert shipment["promotion"] == Decimal("-2.0")
    assert shipment["referral_fee"] == Decimal("-3.06")
    assert shipment["fba_fee"] == Decimal("-5.5")
    assert shipment["other_fees"] == Decimal("-3.16")
    assert refund["kind"] == "refund" and refund["item_key"] == "9001"
    assert refund["principal"] == Decimal("-10.0")
    assert refund["referral_fee"] == Decimal("1.53")
    assert refund["refund_commission"] == Decimal("-0.31")

    with pytest.raises(finances.FinanceDataError, match=r"unknown marketplace 'Amazon\.xx'"):
        finances.finance_lines(
            {
                "ShipmentEventList": [
                    {**events["ShipmentEventList"][0], "MarketplaceName": "Amazon.xx"}
                ]
            },
            Marketplaces(),
        )
    broken = {**events["RefundEventList"][0]}
    broken["ShipmentItemAdjustmentList"] = [
        {
            **broken["ShipmentItemAdjustmentList"][0],
            "ItemFeeAdjustmentList": [{"FeeType": "Commission", "FeeAmount": money("1,53")}],
        }
    ]
    with pytest.raises(
        finances.FinanceDataError, match=r"203-1-1 MUG-1 referral_fee: amount '1,53'"
    ):
        finances.finance_lines({"RefundEventList": [broken]}, Marketplaces())
