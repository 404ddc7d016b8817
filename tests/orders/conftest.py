import pytest

from orders import sandbox as sandbox_module
from orders import spapi


class FakeTime:
    """A clock that moves only when the code under test sleeps."""

    def __init__(self):
        self.now = 1_800_000_000.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def sandbox():
    server = sandbox_module.serve_in_thread("NA")
    spapi._access_tokens.clear()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def make_client(sandbox, fake_time, db):
    def make(**overrides):
        options = {
            "region": "NA",
            "client_id": sandbox_module.CLIENT_ID,
            "client_secret": sandbox_module.CLIENT_SECRET,
            "refresh_token": sandbox_module.REFRESH_TOKEN,
            "endpoint": sandbox.url,
            "token_url": sandbox.url + "/auth/o2/token",
            "sleep": fake_time.sleep,
            "clock": fake_time.clock,
            "timeout": (2, 1),
            "max_wait": 300,
        }
        options.update(overrides)
        return spapi.SpApiClient(**options)

    return make


def set_faults(server, **plan):
    server.state.faults.update({k: list(v) for k, v in plan.items()})
