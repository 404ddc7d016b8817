import io

import pytest
from django.core.management import call_command

from config.context_processors import NAVIGATION

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OWNER = ("owner@example.com", "seller-hub-owner")
PARTNER = ("partner@example.com", "seller-hub-partner")
NOT_BUILT = set()


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--days", "45", stdout=io.StringIO())


def nav_hrefs(page):
    return {
        a.get_attribute("data-nav"): a.get_attribute("href")
        for a in page.query_selector_all("nav.sidebar a")
    }


def test_partner_visits_every_page_and_cannot_open_settings(demo, session):
    session.login(*PARTNER)
    page = session.page
    assert page.url.endswith("/dashboard/")
    links = nav_hrefs(page)
    assert set(links) == {key for key, *_rest, owner_only in NAVIGATION if not owner_only}
    for key, href in links.items():
        response = page.goto(href)
        assert response.status == 200, key
        assert page.locator("h1").inner_text()
        if key in NOT_BUILT:
            assert "This page is not built yet." in page.content()
    assert session.errors == []
    assert page.goto("/settings/").status == 403
    assert "You do not have access" in page.content()
    assert page.goto("/admin/").status == 403


def test_owner_visits_every_page_including_settings_and_admin(demo, session):
    session.login(*OWNER)
    page = session.page
    links = nav_hrefs(page)
    assert set(links) == {key for key, *_ in NAVIGATION}
    for key, href in links.items():
        response = page.goto(href)
        assert response.status == 200, key
    page.goto(links["settings"])
    assert page.locator("text=partner@example.com").count() >= 1
    assert session.errors == []


def test_filters_stay_in_the_url(demo, session):
    session.login(*PARTNER)
    page = session.page
    with page.expect_navigation():
        page.select_option("select[name=marketplace]", "DE")
    with page.expect_navigation():
        page.select_option("select[name=days]", "90")
    assert "marketplace=DE" in page.url and "days=90" in page.url
    with page.expect_navigation():
        page.click("nav.sidebar a[data-nav=forecast]")
    assert "/forecast/" in page.url and "marketplace=DE" in page.url and "days=90" in page.url
    assert page.locator("select[name=marketplace]").input_value() == "DE"
    # A custom range replaces days with start/end.
    page.select_option("select[name=days]", "")
    page.fill("input[name=start]", "2026-01-01")
    page.fill("input[name=end]", "2026-01-31")
    with page.expect_navigation():
        page.click("form[data-filter-form] button[type=submit]")
    assert "start=2026-01-01" in page.url and "end=2026-01-31" in page.url
    assert "days=" not in page.url
    assert session.errors == []


def test_chart_helper_draws_and_reports_errors(demo, session):
    session.login(*PARTNER)
    page = session.page
    page.route(
        "**/__chart-test.json*",
        lambda route: route.fulfill(
            json={
                "points": [{"date": "2026-01-01", "units": 3}, {"date": "2026-01-02", "units": 5}]
            }
        ),
    )
    page.route(
        "**/__chart-broken.json*",
        lambda route: route.fulfill(status=400, json={"detail": "Unknown marketplace"}),
    )
    page.evaluate(
        """() => {
        for (const id of ['good', 'empty', 'broken']) {
          const el = document.createElement('div');
          el.id = id; el.className = 'chart';
          el.dataset.url = id === 'broken' ? '/__chart-broken.json' : '/__chart-test.json';
          document.querySelector('main').appendChild(el);
        }
        const fig = (json) => ({traces: [{x: json.points.map(p => p.date),
                                          y: json.points.map(p => p.units), type: 'bar'}]});
        return Promise.all([
          SellerHub.charts.draw(document.getElementById('good'), fig),
          SellerHub.charts.draw(document.getElementById('empty'), () => ({empty: true})),
          SellerHub.charts.draw(document.getElementById('broken'), fig),
        ]);
      }"""
    )
    assert page.locator("#good .main-svg").count() >= 1
    assert page.locator("#good .point, #good .bars path").count() >= 2
    assert page.locator("#empty").inner_text() == "No data for this period."
    assert "Unknown marketplace" in page.locator("#broken").inner_text()


def test_login_lockout_in_the_browser(demo, session):
    page = session.page
    for _ in range(5):
        page.goto("/accounts/login/")
        page.fill("input[name=username]", PARTNER[0])
        page.fill("input[name=password]", "wrong")
        page.click("button[type=submit]")
    assert "Too many failed sign-ins" in page.content()
