"""GET /api/mm and the dashboard's market-making view on a real market maker: ten wallets and the mm
child's ladder keep the world's V3 WETH/USDC pool on a reference read from a second anvil (chain id
1); two real cycles (in the band, the ladder laid; then a 5% move corrected by pieces through it)
fill a real store through `MmJournal`, and the API runs in-process on that store and chain (uvicorn
on a free port, the deployments file naming the child). What it answers equals the journal and the
chain, read here on their own: cycles and prices exact, every wallet's pieces, flows and gas, the
ladder's positions and fees as the position manager reports them, balances, PnL as `MmJournal.pnl`
marks it, and books reconciled to the wei. Bad query values are 422s with a short message; a
stalled node costs the answer its chain figures within a second, never the answer; the view fits
1920, 1280 and 390 px with every table and the chart filled."""

from __future__ import annotations

import random
import re
import shutil
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import httpx
import pytest
import schemathesis
from eth_account import Account
from hypothesis import HealthCheck, settings
from playwright.sync_api import expect
from sqlalchemy import select
from web3 import Web3

from keepers.api.app import create_app
from keepers.api.context import ApiContext, build_context
from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import SenderPool
from keepers.config import LapidarySettings, MmSettings
from keepers.gasless.service import HttpServer
from keepers.mm.journal import MmJournal
from keepers.mm.keeper import CycleReport, Market, MarketMaker
from keepers.mm.ladder import LadderParams
from keepers.mm.tender import LadderTender
from keepers.mm.wallets import WalletLimits, Wallets
from keepers.prices.reference import ReferencePrices
from keepers.store.db import Store
from keepers.store.models import MmAction
from tests.api.conftest import browser, dashboard  # noqa: F401 (browser: a fixture)
from tests.api.test_dashboard_views import LAYOUT_PROBLEMS, WIDTHS
from tests.api.test_schema import CHECKS
from tests.faults.proxy import TcpProxy
from tests.mm.conftest import funded
from tests.mm.test_market_maker import MARKET_POOL, Reference, limits

from .conftest import E18, MAX_UINT128, swap

WALLETS = 10


@dataclass
class Served:
    """An API of its own on the market maker's store and chain."""

    ctx: ApiContext
    server: HttpServer
    url: str
    http: httpx.Client

    def get(self, path: str = "/api/mm", **params) -> dict:
        response = self.http.get(path, params=params)
        assert response.status_code == 200, (path, params, response.status_code, response.text)
        return response.json()


@contextmanager
def serve(settings: LapidarySettings) -> Iterator[Served]:
    ctx = build_context(settings)
    # As `keepers run api` serves it: the live feed's poller (the lifespan) runs, and a feed left open
    # does not hold the server's shutdown up.
    server = HttpServer(create_app(ctx), lifespan="on", ws="websockets-sansio", timeout_graceful_shutdown=1).start()
    http = httpx.Client(base_url=server.url, timeout=30)
    try:
        yield Served(ctx, server, server.url, http)
    finally:
        http.close()
        server.stop()
        ctx.close()


def api_settings(rpc_url: str, store_url: str, deployments: Path, **mm) -> LapidarySettings:
    return LapidarySettings(
        chain={"rpc_url": rpc_url, "confirmations": 1},
        store={"url": store_url},
        deployments_file=str(deployments),
        mm={"pool_kind": "uniswap_v3", **mm},
    )


@dataclass
class MadeMarket:
    w3: Web3
    maker: MarketMaker
    reports: list[CycleReport]
    store: Store
    store_url: str
    api: Served


