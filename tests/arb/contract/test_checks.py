"""FlashArbFacet fails closed before, during and after the route: bad routes, pools the registry or
the risk limits do not allow, pauses, caps, lenders that are missing or never lend, coinbase shares it
cannot pay, and routes that do not make `minProfit`. Each reverts with its exact custom error, and a
reverted arbitrage leaves every balance as it was."""

from __future__ import annotations

import ape
import pytest

from tests.support import ZERO_ADDRESS, reverts_with

from .conftest import E18, TRADE_CAP, Lender
from .routes import Leg

V2A_WETH_DAI, V2B_WETH_DAI = "uniswap_v2:WETH/DAI", "v2b:WETH/DAI"
V2_CYCLE = [Leg(V2B_WETH_DAI, "WETH"), Leg(V2A_WETH_DAI, "DAI")]
AMOUNT = 5 * E18


@pytest.fixture
def dislocated(router, arb_trader):
    router.swap(arb_trader, Leg(V2A_WETH_DAI, "WETH"), 60 * E18)


def execute(child, router, bot, legs=V2_CYCLE, *, token="WETH", amount=AMOUNT, min_profit=0, lender=None, bps=0):
    """`executeArb` of `legs` as the bot (a Balancer loan unless another lender is given)."""
    lender = Lender.BALANCER if lender is None else lender
    return child.executeArb(router.params(legs, token, amount, min_profit, lender, bps), sender=bot)


# -- the route ---------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 5])
def test_a_route_has_two_to_four_hops(child, router, bot, count):
    legs = (V2_CYCLE * 3)[:count]
    with reverts_with(child.InvalidHopCount, hops=count):
        execute(child, router, bot, legs)


def test_a_route_must_end_in_the_borrowed_token(child, router, bot, world):
    legs = [Leg(V2B_WETH_DAI, "WETH"), Leg("uniswap_v2:DAI/USDC", "DAI")]
    with reverts_with(child.NotACycle, token=world.book.address("WETH"), lastOut=world.book.address("USDC")):
        execute(child, router, bot, legs)


def test_each_hop_must_sell_what_the_previous_one_bought(child, router, bot, world):
    legs = [Leg(V2B_WETH_DAI, "WETH"), Leg("uniswap_v2:WETH/USDC", "USDC")]
    with reverts_with(
        child.BrokenRoute, hop=1, expectedIn=world.book.address("DAI"), actualIn=world.book.address("USDC")
    ):
        execute(child, router, bot, legs)


def test_the_first_hop_must_sell_the_borrowed_token(child, router, bot, world):
    legs = [Leg(V2B_WETH_DAI, "DAI"), Leg(V2A_WETH_DAI, "WETH")]
    with reverts_with(
        child.BrokenRoute, hop=0, expectedIn=world.book.address("WETH"), actualIn=world.book.address("DAI")
    ):
        execute(child, router, bot, legs)


def test_an_unregistered_pool_is_refused(child, router, bot, world, owner):
    """The Balancer weighted pool holds WETH and DAI, but it was never registered here."""
    weighted = next(name for name in world.book.pools if name.startswith("balancer:"))
    child.setPoolAllowed(world.book.address(weighted), True, sender=owner)
    route = router.params(V2_CYCLE, "WETH", AMOUNT, 0, Lender.BALANCER)
    route = ([route[0][0], (world.book.address(weighted), True, 0)], *route[1:])
    with reverts_with(child.PoolNotEnabled, pool=world.book.address(weighted)):
        child.executeArb(route, sender=bot)


def test_a_disabled_pool_is_refused(child, router, bot, world, owner):
    pool = world.book.address(V2B_WETH_DAI)
    child.setArbPool(pool, 0, 30, False, sender=owner)
    with reverts_with(child.PoolNotEnabled, pool=pool):
        execute(child, router, bot)


