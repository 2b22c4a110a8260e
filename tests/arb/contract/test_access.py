"""Who may make FlashArbFacet act: keeper bots through `executeArb`, the owner through the setters,
and each callback only for the loan or swap `executeArb` is waiting for. Everything else reverts with
its exact custom error and moves nothing."""

from __future__ import annotations

import pytest
from eth_abi import encode

from tests.support import ZERO_ADDRESS, reverts_with

from .conftest import E18, Lender, PoolKind
from .routes import Leg

V2_CYCLE = [Leg("v2b:WETH/DAI", "WETH"), Leg("uniswap_v2:WETH/DAI", "DAI")]
AMOUNT = 5 * E18


@pytest.fixture
def params(router):
    return router.params(V2_CYCLE, "WETH", AMOUNT, 0, Lender.BALANCER)


@pytest.fixture
def attacker(project, stranger):
    return project.ArbAttacker.deploy(sender=stranger)


@pytest.fixture
def holding(child, weth, arb_trader):
    """The child holds 3 WETH of earlier profit: enough to pay a lender's fee, if it were fooled."""
    weth.transfer(child, 3 * E18, sender=arb_trader)
    return 3 * E18


# -- executeArb ---------------------------------------------------------------------------------


def test_a_stranger_cannot_execute(child, params, stranger):
    with reverts_with(child.NotBot, caller=stranger.address):
        child.executeArb(params, sender=stranger)


def test_the_owner_cannot_execute_nor_become_a_bot(child, params, owner):
    with reverts_with(child.NotBot, caller=owner.address):
        child.executeArb(params, sender=owner)
    with reverts_with(child.BotIsOwner, bot=owner.address):
        child.setBot(owner, True, sender=owner)


def test_a_revoked_bot_cannot_execute(child, params, owner, bot):
    child.setBot(bot, False, sender=owner)
    with reverts_with(child.NotBot, caller=bot.address):
        child.executeArb(params, sender=bot)


@pytest.mark.parametrize(
    ("setter", "args"),
    [
        ("setArbConfig", lambda book: (book.address("balancer_vault"), book.address("aave_pool"), ZERO_ADDRESS, True)),
        ("setArbPool", lambda book: (book.address("v2b:WETH/DAI"), PoolKind.V2, 30, False)),
    ],
)
def test_owner_only_setters_reject_everyone_else(child, world, stranger, bot, setter, args):
    for caller in (stranger, bot):
        with reverts_with(child.NotOwner, caller=caller.address):
            getattr(child, setter)(*args(world.book), sender=caller)


# -- callbacks called directly ------------------------------------------------------------------


def callback_calls(child, weth, initiator):
    """(name, calldata) of each callback, as an attacker would send it."""
    return {
        "receiveFlashLoan": child.receiveFlashLoan.encode_input([weth.address], [AMOUNT], [0], b""),
        "executeOperation": child.executeOperation.encode_input(weth.address, AMOUNT, 0, initiator, b""),
        "uniswapV3SwapCallback": child.uniswapV3SwapCallback.encode_input(AMOUNT, -AMOUNT, b""),
    }


@pytest.mark.parametrize("callback", ["receiveFlashLoan", "executeOperation", "uniswapV3SwapCallback"])
def test_callbacks_reject_a_direct_call_from_an_eoa(child, weth, stranger, holding, callback):
    call = {
        "receiveFlashLoan": lambda: child.receiveFlashLoan([weth], [AMOUNT], [0], b"", sender=stranger),
        "executeOperation": lambda: child.executeOperation(weth, AMOUNT, 0, child, b"", sender=stranger),
        "uniswapV3SwapCallback": lambda: child.uniswapV3SwapCallback(AMOUNT, -AMOUNT, b"", sender=stranger),
    }[callback]
    with reverts_with(child.UnauthorizedCallback, caller=stranger.address):
        call()
    assert weth.balanceOf(child) == holding


@pytest.mark.parametrize("callback", ["receiveFlashLoan", "executeOperation", "uniswapV3SwapCallback"])
def test_callbacks_reject_a_direct_call_from_a_contract(child, weth, attacker, stranger, holding, callback):
    calldata = callback_calls(child, weth, child.address)[callback]
    with reverts_with(child.UnauthorizedCallback, caller=attacker.address):
        attacker.poke(child, calldata, sender=stranger)
    assert weth.balanceOf(child) == holding