@pytest.fixture(scope="module")
def made(
    chain, world, artifacts, child, bot, reader, mm_system, swapper, weth, usdc, reference_chain, tmp_path_factory
) -> MadeMarket:
    """Two real cycles of a market maker with ten wallets and the child's ladder, a trade through the
    ladder, and the API on them."""
    w3 = chain.provider.web3
    store_url = f"sqlite:///{tmp_path_factory.mktemp('mm-api') / 'mm.db'}"
    store = Store(store_url)
    reference = Reference(reference_chain, artifacts)
    snapshot = reference.w3.provider.make_request("evm_snapshot", [])["result"]
    settings = MmSettings(
        pool=world.book.address(MARKET_POOL),
        router=world.book.address("uniswap_v3_router"),
        base_token=world.book.address("WETH"),
        tokens=limits(world),
        seed=7,
    )
    senders = SenderPool(w3, TxJournal(store, chain.chain_id), FeePolicy(), confirmations=1)
    wallets = Wallets(
        w3,
        [senders.add(account) for account in funded(w3, world, artifacts, WALLETS)],
        WalletLimits(max_pieces=4, max_input={t: s.wallet_cycle_max for t, s in settings.tokens.items()}),
    )
    market = Market.read(w3, settings.pool, "uniswap_v3", settings.router, settings.base_token)
    wallets.approve([market.token0, market.token1], [market.router])
    journal = MmJournal(store, chain.chain_id)
    bot_sender = senders.add(Account.from_key(bot.private_key))
    tender = LadderTender(w3, market, reader, bot_sender, journal, LadderParams(rungs=(3, 4)), random.Random(3))
    prices = ReferencePrices([reference.source()], band_bps=100)
    maker = MarketMaker(w3, market, prices, wallets, journal, settings, holders=[child.address], tender=tender)
    maker.open_books()
    reports = [maker.cycle()]  # in the band: the ladder is laid
    reference.move(5)
    reports.append(maker.cycle())  # corrected through the ladder, then the ladder laid again around the new price
    assert [r.status for r in reports] == ["in_band", "corrected"], [r.reason for r in reports]
    assert reports[0].ladder.action == "laid" and reports[1].ladder.action == "relaid"
    swap(world, swapper, weth, usdc, E18 // 2)  # a swapper pays the new ladder fees (well inside the band)
    mm = {"pool": settings.pool, "base_token": settings.base_token}
    with serve(api_settings(w3.provider.endpoint_uri, store_url, mm_system.path, **mm)) as api:
        yield MadeMarket(w3, maker, reports, store, store_url, api)
    store.close()
    reference.w3.provider.make_request("evm_revert", [snapshot])


def as_fraction(price: dict | None) -> Fraction | None:
    return None if price is None else Fraction(price["exact"])


def test_the_view_is_the_journals_and_the_chains_to_the_wei(made, child, reader, npm, weth, usdc, pool):
    w3, maker, reports = made.w3, made.maker, made.reports
    view = made.api.get()
    block = view["block"]
    assert view["configured"] and view["node"] == "ok" and view["chain_error"] is None
    assert block >= w3.eth.block_number - 1
    market = view["market"]
    assert (market["pool"], market["child"], market["kind"]) == (pool.address, child.address, "uniswap_v3")
    assert (market["base"]["symbol"], market["base"]["decimals"]) == ("WETH", 18)
    assert (market["quote"]["symbol"], market["quote"]["decimals"]) == ("USDC", 6)

    # Cycles and the series: the journal's exact prices, newest first and oldest first.
    assert view["cycles"]["total"] == 2
    for item, report in zip(view["cycles"]["items"], reversed(reports), strict=True):
        assert (item["id"], item["status"], item["block"]) == (report.cycle_id, report.status, report.block)
        assert as_fraction(item["before"]) == report.before and as_fraction(item["after"]) == report.after
        assert as_fraction(item["reference"]) == report.reference and item["transactions"] == report.transactions
        assert item["before"]["value"] == float(report.before)
    assert [p["cycle"] for p in view["series"]] == [r.cycle_id for r in reports]
    assert [as_fraction(p["reference"]) for p in view["series"]] == [r.reference for r in reports]
    reference = reports[-1].reference
    assert as_fraction(view["reference"]["price"]) == reference and view["reference"]["cycle"] == reports[-1].cycle_id

    # Each wallet: its pieces as sent, the flows its receipts carry, the gas they paid, read from chain.
    activity = {a["actor"]: a for a in view["activity"]}
    assert list(activity)[0] == child.address and set(activity) == {child.address, *maker.wallets.addresses}
    for wallet in reports[-1].wallets:
        shown = activity[wallet.wallet]
        mined = [o for o in wallet.outcomes if o.status == "mined"]
        assert shown["pieces"] == {"sent": len(mined), "mined": len(mined), "reverted": 0, "pending": 0, "failed": 0}
        assert shown["actions"] == ({"correction": len(mined)} if mined else {})
        receipts = [w3.eth.get_transaction_receipt(o.tx.tx_hash) for o in mined]
        assert int(shown["gas"]) == sum(r["gasUsed"] * r["effectiveGasPrice"] for r in receipts)
        assert {t: int(a) for t, a in shown["flows"].items()} == chain_flows(w3, wallet.wallet, receipts)
    assert sum(1 for a in view["activity"] if a["pieces"] and a["pieces"]["mined"]) >= 5
    unwound = len(reports[-1].ladder.unwound)
    assert activity[child.address]["pieces"] is None and unwound >= 3
    assert activity[child.address]["actions"] == {
        "burn": unwound,
        "decrease": unwound,
        "mint": unwound + len(reports[-1].ladder.minted),
    }

    # The ladder: the child's positions, principal and fees as the chain computes them.
    ladder = view["ladder"]
    positions = reader.positions(pool.address, block)
    tokens = (pool.token0(), pool.token1())
    assert [p["token_id"] for p in ladder["positions"]] == [p.token_id for p in positions]
    earned = 0
    for shown, position in zip(ladder["positions"], positions, strict=True):
        assert (shown["tick_lower"], shown["tick_upper"], int(shown["liquidity"])) == (
            position.tick_lower,
            position.tick_upper,
            position.liquidity,
        )
        owed = npm.call("collect", (position.token_id, child.address, MAX_UINT128, MAX_UINT128), block=block,
                        sender=child.address)  # fmt: skip
        out = npm.call("decreaseLiquidity", (position.token_id, position.liquidity, 0, 0, 2**32), block=block,
                       sender=child.address)  # fmt: skip
        assert [int(shown["owed"][t]) for t in tokens] == list(owed)
        assert [int(shown["amounts"][t]) for t in tokens] == list(out)
        assert [int(shown["fees"][t]) for t in tokens] == list(owed)  # nothing decreased and left uncollected
        assert as_fraction(shown["price_low"]) < as_fraction(shown["price_high"])
        earned += sum(owed)
    assert earned > 0  # the swapper paid the ladder fees

    # Balances and books: balanceOf at the block, the journal's books, reconciled to the wei.
    holders = {h["actor"]: h for h in view["holders"]}
    assert list(holders) == list(activity)
    for actor, holder in holders.items():
        for token in (weth, usdc):
            assert int(holder["balances"][token.address]) == token.balanceOf(actor, block_id=block)
    rows = view["reconciliation"]
    assert len(rows) == 2 * len(holders) and view["reconciled"] is True
    for row in rows:
        assert row["reconciled"] and row["journal"] == row["chain"]
        assert int(row["journal"]) == maker.journal.booked(row["actor"])[row["token"]]

    # PnL: MmJournal.pnl at the latest reference; the child's ladder at the same price on top.
    base, quote = weth.address, usdc.address
    for actor, holder in holders.items():
        trading = maker.journal.pnl([actor], base, quote, reference)
        assert Fraction(holder["trading"]["exact"]) == trading
        positions_value = sum(
            (Fraction(int(a)) * (reference if t == base else 1) for t, a in holder["in_positions"].items()), Fraction(0)
        )
        assert Fraction(holder["pnl"]["exact"]) == trading + positions_value
        assert int(holder["pnl"]["amount"]) == (trading + positions_value).__floor__()
    in_ladder = {t: int(a) for t, a in ladder["holdings"].items()}
    assert {t: int(a) for t, a in holders[child.address]["in_positions"].items()} == in_ladder
    total = view["total"]
    assert Fraction(total["trading"]["exact"]) == maker.journal.pnl(list(holders), base, quote, reference)
    assert Fraction(total["pnl"]["exact"]) == sum(Fraction(h["pnl"]["exact"]) for h in holders.values())
    assert int(total["gas"]) == sum(int(a["gas"]) for a in activity.values())
    with made.store.transaction() as session:
        booked_gas = sum(session.scalars(select(MmAction.gas_wei)))
    assert int(total["gas"]) == booked_gas


def chain_flows(w3: Web3, actor: str, receipts: list) -> dict[str, int]:
    """Net ERC-20 Transfers into and out of `actor` over `receipts`, decoded here on their own."""
    topic = Web3.keccak(text="Transfer(address,address,uint256)")
    flows: dict[str, int] = defaultdict(int)
    for receipt in receipts:
        for log in receipt["logs"]:
            if log["topics"][0] != topic:
                continue
            source, to = ("0x" + t.hex()[-40:] for t in log["topics"][1:3])
            amount = int.from_bytes(log["data"], "big")
            flows[log["address"]] += amount * ((to == actor.lower()) - (source == actor.lower()))
    return {token: delta for token, delta in flows.items() if delta}


def test_cycles_are_paged_and_filtered_by_status(made):
    corrected = made.api.get(status="corrected")["cycles"]
    assert corrected["total"] == 1 and [c["status"] for c in corrected["items"]] == ["corrected"]
    second = made.api.get(limit=1, offset=1)["cycles"]
    assert second["total"] == 2 and [c["id"] for c in second["items"]] == [made.reports[0].cycle_id]
    assert made.api.get(status="short")["cycles"] == {"total": 0, "limit": 50, "offset": 0, "items": []}
    assert [p["cycle"] for p in made.api.get(points=1)["series"]] == [made.reports[-1].cycle_id]


@pytest.mark.parametrize(
    ("params", "where"),
    [
        ({"status": "sideways"}, "status"),
        ({"status": "x" * 5000}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"points": 2001}, "points"),
        ({"points": "many"}, "points"),
    ],
)
def test_bad_query_values_are_refused_briefly(made, params, where):
    response = made.api.http.get("/api/mm", params=params)
    assert response.status_code == 422 and len(response.content) < 600, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", where] and len(error["msg"]) <= 200


