import io
import os
import shutil

import pytest
from django.core.management import call_command

from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the Django ORM
# calls made by fixtures here are still plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        skip_or_fail(
            f"Chromium not found at {CHROMIUM} (apt-get install chromium)", "REQUIRE_BROWSER"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed", "REQUIRE_BROWSER")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


class Session:
    """A browser page that records console errors and failed page scripts."""

    def __init__(self, browser, base_url):
        self.context = browser.new_context(base_url=base_url)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on(
            "console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}")
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on(
            "response",
            lambda r: r.status == 404 and self.errors.append(f"404: {r.url}"),
        )

    def login(self, email, password):
        self.page.goto("/accounts/login/")
        self.page.fill("input[name=username]", email)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_load_state("networkidle")


@pytest.fixture
def session(browser, live_server):
    s = Session(browser, live_server.url)
    yield s
    s.context.close()


@pytest.fixture
def demo_at_sandbox(transactional_db, settings):
    """The demo business with its Amazon connection pointed at a local sandbox."""
    from orders import lwa, sandbox

    server = sandbox.serve_in_thread("NA")
    lwa.forget()
    settings.SPAPI_ENDPOINT = server.url
    settings.LWA_TOKEN_URL = server.url + "/auth/o2/token"
    call_command("seed_demo", "--days", "45", stdout=io.StringIO())
    yield server
    server.shutdown()
    server.server_close()
