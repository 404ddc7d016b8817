import pytest

from orders import sandbox as sandbox_module
from tests.orders import conftest as orders_conftest

NOW = orders_conftest.NOW
# The orders tests' sandbox fixtures, shared.
sandbox = orders_conftest.sandbox
fake_time = orders_conftest.fake_time
make_client = orders_conftest.make_client
shop = orders_conftest.shop


@pytest.fixture
def ads_account(db):
    from ads.models import AdsAccount

    return AdsAccount.objects.create(
        region="NA",
        client_id=sandbox_module.CLIENT_ID,
        client_secret=sandbox_module.CLIENT_SECRET,
        refresh_token=sandbox_module.REFRESH_TOKEN,
    )


@pytest.fixture
def ads_client(shop, fake_time):
    """A client of the shop's sandbox whose waits only move a fake clock."""
    from ads.adsapi import AdsClient

    def make(**overrides):
        options = {
            "region": "NA",
            "client_id": sandbox_module.CLIENT_ID,
            "client_secret": sandbox_module.CLIENT_SECRET,
            "refresh_token": sandbox_module.REFRESH_TOKEN,
            "endpoint": shop.server.url,
            "token_url": shop.server.url + "/auth/o2/token",
            "sleep": fake_time.sleep,
            "timeout": (2, 2),
            "max_wait": 120,
        }
        options.update(overrides)
        return AdsClient(**options)

    return make


@pytest.fixture
def ads_shop(shop, ads_account, ads_client):
    """The shop's sandbox with the account's US profile listed and selected."""
    from ads import sync

    profiles = sync.refresh_profiles(ads_account, client=ads_client(), now=NOW)
    for profile in profiles:
        profile.selected = True
        profile.save()
    return shop
