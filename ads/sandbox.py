"""The Amazon Ads API in the local sandbox server (orders.sandbox serves both APIs and
Login with Amazon on one port): profiles, reporting v3 and Sponsored Products entity
lists, following shared/amazon-api/ads-api/CONTRACT.md.

- Every call needs `Authorization: Bearer <sandbox token>` and
  `Amazon-Advertising-API-ClientId`; report and entity calls also
  `Amazon-Advertising-API-Scope` with a known profile id (else 401/400 like Amazon).
- `POST /reporting/reports` checks the configuration (report type, groupBy, columns,
  timeUnit, GZIP_JSON, at most 31 days) and answers 425 for an identical report still
  in progress. Reports go PENDING, PROCESSING, then COMPLETED on successive status
  calls (`ADS_STEPS`), with a URL to a gzip JSON array holding exactly the columns
  asked for. Rows come from ads.history, as of the sandbox clock.
- Faults (`POST /_sandbox/faults`, by operation: listProfiles, createAsyncReport,
  getAsyncReport, listEntities, adsReportDownload), one consumed per call:
  "429" (with Retry-After: 1), "429-bare" (no Retry-After), "500", "503", "slow";
  on createAsyncReport also "failed" (the report ends FAILED), "stuck" (it never
  leaves PROCESSING) and "malformed-row" (one row of its file is broken); on
  adsReportDownload "truncated" (the gzip cut short).
"""

import datetime as dt
import gzip
import json
import time
import uuid
from urllib.parse import urlparse

from ads import history as ads_history
from catalog.demo import MARKETPLACES

ADS_STEPS = ["PENDING", "PROCESSING", "COMPLETED"]
REPORT_TYPES = {
    "spCampaigns": {"campaign", "adGroup", "campaignPlacement"},
    "spAdvertisedProduct": {"advertiser"},
}
MAX_DAYS = 31
ENTITY_KEYS = {
    "campaigns": "campaigns",
    "adGroups": "adGroups",
    "productAds": "productAds",
    "keywords": "keywords",
    "targets": "targetingClauses",
}


def _problem(code, detail):
    return {"code": code, "detail": detail}


def handles(path: str) -> bool:
    return (
        path == "/v2/profiles"
        or path.startswith("/reporting/reports")
        or (path.startswith("/sp/") and path.endswith("/list"))
        or path.startswith("/_sandbox/ads-reports/")
    )


def route(handler, method: str):
    """Answer one Ads API request on the sandbox's handler."""
    path = urlparse(handler.path).path
    if path.startswith("/_sandbox/ads-reports/"):
        return _download(handler, path.rsplit("/", 1)[-1])
    body = handler._body() if method == "POST" else b""
    if path == "/v2/profiles" and method == "GET":
        return _operation(handler, "listProfiles", lambda: _profiles(handler), scoped=False)
    if path == "/reporting/reports" and method == "POST":
        return _operation(handler, "createAsyncReport", lambda: _create(handler, body))
    if path.startswith("/reporting/reports/") and method == "DELETE":
        report_id = path.rsplit("/", 1)[-1]
        return _operation(handler, "deleteAsyncReport", lambda: _delete(handler, report_id))
    if path.startswith("/reporting/reports/") and method == "GET":
        report_id = path.rsplit("/", 1)[-1]
        return _operation(handler, "getAsyncReport", lambda: _status(handler, report_id))
    if path.startswith("/sp/") and method == "POST":
        kind = path.split("/")[2]
        if kind in ENTITY_KEYS:
            return _operation(handler, "listEntities", lambda: _entities(handler, kind, body))
    return handler._send(404, _problem("NOT_FOUND", f"No route for {method} {path}"))


def _profiles_of(state):
    region = [m for m in MARKETPLACES if m[3] == state.region]
    return ads_history.profiles(state.history(), region)


def _code_of(state, profile_id):
    for profile in _profiles_of(state):
        if str(profile["profileId"]) == str(profile_id):
            return next(
                m[0] for m in MARKETPLACES if m[2] == profile["accountInfo"]["marketplaceStringId"]
            )
    return None


