"""Orders sync: incremental through searchOrders, history through the all-orders report.

Incremental (every 15 minutes): searchOrders by lastUpdatedAfter = watermark −
overlap and lastUpdatedBefore = now − 2 minutes, every page, 100 orders a page,
order items included (`includedData`), so one call per page. Each page commits
on its own; the last page commits together with the new watermark. A run killed
at any point leaves the watermark where it was, and the rerun rewrites the same
rows (upserts keep only data newer than what is stored).

Backfill (`backfill_orders --days N`): one GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL
report per marketplace and window of at most 30 days. A ReportRequest row is
saved before createReport and gets the report id the moment Amazon returns it;
a restarted backfill polls that report instead of asking again. A report is
imported in one transaction with its request marked imported; an unreadable row
refuses the whole report (line and reason recorded). FATAL or CANCELLED
reports, broken documents and unreadable rows are asked for again later, with a
growing delay; the hourly resume job picks them up.
"""

import contextlib
import datetime as dt
import gzip
import logging
import os
import socket
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from orders.ingest import (
    Marketplaces,
    OrderDataError,
    OrderWriter,
    api_order_lines,
    import_report,
    text_lines,
)
from orders.models import (
    ReportRequest,
    ReportStatus,
    SpApiConnection,
    SyncCursor,
    SyncRun,
    SyncSource,
    SyncStatus,
)
from orders.spapi import SpApiClient, SpApiError

log = logging.getLogger(__name__)

ALL_ORDERS_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
INCLUDED_DATA = ["PROCEEDS", "FULFILLMENT", "PROMOTION", "CANCELLATION"]
OVERLAP = dt.timedelta(minutes=15)  # Amazon's index can lag a little behind an update
FIRST_SYNC_LOOKBACK = dt.timedelta(days=3)  # older history comes from the backfill
MIN_AGE = dt.timedelta(minutes=2)  # lastUpdatedBefore must be this far in the past
WINDOW_DAYS = 30
MAX_BACKFILL_DAYS = 730
WINDOW_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)  # windows are aligned to it
LOCK_SECONDS = 3600


@dataclass(frozen=True)
class ReportKind:
    """How to import one report type: `importer(stream, encoding, request)` returns stats
    with lines, inserted and updated; `errors` are the exceptions that refuse it whole."""

    importer: Callable
    errors: tuple
    options: dict | None = None  # createReport's reportOptions


def _import_all_orders(stream, encoding, request):
    return import_report(text_lines(stream, encoding=encoding))


REPORT_KINDS: dict[str, ReportKind] = {
    ALL_ORDERS_REPORT: ReportKind(importer=_import_all_orders, errors=(OrderDataError,)),
}


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SyncBusy(Exception):
    pass


@contextlib.contextmanager
def sync_lock(name: str):
    """One run per source and region at a time, across processes (shared cache).

    A lock left by a process that died on this host is taken over at once;
    one from another host expires after LOCK_SECONDS.
    """
    key = f"sync-lock:{name}"
    holder = f"{socket.gethostname()}:{os.getpid()}"
    if not cache.add(key, holder, timeout=LOCK_SECONDS):
        current = cache.get(key) or ""
        host, _, pid = current.rpartition(":")
        if host == socket.gethostname() and pid.isdigit() and not _alive(int(pid)):
            cache.set(key, holder, timeout=LOCK_SECONDS)
        else:
            raise SyncBusy(f"another {name} sync is running ({current})")
    try:
        yield
    finally:
        if cache.get(key) == holder:
            cache.delete(key)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start(run: SyncRun):
    run.status = SyncStatus.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])


def _finish(run: SyncRun, status, error="", client=None):
    run.status = status
    run.error = error[:5000]
    run.finished_at = timezone.now()
    if client is not None:
        run.calls = client.stats.calls
        run.throttled = client.stats.throttled
    run.save()
    if status != SyncStatus.SKIPPED:
        from alerts.services import alerts_queue_evaluation

        alerts_queue_evaluation()


