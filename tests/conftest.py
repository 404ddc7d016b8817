import os
import socket

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import Role
from tests.factories import UserFactory

SHARED_DIR = settings.BASE_DIR.parent / "shared"


def _remove_stale_sqlite_test_files():
    """A killed run leaves the test database's -wal/-shm files; Django removes the
    database file before a new run but not those, and SQLite then fails."""
    test_name = settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3" or not test_name:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    base = f"{test_name}_{worker}" if worker else test_name
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = base + suffix
        if os.path.exists(path):
            os.remove(path)


def pytest_configure(config):
    _remove_stale_sqlite_test_files()
    # Tests serve static files from the finders (no collectstatic) and run
    # django-q2 tasks synchronously, asserting on the database.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Tasks run synchronously here: a warm-up after every rollup change would only slow
    # the tests down (tests/orders/test_dashboard_api.py runs it on purpose).
    settings.DASHBOARD_WARM = False
    # Alert evaluation after every sync likewise (tests/alerts run it on purpose).
    settings.ALERTS_AFTER_SYNC = False
    from django_q.conf import Conf

    Conf.SYNC = True


def skip_or_fail(reason: str, require_env: str):
    """Skip with a clear reason; fail instead where CI says it must run."""
    if os.environ.get(require_env) == "1":
        pytest.fail(f"{reason} ({require_env}=1 is set, so this must run)")
    pytest.skip(reason)


@pytest.fixture
def shared_dir():
    if not SHARED_DIR.is_dir():
        skip_or_fail(f"{SHARED_DIR} is absent (Amazon models and datasets)", "REQUIRE_SHARED")
    return SHARED_DIR


_real_connect = socket.socket.connect


def _guarded_connect(sock, address):
    """No internet from tests: only loopback and local sockets."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        if host not in ("localhost", "::1") and not str(host).startswith("127."):
            raise RuntimeError(f"Test tried to reach {host}: tests never leave this machine.")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True, scope="session")
def socket_guard():
    socket.socket.connect = _guarded_connect
    yield
    socket.socket.connect = _real_connect


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@shop.test", role=Role.OWNER, full_name="Olivia Owner")


@pytest.fixture
def partner(db, owner):
    return UserFactory(email="partner@shop.test", role=Role.PARTNER, full_name="Pat Partner")


@pytest.fixture
def anon_client():
    return Client()


@pytest.fixture
def owner_client(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def partner_client(partner):
    client = Client()
    client.force_login(partner)
    return client


@pytest.fixture
def marketplaces(db):
    """The nine demo marketplaces, exactly as seed_demo makes them."""
    from catalog.demo import marketplaces_seed
    from catalog.models import Marketplace

    marketplaces_seed()
    return {m.code: m for m in Marketplace.objects.all()}
