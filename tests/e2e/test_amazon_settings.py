import io

import pytest
from django.core.management import call_command

from orders import sandbox as sb
from orders import spapi

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_at_sandbox(transactional_db, settings):
    server = sb.serve_in_thread("NA")
    spapi._access_tokens.clear()
    settings.SPAPI_ENDPOINT = server.url
    settings.LWA_TOKEN_URL = server.url + "/auth/o2/token"
    call_command("seed_demo", "--days", "45", stdout=io.StringIO())
    yield server
    server.shutdown()
    server.server_close()


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