def run_sync(run, client, lock_name: str, work, expected=(SpApiError,)) -> SyncRun:
    """Run `work()` under the lock named, recording on `run` how it ended.

    `work` returns a list of problems that did not stop it (the run is then PARTIAL) or
    nothing. An `expected` error (Amazon's, unreadable data) fails the run with its
    message; anything else fails it too and is raised; a run already going is SKIPPED.
    """
    try:
        with sync_lock(lock_name):
            _start(run)
            try:
                problems = work()
            except expected as exc:
                _finish(run, SyncStatus.FAILED, str(exc), client)
            except Exception as exc:
                _finish(run, SyncStatus.FAILED, f"{type(exc).__name__}: {exc}", client)
                raise
            else:
                if problems:
                    _finish(run, SyncStatus.PARTIAL, "\n".join(problems), client)
                else:
                    _finish(run, SyncStatus.SUCCESS, client=client)
    except SyncBusy as exc:
        _finish(run, SyncStatus.SKIPPED, str(exc))
    return run


def new_run(source, region, trigger="schedule") -> SyncRun:
    return SyncRun.objects.create(source=source, region=region, trigger=trigger)


def connection_for(region) -> SpApiConnection:
    connection = SpApiConnection.objects.filter(region=region).first()
    if connection is None or not connection.has_credentials:
        raise SpApiError("orders sync", message=f"no SP-API connection with credentials ({region})")
    return connection


# --- incremental -----------------------------------------------------------------------


def sync_orders(
    connection: SpApiConnection, *, run=None, client=None, now=None, progress=None
) -> SyncRun:
    """One incremental orders sync for a connection's marketplaces."""
    run = run or new_run(SyncSource.ORDERS, connection.region)
    client = client or SpApiClient.for_connection(connection)
    return run_sync(
        run,
        client,
        f"orders:{connection.region}",
        lambda: _sync_orders(connection, run, client, now or timezone.now(), progress),
        expected=(SpApiError, OrderDataError),
    )


def _sync_orders(connection, run, client, now, progress):
    marketplaces = list(connection.marketplaces.filter(active=True))
    if not marketplaces:
        raise SpApiError("searchOrders", message="no marketplaces selected on the connection")
    cursor = SyncCursor.objects.filter(source=SyncSource.ORDERS, region=connection.region).first()
    watermark = cursor.watermark if cursor else now - FIRST_SYNC_LOOKBACK
    after = watermark - OVERLAP
    before = (now - MIN_AGE).replace(microsecond=0)
    if before <= after:
        return
    run.detail = f"orders updated {iso(after)} .. {iso(before)}"
    run.save(update_fields=["detail"])
    params = {
        "lastUpdatedAfter": iso(after),
        "lastUpdatedBefore": iso(before),
        "marketplaceIds": ",".join(m.amazon_marketplace_id for m in marketplaces),
        "maxResultsPerPage": 100,
        "includedData": ",".join(INCLUDED_DATA),
    }
    lookup = Marketplaces()
    pages = client.pages(
        "searchOrders",
        params=params,
        token_param="paginationToken",
        next_token=lambda body: (body.get("pagination") or {}).get("nextToken"),
    )
    for body in pages:
        last = not (body.get("pagination") or {}).get("nextToken")
        with transaction.atomic():
            writer = OrderWriter(now=now)
            for order in body.get("orders") or []:
                writer.add(api_order_lines(order, lookup))
            stats = writer.finish()
            if last:
                SyncCursor.objects.update_or_create(
                    source=SyncSource.ORDERS,
                    region=connection.region,
                    defaults={"watermark": before},
                )
        run.pages += 1
        run.inserted += stats.inserted
        run.updated += stats.updated
        run.calls, run.throttled = client.stats.calls, client.stats.throttled
        run.save(update_fields=["pages", "inserted", "updated", "calls", "throttled"])
        if progress:
            progress(len(body.get("orders") or []))


# --- backfill ----------------------------------------------------------------------------


