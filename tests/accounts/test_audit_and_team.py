import re

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import Token

from accounts.models import AuditLogEntry, Role, User
from accounts.services import audit_log_record, mask_secret, model_snapshot

pytestmark = pytest.mark.django_db

REFRESH_TOKEN = "Atzr|IwEBIA1234567890abcdefghijklmnopqrstuvwxyzABCD"


def test_mask_secret():
    assert mask_secret(REFRESH_TOKEN) == "Atzr|…ABCD"
    assert mask_secret("short-secret") == "•••"
    assert mask_secret("") == "" and mask_secret(None) == ""


def test_audit_record_masks_secrets_whatever_the_caller_passes(owner, marketplaces):
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.10")
    us = marketplaces["US"]
    entry = audit_log_record(
        actor=owner,
        action="amazon_connection.update",
        obj=us,
        before={"refresh_token": "", "client_secret": "old-secret-value-123456", "region": "EU"},
        after={"refresh_token": REFRESH_TOKEN, "client_secret": "new-secret", "region": "NA"},
        request=request,
    )
    assert entry.changes == {
        "client_secret": ["old-s…3456", "•••"],
        "refresh_token": ["", "Atzr|…ABCD"],
        "region": ["EU", "NA"],
    }
    assert (entry.actor_email, entry.ip_address, entry.object_type, entry.object_id) == (
        "owner@shop.test",
        "192.0.2.10",
        "catalog.Marketplace",
        str(us.pk),
    )
    assert REFRESH_TOKEN not in str(AuditLogEntry.objects.values_list("changes", flat=True)[0])


def test_model_snapshot_masks_the_password_hash(partner):
    snap = model_snapshot(partner)
    assert snap["email"] == "partner@shop.test"
    assert partner.password not in snap["password"]


def test_audit_log_api(owner_client, owner):
    for i in range(3):
        AuditLogEntry.objects.create(actor=owner, actor_email=owner.email, action=f"test.{i}")
    body = owner_client.get(reverse("audit-log"), {"limit": 2, "offset": 0}).json()
    assert body["count"] == 3 and body["limit"] == 2 and body["offset"] == 0
    assert [r["action"] for r in body["results"]] == ["test.2", "test.1"]
    rest = owner_client.get(reverse("audit-log"), {"limit": 2, "offset": 2}).json()
    assert [r["action"] for r in rest["results"]] == ["test.0"]


@pytest.mark.parametrize(
    "params",
    [{"limit": -1}, {"limit": 0}, {"limit": 501}, {"offset": -5}, {"limit": "1;DROP TABLE"}],
)
def test_audit_log_api_refuses_nonsense(owner_client, params):
    assert owner_client.get(reverse("audit-log"), params).status_code == 400


def test_partner_invite_flow(owner_client, owner, anon_client, django_capture_on_commit_callbacks):
    # The e-mail leaves only once the account is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("settings"), {"email": "New.Partner@shop.test", "full_name": "Nia"}
        )
    assert response.status_code == 302
    invited = User.objects.get(email="new.partner@shop.test")
    assert (invited.role, invited.has_usable_password(), invited.invited_by) == (
        Role.PARTNER,
        False,
        owner,
    )
    entry = AuditLogEntry.objects.get(action="user.invite")
    assert entry.actor == owner and entry.changes["email"] == [None, "new.partner@shop.test"]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.partner@shop.test"]
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    page = anon_client.get(link, follow=True)
    anon_client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "partner-chose-this-1", "new_password2": "partner-chose-this-1"},
    )
    invited.refresh_from_db()
    assert invited.check_password("partner-chose-this-1")
    # The same address cannot be invited twice.
    again = owner_client.post(reverse("settings"), {"email": "new.partner@shop.test"})
    assert again.status_code == 200 and b"already exists" in again.content
    assert len(mail.outbox) == 1


def test_deactivate_partner_revokes_token_and_is_audited(owner_client, partner):
    Token.objects.create(user=partner)
    response = owner_client.post(reverse("user-toggle-active", args=[partner.pk]))
    assert response.status_code == 302
    partner.refresh_from_db()
    assert not partner.is_active and not Token.objects.filter(user=partner).exists()
    entry = AuditLogEntry.objects.get(action="user.deactivate")
    assert entry.changes == {"is_active": [True, False]}


def test_owner_cannot_deactivate_self(owner_client, owner):
    owner_client.post(reverse("user-toggle-active", args=[owner.pk]), follow=True)
    owner.refresh_from_db()
    assert owner.is_active and not AuditLogEntry.objects.exists()


def test_partner_cannot_invite(partner_client):
    response = partner_client.post(reverse("settings"), {"email": "x@shop.test"})
    assert response.status_code == 403
    assert not User.objects.filter(email="x@shop.test").exists()


def test_admin_changes_are_audited(owner_client, marketplaces):
    us = marketplaces["US"]
    url = reverse("admin:catalog_marketplace_change", args=[us.pk])
    data = {
        "code": "US",
        "name": "USA",
        "amazon_marketplace_id": us.amazon_marketplace_id,
        "region": "NA",
        "country_code": "US",
        "currency": "USD",
        "time_zone": "America/Los_Angeles",
        "domain": "amazon.com",
        "active": "on",
    }
    assert owner_client.post(url, data).status_code == 302
    entry = AuditLogEntry.objects.get(action="catalog.marketplace.update")
    assert entry.changes == {"name": ["United States", "USA"]}
    delete = reverse("admin:catalog_marketplace_delete", args=[us.pk])
    assert owner_client.post(delete, {"post": "yes"}).status_code == 302
    gone = AuditLogEntry.objects.get(action="catalog.marketplace.delete")
    assert gone.object_id == str(us.pk) and gone.changes["code"] == ["US", None]


def test_admin_refuses_bad_time_zone(owner_client, marketplaces):
    us = marketplaces["US"]
    url = reverse("admin:catalog_marketplace_change", args=[us.pk])
    response = owner_client.post(url, {"code": "US", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200 and b"is not an IANA time zone" in response.content
    assert not AuditLogEntry.objects.exists()


def test_owner_cannot_demote_self_in_admin(owner_client, owner):
    page = owner_client.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    assert b'name="role"' not in page.content and b'name="is_active"' not in page.content


def test_api_token_page_shows_key_once(partner_client, partner):
    created = partner_client.post(reverse("api-token"))
    key = Token.objects.get(user=partner).key
    assert key.encode() in created.content
    later = partner_client.get(reverse("api-token"))
    assert key.encode() not in later.content and key[-4:].encode() in later.content
    assert AuditLogEntry.objects.filter(action="api_token.rotate").count() == 1


def test_audit_log_admin_is_read_only(owner_client, owner):
    entry = AuditLogEntry.objects.create(actor=owner, actor_email=owner.email, action="x")
    assert owner_client.get(reverse("admin:accounts_auditlogentry_add")).status_code == 403
    url = reverse("admin:accounts_auditlogentry_delete", args=[entry.pk])
    assert owner_client.post(url, {"post": "yes"}).status_code == 403
    assert AuditLogEntry.objects.filter(pk=entry.pk).exists()
