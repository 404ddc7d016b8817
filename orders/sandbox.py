"""A local HTTP server that answers like Amazon's SP-API, the Amazon Ads API
(routes in ads.sandbox) and Login with Amazon.

Shapes follow the official models in shared/amazon-api/sp-api (contract
tests validate them). It holds no real data: a sandbox seller whose
credentials are the constants below. Faults are injected per operation with
`POST /_sandbox/faults` (JSON `{"getMarketplaceParticipations": ["429", "ok"]}`),
consumed one per call:

  "429"        throttled, with x-amzn-RateLimit-Limit
  "429-bare"   throttled, without rate headers
  "500", "503" server errors
  "slow"       answers after SANDBOX_SLOW_SECONDS (past a client's timeout)
  "ok"         a normal answer
  "repeat-token"   (searchOrders) a page whose nextToken is the token just sent
  "fatal", "cancelled", "malformed-row"   (createReport) the report accepted now
                   ends FATAL / CANCELLED, or its document has one broken row
  "truncated"  (reportDocumentDownload) the gzip document cut short
  "malformed-event"  (listFinancialEvents) a page whose first event has a broken date

Orders come from `orders.history.OrderHistory`: the demo catalog's listings in
the sandbox's region (the same generator seed_demo imports), evaluated at the
sandbox clock, so pending orders turn shipped as time passes. Reports go
IN_QUEUE, IN_PROGRESS, then DONE on successive getReport calls. Financial events
(shipment fees, refunds) come from the same history (`history.financial_events`),
and FBA stock from `history.inventory_summary`, 50 summaries a page.

`GET /_sandbox/requests` lists the calls received (operation, time), so tests
can check that a client never exceeded Amazon's rate.

Run it with `python manage.py amazon_sandbox --port 9100`.
"""

import base64
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import threading
import time
import uuid
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from ads import sandbox as ads_sandbox
from catalog.demo import MARKETPLACES
from orders import history
from orders.spapi import OPERATIONS

CLIENT_ID = "amzn1.application-oa2-client.sellerhub-sandbox"
CLIENT_SECRET = "amzn1.oa2-cs.v1.sellerhub-sandbox-secret"
REFRESH_TOKEN = "Atzr|sellerhub-sandbox-refresh-token"
SELLING_PARTNER_ID = "A3SANDBOXSELLER"
SLOW_SECONDS = 3.0
ALL_ORDERS_REPORT = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL"
REPORT_STEPS = ["IN_QUEUE", "IN_PROGRESS", "DONE"]
INVENTORY_PAGE = 50  # summaries per getInventorySummaries page, as Amazon pages them


class SandboxState:
    def __init__(self, region: str = "NA", orders=None, clock=None):
        self.region = region
        self.faults: dict[str, list[str]] = {}
        self.requests: list[dict] = []
        self.tokens: set[str] = set()
        self.lock = threading.Lock()
        self.orders = orders  # an OrderHistory; None: the demo catalog's, built lazily
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self.reports: dict[str, dict] = {}
        self.events_cache: dict[tuple, list] = {}
        self.ads_reports: dict[str, dict] = {}  # the Ads API's (ads.sandbox)

    def history(self) -> history.OrderHistory:
        with self.lock:
            if self.orders is None:
                codes = {m[0] for m in MARKETPLACES if m[3] == self.region}
                self.orders = history.OrderHistory(history.demo_listings(42, codes))
            return self.orders

    def financial_events(self, after, before) -> list:
        """The events of a window, kept while its pages are asked for."""
        key = (after, before)
        with self.lock:
            found = self.events_cache.get(key)
        if found is None:
            found = history.financial_events(self.history(), after, before)
            with self.lock:
                if len(self.events_cache) >= 8:
                    self.events_cache.pop(next(iter(self.events_cache)))
                self.events_cache[key] = found
        return found

    def next_fault(self, operation) -> str:
        with self.lock:
            queue = self.faults.get(operation) or []
            return queue.pop(0) if queue else "ok"

    def record(self, operation, method, path):
        with self.lock:
            self.requests.append(
                {"operation": operation, "method": method, "path": path, "at": time.time()}
            )


