import logging

import pytest
from django.urls import reverse

from accounts.models import AuditLogEntry
from orders import sandbox as sb
from orders.models import SpApiConnection

pytestmark = pytest.mark.django_db

CREDENTIALS = {
    "region": "NA",
    "lwa_client_id": sb.CLIENT_ID,
    "lwa_client_secret": sb.CLIENT_SECRET,
    "refresh_token": sb.REFRESH_TOKEN,
    "selling_partner_id": sb.SELLING_PARTNER_ID,
    "marketplaces": ["us", "CA"],
}


@pytest.fixture
def at_sandbox(settings, sandbox):
    settings.SPAPI_ENDPOINT = sandbox.url
    settings.LWA_TOKEN_URL = sandbox.url + "/auth/o2/token"
    return sandbox


def put(client, data):
    return client.put(reverse("amazon-connection"), data, content_type="application/json")


def test_secrets_are_stored_encrypted_and_only_shown_masked(owner_client, marketplaces):
    response = put(owner_client, CREDENTIALS)
    assert response.status_code == 200
    body = response.json()
    assert body["refresh_token"] == "Atzr|…oken" and body["lwa_client_secret"] == "amzn1…cret"
    assert body["marketplaces"] == ["CA", "US"]
    listing = owner_client.get(reverse("amazon-connection")).content.decode()
    page = owner_client.get(reverse("amazon-settings")).content.decode()
    admin = owner_client.get(
        reverse("admin:orders_spapiconnection_change", args=[SpApiConnection.objects.get().pk])
    ).content.decode()
    entry = AuditLogEntry.objects.get(action="orders.spapi_connection.create")
    for text in (listing, page, admin, str(entry.changes)):
        assert sb.REFRESH_TOKEN not in text and sb.CLIENT_SECRET not in text
    assert entry.changes["refresh_token"] == [None, "Atzr|…oken"]
    # In the database the secret is ciphertext, not the token.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT refresh_token FROM orders_spapiconnection")
        stored = bytes(cursor.fetchone()[0])
    assert sb.REFRESH_TOKEN.encode() not in stored


def test_blank_secret_keeps_the_stored_one(owner_client, marketplaces):
    put(owner_client, CREDENTIALS)
    response = put(
        owner_client, {"region": "NA", "refresh_token": "", "selling_partner_id": "A2NEW"}
    )
    assert response.status_code == 200
    connection = SpApiConnection.objects.get()
    assert connection.refresh_token == sb.REFRESH_TOKEN
    entry = AuditLogEntry.objects.get(action="orders.spapi_connection.update")
    assert entry.changes == {"selling_partner_id": [sb.SELLING_PARTNER_ID, "A2NEW"]}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"region": "NA", "lwa_client_id": "x"}, "lwa_client_secret"),
        ({**CREDENTIALS, "marketplaces": ["UK"]}, "marketplaces"),
        ({**CREDENTIALS, "marketplaces": ["ZZ"]}, "marketplaces"),
        ({**CREDENTIALS, "region": "MARS"}, "region"),
    ],
)
def test_nonsense_is_refused(owner_client, marketplaces, data, field):
    response = put(owner_client, data)
    assert response.status_code == 400 and field in response.json()
    assert not SpApiConnection.objects.exists()


def test_test_connection_lists_marketplaces(owner_client, marketplaces, at_sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    put(owner_client, CREDENTIALS)
    result = owner_client.post(
        reverse("amazon-connection-test"), {"region": "NA"}, content_type="application/json"
    ).json()
    assert result["ok"] is True and result["error"] == ""
    assert [m["id"] for m in result["marketplaces"]] == [
        "ATVPDKIKX0DER",
        "A2EUQ1WTGCTBG2",
        "A1AM78C64UM0Y8",
    ]
    connection = SpApiConnection.objects.get()
    assert connection.last_test_ok is True
    assert connection.last_test_message.startswith("Found: Amazon.com")
    assert sb.REFRESH_TOKEN not in caplog.text and sb.CLIENT_SECRET not in caplog.text


def test_test_connection_shows_what_amazon_said(owner_client, marketplaces, at_sandbox):
    put(owner_client, {**CREDENTIALS, "lwa_client_secret": "amzn1.oa2-cs.v1.wrong-0123456789"})
    response = owner_client.post(reverse("amazon-connection-test-page", args=["NA"]), follow=True)
    html = response.content.decode()
    assert "NA: LWA token failed, HTTP 401, invalid_client: Client authentication failed" in html
    assert "wrong-0123456789" not in html
    assert SpApiConnection.objects.get().last_test_ok is False


def test_test_connection_without_a_connection(owner_client, marketplaces):
    response = owner_client.post(
        reverse("amazon-connection-test"), {"region": "EU"}, content_type="application/json"
    )
    assert response.status_code == 404


def test_partner_cannot_see_or_change_the_connection(partner_client, marketplaces):
    assert partner_client.get(reverse("amazon-connection")).status_code == 403
    assert put(partner_client, CREDENTIALS).status_code == 403
    assert partner_client.get(reverse("amazon-settings")).status_code == 403
    assert not SpApiConnection.objects.exists()


def test_admin_form_keeps_secrets_when_left_blank(owner_client, marketplaces):
    put(owner_client, CREDENTIALS)
    connection = SpApiConnection.objects.get()
    url = reverse("admin:orders_spapiconnection_change", args=[connection.pk])
    page = owner_client.get(url).content.decode()
    assert "Stored: Atzr|…oken. Leave blank to keep it." in page
    response = owner_client.post(
        url,
        {
            "region": "NA",
            "lwa_client_id": sb.CLIENT_ID,
            "lwa_client_secret": "",
            "refresh_token": "",
            "selling_partner_id": "A9",
            "marketplaces": [marketplaces["US"].pk],
            "active": "on",
        },
    )
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.refresh_token == sb.REFRESH_TOKEN and connection.selling_partner_id == "A9"
