"""History through the all-orders report: windows, resume, failures retried, refused whole."""

import datetime as dt
import itertools

import pytest

from orders import sync
from orders.models import Order, ReportRequest, ReportStatus, SyncStatus
from tests.orders.conftest import order_rows, set_faults

UNTIL = dt.datetime(2026, 11, 18, tzinfo=dt.UTC)


def backfill(shop, make_client, days=40, **kwargs):
    options = {"poll_seconds": 0, "max_poll_seconds": 60, "now": shop.now}
    options.update(kwargs)
    return sync.backfill_orders(
        shop.connection,
        days=days,
        until=UNTIL,
        client=shop.client(make_client),
        **options,
    )


def calls(shop, operation):
    return sum(1 for r in shop.server.state.requests if r["operation"] == operation)


def created_in_history(shop, days):
    start = (UNTIL - dt.timedelta(days=days)).replace(hour=0)
    return {o.order_id for o in shop.history.orders_created(start, UNTIL) if o.marketplace == "US"}


def test_windows_are_at_most_30_days_aligned_and_cover_the_span():
    until = dt.datetime(2026, 11, 18, 7, tzinfo=dt.UTC)
    windows = sync.plan_windows(100, until)
    assert windows[0][0] == dt.datetime(2026, 8, 10, tzinfo=dt.UTC)
    assert windows[-1][1] == until
    for (_start, end), (next_start, _) in itertools.pairwise(windows):
        assert end == next_start
    assert all(end - start <= dt.timedelta(days=30) for start, end in windows)
    # A rerun an hour later plans the same windows but the last.
    later = sync.plan_windows(100, until + dt.timedelta(hours=1))
    assert later[:-1] == windows[:-1]
    with pytest.raises(ValueError):
        sync.plan_windows(731, until)


def test_backfill_imports_every_order_of_the_span_once(shop, make_client):
    run = backfill(shop, make_client)
    assert run.status == SyncStatus.SUCCESS, run.error
    expected = created_in_history(shop, 40)
    assert set(Order.objects.values_list("amazon_order_id", flat=True)) == expected
    requests = ReportRequest.objects.all()
    assert len(requests) == len(sync.plan_windows(40, UNTIL))
    assert {r.status for r in requests} == {ReportStatus.IMPORTED}
    assert run.inserted == len(expected)
    # Titles with quotes and a tab came through whole.
    assert Order.objects.filter(items__title='Pour-Over Kettle 1.2 L, "Gooseneck"').exists()
    assert Order.objects.filter(items__title="Camping Lantern\tRechargeable").exists()

    before = order_rows()
    created = calls(shop, "createReport")
    again = backfill(shop, make_client)
    assert again.status == SyncStatus.SUCCESS
    assert calls(shop, "createReport") == created  # imported windows are not asked again
    assert order_rows() == before


def test_report_and_api_agree_on_the_same_orders(shop, make_client):
    backfill(shop, make_client, days=3)
    from_report = order_rows()
    Order.objects.all().delete()
    shop.server.state.clock = lambda: shop.now
    run = sync.sync_orders(
        shop.connection,
        client=shop.client(make_client),
        now=UNTIL + dt.timedelta(minutes=2),
    )
    assert run.status == SyncStatus.SUCCESS, run.error
    # searchOrders by update time also returns orders created before the span: compare
    # the orders both sources have.
    report_orders, report_items = from_report
    api_orders, api_items = order_rows()
    shared = {o[0] for o in report_orders} & {o[0] for o in api_orders}
    assert len(shared) > 50
    assert [o for o in report_orders if o[0] in shared] == [o for o in api_orders if o[0] in shared]
    assert [i for i in report_items if i[0] in shared] == [i for i in api_items if i[0] in shared]


def test_a_restarted_backfill_polls_the_report_it_already_requested(shop, make_client):
    run = backfill(shop, make_client, days=10, max_poll_seconds=0)
    assert run.status == SyncStatus.PARTIAL
    assert "polling resumes next run" in run.error
    waiting = ReportRequest.objects.filter(status=ReportStatus.REQUESTED)
    report_ids = set(waiting.values_list("report_id", flat=True))
    assert report_ids and all(report_ids)
    created = calls(shop, "createReport")

    run = backfill(shop, make_client, days=10)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert calls(shop, "createReport") == created
    assert set(
        ReportRequest.objects.filter(report_id__in=report_ids).values_list("status", flat=True)
    ) == {ReportStatus.IMPORTED}
    assert Order.objects.count() == len(created_in_history(shop, 10))


@pytest.mark.parametrize("fate", ["fatal", "cancelled"])
def test_a_fatal_or_cancelled_report_is_asked_for_again_later(shop, make_client, fate):
    set_faults(shop.server, createReport=[fate])
    run = backfill(shop, make_client, days=10)
    assert run.status == SyncStatus.PARTIAL
    failed = ReportRequest.objects.get(status=ReportStatus.FAILED)
    assert f"ended {fate.upper()}" in failed.error
    assert failed.next_attempt_at > shop.now
    assert failed.report_id == ""
    # Not silently skipped: the next run before the retry time reports it as waiting...
    run = backfill(shop, make_client, days=10)
    assert run.status == SyncStatus.PARTIAL and "next try after" in run.error
    # ...and the run after it imports the window.
    run = backfill(shop, make_client, days=10, now=failed.next_attempt_at)
    assert run.status == SyncStatus.SUCCESS, run.error
    failed.refresh_from_db()
    assert failed.status == ReportStatus.IMPORTED and failed.attempts == 2
    assert Order.objects.count() == len(created_in_history(shop, 10))


def test_a_malformed_row_refuses_the_whole_report_with_its_line(shop, make_client):
    set_faults(shop.server, createReport=["malformed-row"])
    run = backfill(shop, make_client, days=10)
    assert run.status == SyncStatus.PARTIAL
    failed = ReportRequest.objects.get(status=ReportStatus.FAILED)
    assert "line 5: expected 32 fields, found 2; refused whole" in failed.error
    window = Order.objects.filter(created_at__gte=failed.data_start, created_at__lt=failed.data_end)
    assert not window.exists()
    run = backfill(shop, make_client, days=10, now=failed.next_attempt_at)
    assert run.status == SyncStatus.SUCCESS
    assert window.exists()


def test_a_document_cut_short_is_downloaded_again(shop, make_client):
    set_faults(shop.server, reportDocumentDownload=["truncated"])
    run = backfill(shop, make_client, days=10)
    assert run.status == SyncStatus.SUCCESS, run.error
    assert Order.objects.count() == len(created_in_history(shop, 10))


def test_a_document_that_stays_broken_is_left_for_the_next_run(shop, make_client):
    set_faults(shop.server, reportDocumentDownload=["truncated"] * 3)
    run = backfill(shop, make_client, days=10)
    assert run.status == SyncStatus.PARTIAL
    assert "the compressed document ends early" in run.error
    assert not Order.objects.exists()  # nothing half-imported
    broken = ReportRequest.objects.get(error__contains="ends early")
    assert broken.status == ReportStatus.DONE
    run = backfill(shop, make_client, days=10, now=broken.next_attempt_at)
    assert run.status == SyncStatus.SUCCESS
    assert Order.objects.count() == len(created_in_history(shop, 10))
