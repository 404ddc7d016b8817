import datetime as dt
from decimal import Decimal as D

import pytest

from catalog.models import FxRate
from orders import rollup
from orders.models import DailySales
from tests.orders import sales_fixture


@pytest.fixture
def small_shop(db, marketplaces):
    return sales_fixture.build(marketplaces)


def day_row(code, day, sku):
    return DailySales.objects.get(marketplace__code=code, date=day, seller_sku=sku)


def test_the_rollup_of_the_hand_computed_shop(small_shop):
    written = rollup.rebuild_range(dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    assert written == DailySales.objects.count() == 5

    a = day_row("US", dt.date(2026, 3, 10), "KET-1")  # actual fees
    assert (a.units, a.orders, a.gross_sales, a.promotions) == (2, 1, D("59.98"), D("5.00"))
    assert (a.referral_fees, a.fba_fees, a.other_fees) == (D("8.25"), D("8.00"), D("0.00"))
    assert not a.fees_estimated and not a.missing_fees
    assert a.cogs == D("20.00") and a.cogs_rc == D("20.00") and a.fx_rate == 1
    assert a.refund_units == 0 and a.refund_amount == 0

    b = day_row("US", dt.date(2026, 3, 11), "KET-1")  # estimated fees; C cancelled
    assert (b.units, b.orders, b.gross_sales) == (1, 1, D("29.99"))
    assert (b.referral_fees, b.fba_fees, b.other_fees) == (D("4.50"), D("4.00"), D("0.00"))
    assert b.fees_estimated and not b.missing_fees
    assert b.cogs == D("10.00")

    d = day_row("US", dt.date(2026, 3, 12), "LAN-2")  # pending, no fee rule, no cost
    assert (d.units, d.gross_sales, d.sales_estimated) == (1, D("24.99"), True)
    assert d.referral_fees is None and d.fba_fees is None and d.missing_fees
    assert d.cogs is None and d.cogs_rc is None and d.missing_cogs

    e = day_row("UK", dt.date(2026, 3, 29), "KET-1-FBA")  # GBP, the DST night
    assert (e.units, e.gross_sales, e.currency, e.fx_rate) == (1, D("34.99"), "GBP", D("1.26"))
    assert (e.referral_fees, e.fba_fees) == (D("5.35"), D("2.50"))
    assert e.cogs == D("7.94")
    assert e.gross_sales_rc == D("44.09")  # 34.99 x 1.26 = 44.0874
    assert e.referral_fees_rc == D("6.74")  # 5.35 x 1.26 = 6.741
    assert e.cogs_rc == D("10.00")  # 7.94 x 1.26 = 10.0044

    r = day_row("US", dt.date(2026, 4, 2), "KET-1")  # the refund of A, on its own day
    assert (r.units, r.refund_units, r.refund_amount, r.refund_fees) == (
        0,
        1,
        D("29.99"),
        D("-3.30"),
    )
    assert r.cogs == 0 and not r.missing_cogs


def test_rebuild_of_touched_days_only_and_idempotent(small_shop):
    rollup.rebuild_range(dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    first = list(DailySales.objects.order_by("pk").values())
    # A rate for the 29th changes: only that day is rebuilt.
    FxRate.objects.filter(currency="GBP", date=dt.date(2026, 3, 29)).update(rate=D("1.30"))
    uk = small_shop["ket_uk"].marketplace_id
    assert rollup.rebuild({(uk, dt.date(2026, 3, 29))}) == 1
    e = day_row("UK", dt.date(2026, 3, 29), "KET-1-FBA")
    assert e.gross_sales_rc == D("45.49")  # 34.99 x 1.30 = 45.487
    assert DailySales.objects.count() == len(first)
    # Rebuilding again changes nothing.
    before = sorted((r["date"], r["seller_sku"], r["gross_sales_rc"]) for r in
                    DailySales.objects.values())  # fmt: skip
    rollup.rebuild_range(dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    after = sorted((r["date"], r["seller_sku"], r["gross_sales_rc"]) for r in
                   DailySales.objects.values())  # fmt: skip
    assert before == after


def test_no_fx_rate_leaves_reporting_amounts_unknown(small_shop):
    FxRate.objects.all().delete()
    rollup.rebuild_range(dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    e = day_row("UK", dt.date(2026, 3, 29), "KET-1-FBA")
    assert e.missing_fx and e.fx_rate is None and e.gross_sales_rc is None
    assert e.gross_sales == D("34.99")
    assert e.cogs is None and e.missing_cogs  # 10 USD cannot become GBP without a rate


def rollup_rows():
    """Every row of the rollup's tables (daily, daily totals, monthly per SKU)."""
    from orders.models import DailyTotals, MonthlySkuTotals

    return [
        sorted(tuple(v for k, v in row.items() if k != "id") for row in model.objects.values())
        for model in (DailySales, DailyTotals, MonthlySkuTotals)
    ]


def test_syncs_keep_the_rollup_equal_to_a_full_rebuild(shop, make_client):
    from orders import finances, sync, traffic

    client = shop.client(make_client)
    assert sync.sync_orders(shop.connection, client=client, now=shop.now).status == "success"
    run = finances.sync_finances(shop.connection, client=client, now=shop.now, days=10)
    assert run.status == "success", run.error
    run = traffic.sync_traffic(
        shop.connection, client=client, now=shop.now, days=3, poll_seconds=1, max_poll_seconds=30
    )
    assert run.status == "success", run.error
    incremental = rollup_rows()
    assert len(incremental[0]) > 10 and len(incremental[2]) == 3  # November, 3 SKUs
    assert DailySales.objects.filter(sessions__gt=0).exists()
    assert DailySales.objects.filter(refund_units__gt=0).exists()
    assert DailySales.objects.filter(fees_estimated=False, units__gt=0).exists()
    first, last = rollup.data_range()
    rollup.rebuild_range(first, last)
    assert rollup_rows() == incremental


def test_rebuild_rollup_command_is_a_dry_run_unless_yes(small_shop):
    import io

    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("rebuild_rollup", stdout=out)
    assert "Would rebuild 2026-03-10 .. 2026-04-02 (24 days), all marketplaces" in out.getvalue()
    assert not DailySales.objects.exists()
    out = io.StringIO()
    call_command("rebuild_rollup", "--yes", "--marketplace", "uk", stdout=out, verbosity=0)
    assert "Rebuilt 2026-03-10 .. 2026-04-02 (24 days), UK: 1 rows." in out.getvalue()
    assert list(DailySales.objects.values_list("seller_sku", flat=True)) == ["KET-1-FBA"]
    with pytest.raises(CommandError, match="Unknown marketplace"):
        call_command("rebuild_rollup", "--marketplace", "XX")
    with pytest.raises(CommandError, match="not a date"):
        call_command("rebuild_rollup", "--start", "yesterday")


def test_catalog_changes_rebuild_the_rollup_they_affect(transactional_db, marketplaces):
    from django.test import override_settings

    from catalog.models import SkuCost

    sales_fixture.build(marketplaces)
    rollup.rebuild_range(dt.date(2026, 3, 1), dt.date(2026, 4, 30))
    assert day_row("US", dt.date(2026, 3, 12), "LAN-2").missing_cogs
    with override_settings(Q_CLUSTER={"sync": True, "orm": "default", "name": "t"}):
        # The lantern gets a cost from March 12th: its rows are rebuilt after the commit.
        SkuCost.objects.create(
            product=Listing_product("LAN-2"), effective_from=dt.date(2026, 3, 12),
            unit_cost=D("6.00"), currency="USD",
        )  # fmt: skip
        d = day_row("US", dt.date(2026, 3, 12), "LAN-2")
        assert d.cogs == D("6.00") and not d.missing_cogs
        # A rate for the UK's day changes its reporting amounts.
        FxRate.objects.filter(currency="GBP", date=dt.date(2026, 3, 29)).update(rate=D("2"))
        FxRate.objects.get(currency="GBP", date=dt.date(2026, 3, 29)).save()
        assert day_row("UK", dt.date(2026, 3, 29), "KET-1-FBA").gross_sales_rc == D("69.98")


def Listing_product(sku):
    from catalog.models import Listing

    return Listing.objects.get(seller_sku=sku).product
