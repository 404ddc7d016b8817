"""The one module that talks HTTP to Amazon's Selling Partner API.

Plain `requests`, following the official models in shared/amazon-api/sp-api:
- Login with Amazon (LWA) exchanges the refresh token for an access token
  (`POST /auth/o2/token`, form fields grant_type/refresh_token/client_id/
  client_secret; 400 with `error`/`error_description` on failure), sent as
  `x-amz-access-token`. Tokens are kept in process memory until 60 s before
  they expire, never in a shared cache.
- Every operation has Amazon's documented rate and burst (the models' "Usage
  plan" tables); a token bucket per region and operation paces calls. Its
  state is kept in the cache so a sync every 15 minutes does not start each
  run with a full burst. `x-amzn-RateLimit-Limit` replaces the documented rate.
- 429, 500, 502, 503, 504 and timeouts are retried with exponential backoff
  and jitter within a bounded total wait; then a clear SpApiError.
- Errors carry operation, HTTP status, Amazon's error code, message and
  `x-amzn-RequestId`; never a credential.
Base URLs come from SPAPI_ENDPOINT and LWA_TOKEN_URL so tests and the demo
point at the local sandbox.
"""

import contextlib
import logging
import random
import time
from dataclasses import dataclass, field

import requests
from django.conf import settings
from django.core.cache import cache

from orders import lwa
from orders.ratelimit import TokenBucket

log = logging.getLogger(__name__)

REGION_ENDPOINTS = {
    "NA": "https://sellingpartnerapi-na.amazon.com",
    "EU": "https://sellingpartnerapi-eu.amazon.com",
    "FE": "https://sellingpartnerapi-fe.amazon.com",
}
DEFAULT_LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    rate: float  # requests per second (Amazon's usage plan)
    burst: int


OPERATIONS = {
    "searchOrders": Operation("GET", "/orders/2026-01-01/orders", 0.0056, 20),
    "getOrder": Operation("GET", "/orders/2026-01-01/orders/{orderId}", 0.5, 30),
    "getMarketplaceParticipations": Operation(
        "GET", "/sellers/v1/marketplaceParticipations", 0.016, 15
    ),
    "getInventorySummaries": Operation("GET", "/fba/inventory/v1/summaries", 2.0, 2),
    "listFinancialEvents": Operation("GET", "/finances/v0/financialEvents", 0.5, 30),
    "createReport": Operation("POST", "/reports/2021-06-30/reports", 0.0167, 15),
    "getReport": Operation("GET", "/reports/2021-06-30/reports/{reportId}", 2.0, 15),
    "getReportDocument": Operation(
        "GET", "/reports/2021-06-30/documents/{reportDocumentId}", 0.0167, 15
    ),
}
RETRY_STATUSES = {429, 500, 502, 503, 504}


class SpApiError(Exception):
    """A failed SP-API or LWA call, described without any credential."""

    def __init__(self, operation, status=None, code="", message="", request_id=""):
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        super().__init__(str(self))

    def __str__(self):
        parts = [f"{self.operation} failed"]
        if self.status:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(self.code)
        text = ", ".join(parts)
        if self.message:
            text += f": {self.message}"
        if self.request_id:
            text += f" (request id {self.request_id})"
        return text


@dataclass
class CallStats:
    calls: int = 0
    throttled: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    pages: int = 0
    notes: list = field(default_factory=list)


class PersistentBucket(TokenBucket):
    """A TokenBucket whose state outlives the process (wall clock + cache)."""

    def __init__(self, key, rate, burst, clock=time.time, sleep=time.sleep):
        super().__init__(rate, burst, clock=clock, sleep=sleep)
        self.key = key
        state = cache.get(key)
        if state:
            self.tokens, self.updated, self.rate = state

    def save(self):
        cache.set(self.key, (self.tokens, self.updated, self.rate), timeout=24 * 3600)


