"""The Ads and Attribution pages on the demo data (server-rendered parts)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--days", "45", stdout=io.StringIO())


def test_ads_page_shows_tiles_chart_and_campaigns(demo, partner_client):
    response = partner_client.get(reverse("ads"), {"days": 30})
    assert response.status_code == 200
    html = response.content.decode()
    assert "not built yet" not in html
    for kpi in ("spend", "sales", "acos", "roas", "tacos", "cpc", "conversion"):
        assert f'data-kpi="{kpi}"' in html
    assert 'id="ads-spend-sales"' in html and "SP - " in html  # a campaign row
    summary = response.context["summary"]
    assert summary["spend"] > 0 and summary["sales"] > 0
    assert summary["acos"] == pytest.approx(summary["spend"] / summary["sales"], abs=1e-4)


def test_attribution_page_lists_skus_with_flags_and_a_chart(demo, owner_client):
    response = owner_client.get(reverse("ads-attribution"), {"days": 30, "sort": "net_profit"})
    assert response.status_code == 200
    rows = response.context["rows"]
    assert rows and response.context["sort"] == "net_profit"
    profits = [r["net_profit"] for r in rows if r["net_profit"] is not None]
    assert profits == sorted(profits, reverse=True)
    html = response.content.decode()
    assert 'id="sku-profitability"' in html and 'id="sku-series"' in html
    # The demo has SKUs without a cost: flagged, shown as "—", never a crash.
    flagged = [r for r in rows if "missing_cogs" in r["warning_flags"]]
    assert flagged and all(r["net_profit"] is None for r in flagged)
    chosen = owner_client.get(reverse("ads-attribution"), {"sku": rows[-1]["sku"]})
    assert chosen.context["chosen"] == rows[-1]["sku"]
    hostile = owner_client.get(reverse("ads-attribution"), {"sku": "<script>", "sort": "x"})
    assert hostile.status_code == 200 and hostile.context["sort"] == "spend"
