"""Sponsored Products report sync in two phases (seed 001), plus the daily entity refresh.

Request phase (daily, and on demand): for each selected profile, report type and
lookback day (ADS_LOOKBACK_DAYS before the profile's today), ask Amazon for a daily
GZIP_JSON report and store its id at once (an AdsReport row, committed before the next
request), so a crash never loses a report Amazon is preparing. A day whose report is
already pending is not asked again; a 425 (the same report still in progress) adopts
the id Amazon names.

Collect phase (30 minutes later, repeatable): poll each pending report.
- COMPLETED: download, parse every row, and replace the profile's rows of that day in
  one transaction with marking the report done. A row that does not parse refuses the
  whole file (nothing stored), with the row and the reason; the report is then failed.
- FAILED: marked failed with Amazon's reason.
- PENDING/PROCESSING: left for the next round.
- 429: the round stops there (Amazon asks us to slow down) and the rest waits.
Failed reports, and pending ones older than ADS_REPORT_STALE_HOURS, are asked again
up to ADS_MAX_REPORT_ATTEMPTS; after that they are given up with the error kept,
which the data health page and the alerts show.
"""

import contextlib
import datetime as dt
import operator
import re
import time
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ads.adsapi import AdsApiError, AdsClient
from ads.models import (
    AdGroup,
    AdsAccount,
    AdsProfile,
    AdsReport,
    AdvertisedProductDaily,
    Campaign,
    CampaignDaily,
    Keyword,
    ProductAd,
    ProductTarget,
    ReportStatus,
    ReportType,
)
from catalog.models import Listing, SkuSource
from catalog.services import sku_observe
from orders import dashboard, rollup
from orders.models import SyncRun, SyncSource
from orders.sync import new_run, run_sync

WINDOWS = (1, 7, 14, 30)
# Report column -> AdMetrics field, for every attribution window.
WINDOW_COLUMNS = {
    f"{column}{w}d": f"{field}_{w}d"
    for w in WINDOWS
    for column, field in (
        ("purchases", "purchases"),
        ("purchasesSameSku", "purchases_same_sku"),
        ("unitsSoldClicks", "units_sold"),
        ("unitsSoldSameSku", "units_sold_same_sku"),
        ("sales", "sales"),
        ("attributedSalesSameSku", "sales_same_sku"),
    )
}
METRIC_COLUMNS = ["impressions", "clicks", "cost", *WINDOW_COLUMNS]
METRIC_FIELDS = ["impressions", "clicks", "cost", *WINDOW_COLUMNS.values()]
COLUMNS = {
    ReportType.CAMPAIGNS: [
        "date", "campaignId", "campaignName", "campaignStatus", "campaignBudgetAmount",
        "campaignBudgetType", "campaignBudgetCurrencyCode", "campaignBiddingStrategy",
        *METRIC_COLUMNS,
    ],
    ReportType.ADVERTISED_PRODUCT: [
        "date", "campaignId", "adGroupId", "adId", "advertisedAsin", "advertisedSku",
        "campaignBudgetCurrencyCode", *METRIC_COLUMNS, "salesOtherSku7d", "unitsSoldOtherSku7d",
    ],
}  # fmt: skip
GROUP_BY = {ReportType.CAMPAIGNS: ["campaign"], ReportType.ADVERTISED_PRODUCT: ["advertiser"]}
DUPLICATE = re.compile(r"duplicate of\s*:?\s*([0-9A-Za-z-]{8,})")


class BadReport(ValueError):
    """A report file that cannot be stored as a whole."""


def client_for(account: AdsAccount, **kwargs) -> AdsClient:
    return AdsClient.for_account(account, **kwargs)


