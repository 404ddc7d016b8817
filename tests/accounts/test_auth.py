import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AuditLogEntry, Role, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_first_user_is_owner_then_partners():
    first = User.objects.create_user("First@Shop.test", "pw-123456789")
    second = User.objects.create_user("second@shop.test", "pw-123456789")
    assert (first.email, first.role, first.is_owner) == ("first@shop.test", Role.OWNER, True)
    assert (second.role, second.is_owner, second.is_staff) == (Role.PARTNER, False, False)
    assert first.is_staff and first.has_perm("catalog.change_marketplace")
    assert not second.has_perm("catalog.view_marketplace")


def test_createsuperuser_makes_an_owner_even_when_users_exist(partner):
    boss = User.objects.create_superuser("boss@shop.test", "pw-123456789")
    assert boss.role == Role.OWNER


def test_inactive_owner_loses_owner_rights(owner):
    owner.is_active = False
    assert not owner.is_owner and not owner.is_staff


def test_login_page_signs_in_case_insensitively(anon_client, partner):
    response = anon_client.post(
        reverse("login"), {"username": "PARTNER@shop.test", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard")
    assert anon_client.get(reverse("dashboard")).status_code == 200


def test_token_then_me():
    user = UserFactory(email="script@shop.test", role=Role.PARTNER)
    client = APIClient()
    response = client.post(
        reverse("auth-token"), {"email": "script@shop.test", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    key = response.json()["token"]
    assert key == Token.objects.get(user=user).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get(reverse("me"))
    assert me.json() == {
        "email": "script@shop.test",
        "full_name": user.full_name,
        "role": "partner",
    }
    # The same token comes back on the next exchange; its creation is audited once.
    again = client.post(
        reverse("auth-token"), {"email": "script@shop.test", "password": PASSWORD}, format="json"
    )
    assert again.json()["token"] == key
    entries = AuditLogEntry.objects.filter(action="api_token.create")
    assert entries.count() == 1
    assert key not in str(entries.get().changes)


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "partner@shop.test", "password": "wrong"},
        {"email": "nobody@shop.test", "password": PASSWORD},
        {"email": "not-an-email", "password": PASSWORD},
        {},
    ],
)
def test_token_refused(partner, payload):
    response = APIClient().post(reverse("auth-token"), payload, format="json")
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_token_refused_for_deactivated_user(partner):
    partner.is_active = False
    partner.save()
    response = APIClient().post(
        reverse("auth-token"), {"email": partner.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400


def test_bad_token_is_401(anon_client):
    response = anon_client.get(reverse("me"), HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401


def _fail(client, email, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": email, "password": "wrong"}, REMOTE_ADDR=ip
    ).status_code


def test_lockout_after_repeated_failures(settings, anon_client, partner):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert [_fail(anon_client, partner.email) for _ in range(5)] == [200, 200, 200, 200, 429]
    # Locked: even the right password is refused from that address...
    locked = anon_client.post(
        reverse("login"),
        {"username": partner.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.1",
    )
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    # ...and through the token endpoint...
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    response = api.post(
        reverse("auth-token"), {"email": partner.email, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 429
    # ...but the partner can still sign in from elsewhere.
    elsewhere = anon_client.post(
        reverse("login"),
        {"username": partner.email, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
    )
    assert elsewhere.status_code == 302


def test_token_endpoint_counts_failures(partner):
    api = APIClient(REMOTE_ADDR="10.0.0.9")
    statuses = [
        api.post(
            reverse("auth-token"), {"email": partner.email, "password": "x"}, format="json"
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [400, 400, 400, 400, 429, 429]


def test_lockout_uses_forwarded_address_behind_trusted_proxy(settings, anon_client, partner):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        anon_client.post(
            reverse("login"),
            {"username": partner.email, "password": "wrong"},
            REMOTE_ADDR="172.18.0.2",
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
        )
    # The proxy appended the real client 203.0.113.7; the spoofed 6.6.6.6 is ignored.
    ok = anon_client.post(
        reverse("login"),
        {"username": partner.email, "password": PASSWORD},
        REMOTE_ADDR="172.18.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert ok.status_code == 302


def test_password_reset_by_email(anon_client, partner):
    response = anon_client.post(reverse("password_reset"), {"email": partner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form = anon_client.get(path, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    done = anon_client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert done.status_code == 302
    partner.refresh_from_db()
    assert partner.check_password("a-new-long-passphrase")


def test_password_reset_for_unknown_address_sends_nothing(anon_client, db):
    anon_client.post(reverse("password_reset"), {"email": "who@shop.test"})
    assert mail.outbox == []


def test_password_change(partner_client, partner):
    response = partner_client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.check_password("another-long-passphrase")


def test_logout_is_post_only(partner_client):
    assert partner_client.post(reverse("logout")).status_code == 302
    assert partner_client.get(reverse("dashboard")).status_code == 302
