"""The alerts API and pages: lists, acknowledge, settings (owner only, audit-logged),
the run button and the navigation count."""

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditLogEntry
from alerts.models import AlertEvent, AlertRecipient, AlertSettings, AlertStatus, Severity

pytestmark = pytest.mark.django_db


def make_event(key, severity=Severity.WARNING, status=AlertStatus.OPEN, **more):
    now = timezone.now()
    return AlertEvent.objects.create(
        rule="stock",
        key=key,
        severity=severity,
        status=status,
        subject=f"US {key}",
        message=f"{key}: something to see",
        numbers={"link": "/restock/"},
        first_seen=now - dt.timedelta(hours=2),
        last_seen=now,
        **more,
    )


@pytest.fixture
def alerts(marketplaces):
    return {
        "critical": make_event("A", Severity.CRITICAL),
        "warning": make_event("B"),
        "acked": make_event("C", status=AlertStatus.ACKNOWLEDGED),
        "resolved": make_event("D", status=AlertStatus.RESOLVED, resolved_at=timezone.now()),
    }


def test_list_filters(alerts, partner_client):
    body = partner_client.get("/api/alerts").json()
    assert body["open"] == 2
    assert {r["subject"] for r in body["results"]} == {"US A", "US B", "US C"}
    critical = partner_client.get("/api/alerts?severity=critical").json()["results"]
    assert [r["subject"] for r in critical] == ["US A"]
    assert critical[0]["link"] == "/restock/"
    resolved = partner_client.get("/api/alerts?status=resolved").json()["results"]
    assert [r["subject"] for r in resolved] == ["US D"]
    assert partner_client.get("/api/alerts?status=all").json()["count"] == 4
    for bad in ("status=gone", "severity=loud", "limit=0", "limit=x"):
        assert partner_client.get(f"/api/alerts?{bad}").status_code == 400, bad


def test_acknowledge_is_the_owners(alerts, owner_client, partner_client, owner):
    ids = [alerts["critical"].pk, alerts["resolved"].pk]
    assert (
        partner_client.post("/api/alerts/ack", {"ids": ids}, "application/json").status_code == 403
    )
    response = owner_client.post("/api/alerts/ack", {"ids": ids}, "application/json")
    assert response.json() == {"acknowledged": 1}  # a resolved one stays resolved
    alerts["critical"].refresh_from_db()
    assert alerts["critical"].status == AlertStatus.ACKNOWLEDGED
    assert alerts["critical"].acknowledged_by == owner
    assert alerts["critical"].acknowledged_severity == Severity.CRITICAL
    for bad in ({}, {"ids": []}, {"ids": ["x"]}, {"ids": [0]}):
        assert owner_client.post("/api/alerts/ack", bad, "application/json").status_code == 400


def test_settings_owner_only_validated_and_audited(
    marketplaces, owner_client, partner_client, partner
):
    assert partner_client.get("/api/alerts/settings").status_code == 403
    assert (
        partner_client.put(
            "/api/alerts/settings", {"cover_critical_days": 3}, "application/json"
        ).status_code
        == 403
    )
    body = owner_client.get("/api/alerts/settings").json()
    assert body["cover_critical_days"] == 7 and body["stale_hours"]["orders"] == 2
    owner_row = next(r for r in body["recipients"] if r["role"] == "owner")
    assert (owner_row["critical"], owner_row["digest"], owner_row["summary"]) == (True, True, False)
    response = owner_client.put(
        "/api/alerts/settings",
        {
            "cover_critical_days": 5,
            "marketplaces": ["US", "UK"],
            "webhook_url": "https://hooks.slack.test/T1/B2/x",
            "recipients": [
                {"user": partner.email, "critical": True, "digest": False, "summary": True}
            ],
        },
        "application/json",
    )
    assert response.status_code == 200, response.content
    row = AlertSettings.load()
    assert row.cover_critical_days == 5
    assert sorted(row.marketplaces.values_list("code", flat=True)) == ["UK", "US"]
    choice = AlertRecipient.objects.get(user=partner)
    assert (choice.critical, choice.digest, choice.summary) == (True, False, True)
    entry = AuditLogEntry.objects.get(action="alerts.alertsettings.update")
    assert entry.changes["cover_critical_days"] == [7, 5]
    assert entry.changes["marketplaces"] == [[], ["UK", "US"]]
    assert AuditLogEntry.objects.filter(action="alerts.alertrecipient.update").count() == 1
    for bad in (
        {"cover_critical_days": 20},  # above the warning days (14)
        {"cover_warning_days": -1},
        {"stale_hours": {"orders": 0}},
        {"stale_hours": {"nonsense": 3}},
        {"stale_hours": [1]},
        {"marketplaces": ["ZZ"]},
        {"webhook_url": "not a url"},
        {
            "recipients": [
                {"user": "nobody@x.test", "critical": True, "digest": True, "summary": True}
            ]
        },
        {"anomaly_band": 90},
        {"mystery": 1},
    ):
        response = owner_client.put("/api/alerts/settings", bad, "application/json")
        assert response.status_code == 400, bad
    assert AuditLogEntry.objects.filter(action="alerts.alertsettings.update").count() == 1


