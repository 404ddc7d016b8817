"""The one module that talks HTTP to the Amazon Ads API (plain `requests`).

Follows shared/amazon-api/ads-api (CONTRACT.md and Amazon's OpenAPI files):
- Login with Amazon exchanges the refresh token (orders.lwa; tokens kept in memory).
- Every call carries `Authorization: Bearer`, `Amazon-Advertising-API-ClientId` and,
  for a profile's calls, `Amazon-Advertising-API-Scope: <profileId>`.
- Hosts per region, overridable with ADS_API_ENDPOINT and ADS_TOKEN_URL (the local
  sandbox in tests and the demo).
- 429 and 5xx (and timeouts) are retried: 429 waits what `Retry-After` says when it is
  there, else exponential backoff with jitter; the total wait is bounded
  (ADS_MAX_WAIT_SECONDS), then a clear AdsApiError. Other 4xx are not retried.
- Errors carry the operation, HTTP status, Amazon's code and detail (`detail` or
  `details`) and the request id; never a credential.
"""

import gzip
import io
import json
import logging
import random
import time
import zlib
from dataclasses import dataclass, field

import ijson
import requests
from django.conf import settings

from orders import lwa

log = logging.getLogger(__name__)

REGION_ENDPOINTS = {
    "NA": "https://advertising-api.amazon.com",
    "EU": "https://advertising-api-eu.amazon.com",
    "FE": "https://advertising-api-fe.amazon.com",
}
REGION_TOKEN_URLS = {
    "NA": "https://api.amazon.com/auth/o2/token",
    "EU": "https://api.amazon.co.uk/auth/o2/token",
    "FE": "https://api.amazon.co.jp/auth/o2/token",
}
RETRY_STATUSES = {429, 500, 502, 503, 504}
REPORT_MEDIA = "application/vnd.createasyncreportrequest.v3+json"
ENTITY_MEDIA = {
    "campaigns": "application/vnd.spCampaign.v3+json",
    "adGroups": "application/vnd.spAdGroup.v3+json",
    "productAds": "application/vnd.spProductAd.v3+json",
    "keywords": "application/vnd.spKeyword.v3+json",
    "targets": "application/vnd.spTargetingClause.v3+json",
}
ENTITY_KEYS = {
    "campaigns": "campaigns",
    "adGroups": "adGroups",
    "productAds": "productAds",
    "keywords": "keywords",
    "targets": "targetingClauses",
}


class AdsApiError(Exception):
    """A failed Ads API or LWA call, described without any credential."""

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

    @property
    def throttled(self) -> bool:
        return self.status == 429


@dataclass
class CallStats:
    calls: int = 0
    throttled: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    notes: list = field(default_factory=list)


