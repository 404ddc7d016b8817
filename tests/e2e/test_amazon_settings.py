import pytest

from orders import sandbox as sb

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_tests_the_amazon_connection(demo_at_sandbox, session):
    session.login("owner@example.com", "seller-hub-owner")
    page = session.page
    page.goto("/settings/")
    page.click("a:has-text('Amazon Selling Partner API')")
    assert page.locator("h1").inner_text() == "Amazon connection"
    assert page.locator("code:has-text('Atzr|…oken')").count() == 1
    assert sb.REFRESH_TOKEN not in page.content()
    with page.expect_navigation():
        page.click("button:has-text('Test connection')")
    assert "NA: connected. Marketplaces found: Amazon.com, Amazon.ca, Amazon.com.mx." in (
        page.content()
    )
    assert page.locator(".badge.fresh:has-text('ok')").count() == 1
    assert session.errors == []


def test_partner_cannot_open_the_amazon_settings(demo_at_sandbox, session):
    session.login("partner@example.com", "seller-hub-partner")
    assert session.page.goto("/settings/amazon/").status == 403
