"""Every URL in the URL conf against anonymous, partner and owner.

The URL list is generated from the URL conf, so a new endpoint without a rule
here fails `test_every_url_has_a_rule`. Admin URLs are generated from the admin
registry with the owner-only rule.
"""

import io

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import AuditLogEntry

# Anonymous visitors: pages redirect to the login page, the API answers 401.
LOGIN = 302
PAGE = {"anon": LOGIN, "partner": 200, "owner": 200}
OWNER_PAGE = {"anon": LOGIN, "partner": 403, "owner": 200}
API = {"anon": 401, "partner": 200, "owner": 200}
OWNER_API = {"anon": 401, "partner": 403, "owner": 200}
PUBLIC = {"anon": 200, "partner": 200, "owner": 200}

# URL name -> (kwargs for reverse, expected GET status per role)
RULES = {
    "home": ({}, {"anon": 302, "partner": 302, "owner": 302}),
    "favicon": ({}, {"anon": 302, "partner": 302, "owner": 302}),
    # Signed-in users are sent on from the login page.
    "login": ({}, {"anon": 200, "partner": 302, "owner": 302}),
    "logout": ({}, {"anon": 405, "partner": 405, "owner": 405}),  # POST only
    "password_change": ({}, PAGE),
    "password_change_done": ({}, PAGE),
    "password_reset": ({}, PUBLIC),
    "password_reset_done": ({}, PUBLIC),
    "password_reset_confirm": ({"uidb64": "MQ", "token": "bad-token"}, PUBLIC),
    "password_reset_complete": ({}, PUBLIC),
    "api-token": ({}, PAGE),
    "settings": ({}, OWNER_PAGE),
    # POST only; partners are refused before the method is looked at.
    "user-toggle-active": ({"pk": 1}, {"anon": LOGIN, "partner": 403, "owner": 405}),
    "dashboard": ({}, PAGE),
    "orders": ({}, PAGE),
    "ads": ({}, PAGE),
    "ads-attribution": ({}, PAGE),
    "forecast": ({}, PAGE),
    "restock": ({}, PAGE),
    "inventory": ({}, PAGE),
    "data-health": ({}, PAGE),
    "alerts": ({}, PAGE),
    "auth-token": ({}, {"anon": 405, "partner": 405, "owner": 405}),  # POST only
    "me": ({}, API),
    "audit-log": ({}, OWNER_API),
    "health": ({}, PUBLIC),
    "inventory-list": ({}, API),
    # Reads for everyone signed in; PUT/DELETE are owner only (tests/catalog).
    "inventory-detail": (
        {"marketplace": "US", "sku": "NOPE"},
        {"anon": 401, "partner": 404, "owner": 404},
    ),
    "data-health-api": ({}, API),
    "amazon-settings": ({}, OWNER_PAGE),
    # POST only; partners are refused before the method is looked at.
    "amazon-connection-test-page": (
        {"region": "NA"},
        {"anon": LOGIN, "partner": 403, "owner": 405},
    ),
    "amazon-connection": ({}, OWNER_API),
    "amazon-connection-test": ({}, {"anon": 401, "partner": 403, "owner": 405}),
    "sync-status": ({}, PAGE),
    "sync-status-api": ({}, API),
    "dashboard-summary": ({}, API),
    "dashboard-timeseries": ({}, API),
    "dashboard-top-products": ({}, API),
    "dashboard-marketplaces": ({}, API),
    "orders-list": ({}, API),
    "orders-export": ({}, API),
    # POST only; partners are refused before the method is looked at.
    "orders-sync-page": ({}, {"anon": LOGIN, "partner": 403, "owner": 405}),
    "orders-sync": ({}, {"anon": 401, "partner": 403, "owner": 405}),
    "api-schema": ({}, API),
    "api-docs": ({}, API),
    "ads-account": ({}, OWNER_API),
    "ads-connect": ({}, {"anon": 401, "partner": 403, "owner": 405}),  # PUT only
    "ads-profiles": ({}, OWNER_API),
    "ads-sync": ({}, {"anon": 401, "partner": 403, "owner": 405}),  # POST only
    "ads-backfill": ({}, {"anon": 401, "partner": 403, "owner": 405}),  # POST only
    "ads-summary": ({}, API),
    "ads-timeseries": ({}, API),
    "ads-sku-profitability": ({}, API),
    # Without ?sku= the series has nothing to show: 400 says so.
    "ads-sku-timeseries": ({}, {"anon": 401, "partner": 400, "owner": 400}),
    "amazon-report": ({}, API),
    # Forecasts and restock: partners read; the what-if plan is a read too (POST, stores
    # nothing); running forecasts is the owner's button (POST only).
    "forecast-run": ({}, {"anon": LOGIN, "partner": 403, "owner": 405}),
    "forecast-total": ({}, API),
    "forecast-sku": ({"sku": "NOPE"}, {"anon": 401, "partner": 404, "owner": 404}),
    "forecast-top-skus": ({}, API),
    "forecast-accuracy": ({}, API),
    "forecast-restock-plan": ({}, API),
    "restock-what-if": ({}, {"anon": 401, "partner": 405, "owner": 405}),
    "inventory-restock": ({}, API),
    "restock-actions-total": ({}, API),
    "restock-actions-sku": ({"sku": "NOPE"}, {"anon": 401, "partner": 404, "owner": 404}),
    "restock-purchase-order": ({}, API),
    # Alerts: partners read them; acknowledging, running and settings are the owner's.
    "alerts-ack-page": ({}, {"anon": LOGIN, "partner": 403, "owner": 405}),
    "alerts-run-page": ({}, {"anon": LOGIN, "partner": 403, "owner": 405}),
    "alert-settings": ({}, OWNER_PAGE),
    "alert-webhook-test-page": ({}, {"anon": LOGIN, "partner": 403, "owner": 405}),
    "alerts-list": ({}, API),
    "alerts-ack": ({}, {"anon": 401, "partner": 403, "owner": 405}),
    "alerts-run": ({}, {"anon": 401, "partner": 403, "owner": 405}),
    "alerts-settings": ({}, OWNER_API),
    "alerts-webhook-test": ({}, {"anon": 401, "partner": 403, "owner": 405}),
    "ads-sku-cost": ({}, OWNER_API),
    "ads-sku-cost-delete": ({"sku": "NOPE"}, {"anon": 401, "partner": 403, "owner": 405}),
}


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            yield from _walk(entry.url_patterns, f"{namespace}{ns}:" if ns else namespace)
        elif isinstance(entry, URLPattern):
            if namespace.startswith("admin:"):
                # Admin URLs (some unnamed) are covered by test_admin_is_owner_only.
                yield f"{namespace}{entry.name or entry.pattern}", entry
            else:
                yield f"{namespace}{entry.name}" if entry.name else None, entry


