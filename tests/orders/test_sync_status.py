import datetime as dt

from django.urls import reverse
from django.utils import timezone

from orders.models import SyncRun, SyncStatus


def test_health_reports_the_age_of_the_last_successful_orders_sync(client, db):
    assert client.get("/api/health").json()["orders_sync"] == {
        "last_success": None,
        "age_seconds": None,
    }
    finished = timezone.now() - dt.timedelta(minutes=20)
    SyncRun.objects.create(source="orders", region="NA", status="success", finished_at=finished)
    SyncRun.objects.create(
        source="orders", region="NA", status="failed", finished_at=timezone.now()
    )
    body = client.get("/api/health").json()["orders_sync"]
    assert 1190 < body["age_seconds"] < 1300


def test_owner_starts_a_sync_in_the_background_and_reads_its_status(
    shop, owner_client, make_client, monkeypatch
):
    from orders import spapi

    # The task runs synchronously in tests; point the client at the shop's sandbox.
    monkeypatch.setattr(spapi.settings, "SPAPI_ENDPOINT", shop.server.url)
    monkeypatch.setattr(spapi.settings, "LWA_TOKEN_URL", shop.server.url + "/auth/o2/token")
    shop.server.state.clock = lambda: dt.datetime.now(dt.UTC)
    response = owner_client.post(reverse("orders-sync"))
    assert response.status_code == 202
    run = SyncRun.objects.get(pk=response.json()["run_id"])
    assert run.trigger == "manual"
    status = owner_client.get(reverse("sync-status-api")).json()
    orders = next(s for s in status["sources"] if s["source"] == "orders")
    assert orders["last_run"]["id"] == run.pk
    page = owner_client.get(reverse("sync-status"))
    assert f"#{run.pk}" in page.content.decode()


def test_starting_a_sync_without_a_connection_says_so(owner_client, db):
    response = owner_client.post(reverse("orders-sync"))
    assert response.status_code == 409
    assert "No active SP-API connection" in response.json()["detail"]
    assert not SyncRun.objects.filter(status=SyncStatus.QUEUED).exists()
