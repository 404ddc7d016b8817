import io

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--days", "45", stdout=io.StringIO())


def test_partner_sees_inventory_with_honest_freshness(demo, session):
    session.login("partner@example.com", "seller-hub-partner")
    page = session.page
    page.goto("/inventory/?marketplace=US&days=30")
    assert page.locator("table.data tbody tr").count() > 50
    assert page.locator(".badge.stale").count() >= 1
    assert page.locator(".badge.fresh").count() >= 1
    # Sorting by available units puts the nearly sold-out rows first.
    page.click("th:has-text('Available (units)')")
    first = int(page.locator("table.data tbody tr").first.locator("td").nth(4).inner_text())
    assert first <= 6
    assert session.errors == []


def test_data_health_page_draws_its_trend(demo, session):
    session.login("owner@example.com", "seller-hub-owner")
    page = session.page
    page.goto("/data-health/")
    page.wait_for_selector("#health-trend .main-svg")
    assert page.locator(".tile .value").first.inner_text() == "5"
    assert page.locator("text=MYSTERY-77").count() == 1
    assert page.locator("a:has-text('Admin → Seen SKUs')").count() == 1
    assert session.errors == []
