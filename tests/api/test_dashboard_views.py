"""Every view of the dashboard at 1920, 1280 and 390 px in Debian's chromium while `keepers up` runs:
nothing is clipped or spills out of its card or the viewport, no table or chart is empty while the
API has data for it, and nothing is fetched from anywhere but the API. One page per width, views
reached through the navigation; a screenshot of each in the test's tmp dir, and the 1280 px
overview in `data/dashboard.png`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.api.conftest import dashboard, dislocate, old_heartbeat, wait_for_trade, wait_until

WIDTHS = (1920, 1280, 390)

# Problems of the visible view: the page scrolling sideways, a table or chart (or its scroll box)
# outside its card or the viewport, a cell cutting its content, an element past the viewport's edge
# outside a scroll box, and at desktop widths any table that needs scrolling to show all its columns.
LAYOUT_PROBLEMS = """({view, wide}) => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const name = (node) => (node.id ? `#${node.id}` : `${node.tagName.toLowerCase()} in #${node.closest("[id]")?.id}`);
  const scrolls = (node) => ["auto", "scroll"].includes(getComputedStyle(node).overflowX);
  const inside = (inner, outer) => inner.left >= outer.left - 1 && inner.right <= outer.right + 1;
  if (document.documentElement.scrollWidth > width) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  }
  const section = document.getElementById(`view-${view}`);
  for (const node of section.querySelectorAll("table, .uplot")) {
    const card = node.closest(".panel");
    const box = card.getBoundingClientRect();
    if (box.left < 0 || box.right > width) problems.push(`the card of ${name(node)} leaves the viewport`);
    const scroller = node.parentElement.closest(".scroll");
    if (scroller && card.contains(scroller)) {
      if (!scrolls(scroller)) problems.push(`${name(node)}: its scroll box does not scroll`);
      if (!inside(scroller.getBoundingClientRect(), box)) problems.push(`${name(node)}: its scroll box leaves it`);
      if (wide && scroller.scrollWidth > scroller.clientWidth) {
        problems.push(`${name(node)} hides columns at ${width} px: ${scroller.scrollWidth} > ${scroller.clientWidth}`);
      }
    } else if (!inside(node.getBoundingClientRect(), box)) {
      problems.push(`${name(node)} leaves its card`);
    }
    for (const cell of node.querySelectorAll("th, td")) {
      const style = getComputedStyle(cell);
      if (style.overflowX !== "visible" && !scrolls(cell) && cell.scrollWidth > cell.clientWidth + 1) {
        problems.push(`a cell of ${name(node)} cuts its content: ${cell.textContent.slice(0, 40)}`);
      }
    }
  }
  for (const node of section.querySelectorAll("*")) {
    const box = node.getBoundingClientRect();
    if (!box.width || node.closest(".scroll, .sr-only")) continue;
    if (box.right > width + 1 || box.left < -1) problems.push(`${name(node)} reaches past the viewport`);
  }
  return problems;
}"""


def expectations(running_system) -> tuple[dict[str, list[tuple[str, int]]], int]:
    """Per view: selectors and how many of each the view must show at least, from what the API holds
    now (read before the view is opened; none of these shrinks); and how many points the profit
    charts must plot."""
    get = running_system.get
    overview = get("/api/overview")
    alerts = get("/api/alerts")["alerts"]
    outcomes = overview["opportunities"]
    mm = get("/api/mm")
    views = {
        "overview": [
            ("#pnl .uplot", len({s["token"] for s in overview["strategies"]})),
            ("#gas tbody tr", len(overview["gas"])),
            # A status may empty (submitted ones land); a reason (of the final dropped / expired) stays.
            ("#outcomes tbody tr", min(len(outcomes["by_status"]), 1) + len(outcomes["reasons"])),
            ("#balances tbody tr", len(get("/api/balances")["holders"])),
        ],
        "opportunities": [("#opportunities tbody tr", min(get("/api/opportunities", limit=1)["total"], 50))],
        "trades": [("#trades tbody tr", min(get("/api/trades", limit=1)["total"], 50))],
        "keepers": [("#keepers tbody tr", len(get("/api/status")["keepers"]))],
        "campaigns": [("#campaigns article.campaign", len(get("/api/campaigns")["campaigns"]))],
        "gasless": [("#gasless tbody tr", min(get("/api/gasless", limit=1)["total"], 50))],
        # The live market maker: its cycles, the ladder the child holds, every holder, the books' state.
        "mm": [
            ("#mm-market [data-reconciled]", 1),
            ("#mm-chart .chart", min(len(mm["series"]), 1)),
            ("#mm-cycles tbody tr", min(mm["cycles"]["total"], 10)),
            # Re-laid (unwound, then minted) after a move or an interrupted lay: at least one, once it is back.
            ("#mm-ladder tbody tr", min(len((mm["ladder"] or {}).get("positions", [])), 1)),
            ("#mm-holders tbody tr", len(mm["holders"]) + 1),
            ("#mm-activity tbody tr", len(mm["activity"])),
        ],
        "alerts": [("#alerts tbody tr", len(alerts))] if alerts else [("#alerts .empty", 1)],
        "logs": [("#logs tbody tr", len(get("/api/logs", limit=100)["items"]))],
    }
    return views, sum(len(s["points"]) for s in overview["strategies"])


@pytest.fixture(scope="module")
def traded(running_system):
    """A landed trade (so the overview has a chart to draw) and a gasless claim (the market driver's
    first comes within a minute or so of a fresh `keepers up`), so that no view is checked empty."""
    if not running_system.get("/api/trades", status="landed", limit=1)["total"]:
        wait_for_trade(running_system, dislocate(running_system))
    try:
        wait_until(lambda: running_system.get("/api/gasless", limit=1)["total"], 120, 1, "a gasless request")
    except AssertionError:
        pass  # then the gasless view is checked to say it is empty, as the API is (test_demo_lives wants one)
    wait_until(lambda: laddered(running_system.get("/api/mm")), 120, 1, "the market maker's ladder laid")


def laddered(mm: dict) -> bool:
    """The market maker has cycled and its child holds the ladder."""
    return mm["cycles"]["total"] > 0 and bool((mm["ladder"] or {}).get("positions"))


@pytest.mark.parametrize("width", WIDTHS)
def test_every_view_fits_and_shows_the_apis_data(running_system, browser, traded, tmp_path, width):
    # Opened on the keepers view: each view below is then opened after its data was read.
    with dashboard(browser, running_system, "/#/keepers", width) as page:
        expect(page.locator("#feed-state")).to_have_text("live", timeout=15_000)
        expect(page.locator("#alert-count")).to_have_text(re.compile(r"^\d+$"), timeout=15_000)
        every_view(running_system, page, tmp_path, width)


def every_view(running_system, page, tmp_path, width):
    views, points = expectations(running_system)
    for view, shown in views.items():
        page.locator(f'nav a[data-view="{view}"]').click()
        expect(page.locator(f"#view-{view}")).to_be_visible()
        expect(page.locator(f"#view-{view}")).to_have_attribute("data-loaded", re.compile(r"\d"), timeout=15_000)
        for selector, count in shown:
            if count:
                # The views reload every 10 s: a ladder being re-laid (unwound, then minted) comes back.
                wait = 45_000 if view == "mm" else 10_000
                expect(page.locator(selector).nth(count - 1)).to_be_attached(timeout=wait)
        if view == "overview":
            assert plotted(page) >= points > 0, (plotted(page), points)
        problems = page.evaluate(LAYOUT_PROBLEMS, {"view": view, "wide": width >= 1280})
        shot = tmp_path / f"{view}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert not problems, (view, width, problems, str(shot))
        if view == "keepers":  # every start / stop button in sight, at every width, without scrolling sideways
            # In one call: each status event (every block) rebuilds the table.
            buttons = page.locator("#keepers button").evaluate_all(
                "buttons => buttons.map((b) => [b.ariaLabel, b.getBoundingClientRect()])"
                ".map(([name, box]) => [name, box.left, box.right])"
            )
            assert buttons and all(0 <= left and right <= width for _, left, right in buttons), buttons
        if view == "overview" and width == 1280:
            Path("data").mkdir(exist_ok=True)
            shutil.copy(shot, Path("data") / "dashboard.png")

    # Back to the overview: its charts are redrawn in place with what landed meanwhile.
    points = sum(len(s["points"]) for s in running_system.get("/api/overview")["strategies"])
    loaded = int(page.locator("#view-overview").get_attribute("data-loaded"))
    page.locator('nav a[data-view="overview"]').click()
    page.wait_for_function(f"Number(document.getElementById('view-overview').dataset.loaded) > {loaded}")
    assert plotted(page) >= points, (plotted(page), points)
    assert page.evaluate(LAYOUT_PROBLEMS, {"view": "overview", "wide": width >= 1280}) == []


def plotted(page) -> int:
    """How many points the overview's profit charts hold."""
    return sum(page.locator("#pnl .chart").evaluate_all("charts => charts.map((c) => Number(c.dataset.points))"))


def test_the_badge_counts_the_alerts_and_the_alerts_view_lists_them(running_system, browser):
    with old_heartbeat(running_system, "ghost", 3600), dashboard(browser, running_system, "/#/alerts", 1280) as page:
        ghost = page.locator('#alerts tr[data-key="keeper_silent:ghost"]')
        expect(ghost).to_contain_text("no heartbeat for 36", timeout=15_000)
        # The badge and the view show the same answer once the badge's poll (every 5 s) follows the view's.
        page.wait_for_function(
            "Number(document.querySelector('#alert-count').textContent) === "
            "document.querySelectorAll('#alerts tbody tr').length",
            timeout=15_000,
        )
        count = int(page.locator("#alert-count").inner_text())
        expect(page.locator("#alert-badge")).to_have_class("badge bad")
        expect(page.locator("#alert-badge")).to_have_attribute("aria-label", f"Alerts: {count}")
