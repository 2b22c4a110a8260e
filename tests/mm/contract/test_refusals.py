"""Every misuse of the facet reverts with its own custom error, naming the offending values."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from tests.support import reverts_with

from .conftest import DEADLINE, E6, E18, MM_SLOT, WALLET_CAP, around, mint, mint_params, view_reverts

FOREIGN_TOKEN_ID = 1  # the world's own V3 liquidity: a real position the child does not hold


@pytest.fixture
def desired(tokens) -> tuple[int, int]:
    amounts = {"WETH": 2 * E18, "USDC": 8_000 * E6}
    return amounts[tokens[0].symbol()], amounts[tokens[1].symbol()]


@pytest.fixture
def ladder(pool, desired):
    return around(pool, -4, 4, *desired)


@pytest.fixture
def position(child, bot, pool, ladder) -> int:
    return mint(child, bot, pool, ladder)


BOT_FUNCTIONS = (
    "mintPosition",
    "increasePosition",
    "decreasePosition",
    "collectPosition",
    "burnPosition",
    "fundWallet",
)


def call_args(function: str, pool, ladder, position, wallet, weth) -> tuple:
    return {
        "mintPosition": (mint_params(pool, ladder),),
        "increasePosition": ((position, ladder.amount0_desired, ladder.amount1_desired, 0, 0, DEADLINE),),
        "decreasePosition": ((position, 1, 0, 0, DEADLINE),),
        "collectPosition": (position,),
        "burnPosition": (position,),
        "fundWallet": (wallet, weth, 1),
    }[function]


# -- who may call ---------------------------------------------------------------------------------


@pytest.mark.parametrize("function", BOT_FUNCTIONS)
def test_only_bots_run_the_strategy(child, owner, stranger, pool, ladder, position, wallet, weth, function):
    args = call_args(function, pool, ladder, position, wallet, weth)
    for caller in (stranger, owner):
        with reverts_with(child.NotBot, caller=caller.address):
            getattr(child, function)(*args, sender=caller)


@pytest.mark.parametrize(
    ("function", "args"),
    [
        ("setPositionManager", lambda w: (w.book.address("uniswap_v3_position_manager"),)),
        ("setMarketPool", lambda w: (w.book.address("uniswap_v3:WETH/USDC/3000"), False)),
        ("setInventoryLimit", lambda w: (w.book.address("WETH"), 0)),
        ("setFundingWallet", lambda w: (w.book.address("WETH"), True)),
        ("setFundingCap", lambda w: (w.book.address("WETH"), w.book.address("WETH"), 0)),
    ],
)
def test_only_the_owner_configures(child, world, bot, guardian, stranger, function, args):
    for caller in (bot, guardian, stranger):
        with reverts_with(child.NotOwner, caller=caller.address):
            getattr(child, function)(*args(world), sender=caller)


def test_only_the_guardian_or_the_owner_unwinds(child, bot, stranger, position):
    for caller in (bot, stranger):
        with reverts_with(child.NotGuardianOrOwner, caller=caller.address):
            child.unwindPosition(position, 0, 0, DEADLINE, sender=caller)


# -- pools ----------------------------------------------------------------------------------------


def test_a_registered_pool_the_risk_limits_do_not_allow_is_refused(child, bot, other_pool, desired):
    ladder = around(other_pool, -4, 4, *desired)
    with reverts_with(child.PoolNotAllowed, pool=other_pool.address):
        child.mintPosition(mint_params(other_pool, ladder), sender=bot)


def test_an_allowed_pool_that_is_not_registered_is_refused(child, owner, bot, pool, ladder):
    child.setMarketPool(pool, False, sender=owner)
    with reverts_with(child.PoolNotEnabled, pool=pool.address):
        child.mintPosition(mint_params(pool, ladder), sender=bot)


def test_a_disabled_pool_takes_no_new_liquidity_but_lets_it_out(child, owner, bot, pool, ladder, position):
    child.setMarketPool(pool, False, sender=owner)
    with reverts_with(child.PoolNotEnabled, pool=pool.address):
        child.increasePosition((position, ladder.amount0_desired, ladder.amount1_desired, 0, 0, DEADLINE), sender=bot)
    child.setPoolAllowed(pool, False, sender=owner)

    child.decreasePosition((position, ladder.liquidity, 0, 0, DEADLINE), sender=bot)
    child.burnPosition(position, sender=bot)
    assert child.positionCount() == 0


def test_too_many_positions_on_one_pool_are_refused(chain, child, bot, pool, ladder):
    # positionIds is the layout's fourth word: its array for `pool` claims the maximum length.
    length_slot = keccak(encode(["address", "uint256"], [pool.address, MM_SLOT + 3]))
    chain.provider.web3.provider.make_request(
        "anvil_setStorageAt", [child.address, "0x" + length_slot.hex(), "0x" + (100).to_bytes(32, "big").hex()]
    )
    assert len(child.positionIds(pool)) == 100
    with reverts_with(child.TooManyPositions, pool=pool.address, limit=100):
        child.mintPosition(mint_params(pool, ladder), sender=bot)


# -- positions ------------------------------------------------------------------------------------


def test_a_position_the_child_does_not_hold_is_unknown(child, reader, bot, manager):
    assert manager.positions(FOREIGN_TOKEN_ID).liquidity > 0
    calls = {
        "increasePosition": ((FOREIGN_TOKEN_ID, 1, 1, 0, 0, DEADLINE),),
        "decreasePosition": ((FOREIGN_TOKEN_ID, 1, 0, 0, DEADLINE),),
        "collectPosition": (FOREIGN_TOKEN_ID,),
        "burnPosition": (FOREIGN_TOKEN_ID,),
    }
    for function, args in calls.items():
        with reverts_with(child.UnknownPosition, tokenId=FOREIGN_TOKEN_ID):
            getattr(child, function)(*args, sender=bot)
    with view_reverts(f"UnknownPosition({FOREIGN_TOKEN_ID})"):
        reader.position(FOREIGN_TOKEN_ID)


def test_decreases_of_nothing_or_of_more_than_the_position_are_refused(child, bot, ladder, position):
    with reverts_with(child.ZeroLiquidity):
        child.decreasePosition((position, 0, 0, 0, DEADLINE), sender=bot)
    too_much = ladder.liquidity + 1
    with reverts_with(child.InsufficientLiquidity, tokenId=position, requested=too_much, available=ladder.liquidity):
        child.decreasePosition((position, too_much, 0, 0, DEADLINE), sender=bot)


def test_a_position_with_liquidity_cannot_be_burned(child, bot, ladder, position):
    with reverts_with(child.PositionNotEmpty, tokenId=position, liquidity=ladder.liquidity):
        child.burnPosition(position, sender=bot)


# -- slippage and deadlines -----------------------------------------------------------------------


def test_minimums_above_what_the_pool_takes_are_refused(child, bot, pool, ladder):
    for amount0_min, amount1_min in ((ladder.amount0 + 1, 0), (0, ladder.amount1 + 1)):
        with reverts_with(
            child.AmountsBelowMinimum,
            amount0=ladder.amount0,
            amount1=ladder.amount1,
            amount0Min=amount0_min,
            amount1Min=amount1_min,
        ):
            child.mintPosition(mint_params(pool, ladder, amount0_min, amount1_min), sender=bot)


def test_increase_and_decrease_check_their_minimums(child, bot, pool, ladder, position):
    more = around(pool, -4, 4, ladder.amount0_desired, ladder.amount1_desired)
    with reverts_with(
        child.AmountsBelowMinimum, amount0=more.amount0, amount1=more.amount1, amount0Min=more.amount0 + 1, amount1Min=0
    ):
        child.increasePosition(
            (position, more.amount0_desired, more.amount1_desired, more.amount0 + 1, 0, DEADLINE), sender=bot
        )
    out = child.decreasePosition.call((position, ladder.liquidity, 0, 0, DEADLINE), sender=bot)
    with reverts_with(child.AmountsBelowMinimum, amount0=out[0], amount1=out[1], amount0Min=0, amount1Min=out[1] + 1):
        child.decreasePosition((position, ladder.liquidity, 0, out[1] + 1, DEADLINE), sender=bot)


def test_calls_after_their_deadline_are_refused(chain, child, bot, guardian, pool, ladder, position):
    deadline = chain.blocks.head.timestamp + 100
    chain.pending_timestamp = deadline  # the deadline second itself is still in time
    child.decreasePosition((position, 1, 0, 0, deadline), sender=bot)
    calls = (
        (child.mintPosition, (mint_params(pool, ladder, deadline=deadline),), bot),
        (child.increasePosition, ((position, 1, 1, 0, 0, deadline),), bot),
        (child.decreasePosition, ((position, 1, 0, 0, deadline),), bot),
        (child.unwindPosition, (position, 0, 0, deadline), guardian),
    )
    for late, (function, args, sender) in enumerate(calls, start=1):
        chain.pending_timestamp = deadline + late
        with reverts_with(child.DeadlineExpired, deadline=deadline, timestamp=deadline + late):
            function(*args, sender=sender)


# -- pause ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", BOT_FUNCTIONS)
def test_a_paused_child_refuses_the_bot(child, bot, guardian, pool, ladder, position, wallet, weth, function):
    child.pause(sender=guardian)
    with reverts_with(child.ChildPaused):
        getattr(child, function)(*call_args(function, pool, ladder, position, wallet, weth), sender=bot)


@pytest.mark.parametrize("function", BOT_FUNCTIONS)
def test_a_paused_master_stops_the_bot(child, master, bot, guardian, pool, ladder, position, wallet, weth, function):
    master.pauseAll(sender=guardian)
    assert child.masterPaused()
    with reverts_with(child.MasterPaused, master=master.address):
        getattr(child, function)(*call_args(function, pool, ladder, position, wallet, weth), sender=bot)


# -- inventory ------------------------------------------------------------------------------------


def test_a_mint_above_the_inventory_limit_is_refused(child, owner, bot, pool, tokens, ladder):
    token0 = tokens[0]
    child.setInventoryLimit(token0, ladder.amount0 - 1, sender=owner)
    with reverts_with(
        child.InventoryLimitExceeded, token=token0.address, deployed=ladder.amount0, limit=ladder.amount0 - 1
    ):
        child.mintPosition(mint_params(pool, ladder), sender=bot)


def test_the_limit_counts_every_position_of_the_token(child, owner, bot, pool, tokens, ladder):
    token1 = tokens[1]
    child.setInventoryLimit(token1, 2 * ladder.amount1, sender=owner)
    mint(child, bot, pool, ladder)
    second = mint(child, bot, pool, ladder)  # exactly at the limit
    assert child.inventory(token1).deployed == 2 * ladder.amount1
    more = around(pool, -4, 4, ladder.amount0_desired, ladder.amount1_desired)
    with reverts_with(
        child.InventoryLimitExceeded,
        token=token1.address,
        deployed=2 * ladder.amount1 + more.amount1,
        limit=2 * ladder.amount1,
    ):
        child.increasePosition((second, ladder.amount0_desired, ladder.amount1_desired, 0, 0, DEADLINE), sender=bot)


def test_a_limit_lowered_below_what_is_deployed_only_blocks_new_deposits(child, owner, bot, tokens, ladder, position):
    child.setInventoryLimit(tokens[0], 0, sender=owner)
    child.decreasePosition((position, ladder.liquidity, 0, 0, DEADLINE), sender=bot)
    child.burnPosition(position, sender=bot)
    assert child.inventory(tokens[0]) == (0, 0)


# -- wallets --------------------------------------------------------------------------------------


def test_funding_above_the_cap_is_refused(child, bot, wallet, weth):
    cap = WALLET_CAP["WETH"]
    with reverts_with(
        child.FundingCapExceeded, wallet=wallet.address, token=weth.address, outstanding=cap + 1, cap=cap
    ):
        child.fundWallet(wallet, weth, cap + 1, sender=bot)
    child.fundWallet(wallet, weth, cap, sender=bot)
    with reverts_with(
        child.FundingCapExceeded, wallet=wallet.address, token=weth.address, outstanding=cap + 1, cap=cap
    ):
        child.fundWallet(wallet, weth, 1, sender=bot)


def test_a_token_without_a_cap_cannot_be_funded(child, bot, wallet, world):
    dai = world.token("DAI")
    with reverts_with(child.FundingCapExceeded, wallet=wallet.address, token=dai.address, outstanding=1, cap=0):
        child.fundWallet(wallet, dai, 1, sender=bot)


def test_an_unknown_wallet_is_neither_funded_nor_heard(child, bot, stranger, weth):
    with reverts_with(child.UnknownWallet, wallet=stranger.address):
        child.fundWallet(stranger, weth, 1, sender=bot)
    weth.approve(child, 1, sender=stranger)
    with reverts_with(child.UnknownWallet, wallet=stranger.address):
        child.returnFunds(weth, 1, sender=stranger)


def test_zero_amounts_are_refused(child, bot, wallet, weth):
    with reverts_with(child.ZeroAmount):
        child.fundWallet(wallet, weth, 0, sender=bot)
    with reverts_with(child.ZeroAmount):
        child.returnFunds(weth, 0, sender=wallet)


# -- configuration --------------------------------------------------------------------------------


def test_the_position_manager_cannot_change_under_open_positions(child, owner, manager, stranger, position):
    with reverts_with(child.PositionsOpen, count=1):
        child.setPositionManager(manager, sender=owner)
    with reverts_with(child.InvalidPositionManager, manager=stranger.address):
        child.setPositionManager(stranger, sender=owner)


def test_a_pool_the_managers_factory_did_not_create_is_refused(
    chain, child, owner, stranger, world, deployer, artifacts
):
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    artifact = artifacts.get("UniswapV3Factory")
    factory = ContractContainer(
        ContractType(
            contractName="UniswapV3Factory",
            abi=artifact.abi,
            deploymentBytecode={"bytecode": "0x" + artifact.bytecode.hex()},
        )
    ).deploy(sender=deployer)
    weth, dai = world.book.address("WETH"), world.book.address("DAI")
    factory.createPool(weth, dai, 3000, sender=deployer)
    lookalike = factory.getPool(weth, dai, 3000)
    for pool in (lookalike, stranger.address):
        with reverts_with(child.InvalidPool, pool=pool):
            child.setMarketPool(pool, True, sender=owner)


def test_wallets_are_never_zero_or_the_child(child, owner):
    for wallet in ("0x" + "00" * 20, child.address):
        with reverts_with(child.InvalidWallet, wallet=wallet):
            child.setFundingWallet(wallet, True, sender=owner)


def test_limits_and_caps_fit_128_bits(child, owner, wallet, weth):
    with reverts_with(child.SafeCastOverflowedUintDowncast, bits=128, value=2**128):
        child.setInventoryLimit(weth, 2**128, sender=owner)
    with reverts_with(child.SafeCastOverflowedUintDowncast, bits=128, value=2**128):
        child.setFundingCap(wallet, weth, 2**128, sender=owner)