def _error_list(code, message, details=""):
    return {"errors": [{"code": code, "message": message, "details": details}]}


class Handler(BaseHTTPRequestHandler):
    server_version = "SellerHubSandbox/1"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> SandboxState:
        return self.server.state

    def log_message(self, format, *args):  # quiet unless asked
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def _send(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # --- routing -------------------------------------------------------------------

    def do_POST(self):
        url = urlparse(self.path)
        if ads_sandbox.handles(url.path):
            return ads_sandbox.route(self, "POST")
        if url.path == "/auth/o2/token":
            return self._token(parse_qs(self._body().decode()))
        if url.path == "/_sandbox/faults":
            plan = json.loads(self._body() or b"{}")
            with self.state.lock:
                for operation, faults in plan.items():
                    self.state.faults[operation] = list(faults)
            return self._send(200, {"faults": self.state.faults})
        if url.path == "/_sandbox/reset":
            with self.state.lock:
                self.state.faults.clear()
                self.state.requests.clear()
            return self._send(200, {})
        if url.path == "/reports/2021-06-30/reports":
            body = self._body()  # read before any fault answer: the connection is reused
            return self._operation("createReport", lambda: self._create_report(body))
        return self._send(404, _error_list("NotFound", f"No route for POST {url.path}"))

    def do_DELETE(self):
        url = urlparse(self.path)
        if ads_sandbox.handles(url.path):
            return ads_sandbox.route(self, "DELETE")
        return self._send(404, _error_list("NotFound", f"No route for DELETE {url.path}"))

    def do_GET(self):
        url = urlparse(self.path)
        if ads_sandbox.handles(url.path):
            return ads_sandbox.route(self, "GET")
        if url.path == "/_sandbox/requests":
            return self._send(200, {"requests": self.state.requests})
        if url.path == "/sellers/v1/marketplaceParticipations":
            return self._operation("getMarketplaceParticipations", self._participations)
        query = parse_qs(url.query, keep_blank_values=True)
        if url.path == "/orders/2026-01-01/orders":
            return self._operation("searchOrders", lambda: self._search_orders(query))
        parts = url.path.strip("/").split("/")
        if url.path.startswith("/orders/2026-01-01/orders/") and len(parts) == 4:
            return self._operation("getOrder", lambda: self._get_order(parts[3], query))
        if url.path == "/fba/inventory/v1/summaries":
            return self._operation("getInventorySummaries", lambda: self._inventory(query))
        if url.path == "/finances/v0/financialEvents":
            return self._operation("listFinancialEvents", lambda: self._financial_events(query))
        if url.path.startswith("/reports/2021-06-30/reports/") and len(parts) == 4:
            return self._operation("getReport", lambda: self._get_report(parts[3]))
        if url.path.startswith("/reports/2021-06-30/documents/") and len(parts) == 4:
            return self._operation("getReportDocument", lambda: self._get_document(parts[3]))
        if url.path.startswith("/_sandbox/documents/") and len(parts) == 3:
            return self._download(parts[2])
        return self._send(404, _error_list("NotFound", f"No route for GET {url.path}"))

    # --- Login with Amazon ------------------------------------------------------------

    def _token(self, form):
        def one(name):
            return (form.get(name) or [""])[0]

        if one("grant_type") != "refresh_token":
            return self._send(
                400,
                {"error": "unsupported_grant_type", "error_description": "grant_type"},
            )
        if one("client_id") != CLIENT_ID or one("client_secret") != CLIENT_SECRET:
            return self._send(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client authentication failed",
                },
            )
        if one("refresh_token") != REFRESH_TOKEN:
            return self._send(
                400,
                {
                    "error": "invalid_grant",
                    "error_description": "The request has an invalid grant parameter : "
                    "refresh_token",
                },
            )
        token = "Atza|sandbox-" + uuid.uuid4().hex
        with self.state.lock:
            self.state.tokens.add(token)
        return self._send(
            200,
            {
                "access_token": token,
                "refresh_token": REFRESH_TOKEN,
                "token_type": "bearer",
                "expires_in": 3600,
            },
        )

    # --- SP-API operations -------------------------------------------------------------

    def _operation(self, operation, answer):
        self.state.record(operation, self.command, self.path)
        if self.headers.get("x-amz-access-token") not in self.state.tokens:
            return self._send(
                403,
                _error_list(
                    "Unauthorized",
                    "Access to requested resource is denied.",
                    "The access token you provided is revoked, malformed or invalid.",
                ),
            )
        fault = self.state.next_fault(operation)
        rate = {"x-amzn-RateLimit-Limit": str(OPERATIONS[operation].rate)}
        self.fault = fault
        if fault == "429":
            return self._send(
                429,
                _error_list("QuotaExceeded", "You exceeded your quota for the requested resource."),
                rate,
            )
        if fault == "429-bare":
            return self._send(
                429,
                _error_list("QuotaExceeded", "You exceeded your quota for the requested resource."),
            )
        if fault in ("500", "503"):
            return self._send(
                int(fault), _error_list("InternalFailure", "We encountered an internal error.")
            )
        if fault == "slow":
            time.sleep(SLOW_SECONDS)
        status, body = answer()
        return self._send(status, body, rate)

    def _participations(self):
        payload = [
            {
                "marketplace": {
                    "id": mid,
                    "name": f"Amazon.{domain.split('amazon.', 1)[1]}",
                    "countryCode": country,
                    "defaultCurrencyCode": currency,
                    "defaultLanguageCode": "en_US" if country == "US" else f"en_{country}",
                    "domainName": f"www.{domain}",
                },
                "participation": {"isParticipating": True, "hasSuspendedListings": False},
                "storeName": "Seller Hub Sandbox Store",
            }
            for _code, _name, mid, region, country, currency, _tz, domain in MARKETPLACES
            if region == self.state.region
        ]
        return 200, {"payload": payload}

    # --- Orders 2026-01-01 ---------------------------------------------------------------

    def _search_orders(self, query):
        def one(name):
            values = query.get(name)
            return values[0] if values else None

        def many(name):
            return [v for value in query.get(name, []) for v in value.split(",") if v]

        token = one("paginationToken")
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                as_of = dt.datetime.fromisoformat(state["asOf"])
                offset = int(state["offset"])
            except (ValueError, KeyError, TypeError):
                return 400, _error_list("InvalidInput", "Invalid paginationToken.")
        else:
            as_of, offset, state = self.state.clock(), 0, {}
        created_after, updated_after = one("createdAfter"), one("lastUpdatedAfter")
        if bool(created_after) == bool(updated_after):
            return 400, _error_list(
                "InvalidInput", "Exactly one of createdAfter and lastUpdatedAfter is required."
            )
        try:
            start = _parse_time(created_after or updated_after)
            before = one("createdBefore") if created_after else one("lastUpdatedBefore")
            end = _parse_time(before) if before else as_of - dt.timedelta(minutes=2)
            size = int(one("maxResultsPerPage") or 100)
        except ValueError as exc:
            return 400, _error_list("InvalidInput", str(exc))
        if end > as_of - dt.timedelta(minutes=2):
            return 400, _error_list(
                "InvalidInput",
                "createdBefore/lastUpdatedBefore must be at least 2 minutes in the past.",
            )
        if end < start:
            return 400, _error_list("InvalidInput", "The Before time is earlier than the After.")
        if not 1 <= size <= 100:
            return 400, _error_list("InvalidInput", "maxResultsPerPage must be 1 to 100.")
        key = _query_key(query)
        if token and state.get("key") != key:
            return 400, _error_list(
                "InvalidInput", "The other parameters changed between paginated calls."
            )
        marketplaces = set(many("marketplaceIds"))
        statuses = set(many("fulfillmentStatuses"))
        included = set(many("includedData"))
        orders_history = self.state.history()
        if created_after:
            found = orders_history.orders_created(start, end + dt.timedelta(microseconds=1))
        else:
            found = orders_history.orders_updated(start, end, as_of)
        matching = []
        for order in found:
            status, _updated = history.state(order, as_of)
            if marketplaces and order.marketplace_id not in marketplaces:
                continue
            if statuses and status not in statuses:
                continue
            matching.append(order)
        page = matching[offset : offset + size]
        body = {
            "orders": [history.api_order(order, as_of, included) for order in page],
            "lastUpdatedBefore" if updated_after else "createdBefore": history.iso(end),
        }
        if offset + size < len(matching):
            if self.fault == "repeat-token" and token:
                body["pagination"] = {"nextToken": token}
            else:
                next_state = {"asOf": as_of.isoformat(), "offset": offset + size, "key": key}
                body["pagination"] = {
                    "nextToken": base64.urlsafe_b64encode(json.dumps(next_state).encode()).decode()
                }
        return 200, body

    def _get_order(self, order_id, query):
        now = self.state.clock()
        order = self.state.history().find(order_id)
        if order is None or history.state(order, now) is None:
            return 404, _error_list("NotFound", f"Order {order_id} not found.")
        included = {v for value in query.get("includedData", []) for v in value.split(",")}
        return 200, {"order": history.api_order(order, now, included)}

    # --- FBA inventory v1 ---------------------------------------------------------------

    def _inventory(self, query):
        def one(name):
            values = query.get(name)
            return values[0] if values else None

        marketplace_ids = [v for value in query.get("marketplaceIds", []) for v in value.split(",")]
        if one("granularityType") != "Marketplace":
            return 400, _error_list("InvalidInput", "granularityType must be Marketplace.")
        granularity = one("granularityId")
        if not granularity or marketplace_ids != [granularity]:
            return 400, _error_list(
                "InvalidInput", "granularityId and marketplaceIds must name one marketplace."
            )
        now = self.state.clock()
        if one("startDateTime"):
            try:
                since = _parse_time(one("startDateTime"))
            except ValueError as exc:
                return 400, _error_list("InvalidInput", str(exc))
            if since < now - dt.timedelta(days=548):
                return 400, _error_list(
                    "InvalidInput", "startDateTime must be within the last 18 months."
                )
        token = one("nextToken")
        offset = 0
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                offset = int(state["offset"])
                created = dt.datetime.fromisoformat(state["at"])
            except (ValueError, KeyError, TypeError):
                return 400, _error_list("InvalidInput", "Invalid nextToken.")
            if now - created > dt.timedelta(seconds=30):
                return 400, _error_list("InvalidInput", "The nextToken has expired.")
        listings = sorted(
            (
                listing
                for listings in self.state.history().by_marketplace.values()
                for listing in listings
                if listing.marketplace_id == granularity
            ),
            key=lambda listing: listing.seller_sku,
        )
        page = listings[offset : offset + INVENTORY_PAGE]
        details = one("details") == "true"
        summaries = []
        for listing in page:
            summary = history.inventory_summary(listing, now)
            if not details:
                summary.pop("inventoryDetails")
            summaries.append(summary)
        body = {
            "payload": {
                "granularity": {"granularityType": "Marketplace", "granularityId": granularity},
                "inventorySummaries": summaries,
            }
        }
        if offset + INVENTORY_PAGE < len(listings):
            next_state = {"offset": offset + INVENTORY_PAGE, "at": now.isoformat()}
            body["pagination"] = {
                "nextToken": base64.urlsafe_b64encode(json.dumps(next_state).encode()).decode()
            }
        return 200, body

    # --- Finances v0 ----------------------------------------------------------------------

    def _financial_events(self, query):
        def one(name):
            values = query.get(name)
            return values[0] if values else None

        token = one("NextToken")
        key = _query_key({k: v for k, v in query.items() if k != "NextToken"})
        if token:
            try:
                state = json.loads(base64.urlsafe_b64decode(token.encode()))
                as_of = dt.datetime.fromisoformat(state["asOf"])
                offset = int(state["offset"])
            except (ValueError, KeyError, TypeError):
                return 400, _error_list("InvalidInput", "Invalid NextToken.")
            if state.get("key") != key:
                return 400, _error_list(
                    "InvalidInput", "The other parameters changed between paginated calls."
                )
        else:
            as_of, offset = self.state.clock(), 0
        latest = as_of - dt.timedelta(minutes=2)
        try:
            size = int(one("MaxResultsPerPage") or 100)
            after = _parse_time(one("PostedAfter")) if one("PostedAfter") else None
            before = _parse_time(one("PostedBefore")) if one("PostedBefore") else latest
        except ValueError as exc:
            return 400, _error_list("InvalidInput", str(exc))
        if not 1 <= size <= 100:
            return 400, _error_list("InvalidInput", "MaxResultsPerPage must be 1 to 100.")
        if one("PostedBefore") and after is None:
            return 400, _error_list("InvalidInput", "PostedBefore needs PostedAfter.")
        if after is None:
            return 400, _error_list("InvalidInput", "PostedAfter is required by this sandbox.")
        if after > latest or before > latest:
            return 400, _error_list(
                "InvalidInput", "PostedAfter and PostedBefore must be 2 minutes in the past."
            )
        if before <= after:
            return 400, _error_list("InvalidInput", "PostedBefore must be later than PostedAfter.")
        events = []
        if before - after <= dt.timedelta(days=180):  # Amazon answers nothing past that
            events = self.state.financial_events(after, before)
        page = events[offset : offset + size]
        lists = {"ShipmentEventList": [], "RefundEventList": []}
        for _posted, list_name, event in page:
            lists[list_name].append(event)
        if self.fault == "malformed-event" and page:
            _posted, list_name, event = page[0]
            lists[list_name][0] = {**event, "PostedDate": "yesterday"}
        payload = {"FinancialEvents": lists}
        if offset + size < len(events):
            next_state = {"asOf": as_of.isoformat(), "offset": offset + size, "key": key}
            payload["NextToken"] = base64.urlsafe_b64encode(
                json.dumps(next_state).encode()
            ).decode()
        return 200, {"payload": payload}

    # --- Reports 2021-06-30 --------------------------------------------------------------

    def _create_report(self, raw):
        try:
            spec = json.loads(raw or b"{}")
        except ValueError:
            return 400, _error_list("InvalidInput", "The body is not JSON.")
        missing = [name for name in ("reportType", "marketplaceIds") if not spec.get(name)]
        if missing:
            return 400, _error_list("InvalidInput", f"Missing {', '.join(missing)}.")
        if spec["reportType"] not in (ALL_ORDERS_REPORT, history.SALES_AND_TRAFFIC_REPORT):
            return 400, _error_list(
                "InvalidInput", f"The sandbox has no {spec['reportType']} report."
            )
        now = self.state.clock()
        try:
            start = _parse_time(spec.get("dataStartTime")) if spec.get("dataStartTime") else None
            end = _parse_time(spec.get("dataEndTime")) if spec.get("dataEndTime") else now
        except ValueError as exc:
            return 400, _error_list("InvalidInput", str(exc))
        start = start or end - dt.timedelta(days=30)
        report_id = str(50000 + len(self.state.reports) + 1)
        with self.state.lock:
            self.state.reports[report_id] = {
                "reportId": report_id,
                "reportType": spec["reportType"],
                "marketplaceIds": list(spec["marketplaceIds"]),
                "dataStartTime": history.iso(start),
                "dataEndTime": history.iso(end),
                "createdTime": history.iso(now),
                "step": 0,
                "fate": {"fatal": "FATAL", "cancelled": "CANCELLED"}.get(self.fault, "DONE"),
                "malformed": self.fault == "malformed-row",
                "options": spec.get("reportOptions") or {},
                "asOf": now,
                "start": start,
                "end": end,
            }
        return 202, {"reportId": report_id}

    def _get_report(self, report_id):
        report = self.state.reports.get(report_id)
        if report is None:
            return 404, _error_list("NotFound", f"Report {report_id} not found.")
        with self.state.lock:
            status = REPORT_STEPS[report["step"]]
            report["step"] = min(report["step"] + 1, len(REPORT_STEPS) - 1)
            if status == "DONE":
                status = report["fate"]
        body = {k: v for k, v in report.items() if k[0].islower() and k not in _INTERNAL}
        body["processingStatus"] = status
        if status != "IN_QUEUE":
            body["processingStartTime"] = report["createdTime"]
        if status in ("DONE", "FATAL", "CANCELLED"):
            body["processingEndTime"] = report["createdTime"]
        if status == "DONE":
            body["reportDocumentId"] = "amzn1.spdoc.1.4.na.sandbox." + report_id
        return 200, body

    def _get_document(self, document_id):
        report_id = document_id.rsplit(".", 1)[-1]
        report = self.state.reports.get(report_id)
        if report is None or not document_id.startswith("amzn1.spdoc.1.4.na.sandbox."):
            return 404, _error_list("NotFound", f"Report document {document_id} not found.")
        host, port = self.server.server_address[:2]
        return 200, {
            "reportDocumentId": document_id,
            "url": f"http://{host}:{port}/_sandbox/documents/{report_id}",
            "compressionAlgorithm": "GZIP",
        }

    def _download(self, report_id):
        """The document at its pre-signed URL: no SP-API token, like Amazon's S3."""
        report = self.state.reports.get(report_id)
        if report is None:
            return self._send(404, _error_list("NotFound", "No such document."))
        fault = self.state.next_fault("reportDocumentDownload")
        self.state.record("reportDocumentDownload", self.command, self.path)
        data = gzip.compress(report_document(self.state.history(), report), mtime=0)
        if fault == "truncated":
            data = data[: len(data) // 2]
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


_INTERNAL = {"step", "fate", "malformed", "asOf", "start", "end", "options"}
ZONES = {mid: zoneinfo.ZoneInfo(tz) for _c, _n, mid, _r, _cc, _cur, tz, _d in MARKETPLACES}


def _parse_time(text) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _query_key(query) -> str:
    """The parameters a pagination token is bound to (all but the token and page size)."""
    kept = sorted(
        (k, v) for k, v in query.items() if k not in ("paginationToken", "maxResultsPerPage")
    )
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]