def profile_today(profile: AdsProfile, now: dt.datetime) -> dt.date:
    try:
        zone = zoneinfo.ZoneInfo(profile.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return now.astimezone(zone).date()


def report_body(report_type: str, day: dt.date) -> dict:
    return {
        "name": f"Seller Hub {report_type} {day.isoformat()}",
        "startDate": day.isoformat(),
        "endDate": day.isoformat(),
        "configuration": {
            "adProduct": "SPONSORED_PRODUCTS",
            "reportTypeId": report_type,
            "groupBy": GROUP_BY[report_type],
            "columns": COLUMNS[report_type],
            "timeUnit": "DAILY",
            "format": "GZIP_JSON",
        },
    }


# --- request phase ------------------------------------------------------------------


def request_report(client, profile, report_type, day, *, attempt=1, now=None) -> AdsReport:
    """Ask for one report and store its id at once (a 425 adopts the one in progress)."""
    now = now or timezone.now()
    try:
        answer = client.create_report(profile.profile_id, report_body(report_type, day))
        report_id = str(answer.get("reportId") or "")
    except AdsApiError as exc:
        found = DUPLICATE.search(exc.message or "") if exc.status == 425 else None
        if not found:
            raise
        report_id = found.group(1)
    if not report_id:
        raise AdsApiError("createAsyncReport", message="Amazon answered without a reportId")
    with transaction.atomic():
        AdsReport.objects.filter(
            profile=profile,
            report_type=report_type,
            date=day,
            status__in=[ReportStatus.PENDING, ReportStatus.FAILED],
        ).update(status=ReportStatus.REPLACED)
        return AdsReport.objects.create(
            profile=profile,
            report_type=report_type,
            date=day,
            report_id=report_id,
            attempt=attempt,
            requested_at=now,
        )


def wanted_days(profile, now, days=None) -> list[dt.date]:
    today = profile_today(profile, now)
    lookback = days if days is not None else settings.ADS_LOOKBACK_DAYS
    return sorted({today - dt.timedelta(days=n) for n in lookback}, reverse=True)


def request_reports(account, *, client=None, now=None, days=None, report_types=None):
    """The request phase for one account's selected profiles; the SyncRun."""
    now = now or timezone.now()
    client = client or client_for(account)
    run = new_run(SyncSource.ADS_REQUEST, account.region)
    types = report_types or list(ReportType)

    def work():
        asked = skipped = 0
        for profile in account.profiles.filter(selected=True):
            for day in wanted_days(profile, now, days):
                for report_type in types:
                    pending = AdsReport.objects.filter(
                        profile=profile, report_type=report_type, date=day,
                        status=ReportStatus.PENDING,
                        requested_at__gte=now - dt.timedelta(hours=settings.ADS_REPORT_STALE_HOURS),
                    )  # fmt: skip
                    if pending.exists():
                        skipped += 1
                        continue
                    request_report(client, profile, report_type, day, now=now)
                    asked += 1
                    run.inserted = asked
        run.detail = f"{asked} reports asked for, {skipped} already pending"
        return []

    return run_sync(run, client, f"ads-request:{account.region}", work, expected=(AdsApiError,))


# --- collect phase --------------------------------------------------------------------


def collect_reports(account, *, client=None, now=None) -> SyncRun:
    """The collect phase for one account: poll, store, retry or give up."""
    now = now or timezone.now()
    client = client or client_for(account)
    run = new_run(SyncSource.ADS_COLLECT, account.region)

    def work():
        problems, done, rows = [], 0, 0
        pending = AdsReport.objects.filter(
            profile__account=account, status=ReportStatus.PENDING
        ).select_related("profile", "profile__marketplace")
        for report in pending.order_by("requested_at", "id"):
            try:
                status = client.report(
                    report.profile.profile_id, report.report_id, retry_throttled=False
                )
            except AdsApiError as exc:
                if exc.throttled:
                    problems.append("Amazon throttled the status calls; the rest waits.")
                    break
                if exc.status == 404:
                    _fail(report, now, f"Amazon does not know report {report.report_id}")
                    continue
                raise
            report.amazon_status = str(status.get("status") or "")
            report.checked_at = now
            if report.amazon_status == "COMPLETED":
                try:
                    stored = store_report(client, report, status.get("url") or "", now)
                except BadReport as exc:
                    _fail(report, now, f"unreadable report: {exc}")
                    problems.append(f"{report}: {exc}")
                    continue
                except AdsApiError as exc:
                    if exc.throttled:
                        problems.append("Amazon throttled the download; the rest waits.")
                        break
                    _fail(report, now, str(exc))
                    problems.append(f"{report}: {exc}")
                    continue
                done += 1
                rows += stored
            elif report.amazon_status == "FAILED":
                _fail(report, now, str(status.get("failureReason") or "Amazon: FAILED"))
            else:
                report.save(update_fields=["amazon_status", "checked_at"])
        problems += retry_or_give_up(client, account, now)
        run.inserted = rows
        run.detail = f"{done} reports stored ({rows} rows)"
        return problems

    return run_sync(run, client, f"ads-collect:{account.region}", work, expected=(AdsApiError,))


def _fail(report, now, error):
    report.status = ReportStatus.FAILED
    report.error = error[:2000]
    report.checked_at = now
    report.save(update_fields=["status", "error", "checked_at", "amazon_status"])


def retry_or_give_up(client, account, now) -> list[str]:
    """Ask again for failed reports and for pending ones Amazon never completed; give
    up after ADS_MAX_REPORT_ATTEMPTS. Returns the problems to show."""
    problems = []
    stale = now - dt.timedelta(hours=settings.ADS_REPORT_STALE_HOURS)
    retry = AdsReport.objects.filter(profile__account=account).filter(
        status=ReportStatus.FAILED
    ) | AdsReport.objects.filter(
        profile__account=account, status=ReportStatus.PENDING, requested_at__lt=stale
    )
    for report in retry.select_related("profile").order_by("requested_at", "id"):
        if report.status == ReportStatus.PENDING:
            report.error = f"not completed {settings.ADS_REPORT_STALE_HOURS:g} hours after asking"
            report.save(update_fields=["error"])
        if report.attempt >= settings.ADS_MAX_REPORT_ATTEMPTS:
            report.status = ReportStatus.GAVE_UP
            report.save(update_fields=["status", "error"])
            problems.append(
                f"Gave up on {report.report_type} of {report.date} "
                f"({report.profile.country_code}) after {report.attempt} requests: {report.error}"
            )
            continue
        try:
            if report.status == ReportStatus.PENDING:
                # Still running at Amazon: cancel it, or the new request is a duplicate (425).
                try:
                    client.delete_report(report.profile.profile_id, report.report_id)
                except AdsApiError as exc:
                    if exc.status != 404:
                        raise
            request_report(
                client, report.profile, report.report_type, report.date,
                attempt=report.attempt + 1, now=now,
            )  # fmt: skip
        except AdsApiError as exc:
            problems.append(f"Could not ask again for {report}: {exc}")
            if exc.throttled:
                break
    return problems


def store_report(client, report: AdsReport, url: str, now) -> int:
    """Download, parse and store one completed report as it streams; returns the rows
    stored."""
    if not url:
        raise BadReport("Amazon gave no download URL")
    return store_rows(report, client.rows(url), now)


BATCH = 5000  # rows per bulk_create where there is no COPY (SQLite)


def store_rows(report: AdsReport, rows, now, rebuild=True) -> int:
    """Parse every row of a report's file (any iterable, streamed) and replace the
    profile's rows of its day, in one transaction with marking the report completed and
    (advertised products, unless `rebuild` is off) rebuilding that day's daily rollup; a
    bad row refuses them all (nothing of the file is kept)."""
    profile = report.profile
    product = report.report_type == ReportType.ADVERTISED_PRODUCT
    model = AdvertisedProductDaily if product else CampaignDaily
    parse = _product_row if product else _campaign_row
    listings = {}
    if product and profile.marketplace_id is not None:
        listings = dict(
            Listing.objects.filter(marketplace_id=profile.marketplace_id).values_list(
                "seller_sku", "pk"
            )
        )
    unmapped, count = {}, 0
    with transaction.atomic():
        # Restated: the day's rows are replaced whole by the newest report of it.
        model.objects.filter(profile=profile, date=report.date).delete()
        with _writer(model) as write:
            for number, row in _numbered(rows):
                values = parse(profile, report.date, row, number, now)
                if product:
                    values["listing_id"] = listings.get(values["advertised_sku"])
                    if values["listing_id"] is None:
                        unmapped.setdefault(values["advertised_sku"], values["advertised_asin"])
                write(values)
                count += 1
        if profile.marketplace_id is not None:
            for sku, asin in sorted(unmapped.items()):
                # Seen in ads without a listing: data health lists it for mapping.
                sku_observe(marketplace=profile.marketplace, seller_sku=sku,
                            source=SkuSource.ADS, asin=asin, when=now)  # fmt: skip
        report.status = ReportStatus.COMPLETED
        report.rows = count
        report.completed_at = now
        report.error = ""
        report.save()
        if product and rebuild and profile.marketplace_id is not None:
            rollup.rebuild({(profile.marketplace_id, report.date)})  # bumps the cache
        dashboard.bump_generation()  # cached figures read these rows
    return count


@contextlib.contextmanager
def _writer(model):
    """A function writing one row (a dict of field values): on PostgreSQL into one COPY
    that streams while the rows are parsed (a report may hold a million rows), elsewhere
    bulk_create in batches."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if connection.vendor != "postgresql":
        batch = []

        def add(values):
            batch.append(model(**values))
            if len(batch) >= BATCH:
                model.objects.bulk_create(batch)
                batch.clear()

        yield add
        model.objects.bulk_create(batch)
        return
    row_of = operator.itemgetter(*(f.attname for f in fields))
    statement = f"COPY {model._meta.db_table} ({', '.join(f.column for f in fields)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        write_row = copy.write_row
        yield lambda values: write_row(row_of(values))


def _numbered(rows):
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise BadReport(f"row {number}: not an object")
        yield number, row


def _int(row, name, number, required=False) -> int:
    value = row.get(name)
    if type(value) is int:  # the common case, at once (bool is not int here)
        return value
    if value is None and not required:
        return 0
    numeric = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if not numeric or not _finite(value) or value != int(value):
        raise BadReport(f"row {number}: {name} is {value!r}, not a whole number")
    return int(value)


def _finite(value) -> bool:
    return (
        value.is_finite()
        if isinstance(value, Decimal)
        else value == value and abs(value) != float("inf")
    )


def _money(row, name, number, nullable=False) -> Decimal | None:
    value = row.get(name)
    if value is None:
        return None if nullable else Decimal(0)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise BadReport(f"row {number}: {name} is {value!r}, not an amount")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise BadReport(f"row {number}: {name} is {value!r}, not an amount") from None
    if not amount.is_finite():
        raise BadReport(f"row {number}: {name} is {value!r}, not an amount")
    return amount.quantize(Decimal("0.0001"))


# (report column, field) of the metrics, split by kind once for the per-row loop.
_INT_METRICS = [("impressions", "impressions"), ("clicks", "clicks")] + [
    (column, name) for column, name in WINDOW_COLUMNS.items() if not name.startswith("sales")
]
_MONEY_METRICS = [("cost", "cost")] + [
    (column, name) for column, name in WINDOW_COLUMNS.items() if name.startswith("sales")
]


def _metrics(row, number, report_day) -> dict:
    """The metrics of one row. The common case (a whole number, an amount of at most four
    decimals) is taken as it is; anything else goes through the full checks."""
    date = row.get("date")
    if date != report_day.isoformat():
        raise BadReport(f"row {number}: date {date!r} is not the report's day {report_day}")
    get = row.get
    values = {}
    for column, name in _INT_METRICS:
        value = get(column)
        values[name] = value if type(value) is int else _int(row, column, number)
    for column, name in _MONEY_METRICS:
        value = get(column)
        kind = type(value)
        if kind is int:
            value = Decimal(value)
        elif kind is not Decimal or not value.is_finite() or value.as_tuple().exponent < -4:
            value = _money(row, column, number)
        values[name] = value
    return values


def _text(row, name, limit) -> str:
    value = row.get(name)
    return "" if value is None else str(value)[:limit]


def _campaign_row(profile, day, row, number, now) -> dict:
    return {
        "profile_id": profile.pk,
        "date": day,
        "campaign_id": _int(row, "campaignId", number, required=True),
        "campaign_name": _text(row, "campaignName", 255),
        "campaign_status": _text(row, "campaignStatus", 20),
        "budget_amount": _money(row, "campaignBudgetAmount", number, nullable=True),
        "budget_type": _text(row, "campaignBudgetType", 20),
        "bidding_strategy": _text(row, "campaignBiddingStrategy", 40),
        "currency": _text(row, "campaignBudgetCurrencyCode", 3) or profile.currency,
        "updated_at": now,
        **_metrics(row, number, day),
    }


def _product_row(profile, day, row, number, now) -> dict:
    sku = _text(row, "advertisedSku", 64)
    if not sku:
        raise BadReport(f"row {number}: no advertisedSku (only sellers' reports are supported)")
    return {
        "profile_id": profile.pk,
        "date": day,
        "campaign_id": _int(row, "campaignId", number, required=True),
        "ad_group_id": _int(row, "adGroupId", number, required=True),
        "ad_id": _int(row, "adId", number) or None,
        "advertised_sku": sku,
        "advertised_asin": _text(row, "advertisedAsin", 10),
        "currency": _text(row, "campaignBudgetCurrencyCode", 3) or profile.currency,
        "sales_other_sku_7d": _money(row, "salesOtherSku7d", number),
        "units_sold_other_sku_7d": _int(row, "unitsSoldOtherSku7d", number),
        "updated_at": now,
        **_metrics(row, number, day),
    }


# --- profiles and entities ------------------------------------------------------------


def refresh_profiles(account, *, client=None, now=None) -> list[AdsProfile]:
    """Store the profiles Amazon lists for the account (selection kept)."""
    client = client or client_for(account)
    return store_profiles(account, client.profiles(), now or timezone.now())


def store_profiles(account, items, now) -> list[AdsProfile]:
    from catalog.models import Marketplace

    by_amazon_id = {m.amazon_marketplace_id: m for m in Marketplace.objects.all()}
    by_country = {}
    for marketplace in by_amazon_id.values():
        by_country.setdefault(marketplace.country_code, marketplace)
    found = []
    for item in items:
        info = item.get("accountInfo") or {}
        marketplace = by_amazon_id.get(info.get("marketplaceStringId")) or by_country.get(
            item.get("countryCode")
        )
        profile, _ = AdsProfile.objects.update_or_create(
            profile_id=int(item["profileId"]),
            defaults={
                "account": account,
                "country_code": str(item.get("countryCode") or "")[:2],
                "marketplace": marketplace,
                "currency": str(item.get("currencyCode") or "")[:3],
                "time_zone": str(item.get("timezone") or "UTC")[:64],
                "account_name": str(info.get("name") or "")[:200],
                "account_type": str(info.get("type") or "")[:20],
                "amazon_marketplace_id": str(info.get("marketplaceStringId") or "")[:20],
                "last_seen_at": now,
            },
        )
        found.append(profile)
    return found


def _decimal(value):
    try:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.0001"))
    except InvalidOperation:
        return None


def _date(value):
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


ENTITY_MODELS = {
    "campaigns": (Campaign, "campaign_id", lambda i: {
        "name": str(i.get("name") or "")[:255],
        "targeting_type": str(i.get("targetingType") or "")[:10],
        "budget": _decimal((i.get("budget") or {}).get("budget")),
        "budget_type": str((i.get("budget") or {}).get("budgetType") or "")[:20],
        "start_date": _date(i.get("startDate")),
        "end_date": _date(i.get("endDate")),
        "portfolio_id": int(i["portfolioId"]) if i.get("portfolioId") else None,
        "bidding_strategy": str((i.get("dynamicBidding") or {}).get("strategy") or "")[:40],
    }),
    "adGroups": (AdGroup, "ad_group_id", lambda i: {
        "campaign_id": int(i["campaignId"]),
        "name": str(i.get("name") or "")[:255],
        "default_bid": _decimal(i.get("defaultBid")),
    }),
    "productAds": (ProductAd, "ad_id", lambda i: {
        "campaign_id": int(i["campaignId"]),
        "ad_group_id": int(i["adGroupId"]),
        "sku": str(i.get("sku") or "")[:64],
        "asin": str(i.get("asin") or "")[:10],
    }),
    "keywords": (Keyword, "keyword_id", lambda i: {
        "campaign_id": int(i["campaignId"]),
        "ad_group_id": int(i["adGroupId"]),
        "keyword_text": str(i.get("keywordText") or "")[:255],
        "match_type": str(i.get("matchType") or "")[:10],
        "bid": _decimal(i.get("bid")),
    }),
    "targets": (ProductTarget, "target_id", lambda i: {
        "campaign_id": int(i["campaignId"]),
        "ad_group_id": int(i["adGroupId"]),
        "expression_type": str(i.get("expressionType") or "")[:10],
        "expression": i.get("expression") or [],
        "bid": _decimal(i.get("bid")),
    }),
}  # fmt: skip
ENTITY_IDS = {
    "campaigns": "campaignId", "adGroups": "adGroupId", "productAds": "adId",
    "keywords": "keywordId", "targets": "targetId",
}  # fmt: skip


def refresh_entities(account, *, client=None, now=None) -> SyncRun:
    """Campaigns, ad groups, product ads, keywords and targets of the selected profiles,
    upserted on Amazon's ids (enabled and paused ones; archived ones keep their rows)."""
    now = now or timezone.now()
    client = client or client_for(account)
    run = new_run(SyncSource.ADS_ENTITIES, account.region)

    def work():
        total = 0
        for profile in account.profiles.filter(selected=True):
            for kind in ENTITY_MODELS:
                total += store_entities(
                    profile, kind, client.list_entities(kind, profile.profile_id), now
                )
        run.inserted = total
        run.detail = f"{total} entities refreshed"
        return []

    return run_sync(run, client, f"ads-entities:{account.region}", work, expected=(AdsApiError,))


# --- on demand: sync now and backfill -------------------------------------------------------

MAX_BACKFILL_DAYS = 95  # Amazon keeps Sponsored Products report data this long


def sync_now(account, *, client=None, poll_seconds=None, max_wait=300, sleep=time.sleep):
    """Request → poll → collect in one go (the manual sync): the lookback days are asked
    for, then collected every `poll_seconds` until none is pending or `max_wait` has
    passed; what is still pending is left to the scheduled collect."""
    client = client or client_for(account)
    poll_seconds = settings.ADS_REPORT_POLL_SECONDS if poll_seconds is None else poll_seconds
    runs = [request_reports(account, client=client)]
    waited = 0.0
    while True:
        runs.append(collect_reports(account, client=client))
        pending = AdsReport.objects.filter(
            profile__account=account, status=ReportStatus.PENDING
        ).exists()
        if not pending or waited + poll_seconds > max_wait:
            return runs
        sleep(poll_seconds)
        waited += poll_seconds


def backfill(account, *, days=60, batch=5, client=None, now=None, poll_seconds=None,
             batch_wait=180, pause_seconds=None, deadline_seconds=270, sleep=time.sleep,
             clock=time.monotonic, progress=None) -> dict:  # fmt: skip
    """Fetch the last `days` days (today excluded), `batch` days at a time, skipping days
    already complete; every selected profile. Returns seed 001's summary and per-date
    results (success, skipped, error, timeout)."""
    if not 1 <= days <= MAX_BACKFILL_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_BACKFILL_DAYS} (Amazon's retention).")
    if not 1 <= batch <= 31:
        raise ValueError("batch must be between 1 and 31.")
    now = now or timezone.now()
    client = client or client_for(account)
    poll_seconds = settings.ADS_REPORT_POLL_SECONDS if poll_seconds is None else poll_seconds
    if pause_seconds is None:
        pause_seconds = settings.ADS_BACKFILL_PAUSE_SECONDS
    started = clock()
    results = []
    run = new_run(SyncSource.ADS_BACKFILL, account.region, trigger="backfill")

    def work():
        profiles = list(account.profiles.filter(selected=True).select_related("marketplace"))
        for profile in profiles:
            today = profile_today(profile, now)
            wanted = [today - dt.timedelta(days=n) for n in range(1, days + 1)]
            complete = _complete_days(profile, wanted)
            todo = []
            for day in wanted:
                if day in complete:
                    results.append(_result(profile, day, "skipped"))
                else:
                    todo.append(day)
            for start in range(0, len(todo), batch):
                chunk = todo[start : start + batch]
                if clock() - started > deadline_seconds:
                    results.extend(_result(profile, d, "timeout", "deadline") for d in chunk)
                    continue
                results.extend(
                    _backfill_batch(client, profile, chunk, now, poll_seconds, batch_wait, sleep)
                )
                if progress:
                    progress(len(chunk))
                if start + batch < len(todo):
                    sleep(pause_seconds)
        run.inserted = sum(r.get("rows", 0) for r in results)
        run.detail = f"backfill of {days} days: " + ", ".join(
            f"{n} {status}" for status, n in _counts(results).items()
        )
        return [f"{r['date']}: {r['status']} {r.get('error', '')}".strip() for r in results
                if r["status"] in ("error", "timeout")]  # fmt: skip

    run_sync(run, client, f"ads-collect:{account.region}", work, expected=(AdsApiError,))
    counts = _counts(results)
    return {
        "success": run.status in ("success", "partial"),
        "run_id": run.pk,
        "error": run.error if run.status == "failed" else "",
        "summary": {
            "total": len(results),
            "fetched": counts.get("success", 0),
            "rows": run.inserted,
            "skipped": counts.get("skipped", 0),
            "errors": counts.get("error", 0),
            "timeouts": counts.get("timeout", 0),
        },
        "results": sorted(results, key=lambda r: (r["date"], r["profile_id"])),
    }


def _counts(results) -> dict:
    counts = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return counts


def _result(profile, day, status, error="", rows=None) -> dict:
    result = {"date": day.isoformat(), "profile_id": profile.profile_id, "status": status}
    if error:
        result["error"] = error
    if rows is not None:
        result["rows"] = rows
    return result


def _complete_days(profile, days) -> set:
    """Days whose every report type was stored."""
    done = {}
    for report_type, day in AdsReport.objects.filter(
        profile=profile, date__in=days, status=ReportStatus.COMPLETED
    ).values_list("report_type", "date"):
        done.setdefault(day, set()).add(report_type)
    return {day for day, types in done.items() if types >= set(ReportType.values)}


def _backfill_batch(client, profile, days, now, poll_seconds, batch_wait, sleep) -> list:
    reports, results = {}, []
    for day in days:
        try:
            reports[day] = [request_report(client, profile, t, day, now=now) for t in ReportType]
        except AdsApiError as exc:
            results.append(_result(profile, day, "error", str(exc)))
    waited = 0.0
    open_days = dict(reports)
    while open_days:
        for day, day_reports in list(open_days.items()):
            outcome = _poll_day(client, day_reports, now)
            if outcome is None:
                continue
            status, error, rows = outcome
            results.append(_result(profile, day, status, error, rows))
            del open_days[day]
        if not open_days:
            break
        if waited + poll_seconds > batch_wait:
            results.extend(_result(profile, d, "timeout", "still processing") for d in open_days)
            break
        sleep(poll_seconds)
        waited += poll_seconds
    return results


def _poll_day(client, day_reports, now):
    """(status, error, rows) once every report of the day is done, else None."""
    rows = 0
    for report in day_reports:
        if report.status == ReportStatus.COMPLETED:
            rows += report.rows or 0
            continue
        answer = client.report(report.profile.profile_id, report.report_id)
        state = answer.get("status")
        report.amazon_status = str(state or "")
        if state == "FAILED":
            _fail(report, now, str(answer.get("failureReason") or "Amazon: FAILED"))
            return "error", report.error, None
        if state != "COMPLETED":
            return None
        try:
            rows += store_report(client, report, answer.get("url") or "", now)
        except (BadReport, AdsApiError) as exc:
            _fail(report, now, str(exc))
            return "error", report.error, None
    return "success", "", rows


def store_entities(profile, kind, items, now) -> int:
    """Upsert one kind of entity of a profile on Amazon's ids."""
    model, key, fields = ENTITY_MODELS[kind]
    objects = []
    for item in items:
        try:
            values = fields(item)
            ident = int(item[ENTITY_IDS[kind]])
        except (KeyError, TypeError, ValueError) as exc:
            raise AdsApiError(
                f"list {kind}", code="MalformedEntity", message=f"{item!r:.200}: {exc}"
            ) from None
        objects.append(
            model(
                profile=profile,
                state=str(item.get("state") or "")[:10],
                refreshed_at=now,
                **{key: ident},
                **values,
            )
        )
    if objects:
        with transaction.atomic():
            model.objects.bulk_create(
                objects,
                update_conflicts=True,
                unique_fields=[key],
                update_fields=["profile", "state", "refreshed_at", *fields(items[0])],
            )
    return len(objects)
