"""Browser journeys: Playwright driving the system Chromium (Playwright cannot download its own
browser on a bureau intranet), headless, against pytest-django's live server."""
import os
import shutil

import pytest

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def chromium_path():
    for candidate in (os.environ.get("PORTAL_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError("Chromium not found: run `bash scripts/system-deps.sh --with-browser` "
                       "(Debian package chromium) or set PORTAL_CHROMIUM.")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    outside = []

    def watch(request):
        if not request.url.startswith(live_server.url) and not request.url.startswith("data:"):
            outside.append(request.url)

    page.on("request", watch)
    page.outside_requests = outside
    yield page
    context.close()