class AdsClient:
    def __init__(
        self,
        *,
        region: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        endpoint: str | None = None,
        token_url: str | None = None,
        timeout: tuple[float, float] = (5, 60),
        max_wait: float | None = None,
        session: requests.Session | None = None,
        sleep=time.sleep,
    ):
        self.region = region
        self._client_id = client_id
        self._client_secret = client_secret
        self._refresh_token = refresh_token
        self.endpoint = (endpoint or settings.ADS_API_ENDPOINT or REGION_ENDPOINTS[region]).rstrip(
            "/"
        )
        self.token_url = token_url or settings.ADS_TOKEN_URL or REGION_TOKEN_URLS[region]
        self.timeout = timeout
        self.max_wait = settings.ADS_MAX_WAIT_SECONDS if max_wait is None else max_wait
        self.session = session or requests.Session()
        self.sleep = sleep
        self.stats = CallStats()

    @classmethod
    def for_account(cls, account, **kwargs):
        return cls(
            region=account.region,
            client_id=account.client_id,
            client_secret=account.client_secret,
            refresh_token=account.refresh_token,
            **kwargs,
        )

    def __repr__(self):
        return f"<AdsClient {self.region} {self.endpoint}>"

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
            raise AdsApiError(
                "LWA token", status=exc.status, code=exc.code, message=exc.message
            ) from None

    def call(self, operation, method, path, *, profile_id=None, json_body=None, media=None,
             retry_throttled=True):  # fmt: skip
        """One call, retried on 429/5xx within the bounded wait; the decoded JSON body.
        With `retry_throttled=False` a 429 raises at once (the collect phase stops its
        round instead of waiting)."""
        headers = {
            "Authorization": f"Bearer {self.access_token()}",
            "Amazon-Advertising-API-ClientId": self._client_id,
            "User-Agent": "SellerHub/1 (Language=Python)",
        }
        if profile_id is not None:
            headers["Amazon-Advertising-API-Scope"] = str(profile_id)
        if media:
            headers["Content-Type"] = media
            headers["Accept"] = media
        data = None if json_body is None else json.dumps(json_body)
        attempt, waited = 0, 0.0
        while True:
            self.stats.calls += 1
            try:
                response = self.session.request(
                    method, self.endpoint + path, data=data, headers=headers, timeout=self.timeout
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                status, response, failure = None, None, lwa.plain_exception(exc)
            else:
                status, failure = response.status_code, ""
                if status < 400:
                    return _json(response)
            error = _error(operation, response, failure)
            if status == 429:
                self.stats.throttled += 1
                if not retry_throttled:
                    raise error
            if status is not None and status not in RETRY_STATUSES:
                raise error
            delay = min(60.0, 2.0 ** (attempt + 1)) * random.uniform(0.5, 1.5)
            retry_after = _retry_after(response)
            if retry_after is not None:
                delay = retry_after
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

    # --- Operations used by Seller Hub ---------------------------------------------

    def profiles(self) -> list[dict]:
        body = self.call("listProfiles", "GET", "/v2/profiles")
        return body.get("payload", []) if isinstance(body, dict) else body

    def create_report(self, profile_id, body: dict, *, retry_throttled=True) -> dict:
        return self.call(
            "createAsyncReport",
            "POST",
            "/reporting/reports",
            profile_id=profile_id,
            json_body=body,
            media=REPORT_MEDIA,
            retry_throttled=retry_throttled,
        )

    def report(self, profile_id, report_id, *, retry_throttled=True) -> dict:
        return self.call(
            "getAsyncReport",
            "GET",
            f"/reporting/reports/{report_id}",
            profile_id=profile_id,
            retry_throttled=retry_throttled,
        )

    def delete_report(self, profile_id, report_id) -> dict:
        """Cancel a report (one stuck in progress: asking again while it runs draws 425)."""
        return self.call(
            "deleteAsyncReport", "DELETE", f"/reporting/reports/{report_id}", profile_id=profile_id
        )

    def rows(self, url):
        """The report file's rows, one at a time: a pre-signed URL fetched without
        credentials, a gzip of a JSON array of objects, gunzipped and parsed as it
        streams (a report of a million rows never sits in memory). Numbers come as int
        or Decimal. A broken file raises AdsApiError UnreadableReport when reached."""
        attempt = 0
        while True:
            self.stats.calls += 1
            try:
                response = self.session.get(url, timeout=self.timeout, stream=True)
            except (requests.Timeout, requests.ConnectionError) as exc:
                response, failure = None, lwa.plain_exception(exc)
            else:
                failure = ""
                if response.status_code == 200:
                    break
                response.close()
            if attempt >= 2 or (response is not None and response.status_code < 500):
                raise AdsApiError(
                    "report download",
                    status=response.status_code if response is not None else None,
                    message=failure or (response.reason if response is not None else ""),
                )
            attempt += 1
            self.sleep(2.0**attempt)
        with response:
            response.raw.decode_content = False  # the gzip is the file's own, not transport's
            try:
                with gzip.GzipFile(fileobj=response.raw) as unzipped:
                    stream = io.BufferedReader(unzipped, buffer_size=1 << 16)
                    if not stream.peek(64).lstrip().startswith(b"["):
                        raise AdsApiError(
                            "report download",
                            code="UnreadableReport",
                            message="not a JSON array of rows",
                        )
                    yield from ijson.items(stream, "item")
            except (OSError, EOFError, zlib.error, ijson.JSONError) as exc:
                raise AdsApiError(
                    "report download", code="UnreadableReport", message=f"not gzip JSON ({exc})"
                ) from None
            except requests.RequestException as exc:
                raise AdsApiError("report download", message=lwa.plain_exception(exc)) from None

    def list_entities(self, kind: str, profile_id) -> list[dict]:
        """Every entity of one kind (campaigns, adGroups, productAds, keywords, targets),
        following nextToken; a token seen twice stops with an error."""
        items, token, seen = [], None, set()
        while True:
            body = {"maxResults": 1000, "stateFilter": {"include": ["ENABLED", "PAUSED"]}}
            if token:
                body["nextToken"] = token
            page = self.call(
                f"list {kind}",
                "POST",
                f"/sp/{kind}/list",
                profile_id=profile_id,
                json_body=body,
                media=ENTITY_MEDIA[kind],
            )
            items.extend(page.get(ENTITY_KEYS[kind]) or [])
            token = page.get("nextToken")
            if not token:
                return items
            if token in seen:
                raise AdsApiError(
                    f"list {kind}",
                    code="RepeatedNextToken",
                    message="Amazon returned a next token it had already returned",
                )
            seen.add(token)


def _json(response):
    try:
        return response.json()
    except ValueError:
        return {}


def _retry_after(response) -> float | None:
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _error(operation, response, failure) -> AdsApiError:
    if response is None:
        return AdsApiError(operation, message=failure or "no response")
    body = _json(response)
    body = body if isinstance(body, dict) else {}
    return AdsApiError(
        operation,
        status=response.status_code,
        code=str(body.get("code", "")),
        message=str(body.get("detail") or body.get("details") or response.reason or ""),
        request_id=response.headers.get("x-amzn-RequestId", ""),
    )
