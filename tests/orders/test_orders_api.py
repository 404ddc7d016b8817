import csv
import io

import pytest
from django.urls import reverse

from tests.orders import sales_fixture

MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


@pytest.fixture
def small_shop(db, marketplaces):
    return sales_fixture.build(marketplaces)


def test_orders_list_filters_and_pages(small_shop, partner_client, django_assert_num_queries):
    # session + user, count, page of orders (with the fees-posted flag), their items
    with django_assert_num_queries(5):
        body = partner_client.get(reverse("orders-list"), MARCH).json()
    assert body["count"] == 5
    ids = [o["amazon_order_id"] for o in body["results"]]
    assert ids == ["203-E", "111-D", "111-C", "111-B", "111-A"]  # newest first
    a = body["results"][-1]
    assert a["fees"] == "actual" and a["items"][0]["seller_sku"] == "KET-1"
    assert body["results"][0]["fees"] == "estimated"
    d = body["results"][1]
    assert d["is_estimated"] and d["items"][0]["is_estimated"] and d["status"] == "PENDING"
    cancelled = body["results"][2]
    assert cancelled["status"] == "CANCELLED" and cancelled["counts"] is False

    def ids_for(**params):
        response = partner_client.get(reverse("orders-list"), {**MARCH, **params})
        assert response.status_code == 200, response.content
        return [o["amazon_order_id"] for o in response.json()["results"]]

    assert ids_for(marketplace="UK") == ["203-E"]
    assert ids_for(status=["CANCELLED", "PENDING"]) == ["111-D", "111-C"]
    assert ids_for(sku="LAN-2") == ["111-D"]
    assert ids_for(q="111-b") == ["111-B"]
    assert ids_for(estimated="true") == ["111-D"]
    assert ids_for(page_size=2, page=2) == ["111-C", "111-B"]


@pytest.mark.parametrize(
    "params",
    [
        {"status": "LOST"},
        {"sku": "x" * 65},
        {"sku": "'; DROP TABLE orders_order; --" * 3},
        {"days": -5},
        {"marketplace": "ZZ"},
        {"fulfillment": "DROPSHIP"},
        {"page": "999"},
    ],
)
def test_hostile_order_queries_are_refused(small_shop, partner_client, params):
    response = partner_client.get(reverse("orders-list"), {**MARCH, **params})
    assert response.status_code in (400, 404), response.content  # 404: a page past the end
    assert response.json()


def test_sql_in_sku_is_only_a_sku(small_shop, partner_client):
    response = partner_client.get(reverse("orders-list"), {**MARCH, "sku": "KET-1' OR '1'='1"})
    assert response.status_code == 200 and response.json()["count"] == 0


def test_csv_export_streams_one_row_per_item(small_shop, partner_client):
    response = partner_client.get(reverse("orders-export"), {**MARCH, "marketplace": "US"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="orders-US-2026-03-01-2026-03-31.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["amazon_order_id"] for r in rows] == ["111-D", "111-C", "111-B", "111-A"]
    a = rows[-1]
    assert (a["quantity_ordered"], a["item_price"], a["fees"], a["counts"]) == (
        "2", "59.9800", "actual", "yes",
    )  # fmt: skip
    assert rows[1]["counts"] == "no"  # cancelled


def test_xlsx_export(small_shop, partner_client):
    from openpyxl import load_workbook

    response = partner_client.get(reverse("orders-export"), {**MARCH, "file": "xlsx"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook["Orders"].values)
    assert rows[0][0] == "amazon_order_id" and len(rows) == 6
    assert partner_client.get(reverse("orders-export"), {"file": "pdf"}).status_code == 400
