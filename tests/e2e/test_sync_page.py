import pytest

from orders.models import SyncRun

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_syncs_orders_from_the_sync_page(demo_at_sandbox, session):
    session.login("owner@example.com", "seller-hub-owner")
    page = session.page
    page.goto("/")
    page.click("nav a:has-text('Sync')")
    assert page.locator("h1").inner_text() == "Sync status"
    before = SyncRun.objects.count()
    with page.expect_navigation():
        page.click("button:has-text('Sync orders now')")
    page.goto("/sync/")  # the run is finished by now (tasks run inline in tests)
    run = SyncRun.objects.order_by("-pk").first()
    assert SyncRun.objects.count() == before + 1
    assert run.status == "success", run.error
    row = page.locator(f"tr:has(td:text-is('#{run.pk}'))")
    assert row.count() == 1
    assert "manual" in row.inner_text()
    assert "success" in row.inner_text()
    orders = page.locator("tr:has(td:text-is('Orders (incremental)'))")
    assert orders.locator(".badge.fresh:has-text('success')").count() == 1
    assert session.errors == []


def test_partner_reads_the_sync_page_without_the_button(demo_at_sandbox, session):
    session.login("partner@example.com", "seller-hub-partner")
    page = session.page
    assert page.goto("/sync/").status == 200
    assert page.locator("h1").inner_text() == "Sync status"
    assert page.locator("button:has-text('Sync orders now')").count() == 0
    assert page.locator("tr:has(td:text-is('Orders (incremental)'))").count() == 1
    assert session.errors == []
