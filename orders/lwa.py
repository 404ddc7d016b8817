"""Login with Amazon: the refresh-token exchange both Amazon APIs use.

`POST` form fields grant_type=refresh_token, refresh_token, client_id and client_secret;
JSON `access_token` and `expires_in` back, or 400 with `error`/`error_description`.
Access tokens are kept in process memory until 60 s before they expire, never in a
shared cache.
"""

import time

import requests

_access_tokens: dict[tuple, tuple[str, float]] = {}


class LwaError(Exception):
    def __init__(self, status=None, code="", message=""):
        self.status, self.code, self.message = status, code, message
        super().__init__(message)


def access_token(session, token_url, client_id, client_secret, refresh_token, timeout) -> str:
    key = (token_url, client_id, refresh_token)
    cached = _access_tokens.get(key)
    if cached and cached[1] > time.time():
        return cached[0]
    try:
        response = session.post(
            token_url,
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
                "client_id": client_id,
                "client_secret": client_secret,
            },
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise LwaError(message=plain_exception(exc)) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        raise LwaError(
            status=response.status_code,
            code=str(body.get("error", "")),
            message=str(body.get("error_description", "") or "no access token returned"),
        )
    expires_in = float(body.get("expires_in", 3600))
    _access_tokens[key] = (body["access_token"], time.time() + max(expires_in - 60, 0))
    return body["access_token"]


def forget():
    """Drop every cached access token (tests, and after credentials change)."""
    _access_tokens.clear()


def plain_exception(exc) -> str:
    """The kind of network failure, without the URL's query (it may hold tokens)."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect"
    return type(exc).__name__