def test_a_registered_pool_the_risk_limits_do_not_allow_is_refused(child, router, bot, world, owner):
    pool = world.book.address(V2A_WETH_DAI)
    child.setPoolAllowed(pool, False, sender=owner)
    with reverts_with(child.PoolNotAllowed, pool=pool):
        execute(child, router, bot)


# -- pauses and limits -------------------------------------------------------------------------


def test_the_masters_global_pause_stops_execution(child, master, router, bot, guardian, dislocated):
    master.pauseAll(sender=guardian)
    with reverts_with(child.MasterPaused, master=master.address):
        execute(child, router, bot)


def test_the_childs_own_pause_stops_execution(child, router, bot, guardian, dislocated):
    child.pause(sender=guardian)
    with reverts_with(child.ChildPaused):
        execute(child, router, bot)


def test_the_trade_cap_bounds_amount_in(child, router, bot, weth, dislocated):
    cap = TRADE_CAP["WETH"]
    with reverts_with(child.TradeCapExceeded, token=weth.address, notional=cap + 1, cap=cap):
        execute(child, router, bot, amount=cap + 1)


def test_a_token_the_risk_limits_do_not_allow_is_refused(child, router, bot, usdc):
    legs = [Leg("uniswap_v2:WETH/USDC", "USDC"), Leg("v2b:WETH/USDC", "WETH")]
    with reverts_with(child.TokenNotAllowed, token=usdc.address):
        execute(child, router, bot, legs, token="USDC", amount=1_000 * 10**6)


def test_zero_amount_in_is_refused(child, router, bot):
    with reverts_with(child.ZeroAmountIn):
        execute(child, router, bot, amount=0)


# -- lenders -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lender", [Lender.BALANCER, Lender.AAVE])
def test_a_lender_without_an_address_is_refused(child, router, bot, owner, weth, dislocated, lender):
    child.setArbConfig(ZERO_ADDRESS, ZERO_ADDRESS, weth, False, sender=owner)
    with reverts_with(child.LenderNotConfigured, lender=lender):
        execute(child, router, bot, lender=lender)


def test_a_lender_that_never_calls_back_is_refused(child, project, router, bot, owner, stranger, weth, dislocated):
    """A misconfigured Vault address: the route never ran, so there is no trade to book."""
    silent = project.ArbAttacker.deploy(sender=stranger)
    child.setArbConfig(silent, ZERO_ADDRESS, weth, False, sender=owner)
    with reverts_with(child.LoanNotReceived, lender=Lender.BALANCER):
        execute(child, router, bot)


def test_own_capital_needs_the_balance(child, router, bot, weth, dislocated):
    with reverts_with(child.InsufficientCapital, token=weth.address, balance=0, amountIn=AMOUNT):
        execute(child, router, bot, lender=Lender.OWN_CAPITAL)


# -- profit ------------------------------------------------------------------------------------


def balances(world, weth, dai, *holders) -> list[int]:
    pairs = [world.book.address(V2A_WETH_DAI), world.book.address(V2B_WETH_DAI)]
    vault = world.book.address("balancer_vault")
    return [token.balanceOf(h) for token in (weth, dai) for h in (*holders, *pairs, vault)]


def test_a_route_short_of_min_profit_reverts_and_moves_nothing(
    child, master, router, bot, world, weth, dai, dislocated
):
    expected = router.quote(V2_CYCLE, AMOUNT) - AMOUNT
    assert expected > 0
    before = balances(world, weth, dai, child, master)
    with reverts_with(child.UnprofitableRoute, token=weth.address, grossProfit=expected, minProfit=expected + 1):
        execute(child, router, bot, min_profit=expected + 1)
    assert balances(world, weth, dai, child, master) == before


