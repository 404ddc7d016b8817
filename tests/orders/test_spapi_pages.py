import pytest
import responses

from orders import lwa
from orders.spapi import SpApiClient, SpApiError

BASE = "https://sellingpartnerapi-na.example.test"
TOKEN_URL = "https://lwa.example.test/auth/o2/token"
SEARCH = BASE + "/orders/2026-01-01/orders"


def page(orders, token=None):
    body = {"orders": orders, "lastUpdatedBefore": "2026-11-21T10:00:00Z"}
    if token:
        body["pagination"] = {"nextToken": token}
    return body


@pytest.fixture
def client(db, fake_time):
    lwa.forget()
    return SpApiClient(
        region="NA",
        client_id="id",
        client_secret="secret-value-0123456789",
        refresh_token="Atzr|refresh-0123456789",
        endpoint=BASE,
        token_url=TOKEN_URL,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )


def next_token(body):
    return (body.get("pagination") or {}).get("nextToken")


@responses.activate
def test_follows_next_tokens_and_keeps_the_other_parameters(client):
    responses.post(TOKEN_URL, json={"access_token": "Atza|x", "expires_in": 3600})
    responses.get(SEARCH, json=page([{"orderId": "1"}], "T1"))
    responses.get(SEARCH, json=page([{"orderId": "2"}], "T2"))
    responses.get(SEARCH, json=page([{"orderId": "3"}]))
    params = {"lastUpdatedAfter": "2026-11-20T00:00:00Z", "maxResultsPerPage": 100}
    bodies = list(
        client.pages(
            "searchOrders", params=params, token_param="paginationToken", next_token=next_token
        )
    )
    assert [o["orderId"] for b in bodies for o in b["orders"]] == ["1", "2", "3"]
    sent = [c.request.url for c in responses.calls if c.request.url.startswith(SEARCH)]
    assert "paginationToken" not in sent[0] and "paginationToken=T1" in sent[1]
    assert all("lastUpdatedAfter=2026-11-20T00%3A00%3A00Z" in url for url in sent)
    assert client.stats.pages == 3
    # searchOrders' burst is 20: three pages need no waiting.
    assert client.stats.waited_seconds == 0


@responses.activate
def test_a_repeated_next_token_stops_the_loop(client):
    responses.post(TOKEN_URL, json={"access_token": "Atza|x", "expires_in": 3600})
    responses.get(SEARCH, json=page([{"orderId": "1"}], "SAME"))
    responses.get(SEARCH, json=page([{"orderId": "2"}], "SAME"))
    responses.get(SEARCH, json=page([{"orderId": "3"}], "SAME"))
    with pytest.raises(SpApiError) as info:
        list(
            client.pages(
                "searchOrders", params={}, token_param="paginationToken", next_token=next_token
            )
        )
    assert info.value.code == "RepeatedNextToken"
    assert len([c for c in responses.calls if c.request.url.startswith(SEARCH)]) == 2