mm_schema = schemathesis.pytest.from_fixture("mm_api_schema").include(path="/api/mm")


@pytest.fixture
def mm_api_schema(made):
    return schemathesis.openapi.from_url(made.api.url + "/openapi.json")


@mm_schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_schema_says_what_is_accepted(case):
    case.call_and_validate(checks=CHECKS, timeout=60)


def test_a_stalled_node_costs_the_chain_figures_not_the_answer(made, mm_system, world):
    proxy = TcpProxy(made.w3.provider.endpoint_uri)
    mm = {"pool": world.book.address(MARKET_POOL), "base_token": world.book.address("WETH")}
    try:
        with serve(api_settings(proxy.url, made.store_url, mm_system.path, **mm)) as api:
            assert api.get()["reconciled"] is True
            proxy.stall()
            started = time.monotonic()
            view = api.get()
            assert time.monotonic() - started < 2 * api.ctx.settings.api.node_timeout + 1
            assert view["node"] == "stalled" and view["block"] is None and "stalled" in view["chain_error"]
            assert view["reconciled"] is None and view["ladder"] is None and view["reconciliation"] == []
            assert view["cycles"]["total"] == 2 and len(view["series"]) == 2  # the journal still answers
            assert all(h["balances"] is None and h["trading"] is not None for h in view["holders"])
            proxy.resume()
    finally:
        proxy.resume()
        proxy.close()