def plan_windows(days: int, until: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Windows of at most 30 days covering [until − days, until), aligned to a fixed epoch
    so a rerun plans the same windows (and finds their reports)."""
    if not 1 <= days <= MAX_BACKFILL_DAYS:
        raise ValueError(f"days must be 1 to {MAX_BACKFILL_DAYS}")
    start = (until - dt.timedelta(days=days)).replace(hour=0, minute=0, second=0, microsecond=0)
    size = dt.timedelta(days=WINDOW_DAYS)
    windows = []
    edge = WINDOW_EPOCH + size * ((start - WINDOW_EPOCH) // size)
    while edge < until:
        windows.append((max(edge, start), min(edge + size, until)))
        edge += size
    return windows


def backfill_plan(connection, days, until) -> list[ReportRequest]:
    """ReportRequests for every window and marketplace (existing ones are reused)."""
    requests_ = []
    for marketplace in connection.marketplaces.filter(active=True).order_by("code"):
        for start, end in plan_windows(days, until):
            request, _ = ReportRequest.objects.get_or_create(
                report_type=ALL_ORDERS_REPORT,
                marketplace=marketplace,
                data_start=start,
                data_end=end,
                defaults={"region": connection.region},
            )
            requests_.append(request)
    return requests_


def backfill_until(now) -> dt.datetime:
    """The end of history a backfill covers: the start of the current hour, at least two
    minutes ago, so reruns within the hour plan identical windows."""
    return (now - MIN_AGE).replace(minute=0, second=0, microsecond=0)


def backfill_orders(
    connection,
    *,
    days: int,
    until=None,
    run=None,
    client=None,
    now=None,
    progress=None,
    poll_seconds=None,
    max_poll_seconds=None,
) -> SyncRun:
    """Request, wait for and import the all-orders reports of the last `days` days."""
    now = now or timezone.now()
    run = run or new_run(SyncSource.ORDERS_BACKFILL, connection.region, trigger="command")
    client = client or SpApiClient.for_connection(connection)
    until = until or backfill_until(now)

    def work():
        planned = backfill_plan(connection, days, until)
        run.detail = (
            f"{len(planned)} report window(s), {iso(planned[0].data_start)} .. {iso(until)}"
            if planned
            else "nothing to plan"
        )
        run.save(update_fields=["detail"])
        return _work_reports(planned, run, client, now, progress, poll_seconds, max_poll_seconds)

    return run_sync(run, client, f"{SyncSource.ORDERS_BACKFILL}:{connection.region}", work)


def resume_reports(
    connection,
    *,
    run=None,
    client=None,
    now=None,
    report_types=(ALL_ORDERS_REPORT,),
    source=SyncSource.ORDERS_BACKFILL,
    **kwargs,
) -> SyncRun | None:
    """Carry on with report windows left unfinished (the hourly job)."""
    now = now or timezone.now()
    open_requests = list(
        ReportRequest.objects.filter(region=connection.region, report_type__in=report_types)
        .exclude(status=ReportStatus.IMPORTED)
        .order_by("data_start", "marketplace__code")
    )
    due = [r for r in open_requests if not r.next_attempt_at or r.next_attempt_at <= now]
    if not due:
        return None
    run = run or new_run(source, connection.region)
    client = client or SpApiClient.for_connection(connection)

    def work():
        run.detail = f"resuming {len(due)} report window(s)"
        run.save(update_fields=["detail"])
        return _work_reports(due, run, client, now, None, **kwargs)

    return run_sync(run, client, f"{source}:{connection.region}", work)


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(30 * 2 ** max(attempts - 1, 0), 12 * 60))


def _work_reports(requests_, run, client, now, progress, poll_seconds=None, max_poll_seconds=None):
    poll = settings.SPAPI_REPORT_POLL_SECONDS if poll_seconds is None else poll_seconds
    max_poll = max_poll_seconds
    if max_poll is None:
        max_poll = settings.SPAPI_REPORT_MAX_WAIT_SECONDS
    failures = []
    for request in requests_:
        request.refresh_from_db()
        if request.status == ReportStatus.IMPORTED:
            if progress:
                progress(request)
            continue
        if request.next_attempt_at and request.next_attempt_at > now:
            failures.append(f"{request}: next try after {iso(request.next_attempt_at)}")
            continue
        outcome = _work_report(request, run, client, poll, max_poll)
        if outcome:
            failures.append(f"{request}: {outcome}")
        run.calls, run.throttled = client.stats.calls, client.stats.throttled
        run.save(update_fields=["inserted", "updated", "pages", "calls", "throttled"])
        if progress:
            progress(request)
    return failures


def _fail(request, message):
    request.status = ReportStatus.FAILED
    request.report_id = ""
    request.document_id = ""
    request.processing_status = ""
    request.error = message[:5000]
    request.next_attempt_at = timezone.now() + _retry_delay(request.attempts)
    request.save()
    return message


def _work_report(request, run, client, poll, max_poll) -> str:
    """Move one report window as far as it goes; returns an error text or ''."""
    kind = REPORT_KINDS[request.report_type]
    if request.status in (ReportStatus.PLANNED, ReportStatus.FAILED) or not request.report_id:
        spec = {
            "reportType": request.report_type,
            "marketplaceIds": [request.marketplace.amazon_marketplace_id],
            "dataStartTime": iso(request.data_start),
            "dataEndTime": iso(request.data_end),
        }
        if kind.options:
            spec["reportOptions"] = kind.options
        body = client.call("createReport", json=spec)
        request.report_id = str(body.get("reportId") or "")
        if not request.report_id:
            raise SpApiError("createReport", message="Amazon returned no reportId")
        request.status = ReportStatus.REQUESTED
        request.attempts += 1
        request.error = ""
        request.next_attempt_at = None
        request.save()  # at once: a restarted backfill polls this report

    if request.status == ReportStatus.REQUESTED:
        waited = 0.0
        while True:
            report = client.call("getReport", path_params={"reportId": request.report_id})
            status = report.get("processingStatus", "")
            request.processing_status = status
            if status == "DONE":
                request.document_id = report.get("reportDocumentId") or ""
                request.status = ReportStatus.DONE
                request.save()
                break
            if status in ("FATAL", "CANCELLED"):
                return _fail(request, f"report {request.report_id} ended {status}")
            request.save(update_fields=["processing_status", "updated_at"])
            if waited >= max_poll:
                return f"report {request.report_id} still {status}; polling resumes next run"
            client.sleep(poll)
            waited += poll

    document = client.call(
        "getReportDocument", path_params={"reportDocumentId": request.document_id}
    )
    for attempt in range(3):
        try:
            with transaction.atomic():
                stats = _download_and_import(document, client, kind, request)
                request.status = ReportStatus.IMPORTED
                request.rows = stats.lines
                request.error = ""
                request.next_attempt_at = None
                request.save()
            run.inserted += stats.inserted
            run.updated += stats.updated
            run.pages += 1
            return ""
        except kind.errors as exc:
            return _fail(request, f"report {request.report_id} {exc}; refused whole")
        except (OSError, EOFError, zlib.error, requests.RequestException) as exc:
            message = f"report {request.report_id}: download broken ({_describe(exc)})"
            log.info("%s, try %s", message, attempt + 1)
            request.error = message
    request.next_attempt_at = timezone.now() + dt.timedelta(minutes=5)
    request.save()
    return request.error


def _describe(exc) -> str:
    if isinstance(exc, EOFError):
        return "the compressed document ends early"
    if isinstance(exc, requests.RequestException):
        return type(exc).__name__
    return str(exc) or type(exc).__name__


def _download_and_import(document, client, kind, request):
    """Stream the document (no SP-API token: the URL is pre-signed), gunzip when Amazon
    says so, and parse it row by row."""
    url = document.get("url") or ""
    if not url:
        raise OSError("the report document has no URL")
    with client.session.get(url, stream=True, timeout=client.timeout) as response:
        response.raise_for_status()
        response.raw.decode_content = True  # transport encoding only; GZIP is ours to undo
        stream = response.raw
        if (document.get("compressionAlgorithm") or "").upper() == "GZIP":
            stream = gzip.GzipFile(fileobj=stream, mode="rb")
        content_type = response.headers.get("Content-Type", "")
        encoding = response.encoding if "charset" in content_type else "utf-8"
        return kind.importer(stream, encoding, request)
