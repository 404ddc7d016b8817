"""Orders services: the SP-API connection, and (next) the orders sync."""

from django.db import transaction
from django.utils import timezone

from accounts.services import audit_log_record, model_snapshot
from catalog.models import Marketplace
from orders.models import SpApiConnection
from orders.spapi import SpApiClient, SpApiError

SECRET_FIELDS = ("lwa_client_secret", "refresh_token")


def _snapshot(connection: SpApiConnection) -> dict:
    snap = model_snapshot(connection)
    for key in ("last_test_at", "last_test_ok", "last_test_message", "updated_at"):
        snap.pop(key, None)
    if connection.pk:
        snap["marketplaces"] = ",".join(sorted(m.code for m in connection.marketplaces.all()))
    return snap


def spapi_connection_save(*, actor, region: str, data: dict, request=None) -> SpApiConnection:
    """Create or update the connection of a region (audited, secrets masked).

    A blank secret keeps the stored one, so a form never has to show it back.
    """
    with transaction.atomic():
        connection = SpApiConnection.objects.select_for_update().filter(
            region=region
        ).first() or SpApiConnection(region=region)
        before = _snapshot(connection) if connection.pk else None
        for key in ("lwa_client_id", "selling_partner_id", "active"):
            if key in data:
                setattr(connection, key, data[key])
        for key in SECRET_FIELDS:
            if data.get(key):
                setattr(connection, key, data[key])
        connection.save()
        if "marketplaces" in data:
            connection.marketplaces.set(
                Marketplace.objects.filter(code__in=data["marketplaces"], region=region)
            )
        audit_log_record(
            actor=actor,
            action="orders.spapi_connection.update" if before else "orders.spapi_connection.create",
            obj=connection,
            before=before,
            after=_snapshot(connection),
            request=request,
        )
    return connection


def spapi_connection_test(*, actor, connection: SpApiConnection, request=None) -> dict:
    """Exchange the refresh token and list marketplace participations.

    Returns {"ok", "marketplaces", "error"} and keeps the outcome on the
    connection. The error is exactly what Amazon said (wrong secret, revoked
    token, wrong region), without any credential.
    """
    client = SpApiClient.for_connection(connection, max_wait=30)
    try:
        participations = client.marketplace_participations()
    except SpApiError as exc:
        result = {"ok": False, "marketplaces": [], "error": str(exc)}
    else:
        result = {
            "ok": True,
            "marketplaces": [
                {
                    "id": p["marketplace"]["id"],
                    "name": p["marketplace"]["name"],
                    "country": p["marketplace"]["countryCode"],
                    "participating": p["participation"]["isParticipating"],
                }
                for p in participations
            ],
            "error": "",
        }
    message = result["error"] or "Found: " + ", ".join(m["name"] for m in result["marketplaces"])
    SpApiConnection.objects.filter(pk=connection.pk).update(
        last_test_at=timezone.now(), last_test_ok=result["ok"], last_test_message=message[:2000]
    )
    audit_log_record(
        actor=actor,
        action="orders.spapi_connection.test",
        obj=connection,
        after={"ok": result["ok"], "message": message[:500]},
        request=request,
    )
    return result