def test_an_unconfigured_market_maker_is_an_empty_answer_and_an_empty_view(made, mm_system, browser, tmp_path):  # noqa: F811
    with serve(api_settings(made.w3.provider.endpoint_uri, made.store_url, mm_system.path)) as api:
        view = api.get()
        assert view["configured"] is False and view["market"] is None and view["cycles"]["total"] == 0
        with dashboard(browser, api, "/#/mm", 1280) as page:
            expect(page.locator("#mm-market .empty")).to_contain_text("not configured", timeout=15_000)
            assert page.locator("#view-mm .mm-part:visible").count() == 0
            page.screenshot(path=str(tmp_path / "mm-empty.png"), full_page=True)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_view_fits_and_shows_the_data(made, browser, tmp_path, width):  # noqa: F811
    view = made.api.get()
    with dashboard(browser, made.api, "/#/mm", width) as page:
        section = page.locator("#view-mm")
        expect(section).to_have_attribute("data-loaded", re.compile(r"\d"), timeout=15_000)
        shown = {
            "#mm-cycles tbody tr": view["cycles"]["total"],
            "#mm-ladder tbody tr": len(view["ladder"]["positions"]),
            "#mm-activity tbody tr": len(view["activity"]),
            "#mm-holders tbody tr": len(view["holders"]) + 1,  # and the total
            '#mm-reconciliation [data-reconciled="true"]': len(view["reconciliation"]),
        }
        for selector, count in shown.items():
            assert count and page.locator(selector).count() == count, (selector, page.locator(selector).count())
        assert page.locator('#view-mm [data-reconciled="false"]').count() == 0
        expect(page.locator("#mm-market [data-reconciled]")).to_have_text("reconciled with chain")
        chart = page.locator("#mm-chart .chart")
        expect(chart).to_have_attribute("data-points", str(len(view["series"])))
        assert chart.locator("canvas").bounding_box()["height"] > 100
        problems = page.evaluate(LAYOUT_PROBLEMS, {"view": "mm", "wide": width >= 1280})
        shot = tmp_path / f"mm-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert not problems, (width, problems, str(shot))
        if width == 1280:
            Path("data").mkdir(exist_ok=True)
            shutil.copy(shot, Path("data") / "dashboard-mm.png")
