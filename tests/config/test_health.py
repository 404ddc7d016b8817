import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django_q.tasks import async_task

from config.services import HEARTBEAT_KEY
from tests.subprocess_django import run_django

pytestmark = pytest.mark.django_db


def test_health_ok_after_the_cluster_runs_its_heartbeat(anon_client):
    # Tests run django-q2 synchronously: this is the real task, run now.
    async_task("config.tasks.cluster_heartbeat")
    response = anon_client.get(reverse("health"))
    body = response.json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["database"]["ok"] and body["migrations"] == {"ok": True, "unapplied": 0}
    assert body["qcluster"]["ok"] and 0 <= body["qcluster"]["age_seconds"] < 5
    assert response["Cache-Control"] == "no-store"


def test_health_degraded_without_a_recent_heartbeat(anon_client):
    cache.delete(HEARTBEAT_KEY)
    body = anon_client.get(reverse("health")).json()
    assert body["status"] == "degraded"
    assert body["qcluster"] == {"ok": False, "last_heartbeat": None, "age_seconds": None}
    old = timezone.now() - timedelta(minutes=6)
    cache.set(HEARTBEAT_KEY, old.isoformat())
    response = anon_client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json()["qcluster"]["ok"] is False
    assert response.json()["qcluster"]["age_seconds"] >= 360


def _health_in_subprocess(database_url):
    """Ask /api/health in a fresh process whose database cannot be reached."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/api/health');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    out = run_django(
        ["-c", code], {"DATABASE_URL": database_url, "ALLOWED_HOSTS": "testserver"}, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-dir/seller-hub/db.sqlite3",
        "postgres://postgres@127.0.0.1:1/sellerhub?connect_timeout=2",
    ],
    ids=["sqlite-missing-file", "postgres-nothing-listening"],
)
def test_health_503_when_database_unreachable(database_url):
    result = _health_in_subprocess(database_url)
    assert result["status"] == 503
    assert result["body"]["status"] == "error"
    assert result["body"]["database"] == {"ok": False, "error": "OperationalError"}


def test_health_503_when_migrations_are_pending(anon_client, monkeypatch):
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    import config.services

    monkeypatch.setattr(config.services, "_migrations_applied", False)
    latest = MigrationRecorder(connection).migration_qs.filter(app="catalog").latest("id")
    latest.delete()
    response = anon_client.get(reverse("health"))
    assert response.status_code == 503
    assert response.json()["migrations"] == {"ok": False, "unapplied": 1}