def test_aave_callback_rejects_a_foreign_initiator_first(child, weth, stranger):
    with reverts_with(child.UnexpectedInitiator, initiator=stranger.address):
        child.executeOperation(weth, AMOUNT, 0, stranger, b"", sender=stranger)


# -- loans started by someone else --------------------------------------------------------------


def test_a_balancer_loan_started_by_a_third_party_reverts(child, world, weth, router, attacker, stranger, holding):
    """Balancer's callback names no initiator: only the transient marker stops this."""
    vault = world.book.address("balancer_vault")
    route = encode(["uint256[]"], [[0]])  # whatever the attacker likes
    vault_before = weth.balanceOf(vault)
    with reverts_with(child.UnauthorizedCallback, caller=vault):
        attacker.balancerLoanTo(vault, child, weth, AMOUNT, route, sender=stranger)
    assert weth.balanceOf(child) == holding
    assert weth.balanceOf(vault) == vault_before


def test_an_aave_loan_started_by_a_third_party_reverts(child, world, weth, attacker, stranger, holding):
    """The child could pay the premium from what it holds; the initiator check refuses first."""
    with reverts_with(child.UnexpectedInitiator, initiator=attacker.address):
        attacker.aaveLoanTo(world.book.address("aave_pool"), child, weth, AMOUNT, b"", sender=stranger)
    assert weth.balanceOf(child) == holding
    assert weth.allowance(child, world.book.address("aave_pool")) == 0


# -- callbacks from inside a running arbitrage ---------------------------------------------------


@pytest.fixture
def rogue_pool(project, child, world, owner, stranger):
    """A contract posing as a WETH/DAI pair that the owner registered and allowed by mistake."""
    book = world.book
    pool = project.ArbAttackerPool.deploy(book.address("DAI"), book.address("WETH"), child, sender=stranger)
    child.setArbPool(pool, PoolKind.V2, 30, True, sender=owner)
    child.setPoolAllowed(pool, True, sender=owner)
    return pool


def rogue_route(router, rogue_pool, lender):
    """WETH -> DAI on v2b, whose output goes straight into the rogue pair, then DAI -> WETH there."""
    first = router.hops([Leg("v2b:WETH/DAI", "WETH")], AMOUNT)
    return (first + [(rogue_pool.address, True, AMOUNT)], router.book.address("WETH"), AMOUNT, 0, lender, 0)


def test_a_v3_callback_from_a_contract_that_is_not_the_executing_pool_reverts(
    child, router, rogue_pool, bot, weth, stranger, holding
):
    rogue_pool.setAttack(child.uniswapV3SwapCallback.encode_input(AMOUNT, AMOUNT, b""), sender=stranger)
    with reverts_with(child.UnauthorizedCallback, caller=rogue_pool.address):
        child.executeArb(rogue_route(router, rogue_pool, Lender.BALANCER), sender=bot)
    assert weth.balanceOf(child) == holding


def test_a_second_balancer_callback_inside_the_loan_reverts(child, router, rogue_pool, bot, weth, stranger, holding):
    """The marker lets exactly one callback through; the rogue pool replays it mid-loan."""
    replay = child.receiveFlashLoan.encode_input([weth.address], [AMOUNT], [0], b"")
    rogue_pool.setAttack(replay, sender=stranger)
    with reverts_with(child.UnauthorizedCallback, caller=rogue_pool.address):
        child.executeArb(rogue_route(router, rogue_pool, Lender.BALANCER), sender=bot)
    assert weth.balanceOf(child) == holding


def test_execute_arb_cannot_be_reentered(child, router, rogue_pool, bot, stranger, holding):
    reenter = child.executeArb.encode_input(rogue_route(router, rogue_pool, Lender.OWN_CAPITAL))
    rogue_pool.setAttack(reenter, sender=stranger)
    with reverts_with(child.ReentrancyGuardReentrantCall):
        child.executeArb(rogue_route(router, rogue_pool, Lender.BALANCER), sender=bot)
