"""Sales and traffic: GET_SALES_AND_TRAFFIC_REPORT, one report per marketplace and day.

The report's ASIN section has no date: it sums the whole report range, so daily
numbers per child ASIN need one report per marketplace-local day. Each day is a
ReportRequest (the same create, poll, download machinery as the orders backfill:
report ids stored at once, FATAL or CANCELLED retried later). Importing a day
replaces that day's rows in one transaction, so a rerun changes nothing.

The daily job asks again for the last three complete days (Amazon revises recent
traffic) and carries on with any earlier day still open; `sync_traffic --days N`
reaches back N days.
"""

import datetime as dt
import io
import json
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from orders import rollup, sync
from orders.history import SALES_AND_TRAFFIC_REPORT
from orders.models import (
    ReportRequest,
    ReportStatus,
    SpApiConnection,
    SyncRun,
    SyncSource,
    TrafficDaily,
)
from orders.spapi import SpApiClient

RECENT_DAYS = 3
MAX_DAYS = 730
OPTIONS = {"dateGranularity": "DAY", "asinGranularity": "CHILD"}


class TrafficDataError(ValueError):
    """A sales and traffic report that cannot be read; the day is not changed."""


@dataclass
class TrafficStats:
    lines: int = 0
    inserted: int = 0
    updated: int = 0


