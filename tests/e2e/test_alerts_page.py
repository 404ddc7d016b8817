import io

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, settings):
    settings.FORECAST_WORKERS = 1
    call_command("seed_demo", "--days", "60", stdout=io.StringIO())


def test_the_alerts_page_as_owner_and_partner(demo, session, browser, live_server):
    from alerts.models import AlertEvent, AlertStatus
    from tests.e2e.conftest import Session

    open_count = AlertEvent.objects.filter(status=AlertStatus.OPEN).count()
    assert open_count > 0  # the demo has low stock, reorders due and SKUs without a cost
    session.login("owner@example.com", "seller-hub-owner")
    page = session.page
    page.goto("/alerts/")
    assert page.locator("h1").inner_text() == "Alerts"
    assert page.locator("[data-nav=alerts] .nav-count").inner_text() == str(open_count)
    rows = page.locator("#open-alerts tbody tr")
    assert rows.count() == open_count
    # Most severe first.
    first = AlertEvent.objects.filter(status=AlertStatus.OPEN).order_by("severity").first()
    severities = set(AlertEvent.objects.values_list("severity", flat=True))
    top = next(s for s in ("critical", "warning", "info") if s in severities)
    assert rows.first.locator(".badge").inner_text().lower() == top
    assert first is not None
    rows.first.locator("input[type=checkbox]").check()
    page.click("text=Acknowledge the selected")
    page.wait_for_load_state("networkidle")
    assert "1 alert(s) acknowledged" in page.content()
    assert page.locator("#acknowledged-alerts tbody tr").count() == 1
    assert page.locator("[data-nav=alerts] .nav-count").inner_text() == str(open_count - 1)
    page.click("text=Alert settings")
    page.wait_for_load_state("networkidle")
    page.fill("input[name=cover_critical_days]", "5")
    page.click("#alert-settings-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Alert settings saved." in page.content()
    assert session.errors == []

    other = Session(browser, live_server.url)
    other.login("partner@example.com", "seller-hub-partner")
    partner = other.page
    partner.goto("/alerts/")
    assert partner.locator("#open-alerts tbody tr").count() == open_count - 1
    assert partner.locator("text=Acknowledge the selected").count() == 0
    assert partner.goto("/alerts/settings/").status == 403
    other.context.close()
