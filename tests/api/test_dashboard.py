"""The dashboard in Debian's chromium (Playwright, never a downloaded browser) while `keepers up` runs:
live updates arrive over the WebSocket, the stop button stops a keeper, and nothing is fetched from
anywhere but the API itself."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.api.conftest import TOKEN

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.is_file():
        pytest.fail("Debian chromium is missing: `make test` installs it (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def test_dashboard_live_updates_and_stop_button(running_system, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(running_system.url + "/")

    expect(page.locator("#feed-state")).to_have_text("live", timeout=15_000)
    expect(page.locator('#keepers tr[data-keeper="arb"] .state')).to_have_text("running")
    head = page.locator("#head-block").inner_text()
    # A new block changes the status: it must arrive over the WebSocket, not a reload.
    expect(page.locator("#head-block")).not_to_have_text(head, timeout=15_000)
    page.wait_for_function("Number(document.body.dataset.wsMessages) >= 3", timeout=15_000)
    expect(page.locator("#balances tbody tr").first).to_be_visible()
    expect(page.locator("#profit [data-reconciled]").first).to_have_attribute("data-reconciled", "true")

    page.get_by_label("Control token").fill(TOKEN)
    page.get_by_role("button", name="Use token").click()
    page.get_by_role("button", name="Stop arb").click()
    expect(page.locator('#keepers tr[data-keeper="arb"] .state')).to_have_text("stopped", timeout=20_000)
    assert running_system.keeper("arb")["pid"] is None
    expect(page.locator("#feed")).to_contain_text("arb: supervisor: stopped", timeout=15_000)
    shot = page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert len(shot) > 10_000
    Path("data").mkdir(exist_ok=True)
    shutil.copy(tmp_path / "dashboard.png", Path("data") / "dashboard.png")

    # Keyboard only: focus the start button and press Enter.
    page.get_by_role("button", name="Start arb").focus()
    page.keyboard.press("Enter")
    expect(page.locator('#keepers tr[data-keeper="arb"] .state')).to_have_text("running", timeout=20_000)
    page.get_by_label("Include routine log lines").check()
    expect(page.locator("#feed")).to_contain_text("block.mined", timeout=15_000)

    origin = running_system.url
    assert all(url.startswith((origin, origin.replace("http", "ws"))) for url in requested), requested
    assert not errors, errors
    page.close()


def test_dashboard_fits_a_phone_and_refuses_a_wrong_token(running_system, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(running_system.url + "/")
    expect(page.locator("#feed-state")).to_have_text("live", timeout=15_000)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_label("Control token").fill("not-the-token")
    page.get_by_role("button", name="Use token").click()
    page.get_by_role("button", name="Stop rewards").click()
    expect(page.locator("#control-message")).to_contain_text("Refused (403)")
    assert running_system.keeper("rewards")["desired"] == "running"
    page.close()