def day_window(marketplace, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The marketplace-local day as UTC instants: its first and its last second."""
    zone = zoneinfo.ZoneInfo(marketplace.time_zone)
    start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    return start.astimezone(dt.UTC), (end - dt.timedelta(seconds=1)).astimezone(dt.UTC)


def report_day(request) -> dt.date:
    return request.data_start.astimezone(zoneinfo.ZoneInfo(request.marketplace.time_zone)).date()


def plan_days(connection, days: int, now) -> list[ReportRequest]:
    """A ReportRequest per marketplace and complete local day of the last `days`; the
    last RECENT_DAYS are asked for again even when imported."""
    planned = []
    for marketplace in connection.marketplaces.filter(active=True).order_by("code"):
        today = now.astimezone(zoneinfo.ZoneInfo(marketplace.time_zone)).date()
        for back in range(days, 0, -1):
            day = today - dt.timedelta(days=back)
            start, end = day_window(marketplace, day)
            request, created = ReportRequest.objects.get_or_create(
                report_type=SALES_AND_TRAFFIC_REPORT,
                marketplace=marketplace,
                data_start=start,
                data_end=end,
                defaults={"region": connection.region},
            )
            if not created and back <= RECENT_DAYS and request.status == ReportStatus.IMPORTED:
                request.status = ReportStatus.PLANNED  # revised numbers: ask again
                request.report_id = request.document_id = request.processing_status = ""
                request.save()
            planned.append(request)
    return planned


# --- the report -------------------------------------------------------------------------


def _count(value, where) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TrafficDataError(f"{where}: {value!r} is not a count")
    return value


def _decimal(value, where, places=None) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TrafficDataError(f"{where}: {value!r} is not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise TrafficDataError(f"{where}: {value!r} is not a number") from None
    return number.quantize(Decimal(places)) if places else number


def traffic_rows(document: dict, marketplace, day: dt.date) -> list[TrafficDaily]:
    """TrafficDaily rows of one day's report (child ASIN granularity)."""
    if not isinstance(document, dict) or "reportSpecification" not in document:
        raise TrafficDataError("not a sales and traffic report (no reportSpecification)")
    spec = document["reportSpecification"] or {}
    granularity = (spec.get("reportOptions") or {}).get("asinGranularity", "PARENT")
    if granularity != "CHILD":
        raise TrafficDataError(f"ASIN granularity is {granularity}, CHILD was asked for")
    if spec.get("dataStartTime", "")[:10] != spec.get("dataEndTime", "")[:10]:
        raise TrafficDataError("the report covers more than one day")
    rows = {}
    for n, entry in enumerate(document.get("salesAndTrafficByAsin") or [], start=1):
        asin = (entry or {}).get("childAsin") or ""
        where = f"ASIN entry {n} ({asin or 'no childAsin'})"
        if not asin or len(asin) > 10:
            raise TrafficDataError(f"{where}: childAsin {asin!r} is not an ASIN")
        sales = entry.get("salesByAsin") or {}
        traffic = entry.get("trafficByAsin") or {}
        amount = sales.get("orderedProductSales") or {}
        if asin in rows:
            raise TrafficDataError(f"{where}: childAsin {asin} appears twice")
        rows[asin] = TrafficDaily(
            marketplace=marketplace,
            date=day,
            child_asin=asin,
            parent_asin=(entry.get("parentAsin") or "")[:10],
            sessions=_count(traffic.get("sessions"), f"{where} sessions"),
            page_views=_count(traffic.get("pageViews"), f"{where} pageViews"),
            buy_box_percentage=_decimal(
                traffic.get("buyBoxPercentage"), f"{where} buyBoxPercentage", "0.01"
            ),
            unit_session_percentage=_decimal(
                traffic.get("unitSessionPercentage"), f"{where} unitSessionPercentage", "0.01"
            ),
            units_ordered=_count(sales.get("unitsOrdered"), f"{where} unitsOrdered"),
            total_order_items=_count(sales.get("totalOrderItems"), f"{where} totalOrderItems"),
            ordered_sales=_decimal(amount.get("amount"), f"{where} orderedProductSales")
            or Decimal(0),
            currency=(amount.get("currencyCode") or "")[:3],
        )
    return list(rows.values())


def import_traffic(stream, encoding, request) -> TrafficStats:
    """Replace one marketplace-day of TrafficDaily rows (inside the caller's transaction)."""
    try:
        document = json.load(io.TextIOWrapper(stream, encoding=encoding or "utf-8"))
    except ValueError as exc:  # JSON or text decoding
        raise TrafficDataError(f"the document is not JSON ({exc})") from None
    day = report_day(request)
    rows = traffic_rows(document, request.marketplace, day)
    now = timezone.now()
    for row in rows:
        row.synced_at = now
    existing = TrafficDaily.objects.filter(marketplace=request.marketplace, date=day)
    before = set(existing.values_list("child_asin", flat=True))
    existing.delete()
    TrafficDaily.objects.bulk_create(rows)
    rollup.rebuild({(request.marketplace_id, day)})
    inserted = sum(1 for row in rows if row.child_asin not in before)
    return TrafficStats(lines=len(rows), inserted=inserted, updated=len(rows) - inserted)


sync.REPORT_KINDS[SALES_AND_TRAFFIC_REPORT] = sync.ReportKind(
    importer=import_traffic, errors=(TrafficDataError,), options=OPTIONS
)


# --- the sync ---------------------------------------------------------------------------


def sync_traffic(
    connection: SpApiConnection,
    *,
    days=None,
    run=None,
    client=None,
    now=None,
    progress=None,
    poll_seconds=None,
    max_poll_seconds=None,
) -> SyncRun:
    """Request and import the daily reports of the last `days` days (default 3), and any
    earlier day still open."""
    days = RECENT_DAYS if days is None else days
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1 to {MAX_DAYS}")
    now = now or timezone.now()
    run = run or sync.new_run(SyncSource.TRAFFIC, connection.region)
    client = client or SpApiClient.for_connection(connection)

    def work():
        planned = plan_days(connection, days, now)
        known = {request.pk for request in planned}
        earlier = (
            ReportRequest.objects.filter(
                region=connection.region, report_type=SALES_AND_TRAFFIC_REPORT
            )
            .exclude(status=ReportStatus.IMPORTED)
            .exclude(pk__in=known)
            .order_by("data_start")
        )
        work_list = list(earlier) + planned
        run.detail = f"{len(work_list)} day report(s), {len(planned)} planned for {days} day(s)"
        run.save(update_fields=["detail"])
        return sync._work_reports(
            work_list, run, client, now, progress, poll_seconds, max_poll_seconds
        )

    return sync.run_sync(run, client, f"{SyncSource.TRAFFIC}:{connection.region}", work)
