"""``V3Pool.swap`` equals the published UniswapV3Pool, through QuoterV2 and real swaps, to the wei.

Two pools: the world's WETH/USDC 0.3% pool (full-range plus concentrated liquidity), and
a WETH/DAI 0.05% pool each test creates with gaps of zero liquidity, a zero-net
initialized tick (two positions of equal liquidity meeting), and positions several
bitmap words away, so swaps take every kind of step the pool takes.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from web3.exceptions import ContractLogicError

from keepers.markets.uniswap_v3 import V3Pool
from keepers.markets.uniswap_v3.sqrt_price_math import get_amount0_delta
from keepers.markets.uniswap_v3.tick_bitmap import bitmap_words
from keepers.markets.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MIN_SQRT_RATIO,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from keepers.world.deploy import sqrt_price_x96
from tests.markets.conftest import (
    CHAIN_SETTINGS,
    DEADLINE,
    read_tick_bitmap,
    read_v3_pool,
    refresh_v3_pool,
    v3_pool_contract,
)

GAPPY_FEE = 500
# From 1 wei to far past all liquidity (a full swap then stops at the price limit).
AMOUNTS = st.one_of(st.integers(1, 10**3), st.integers(1, 10**12), st.integers(1, 10**20), st.integers(1, 10**24))
LIMIT_TICKS = st.one_of(st.none(), st.integers(1, 5_000))


def _gappy_pool(world, trader) -> str:
    """Create the WETH/DAI 0.05% pool at 2000 DAI/WETH and lay its positions; returns its address."""
    weth, dai = world.book.address("WETH"), world.book.address("DAI")
    token0, token1 = sorted([weth, dai], key=lambda a: int(a, 16))
    amount0, amount1 = (10**18, 2000 * 10**18) if token0 == weth else (2000 * 10**18, 10**18)
    manager = world.contract("uniswap_v3_position_manager")
    manager.createAndInitializePoolIfNecessary(
        token0, token1, GAPPY_FEE, sqrt_price_x96(amount0, amount1), sender=trader
    )
    address = world.contract("uniswap_v3_factory").getPool(token0, token1, GAPPY_FEE)
    pool = v3_pool_contract(world, address)
    spacing = pool.tickSpacing()
    t = pool.slot0().tick // spacing * spacing

    def mint(lower: int, upper: int, desired0: int, desired1: int):
        receipt = manager.mint(
            (token0, token1, GAPPY_FEE, lower, upper, desired0, desired1, 0, 0, trader.address, DEADLINE),
            sender=trader,
        )
        (event,) = receipt.decode_logs(manager.IncreaseLiquidity)
        return event.tokenId, event.liquidity

    _, around = mint(t - 300, t + 300, 20 * 10**18, 40_000 * 10**18)
    # Above the price (token0 only): a little more than `around`, then cut to exactly `around`, so
    # tick t + 300 is initialized with liquidityNet == 0.
    needed0 = get_amount0_delta(get_sqrt_ratio_at_tick(t + 300), get_sqrt_ratio_at_tick(t + 700), around, True)
    token_id, above = mint(t + 300, t + 700, needed0 * 1001 // 1000, 0)
    manager.decreaseLiquidity((token_id, above - around, 0, 0, DEADLINE), sender=trader)
    mint(t + 2_000, t + 2_600, 5 * 10**18, 0)  # a gap, then liquidity a word away
    mint(t - 5_000, t - 1_200, 0, 10_000 * 10**18)  # below the price: token1 only, spans two words
    mint(t + 30_000, t + 30_100, 10**18, 0)  # far away: many empty words on the way
    return address


@pytest.fixture(params=["world", "gappy"])
def v3_state(request, world) -> V3Pool:
    """A V3 pool's state read from chain: the world's pool, or the gappy one created for the test."""
    if request.param == "world":
        return read_v3_pool(world)
    return read_v3_pool(world, _gappy_pool(world, request.getfixturevalue("trader")))


def _tokens(state: V3Pool, zero_for_one: bool) -> tuple[str, str]:
    return (state.token0, state.token1) if zero_for_one else (state.token1, state.token0)


def _limit(state: V3Pool, zero_for_one: bool, ticks_away: int | None) -> int | None:
    if ticks_away is None:
        return None
    if zero_for_one:
        return max(get_sqrt_ratio_at_tick(max(state.tick - ticks_away, -887272)), MIN_SQRT_RATIO + 1)
    return min(get_sqrt_ratio_at_tick(min(state.tick + ticks_away, 887272)), MAX_SQRT_RATIO - 1)


def _check_exact_input(quoter, state: V3Pool, zero_for_one: bool, amount: int, ticks_away: int | None) -> None:
    token_in, token_out = _tokens(state, zero_for_one)
    limit = _limit(state, zero_for_one, ticks_away)
    quote = quoter.quoteExactInputSingle((token_in, token_out, amount, state.fee, limit or 0))
    try:
        result = state.swap(zero_for_one, amount, limit)
    except ValueError:  # e.g. 'SPL': the price already sits at the limit
        with pytest.raises(ContractLogicError):
            quote.call()
        return
    if result.amount0 <= 0 and result.amount1 <= 0:
        with pytest.raises(ContractLogicError):  # QuoterV2's callback refuses a swap that moved nothing
            quote.call()
        return
    amount_out, sqrt_price_after, _, _ = quote.call()
    assert (amount_out, sqrt_price_after) == (
        -(result.amount1 if zero_for_one else result.amount0),
        result.sqrt_price_x96_after,
    )


def _check_exact_output(quoter, state: V3Pool, zero_for_one: bool, amount: int, ticks_away: int | None) -> None:
    token_in, token_out = _tokens(state, zero_for_one)
    limit = _limit(state, zero_for_one, ticks_away)
    quote = quoter.quoteExactOutputSingle((token_in, token_out, amount, state.fee, limit or 0))
    try:
        result = state.swap(zero_for_one, -amount, limit)
    except ValueError:
        with pytest.raises(ContractLogicError):
            quote.call()
        return
    paid_in, paid_out = (result.amount0, result.amount1) if zero_for_one else (result.amount1, result.amount0)
    if (limit is None and -paid_out != amount) or (paid_in <= 0 and paid_out >= 0):
        # Without a limit QuoterV2 insists on the whole output; a swap that moved nothing is refused.
        with pytest.raises(ContractLogicError):
            quote.call()
        if limit is None:
            with pytest.raises(ValueError):
                state.amount_in(token_out, amount)
        return
    amount_in, sqrt_price_after, _, _ = quote.call()
    assert (amount_in, sqrt_price_after) == (paid_in, result.sqrt_price_x96_after)
    if limit is None:
        assert state.amount_in(token_out, amount) == paid_in


@settings(CHAIN_SETTINGS, max_examples=100)
@given(zero_for_one=st.booleans(), amount=AMOUNTS, ticks_away=LIMIT_TICKS)
def test_quote_exact_input_single_equals_swap(quoter, v3_state, zero_for_one, amount, ticks_away):
    _check_exact_input(quoter, v3_state, zero_for_one, amount, ticks_away)


@settings(CHAIN_SETTINGS, max_examples=100)
@given(zero_for_one=st.booleans(), amount=AMOUNTS, ticks_away=LIMIT_TICKS)
def test_quote_exact_output_single_equals_swap(quoter, v3_state, zero_for_one, amount, ticks_away):
    _check_exact_output(quoter, v3_state, zero_for_one, amount, ticks_away)


@pytest.mark.parametrize("zero_for_one", [True, False])
def test_one_wei_and_crossing_amounts(quoter, v3_state, zero_for_one):
    """The edges hypothesis may miss: 1 wei in and out, and inputs that cross initialized ticks."""
    for amount in (1, 2, 10**6, 10**17, 25 * 10**18, 80 * 10**18, 400 * 10**18, 10**23):
        _check_exact_input(quoter, v3_state, zero_for_one, amount, None)
        _check_exact_output(quoter, v3_state, zero_for_one, amount, None)
    assert v3_state.swap(zero_for_one, 10**24).crossed_ticks  # the concentrated (or gappy) boundaries


def test_initialized_pool_tick_is_the_tick_at_its_sqrt_price(v3_state):
    """``initialize`` stores getTickAtSqrtRatio(sqrtPriceX96); minting does not move the price."""
    assert v3_state.tick == get_tick_at_sqrt_ratio(v3_state.sqrt_price_x96)


def test_bitmap_of_the_read_ticks_is_the_pools_bitmap(world, v3_state):
    """The sorted-ticks search stands for the pool's bitmap: the words it implies are the chain's words."""
    pool = v3_pool_contract(world, v3_state.address)
    assert bitmap_words(v3_state.ticks, v3_state.tick_spacing) == read_tick_bitmap(pool)
    if v3_state.fee == GAPPY_FEE:
        assert 0 in v3_state.ticks.values()  # the zero-net initialized tick is there


def _token(world, address: str):
    return world.token(next(t.symbol for t in world.book.tokens.values() if t.address == address))


def _move_amount(world, token: str, size: int) -> int:
    if token == world.book.address("WETH"):
        return size * 10**16  # 0.01 .. 30 WETH
    decimals = next(t.decimals for t in world.book.tokens.values() if t.address == token)
    return size * 20 * 10**decimals  # 20 .. 60,000 of a dollar token


@settings(CHAIN_SETTINGS, max_examples=6)
@given(
    moves=st.lists(st.tuples(st.booleans(), st.integers(1, 3_000)), min_size=1, max_size=3),
    probes=st.lists(st.tuples(st.booleans(), AMOUNTS, st.booleans()), min_size=1, max_size=4),
)
def test_real_swaps_move_the_pool_as_predicted_and_quotes_still_match(
    world, quoter, trader, chain, v3_state, moves, probes
):
    """Swap through SwapRouter: the pool pays and lands where ``V3Pool.swap`` says (sqrt price, tick,
    liquidity; the tick is ``get_tick_at_sqrt_ratio`` of the price unless a step ended on a boundary);
    quotes against the moved pool still match."""
    router = world.contract("uniswap_v3_router")
    snapshot = chain.snapshot()
    try:
        state = v3_state
        for zero_for_one, size in moves:
            token_in, token_out = _tokens(state, zero_for_one)
            amount = _move_amount(world, token_in, size)
            result = state.swap(zero_for_one, amount)
            used, paid = (result.amount0, result.amount1) if zero_for_one else (result.amount1, result.amount0)
            if paid == 0:
                continue  # the router's callback refuses a swap paying nothing
            balances = [_token(world, t).balanceOf(trader) for t in (token_in, token_out)]

            router.exactInputSingle(
                (token_in, token_out, state.fee, trader.address, DEADLINE, amount, 0, 0), sender=trader
            )

            after = [_token(world, t).balanceOf(trader) for t in (token_in, token_out)]
            assert (balances[0] - after[0], after[1] - balances[1]) == (used, -paid)
            state = state.after(result)
            assert refresh_v3_pool(world, state) == state
            boundary = result.sqrt_price_x96_after == get_sqrt_ratio_at_tick(result.tick_after + 1)
            if not boundary and MIN_SQRT_RATIO < result.sqrt_price_x96_after < MAX_SQRT_RATIO - 1:
                assert result.tick_after == get_tick_at_sqrt_ratio(result.sqrt_price_x96_after)
        for zero_for_one, amount, exact_input in probes:
            check = _check_exact_input if exact_input else _check_exact_output
            check(quoter, state, zero_for_one, amount, None)
    finally:
        chain.restore(snapshot)