class SpApiClient:
    def __init__(
        self,
        *,
        region: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        endpoint: str | None = None,
        token_url: str | None = None,
        timeout: tuple[float, float] = (5, 30),
        max_wait: float | None = None,
        session: requests.Session | None = None,
        sleep=time.sleep,
        clock=time.time,
    ):
        self.region = region
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.endpoint = (endpoint or settings.SPAPI_ENDPOINT or REGION_ENDPOINTS[region]).rstrip(
            "/"
        )
        self.token_url = token_url or settings.LWA_TOKEN_URL or DEFAULT_LWA_TOKEN_URL
        self.timeout = timeout
        self.max_wait = settings.SPAPI_MAX_WAIT_SECONDS if max_wait is None else max_wait
        self.session = session or requests.Session()
        self.sleep = sleep
        self.clock = clock
        self.stats = CallStats()
        self._buckets: dict[str, PersistentBucket] = {}

    @classmethod
    def for_connection(cls, connection, **kwargs):
        return cls(
            region=connection.region,
            client_id=connection.lwa_client_id,
            client_secret=connection.lwa_client_secret,
            refresh_token=connection.refresh_token,
            **kwargs,
        )

    def __repr__(self):
        return f"<SpApiClient {self.region} {self.endpoint}>"

    # --- Login with Amazon -----------------------------------------------------

    def access_token(self) -> str:
        try:
            return lwa.access_token(
                self.session,
                self.token_url,
                self._client_id,
                self._client_secret,
                self._refresh_token,
                self.timeout,
            )
        except lwa.LwaError as exc:
            raise SpApiError(
                "LWA token", status=exc.status, code=exc.code, message=exc.message
            ) from None

    # --- Calls -------------------------------------------------------------------

    def bucket(self, operation: str) -> PersistentBucket:
        if operation not in self._buckets:
            spec = OPERATIONS[operation]
            key = f"spapi-bucket:{self.endpoint}:{self.region}:{operation}"
            self._buckets[operation] = PersistentBucket(
                key, spec.rate, spec.burst, clock=self.clock, sleep=self.sleep
            )
        return self._buckets[operation]

    def call(self, operation: str, *, path_params=None, params=None, json=None) -> dict:
        """One operation, paced and retried. Returns the decoded JSON body."""
        spec = OPERATIONS[operation]
        url = self.endpoint + spec.path.format(**(path_params or {}))
        bucket = self.bucket(operation)
        attempt, waited = 0, 0.0
        while True:
            slept = bucket.acquire()
            bucket.save()
            waited += slept
            self.stats.waited_seconds += slept
            self.stats.calls += 1
            try:
                response = self.session.request(
                    spec.method,
                    url,
                    params=params,
                    json=json,
                    headers={
                        "x-amz-access-token": self.access_token(),
                        "user-agent": "SellerHub/1 (Language=Python)",
                    },
                    timeout=self.timeout,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                status, failure, response = None, lwa.plain_exception(exc), None
            else:
                status, failure = response.status_code, ""
                limit = response.headers.get("x-amzn-RateLimit-Limit")
                if limit:
                    with contextlib.suppress(ValueError):  # a garbled header: keep ours
                        bucket.set_rate(float(limit))
                if status < 400:
                    return _json(response)
            if status == 429:
                self.stats.throttled += 1
                bucket.drain()
                bucket.save()
            retryable = status is None or status in RETRY_STATUSES
            error = _error(operation, response, failure)
            if not retryable:
                raise error
            delay = min(60.0, 2.0**attempt) * random.uniform(0.5, 1.5)
            if status == 429:
                delay = max(delay, bucket.wait_time())
            if waited + delay > self.max_wait:
                error.message = (
                    f"{error.message}; gave up after {attempt + 1} tries and "
                    f"{waited:.0f} s of waiting"
                ).lstrip("; ")
                raise error
            attempt += 1
            self.stats.retries += 1
            log.info("%s: %s, retrying in %.1f s", operation, error, delay)
            self.sleep(delay)
            waited += delay
            self.stats.waited_seconds += delay

    def pages(self, operation: str, *, params: dict, token_param: str, next_token):
        """Yield every page, following the next token; refuse a token seen before."""
        params = dict(params)
        seen = set()
        while True:
            body = self.call(operation, params=params)
            self.stats.pages += 1
            yield body
            token = next_token(body)
            if not token:
                return
            if token in seen:
                raise SpApiError(
                    operation,
                    code="RepeatedNextToken",
                    message="Amazon returned a next token it had already returned; stopped "
                    "to avoid looping forever",
                )
            seen.add(token)
            params[token_param] = token

    # --- Operations used by Seller Hub ------------------------------------------------

    def marketplace_participations(self) -> list[dict]:
        body = self.call("getMarketplaceParticipations")
        return body.get("payload") or []


def _json(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"payload": body}


def _error(operation, response, failure) -> SpApiError:
    if response is None:
        return SpApiError(operation, message=failure or "no response")
    body = _json(response)
    errors = body.get("errors") or []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    return SpApiError(
        operation,
        status=response.status_code,
        code=str(first.get("code", "")),
        message=str(first.get("message", "") or response.reason or ""),
        request_id=response.headers.get("x-amzn-RequestId", ""),
    )