@pytest.mark.parametrize("lender", [Lender.OWN_CAPITAL, Lender.BALANCER])
def test_a_losing_route_reverts_with_the_loss(
    child, master, router, bot, world, weth, dai, arb_trader, dislocated, lender
):
    """Backwards through the dislocation. The child holds earlier profit, so even a flash loan can be
    repaid and the loss shows up as a lower balance: a clear error, not an underflow."""
    weth.transfer(child, 10 * E18, sender=arb_trader)
    backwards = [Leg(V2A_WETH_DAI, "WETH"), Leg(V2B_WETH_DAI, "DAI")]
    loss = AMOUNT - router.quote(backwards, AMOUNT)
    assert loss > 0
    before = balances(world, weth, dai, child, master)
    with reverts_with(child.UnprofitableRoute, token=weth.address, grossProfit=-loss, minProfit=0):
        execute(child, router, bot, backwards, lender=lender)
    assert balances(world, weth, dai, child, master) == before


# -- the outputs the keeper names ------------------------------------------------------------------


def test_a_pair_that_moved_against_the_prediction_reverts_and_moves_nothing(
    child, master, router, bot, world, weth, dai, arb_trader, dislocated
):
    """Each V2 hop's output is the caller's; the pair's constant-product check refuses one its
    reserves no longer pay, so the arbitrage fails closed."""
    params = router.params(V2_CYCLE, "WETH", AMOUNT, 0, Lender.BALANCER)
    router.swap(arb_trader, Leg(V2B_WETH_DAI, "WETH"), E18)  # the first pair now pays less DAI
    before = balances(world, weth, dai, child, master)
    with ape.reverts("UniswapV2: K"):
        child.executeArb(params, sender=bot)
    assert balances(world, weth, dai, child, master) == before


def test_an_output_one_wei_above_the_pairs_reverts(child, router, bot, dislocated):
    hops, *rest = router.params(V2_CYCLE, "WETH", AMOUNT, 0, Lender.BALANCER)
    pool, zero_for_one, out = hops[1]
    with ape.reverts("UniswapV2: K"):
        child.executeArb(([hops[0], (pool, zero_for_one, out + 1)], *rest), sender=bot)


def test_a_pair_that_moved_in_favour_of_the_route_keeps_the_difference(
    child, router, bot, weth, arb_trader, dislocated
):
    """The route buys exactly the predicted outputs: the profit is what was predicted, no more."""
    expected = router.quote(V2_CYCLE, AMOUNT) - AMOUNT
    params = router.params(V2_CYCLE, "WETH", AMOUNT, expected, Lender.BALANCER)
    router.swap(arb_trader, Leg(V2B_WETH_DAI, "DAI"), 10_000 * E18)  # the first pair now pays more DAI
    before = weth.balanceOf(child)
    child.executeArb(params, sender=bot)
    assert weth.balanceOf(child) - before == expected


# -- coinbase ----------------------------------------------------------------------------------


def test_a_coinbase_share_needs_weth(child, router, bot, dai, dislocated):
    legs = [Leg(V2A_WETH_DAI, "DAI"), Leg(V2B_WETH_DAI, "WETH")]
    with reverts_with(child.CoinbaseNeedsWeth, token=dai.address):
        execute(child, router, bot, legs, token="DAI", amount=10_000 * E18, bps=100)


def test_a_coinbase_share_above_everything_is_refused(child, router, bot, dislocated):
    with reverts_with(child.InvalidCoinbaseBps, bps=10_001):
        execute(child, router, bot, bps=10_001)


def test_a_coinbase_that_refuses_eth_reverts_the_arbitrage(child, project, router, bot, stranger, chain, dislocated):
    refuser = project.ArbAttacker.deploy(sender=stranger)  # no receive(): every ETH transfer reverts
    previous = chain.provider.web3.eth.get_block("latest")["miner"]
    chain.provider.make_request("anvil_setCoinbase", [refuser.address])
    try:
        gross = router.quote(V2_CYCLE, AMOUNT) - AMOUNT
        payment = gross * 5_000 // 10_000
        with reverts_with(child.CoinbasePaymentFailed, coinbase=refuser.address, amount=payment):
            execute(child, router, bot, bps=5_000)
    finally:
        chain.provider.make_request("anvil_setCoinbase", [previous])