def report_document(orders_history, report) -> bytes:
    """The all-orders flat file for a report: orders placed in its window, tab-separated,
    quoted only where a field needs it. A sales and traffic report is JSON, of the
    marketplace-local day its window starts on."""
    if report["reportType"] == history.SALES_AND_TRAFFIC_REPORT:
        marketplace_id = report["marketplaceIds"][0]
        zone = ZONES.get(marketplace_id, dt.UTC)
        day = report["start"].astimezone(zone).date()
        document = history.traffic_document(
            orders_history, marketplace_id, day, zone, report["asOf"]
        )
        if report["malformed"]:
            document["salesAndTrafficByAsin"][0]["trafficByAsin"]["sessions"] = "many"
        return json.dumps(document).encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(history.REPORT_COLUMNS)
    marketplaces = set(report["marketplaceIds"])
    written = 0
    for order in orders_history.orders_created(report["start"], report["end"]):
        if order.marketplace_id not in marketplaces:
            continue
        for row in history.report_rows(order, report["asOf"]):
            writer.writerow([row[name] for name in history.REPORT_COLUMNS])
            written += 1
            if report["malformed"] and written == 3:
                buffer.write("this row\tis broken\n")
    return buffer.getvalue().encode()


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, region="NA", verbose=False, orders=None, clock=None):
        super().__init__(address, Handler)
        self.state = SandboxState(region, orders=orders, clock=clock)
        self.verbose = verbose

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def serve_in_thread(region="NA", orders=None, clock=None) -> SandboxServer:
    """Start a sandbox on a free loopback port in a daemon thread (tests)."""
    server = SandboxServer(("127.0.0.1", 0), region=region, orders=orders, clock=clock)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