def _operation(handler, operation, answer, scoped=True):
    from orders import sandbox

    state = handler.state
    state.record(operation, handler.command, handler.path)
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("Bearer ") or auth[7:] not in state.tokens:
        return handler._send(401, _problem("UNAUTHORIZED", "Not authorized: invalid token"))
    if handler.headers.get("Amazon-Advertising-API-ClientId") != sandbox.CLIENT_ID:
        return handler._send(
            400, _problem("INVALID_ARGUMENT", "Amazon-Advertising-API-ClientId is required")
        )
    if scoped:
        scope = handler.headers.get("Amazon-Advertising-API-Scope")
        if not scope:
            return handler._send(
                400, _problem("INVALID_ARGUMENT", "Amazon-Advertising-API-Scope is required")
            )
        handler.ads_code = _code_of(state, scope)
        handler.ads_profile = scope
        if handler.ads_code is None:
            return handler._send(401, _problem("UNAUTHORIZED", "Unknown profile"))
    fault = state.next_fault(operation)
    handler.fault = fault
    if fault == "429":
        return handler._send(429, _problem("TOO_MANY_REQUESTS", "Too Many Requests"),
                             {"Retry-After": "1"})  # fmt: skip
    if fault == "429-bare":
        return handler._send(429, _problem("TOO_MANY_REQUESTS", "Too Many Requests"))
    if fault in ("500", "503"):
        return handler._send(int(fault), _problem("INTERNAL_ERROR", "Internal error"))
    if fault == "slow":
        time.sleep(sandbox.SLOW_SECONDS)
    status, body = answer()
    return handler._send(status, body)


def _profiles(handler):
    return 200, _profiles_of(handler.state)


def _create(handler, raw):
    state = handler.state
    try:
        body = json.loads(raw or b"{}")
        config = body["configuration"]
        start = dt.date.fromisoformat(body["startDate"])
        end = dt.date.fromisoformat(body["endDate"])
    except (ValueError, KeyError, TypeError) as exc:
        return 400, _problem("INVALID_ARGUMENT", f"Malformed request: {exc}")
    report_type = config.get("reportTypeId")
    if config.get("adProduct") != "SPONSORED_PRODUCTS" or report_type not in REPORT_TYPES:
        return 400, _problem("INVALID_ARGUMENT", f"Unsupported reportTypeId {report_type!r}")
    group_by = config.get("groupBy") or []
    if not group_by or not set(group_by) <= REPORT_TYPES[report_type]:
        return 400, _problem("INVALID_ARGUMENT", f"groupBy {group_by!r} is not allowed")
    if not config.get("columns"):
        return 400, _problem("INVALID_ARGUMENT", "columns must not be empty")
    if config.get("format") != "GZIP_JSON" or config.get("timeUnit") not in ("DAILY", "SUMMARY"):
        return 400, _problem("INVALID_ARGUMENT", "format must be GZIP_JSON with a timeUnit")
    if end < start or (end - start).days + 1 > MAX_DAYS:
        return 400, _problem("INVALID_ARGUMENT", f"The date range may span at most {MAX_DAYS} days")
    fingerprint = json.dumps([handler.ads_profile, body["startDate"], body["endDate"], config],
                             sort_keys=True)  # fmt: skip
    now = state.clock()
    with state.lock:
        for report in state.ads_reports.values():
            busy = report["status"] in ("PENDING", "PROCESSING")
            if busy and report["fingerprint"] == fingerprint:
                return 425, _problem(
                    "DUPLICATE_REPORT", f"The Request is a duplicate of : {report['reportId']}"
                )
        report_id = str(uuid.uuid4())
        state.ads_reports[report_id] = {
            "reportId": report_id,
            "fingerprint": fingerprint,
            "name": body.get("name"),
            "configuration": config,
            "startDate": body["startDate"],
            "endDate": body["endDate"],
            "status": "PENDING",
            "step": 0,
            "fate": handler.fault if handler.fault in ("failed", "stuck", "malformed-row") else "",
            "code": handler.ads_code,
            "asOf": now,
            "createdAt": now.isoformat(),
        }
        return 200, _public(state.ads_reports[report_id], handler)