def test_run_endpoint_and_command(marketplaces, owner_client, partner_client):
    from io import StringIO

    from django.core.management import call_command

    assert partner_client.post("/api/alerts/run").status_code == 403
    body = owner_client.post("/api/alerts/run").json()
    assert set(body) == {"conditions", "opened", "updated", "reopened", "resolved"}
    out = StringIO()
    call_command("run_alerts", stdout=out)
    assert out.getvalue().startswith("Alerts: ")
    assert "Webhooks: 0 sent, 0 to retry, 0 given up." in out.getvalue()


def test_alerts_page_and_nav_count(alerts, owner_client, partner_client):
    page = partner_client.get("/alerts/").content.decode()
    assert 'title="2 open alert(s)">2</span>' in page  # the navigation's count
    assert 'data-alert="{}"'.format(alerts["critical"].pk) in page
    assert "Acknowledge the selected" not in page  # the owner's
    owner_page = owner_client.get("/alerts/").content.decode()
    assert "Acknowledge the selected" in owner_page and "Alert settings" in owner_page
    response = owner_client.post("/alerts/ack", {"ids": [alerts["warning"].pk]})
    assert response.status_code == 302
    alerts["warning"].refresh_from_db()
    assert alerts["warning"].status == AlertStatus.ACKNOWLEDGED
    assert partner_client.get("/alerts/settings/").status_code == 403
    settings_page = owner_client.get("/alerts/settings/").content.decode()
    assert 'name="stale_orders" value="2"' in settings_page


def test_settings_page_saves(marketplaces, owner_client, owner, partner):
    data = {
        "cover_critical_days": 4,
        "cover_warning_days": 10,
        "failing_runs": 2,
        "acos_days": 7,
        "zero_sales_spend": "25.00",
        "anomaly_band": 80,
        "anomaly_min_units": 3,
        "email_critical": "on",
        "webhook_url": "",
        "stale_orders": 3,
        "stale_finances": 48,
        "stale_inventory": 6,
        "stale_traffic": 48,
        "stale_ads_collect": 6,
        f"critical_{owner.pk}": "on",
        f"summary_{partner.pk}": "on",
    }
    response = owner_client.post("/alerts/settings/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AlertSettings.load()
    assert (row.cover_critical_days, row.anomaly_band, row.stale_hours["orders"]) == (4, 80, 3)
    assert row.email_digest is False
    assert AlertRecipient.objects.get(user=partner).summary is True
    assert AlertRecipient.objects.get(user=owner).digest is False
    bad = owner_client.post("/alerts/settings/", {**data, "cover_critical_days": 30})
    assert bad.status_code == 200
    assert "Must not be above the low-stock days." in bad.content.decode()


def test_a_finished_sync_runs_the_rules(marketplaces, settings, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from catalog.models import ObservedSku, SkuSource
    from orders.models import SyncRun, SyncSource, SyncStatus
    from orders.sync import _finish

    settings.ALERTS_AFTER_SYNC = True
    cache.delete("alerts:evaluation-queued")
    ObservedSku.objects.create(
        marketplace=marketplaces["US"], seller_sku="STRAY", source=SkuSource.ORDERS
    )
    run = SyncRun.objects.create(source=SyncSource.ORDERS, region="NA")
    with django_capture_on_commit_callbacks(execute=True):
        _finish(run, SyncStatus.SUCCESS)
    assert AlertEvent.objects.filter(key__endswith=":STRAY", status=AlertStatus.OPEN).exists()
