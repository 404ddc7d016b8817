import io

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--days", "45", stdout=io.StringIO())


@pytest.mark.parametrize(
    "who",
    [("partner@example.com", "seller-hub-partner"), ("owner@example.com", "seller-hub-owner")],
)
def test_the_dashboard_draws_its_tiles_charts_and_tables(demo, session, who):
    session.login(*who)
    page = session.page
    page.goto("/dashboard/?marketplace=ALL&days=30")
    assert page.locator("h1").inner_text() == "Dashboard"
    tiles = page.locator(".tile.kpi")
    assert tiles.count() == 4
    assert "USD" in tiles.nth(3).inner_text() and "units" in tiles.nth(3).inner_text()
    for chart in ("revenue-profit", "revenue-costs"):
        page.wait_for_selector(f"#{chart} .main-svg", timeout=15000)  # plotly drew it
        assert page.locator(f"#{chart} .chart-message").count() == 0
    bars = page.locator("#revenue-profit .bars .point")
    assert bars.count() >= 28  # a bar a day with sales
    assert page.locator("table[data-export='top-products.csv'] tbody tr").count() == 10
    assert page.locator("table[data-export='marketplaces.csv'] tbody tr").count() == 2  # US, CA
    # Ranking by margin keeps the filter in the URL.
    page.select_option("select[name=sort]", "margin")
    page.wait_for_load_state("networkidle")
    assert "sort=margin" in page.url and "days=30" in page.url
    assert session.errors == []


def test_a_period_without_sales_says_so(demo, session):
    session.login("partner@example.com", "seller-hub-partner")
    page = session.page
    page.goto("/dashboard/?marketplace=ALL&start=2020-01-01&end=2020-01-31")
    page.wait_for_selector("#revenue-profit .chart-message:has-text('No data for this period')")
    assert page.locator("text=No sales in this period.").count() >= 1
    assert session.errors == []
