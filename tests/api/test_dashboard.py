"""The dashboard in Debian's chromium (Playwright, never a downloaded browser) while `keepers up` runs:
live updates arrive over the WebSocket, the stop button stops a keeper, and nothing is fetched from
anywhere but the API itself. `test_dashboard_views.py` walks every view at three widths."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.api.conftest import TOKEN, dashboard


def test_dashboard_live_updates_and_stop_button(running_system, browser, tmp_path):
    with dashboard(browser, running_system, "/", 1280, 1000) as page:  # the overview
        expect(page.locator("#feed-state")).to_have_text("live", timeout=15_000)
        expect(page.locator("#balances tbody tr").first).to_be_visible()
        expect(page.locator("#profit [data-reconciled]").first).to_have_attribute("data-reconciled", "true")
        page.get_by_role("link", name="Keepers", exact=True).click()
        expect(page).to_have_url(running_system.url + "/#/keepers")
        expect(page.locator('#keepers tr[data-keeper="arb"] .state')).to_have_text("running")
        head = page.locator("#head-block").inner_text()
        # A new block changes the status: it must arrive over the WebSocket, not a reload.
        expect(page.locator("#head-block")).not_to_have_text(head, timeout=15_000)
        page.wait_for_function("Number(document.body.dataset.wsMessages) >= 3", timeout=15_000)

        page.get_by_label("Control token").fill(TOKEN)
        page.get_by_role("button", name="Use token").click()
        page.get_by_role("button", name="Stop arb").click()
        expect(page.locator('#keepers tr[data-keeper="arb"] .state')).to_have_text("stopped", timeout=20_000)
        assert running_system.keeper("arb")["pid"] is None
        expect(page.locator("#feed")).to_contain_text("arb: supervisor: stopped", timeout=15_000)
        shot = page.screenshot(path=str(tmp_path / "keepers.png"), full_page=True)
        assert len(shot) > 10_000

        # Keyboard only: focus the start button and press Enter.
        page.get_by_role("button", name="Start arb").focus()
        page.keyboard.press("Enter")
        expect(page.locator('#keepers tr[data-keeper="arb"] .state')).to_have_text("running", timeout=20_000)
        page.get_by_label("Include routine log lines").check()
        expect(page.locator("#feed")).to_contain_text("block.mined", timeout=15_000)


def test_dashboard_fits_a_phone_and_refuses_a_wrong_token(running_system, browser):
    # The browser logs the refusal (a 403) on its console: that one is expected.
    with dashboard(browser, running_system, "/#/keepers", 390, 844, console_errors=False) as page:
        expect(page.locator("#feed-state")).to_have_text("live", timeout=15_000)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.get_by_label("Control token").fill("not-the-token")
        page.get_by_role("button", name="Use token").click()
        page.get_by_role("button", name="Stop rewards").click()
        expect(page.locator("#control-message")).to_contain_text("Refused (403)")
        assert running_system.keeper("rewards")["desired"] == "running"
