import io

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db, settings):
    settings.FORECAST_WORKERS = 1
    call_command("seed_demo", "--days", "60", stdout=io.StringIO())


@pytest.mark.parametrize(
    "who",
    [("partner@example.com", "seller-hub-partner"), ("owner@example.com", "seller-hub-owner")],
)
def test_the_forecast_and_restock_pages_draw(demo, session, who):
    session.login(*who)
    page = session.page
    page.goto("/forecast/?marketplace=ALL&horizon=60")
    assert page.locator("h1").inner_text() == "Forecast"
    page.wait_for_selector("#forecast-total .main-svg", timeout=20000)
    assert page.locator("#forecast-total .chart-message").count() == 0
    page.wait_for_selector("#forecast-sku .main-svg", timeout=20000)
    # The chosen listing's method and measured accuracy are spelled out under its chart.
    assert "quality" in page.locator("#forecast-sku-accuracy").inner_text()
    assert page.locator("table[data-export='forecast-top-skus.csv'] tbody tr").count() > 5
    assert page.locator("#accuracy .tile").count() == 5
    # Another listing from the table keeps the horizon and the filter.
    link = page.locator("table[data-export='forecast-top-skus.csv'] tbody tr a").nth(2)
    link.click()
    page.wait_for_load_state("networkidle")
    assert "horizon=60" in page.url and "sku=" in page.url
    page.wait_for_selector("#forecast-sku .main-svg", timeout=20000)

    page.goto("/restock/?marketplace=US")
    assert page.locator("h1").inner_text() == "Restock"
    rows = page.locator("#restock-table tbody tr")
    assert rows.count() > 5
    assert page.locator(".tile[data-action]").count() == 5
    # Sorting by days of cover puts the shortest first.
    page.locator("#restock-table th", has_text="Days of cover").click()
    first = page.locator("#restock-table tbody tr").first.locator("td").nth(4).inner_text()
    assert first == "—" or first.isdigit() or first == "365+"
    # A what-if with a long lead time makes more listings urgent.
    urgent = int(page.locator(".tile[data-action=order_now] .value").inner_text())
    page.fill("input[name=lead_time_days]", "120")
    page.click("#what-if button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "lead_time_days=120" in page.url
    assert int(page.locator(".tile[data-action=order_now] .value").inner_text()) >= urgent
    assert "120 days for every listing (what-if)" in page.content()
    with page.expect_download() as download:
        page.click("text=Purchase order (CSV)")
    assert download.value.suggested_filename == "purchase-order-US.csv"
    assert session.errors == []
