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
def test_the_ads_and_attribution_pages_draw(demo, session, who):
    session.login(*who)
    page = session.page
    page.goto("/ads/?marketplace=ALL&days=30")
    assert page.locator("h1").inner_text() == "Ads"
    assert page.locator(".tile.kpi").count() == 7
    page.wait_for_selector("#ads-spend-sales .main-svg", timeout=15000)
    assert page.locator("#ads-spend-sales .chart-message").count() == 0
    assert page.locator("table[data-export='campaigns.csv'] tbody tr").count() > 5

    page.goto("/ads/attribution/?marketplace=US&days=30")
    assert page.locator("h1").inner_text() == "Attribution"
    rows = page.locator("#sku-profitability tbody tr")
    assert rows.count() > 5
    page.wait_for_selector("#sku-series .main-svg", timeout=15000)
    # Choosing another SKU keeps the period in the URL and redraws its chart.
    options = page.locator("#sku-chart select[name=sku] option")
    other = options.nth(options.count() - 1).get_attribute("value")
    page.select_option("#sku-chart select[name=sku]", other)
    page.wait_for_load_state("networkidle")
    assert "days=30" in page.url and "marketplace=US" in page.url
    page.wait_for_selector("#sku-series .main-svg, #sku-series .chart-message", timeout=15000)
    assert session.errors == []
