import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory
from django_q.models import Schedule

from accounts.models import Role, User
from catalog.models import Marketplace
from config.schedules import SCHEDULES
from config.services import schedules_apply

pytestmark = pytest.mark.django_db


def test_migrate_created_every_schedule():
    # post_migrate applied the list when the test database was built.
    assert sorted(Schedule.objects.values_list("name", flat=True)) == sorted(
        job.name for job in SCHEDULES
    )


def test_setup_schedules_upserts_by_name_and_deletes_unlisted():
    Schedule.objects.filter(name="cluster-heartbeat").update(func="old.path", minutes=9)
    Schedule.objects.create(name="hand-made", func="x.y", schedule_type=Schedule.DAILY)
    heartbeat_id = Schedule.objects.get(name="cluster-heartbeat").pk
    out = io.StringIO()
    call_command("setup_schedules", stdout=out)
    unchanged = len(SCHEDULES) - 1
    assert out.getvalue().strip() == (
        f"Schedules: 0 created, 1 updated, 1 deleted, {unchanged} unchanged."
    )
    heartbeat = Schedule.objects.get(name="cluster-heartbeat")
    assert (heartbeat.pk, heartbeat.func, heartbeat.minutes) == (
        heartbeat_id,
        "config.tasks.cluster_heartbeat",
        1,
    )
    assert not Schedule.objects.filter(name="hand-made").exists()
    assert schedules_apply() == {
        "created": 0,
        "updated": 0,
        "deleted": 0,
        "unchanged": len(SCHEDULES),
    }


def _table_counts():
    from django.apps import apps

    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in {"accounts", "catalog", "orders", "ads", "forecasting", "alerts"}
    }


def test_seed_demo_is_idempotent_and_deterministic(monkeypatch):
    # The demo imports what the sandbox serves up to now: with the clock running, an order
    # that turned old enough between the two runs would be new data, not a second seeding.
    from django.utils import timezone

    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    out = io.StringIO()
    call_command("seed_demo", "--seed", "7", "--days", "30", stdout=out)
    first = _table_counts()
    assert first["catalog.Marketplace"] == 9 and first["accounts.User"] == 2
    assert "owner@example.com / seller-hub-owner" in out.getvalue()
    snapshot = list(Marketplace.objects.order_by("code").values())
    call_command("seed_demo", "--seed", "7", "--days", "30", stdout=io.StringIO())
    assert _table_counts() == first
    assert list(Marketplace.objects.order_by("code").values()) == snapshot


def test_seed_demo_users_and_marketplaces():
    call_command("seed_demo", "--days", "45", stdout=io.StringIO())
    request = RequestFactory().post("/")
    owner = authenticate(request, username="owner@example.com", password="seller-hub-owner")
    partner = authenticate(request, username="partner@example.com", password="seller-hub-partner")
    assert owner.role == Role.OWNER and partner.role == Role.PARTNER
    us, uk, de, jp = (Marketplace.objects.get(code=c) for c in ("US", "UK", "DE", "JP"))
    assert (us.amazon_marketplace_id, us.currency, us.time_zone, us.region) == (
        "ATVPDKIKX0DER",
        "USD",
        "America/Los_Angeles",
        "NA",
    )
    assert (uk.amazon_marketplace_id, uk.currency, uk.time_zone) == (
        "A1F83G8C2ARO7P",
        "GBP",
        "Europe/London",
    )
    assert (de.amazon_marketplace_id, de.time_zone) == ("A1PA6795UKMFR9", "Europe/Berlin")
    assert (jp.amazon_marketplace_id, jp.currency, jp.region) == ("A1VC38T7YXB528", "JPY", "FE")
    assert sorted(Marketplace.objects.values_list("code", flat=True)) == sorted(
        ["US", "CA", "MX", "UK", "DE", "FR", "IT", "ES", "JP"]
    )


def test_seed_demo_keeps_an_existing_owner():
    real = User.objects.create_user("me@myshop.test", "pw-123456789")
    call_command("seed_demo", "--days", "45", stdout=io.StringIO())
    real.refresh_from_db()
    assert real.role == Role.OWNER


def test_a_job_with_a_time_of_day_first_runs_then(settings):
    import datetime as dt

    from config.services import first_run

    settings.TIME_ZONE = "UTC"
    before = dt.datetime(2026, 11, 22, 2, 0, tzinfo=dt.UTC)
    after = dt.datetime(2026, 11, 22, 4, 0, tzinfo=dt.UTC)
    assert first_run("03:30", now=before) == dt.datetime(2026, 11, 22, 3, 30, tzinfo=dt.UTC)
    assert first_run("03:30", now=after) == dt.datetime(2026, 11, 23, 3, 30, tzinfo=dt.UTC)
    assert first_run(None, now=after) == after
