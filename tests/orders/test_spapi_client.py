import json

import pytest

from orders import sandbox as sb
from orders.spapi import SpApiError
from tests.orders.conftest import set_faults

OP = "getMarketplaceParticipations"


def test_token_exchange_is_cached(make_client, sandbox):
    client = make_client()
    first = client.marketplace_participations()
    client.marketplace_participations()
    assert [p["marketplace"]["id"] for p in first] == [
        "ATVPDKIKX0DER",
        "A2EUQ1WTGCTBG2",
        "A1AM78C64UM0Y8",
    ]
    assert len(sandbox.state.tokens) == 1  # one LWA exchange for two calls
    assert client.stats.calls == 2


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"client_secret": "amzn1.oa2-cs.v1.wrong-secret-1234567890"}, "invalid_client"),
        ({"refresh_token": "Atzr|revoked-refresh-token-0123456789"}, "invalid_grant"),
    ],
)
def test_lwa_errors_are_exact_and_free_of_credentials(make_client, overrides, code):
    client = make_client(**overrides)
    with pytest.raises(SpApiError) as info:
        client.marketplace_participations()
    text = str(info.value)
    assert info.value.code == code and text.startswith("LWA token failed, HTTP 4")
    for secret in (*overrides.values(), sb.CLIENT_SECRET, sb.REFRESH_TOKEN):
        assert secret not in text and secret not in repr(info.value)
    assert sb.CLIENT_SECRET not in repr(client)


def test_throttling_and_server_errors_are_retried(make_client, sandbox, fake_time):
    set_faults(sandbox, **{OP: ["429", "429-bare", "500", "503", "ok"]})
    client = make_client()
    assert len(client.marketplace_participations()) == 3
    assert (client.stats.calls, client.stats.throttled, client.stats.retries) == (5, 2, 4)
    # After a 429 the client waits at least until its bucket has a token again
    # (1 / 0.016 s at the documented rate).
    assert max(fake_time.slept) >= 1 / 0.016 - 1e-6


def test_a_slow_answer_past_the_timeout_is_retried(make_client, sandbox):
    set_faults(sandbox, **{OP: ["slow", "ok"]})
    client = make_client(timeout=(2, 0.5))
    assert len(client.marketplace_participations()) == 3
    assert client.stats.retries == 1


def test_gives_up_after_the_bounded_wait(make_client, sandbox, fake_time):
    set_faults(sandbox, **{OP: ["503"] * 50})
    client = make_client(max_wait=20)
    with pytest.raises(SpApiError) as info:
        client.marketplace_participations()
    error = info.value
    assert (error.operation, error.status, error.code) == (OP, 503, "InternalFailure")
    assert "gave up after" in error.message and error.request_id
    assert sum(fake_time.slept) <= 20


def test_not_authorised_is_not_retried(make_client, sandbox, monkeypatch):
    client = make_client()
    client.access_token()
    sandbox.state.tokens.clear()  # Amazon no longer accepts the token
    with pytest.raises(SpApiError) as info:
        client.marketplace_participations()
    assert (info.value.status, info.value.code, client.stats.calls) == (403, "Unauthorized", 1)


def test_rate_header_replaces_the_documented_rate(make_client, sandbox):
    client = make_client()
    client.marketplace_participations()
    assert client.bucket(OP).rate == pytest.approx(0.016)


def test_bucket_state_outlives_the_client(make_client, sandbox):
    first = make_client()
    for _ in range(3):
        first.marketplace_participations()
    second = make_client()
    assert second.bucket(OP).tokens == pytest.approx(15 - 3)


def test_sandbox_answers_follow_the_official_model(shared_dir, sandbox, make_client):
    jsonschema = pytest.importorskip("jsonschema")
    spec = json.loads((shared_dir / "amazon-api/sp-api/sellers.json").read_text())
    schema = {
        "$ref": "#/definitions/GetMarketplaceParticipationsResponse",
        "definitions": spec["definitions"],
    }
    body = {"payload": make_client().marketplace_participations()}
    jsonschema.Draft4Validator(schema).validate(body)
    # The request is the documented one: GET on the documented path.
    path = spec["paths"]["/sellers/v1/marketplaceParticipations"]
    assert "get" in path
    assert sandbox.state.requests[-1]["path"] == "/sellers/v1/marketplaceParticipations"