def _public(report, handler) -> dict:
    done = report["status"] == "COMPLETED"
    host = handler.headers.get("Host", "127.0.0.1")
    return {
        "reportId": report["reportId"],
        "name": report["name"],
        "configuration": report["configuration"],
        "startDate": report["startDate"],
        "endDate": report["endDate"],
        "status": report["status"],
        "createdAt": report["createdAt"],
        "updatedAt": report["createdAt"],
        "generatedAt": report["createdAt"] if done else None,
        "url": f"http://{host}/_sandbox/ads-reports/{report['reportId']}" if done else None,
        "urlExpiresAt": None,
        "fileSize": None,
        "failureReason": "Report generation failed" if report["status"] == "FAILED" else None,
    }


def _status(handler, report_id):
    state = handler.state
    with state.lock:
        report = state.ads_reports.get(report_id)
        if report is None:
            return 404, _problem("NOT_FOUND", f"Report {report_id} not found")
        if report["status"] in ("PENDING", "PROCESSING"):
            report["step"] += 1
            if report["fate"] == "stuck":
                report["status"] = "PROCESSING"
            elif report["step"] >= len(ADS_STEPS) - 1 and report["fate"] == "failed":
                report["status"] = "FAILED"
            else:
                report["status"] = ADS_STEPS[min(report["step"], len(ADS_STEPS) - 1)]
        return 200, _public(report, handler)


def _delete(handler, report_id):
    state = handler.state
    with state.lock:
        report = state.ads_reports.pop(report_id, None)
    if report is None:
        return 404, _problem("NOT_FOUND", f"Report {report_id} not found")
    return 200, {"code": "200", "detail": "Report deleted", "reportId": report_id}


def report_rows(state, report) -> list[dict]:
    config = report["configuration"]
    start = dt.date.fromisoformat(report["startDate"])
    end = dt.date.fromisoformat(report["endDate"])
    make = (
        ads_history.campaign_rows
        if config["reportTypeId"] == "spCampaigns"
        else ads_history.product_rows
    )
    rows, day = [], start
    while day <= end:
        rows += make(state.history(), report["code"], day, report["asOf"])
        day += dt.timedelta(days=1)
    columns = config["columns"]
    out = [{column: row.get(column) for column in columns} for row in rows]
    if report["fate"] == "malformed-row" and out:
        out[0]["date" if "date" in columns else columns[0]] = "not-a-date"
        if "cost" in columns:
            out[0]["cost"] = "lots"
    return out


def _download(handler, report_id):
    state = handler.state
    report = state.ads_reports.get(report_id)
    if report is None or report["status"] != "COMPLETED":
        return handler._send(404, _problem("NOT_FOUND", "No such report file"))
    fault = state.next_fault("adsReportDownload")
    state.record("adsReportDownload", handler.command, handler.path)
    if fault in ("500", "503"):
        return handler._send(int(fault), _problem("INTERNAL_ERROR", "Internal error"))
    data = gzip.compress(json.dumps(report_rows(state, report)).encode(), mtime=0)
    if fault == "truncated":
        data = data[: len(data) // 2]
    handler.send_response(200)
    handler.send_header("Content-Type", "application/octet-stream")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _entities(handler, kind, raw):
    try:
        body = json.loads(raw or b"{}")
        size = int(body.get("maxResults") or 100)
        offset = int(body.get("nextToken") or 0)
    except (ValueError, TypeError):
        return 400, _problem("INVALID_ARGUMENT", "Malformed list request")
    items = ads_history.entities(handler.state.history(), handler.ads_code)[kind]
    states = set(
        (body.get("stateFilter") or {}).get("include") or ["ENABLED", "PAUSED", "ARCHIVED"]
    )
    items = [item for item in items if item["state"] in states]
    page = items[offset : offset + size]
    answer = {ENTITY_KEYS[kind]: page, "totalResults": len(items)}
    if offset + size < len(items):
        answer["nextToken"] = str(offset + size)
    return 200, answer