def all_url_names():
    return [name for name, _ in _walk(get_resolver().url_patterns)]


OUR_APPS = {"accounts", "catalog", "orders", "ads", "forecasting", "alerts"}


def _admin_names():
    return [
        name.removeprefix("admin:")
        for name in all_url_names()
        if name.startswith("admin:") and not name.endswith("/")
    ]


def test_every_url_has_a_rule():
    unnamed = [str(p.pattern) for name, p in _walk(get_resolver().url_patterns) if not name]
    assert unnamed == [], "every URL needs a name so it can have a role rule"
    missing = sorted(
        name for name in all_url_names() if not name.startswith("admin:") and name not in RULES
    )
    assert missing == [], f"URLs without a role rule in tests/test_role_matrix.py: {missing}"
    stale = sorted(set(RULES) - set(all_url_names()))
    assert stale == [], f"rules for URLs that no longer exist: {stale}"


@pytest.fixture
def clients(anon_client, partner_client, owner_client):
    return {"anon": anon_client, "partner": partner_client, "owner": owner_client}


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(RULES))
def test_role_matrix(name, clients, marketplaces):
    kwargs, expected = RULES[name]
    url = reverse(name, kwargs=kwargs)
    got = {role: client.get(url).status_code for role, client in clients.items()}
    assert got == expected, url


def _webhook_delivery():
    from django.utils import timezone

    from alerts.models import AlertEvent, WebhookDelivery

    WebhookDelivery.objects.create(
        event=AlertEvent.objects.order_by("pk").first(),
        url="https://hooks.example.com/x",
        payload={"text": "x"},
        next_try_at=timezone.now(),
    )


def _admin_urls(owner, partner):
    """One URL per admin view of every registered model, with a real object."""
    AuditLogEntry.objects.create(actor=owner, actor_email=owner.email, action="test.seed")
    call_command("seed_demo", "--days", "45", stdout=io.StringIO())  # every catalog model
    _webhook_delivery()  # the demo has no webhook to deliver to
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        for view in ("import", "export"):
            name = "admin:{}_{}_{}".format(*info, view)
            if name in {f"admin:{n}" for n in _admin_names()}:
                urls.append(reverse(name))
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:app_list", kwargs={"app_label": info[0]}))
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            assert model._meta.app_label not in OUR_APPS, f"give {model.__name__} an object"
            continue
        urls.append(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        urls.append(reverse("admin:{}_{}_history".format(*info), args=[obj.pk]))
    return urls


@pytest.mark.django_db
def test_admin_is_owner_only(clients, owner, partner, marketplaces):
    for url in _admin_urls(owner, partner):
        anon = clients["anon"].get(url)
        assert anon.status_code == 302 and anon["Location"].startswith(reverse("login")), url
        assert clients["partner"].get(url).status_code == 403, url
        assert clients["owner"].get(url).status_code == 200, url


@pytest.mark.django_db
def test_admin_login_sends_to_site_login(clients):
    response = clients["anon"].get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login") + "?next=%2Fadmin%2F"
    assert clients["partner"].get(reverse("admin:login")).status_code == 403


@pytest.mark.django_db
def test_partner_does_not_see_owner_links(partner_client, owner_client):
    partner_page = partner_client.get(reverse("dashboard")).content.decode()
    owner_page = owner_client.get(reverse("dashboard")).content.decode()
    for key in ("settings", "admin"):
        assert f'data-nav="{key}"' not in partner_page
        assert f'data-nav="{key}"' in owner_page
