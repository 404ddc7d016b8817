"""A local HTTP server that answers like Amazon's SP-API and Login with Amazon.

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

`GET /_sandbox/requests` lists the calls received (operation, time), so tests
can check that a client never exceeded Amazon's rate.

Run it with `python manage.py amazon_sandbox --port 9100`.
"""

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from catalog.demo import MARKETPLACES

CLIENT_ID = "amzn1.application-oa2-client.sellerhub-sandbox"
CLIENT_SECRET = "amzn1.oa2-cs.v1.sellerhub-sandbox-secret"
REFRESH_TOKEN = "Atzr|sellerhub-sandbox-refresh-token"
SELLING_PARTNER_ID = "A3SANDBOXSELLER"
SLOW_SECONDS = 3.0
DOCUMENTED_RATES = {"getMarketplaceParticipations": "0.016"}


class SandboxState:
    def __init__(self, region: str = "NA"):
        self.region = region
        self.faults: dict[str, list[str]] = {}
        self.requests: list[dict] = []
        self.tokens: set[str] = set()
        self.lock = threading.Lock()

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
        return self._send(404, _error_list("NotFound", f"No route for POST {url.path}"))

    def do_GET(self):
        url = urlparse(self.path)
        if url.path == "/_sandbox/requests":
            return self._send(200, {"requests": self.state.requests})
        if url.path == "/sellers/v1/marketplaceParticipations":
            return self._operation("getMarketplaceParticipations", self._participations)
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
        rate = {"x-amzn-RateLimit-Limit": DOCUMENTED_RATES.get(operation, "0.5")}
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


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, region="NA", verbose=False):
        super().__init__(address, Handler)
        self.state = SandboxState(region)
        self.verbose = verbose

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def serve_in_thread(region="NA") -> SandboxServer:
    """Start a sandbox on a free loopback port in a daemon thread (tests)."""
    server = SandboxServer(("127.0.0.1", 0), region=region)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
