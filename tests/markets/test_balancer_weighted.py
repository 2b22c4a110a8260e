"""``WeightedPool`` equals the published Balancer V2 Vault and WeightedPool (April 2021), to the wei.

The world's three-token pool (WETH 50%, DAI 25%, USDC 25%, 0.3% fee; USDC has 6 decimals, so
scaling is exercised) is read through ``read_weighted_state``. Predictions are compared with the
Vault's ``queryBatchSwap`` (an ``eth_call``: the swap is run and reverted) in every direction, for
GIVEN_IN and GIVEN_OUT, with amounts from one wei to past the 30% ratio limits, and with the
balance changes of real ``swap`` transactions through the Vault.
"""

from __future__ import annotations

import ape
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from web3.exceptions import ContractLogicError

from keepers.chain.contracts import Contract
from keepers.chain.pools import BALANCER_VAULT, read_weighted_state
from keepers.markets.balancer_weighted import MAX_IN_RATIO_CODE, MAX_OUT_RATIO_CODE, RatioError, WeightedPool
from tests.markets.conftest import CHAIN_SETTINGS, DEADLINE, MAX_UINT

GIVEN_IN, GIVEN_OUT = 0, 1
SYMBOLS = ("WETH", "DAI", "USDC")
DIRECTIONS = [(a, b) for a in SYMBOLS for b in SYMBOLS if a != b]
PPM = 1_000_000
# An amount is drawn as base units (dust) or as parts per million of the balance it is limited by;
# up to 40% so that both sides of the 30% limit are reached.
SIZES = st.one_of(
    st.tuples(st.just("units"), st.integers(1, 10**6)),
    st.tuples(st.just("ppm"), st.integers(1, 400_000)),
)


def _amount(pool: WeightedPool, token: str, size: tuple[str, int]) -> int:
    unit, value = size
    return value if unit == "units" else max(1, pool.balances[pool.index(token)] * value // PPM)


@pytest.fixture
def vault(world) -> Contract:
    return Contract(ape.chain.provider.web3, world.book.address("balancer_vault"), BALANCER_VAULT)


@pytest.fixture
def weighted_address(world) -> str:
    (address,) = (entry.address for entry in world.book.pools.values() if entry.kind == "balancer_weighted")
    return address


def _read_pool(vault: Contract, address: str, block: int | str = "latest") -> WeightedPool:
    state = read_weighted_state(vault.w3, vault.address, address, block)
    return WeightedPool(
        address,
        state.pool_id,
        state.tokens,
        state.balances,
        state.weights,
        state.scaling_factors,
        state.swap_fee,
    )


@pytest.fixture
def weighted_pool(vault, weighted_address) -> WeightedPool:
    return _read_pool(vault, weighted_address)


def _query(vault: Contract, pool: WeightedPool, kind: int, token_in: str, token_out: str, amount: int) -> list[int]:
    """The Vault's deltas [+in, -out] for a one-step batch swap, or raises ContractLogicError."""
    funds = (vault.address, False, vault.address, False)
    step = (pool.pool_id, 0, 1, amount, b"")
    return vault.call("queryBatchSwap", kind, [step], [token_in, token_out], funds)


def _predict(pool: WeightedPool, kind: int, token_in: str, token_out: str, amount: int) -> list[int] | RatioError:
    try:
        if kind == GIVEN_IN:
            return [amount, -pool.amount_out(token_in, token_out, amount)]
        return [pool.amount_in(token_in, token_out, amount), -amount]
    except RatioError as refusal:
        return refusal


def _assert_query_matches(vault, pool, kind, token_in, token_out, amount) -> bool:
    """The Vault answers what ``pool`` predicts, or refuses with the same BAL# code; True if it answered."""
    predicted = _predict(pool, kind, token_in, token_out, amount)
    if isinstance(predicted, RatioError):
        with pytest.raises(ContractLogicError, match=predicted.reason):
            _query(vault, pool, kind, token_in, token_out, amount)
        return False
    assert list(_query(vault, pool, kind, token_in, token_out, amount)) == predicted
    return True


@CHAIN_SETTINGS
@given(direction=st.sampled_from(DIRECTIONS), kind=st.sampled_from((GIVEN_IN, GIVEN_OUT)), size=SIZES)
def test_prediction_equals_query_batch_swap(world, vault, weighted_pool, direction, kind, size):
    pool = weighted_pool
    token_in, token_out = (world.book.address(s) for s in direction)
    amount = _amount(pool, token_in if kind == GIVEN_IN else token_out, size)
    event("quoted" if _assert_query_matches(vault, pool, kind, token_in, token_out, amount) else "refused")


@pytest.mark.parametrize("direction", DIRECTIONS, ids="->".join)
def test_the_30_percent_limits_are_where_the_pool_puts_them(world, vault, weighted_pool, direction):
    """The largest amount each kind accepts is accepted by both; one wei more is refused by both."""
    pool = weighted_pool
    token_in, token_out = (world.book.address(s) for s in direction)
    # GIVEN_OUT: at most 30% of the balance out (in 18 decimals, so floor(30%) in base units).
    most_out = pool.balances[pool.index(token_out)] * 3 // 10
    # GIVEN_IN: the fee comes off first, so the gross input may exceed 30% a little; find its last wei.
    low, high = 1, pool.balances[pool.index(token_in)]
    while low < high:
        mid = (low + high + 1) // 2
        try:
            pool.amount_out(token_in, token_out, mid)
            low = mid
        except RatioError:
            high = mid - 1
    most_in = low
    for kind, most, code in ((GIVEN_IN, most_in, MAX_IN_RATIO_CODE), (GIVEN_OUT, most_out, MAX_OUT_RATIO_CODE)):
        assert _assert_query_matches(vault, pool, kind, token_in, token_out, most)
        assert isinstance(_predict(pool, kind, token_in, token_out, most + 1), RatioError)
        with pytest.raises(ContractLogicError, match=f"BAL#{code}"):
            _query(vault, pool, kind, token_in, token_out, most + 1)


@pytest.fixture
def vault_trader(trader, world):
    """The markets' funded trader, with the Vault approved for every token."""
    for symbol in SYMBOLS:
        world.token(symbol).approve(world.book.address("balancer_vault"), MAX_UINT, sender=trader)
    return trader


def _swap(world, trader, pool: WeightedPool, kind: int, token_in: str, token_out: str, amount: int, limit: int):
    """A real ``Vault.swap`` from and to ``trader``'s own balances."""
    return world.contract("balancer_vault").swap(
        (pool.pool_id, kind, token_in, token_out, amount, b""),
        (trader.address, False, trader.address, False),
        limit,
        DEADLINE,
        sender=trader,
    )


def _balances(world, account, tokens) -> list[int]:
    return [world.token(symbol).balanceOf(account) for symbol in tokens]


@settings(CHAIN_SETTINGS, max_examples=8)
@given(
    direction=st.sampled_from(DIRECTIONS),
    kind=st.sampled_from((GIVEN_IN, GIVEN_OUT)),
    size=st.tuples(st.just("ppm"), st.integers(1, 250_000)),
)
def test_real_swaps_move_balances_by_the_prediction(
    world, vault, weighted_address, vault_trader, direction, kind, size
):
    pool = _read_pool(vault, weighted_address)  # swaps of earlier examples moved it
    token_in, token_out = (world.book.address(s) for s in direction)
    amount = _amount(pool, token_in if kind == GIVEN_IN else token_out, size)
    if kind == GIVEN_IN:
        paid, received = amount, pool.amount_out(token_in, token_out, amount)
        limit = received
    else:
        paid, received = pool.amount_in(token_in, token_out, amount), amount
        limit = paid
    before = _balances(world, vault_trader, direction)
    block_before = vault.w3.eth.block_number
    _swap(world, vault_trader, pool, kind, token_in, token_out, amount, limit)
    after = _balances(world, vault_trader, direction)
    assert (before[0] - after[0], after[1] - before[1]) == (paid, received)
    moved = _read_pool(vault, weighted_address)
    assert moved.balances[pool.index(token_in)] == pool.balances[pool.index(token_in)] + paid
    assert moved.balances[pool.index(token_out)] == pool.balances[pool.index(token_out)] - received
    if kind == GIVEN_IN:
        assert moved == pool.with_swap(token_in, token_out, amount)
    assert _read_pool(vault, weighted_address, block_before) == pool  # the state as of an earlier block


def test_a_real_swap_past_the_limit_is_refused(world, weighted_pool, vault_trader):
    pool = weighted_pool
    weth, dai = world.book.address("WETH"), world.book.address("DAI")
    too_much = pool.balances[pool.index(dai)] * 3 // 10 + 1
    with pytest.raises(RatioError):
        pool.amount_in(weth, dai, too_much)
    with ape.reverts(f"BAL#{MAX_OUT_RATIO_CODE}"):
        _swap(world, vault_trader, pool, GIVEN_OUT, weth, dai, too_much, MAX_UINT)


@CHAIN_SETTINGS
@given(direction=st.sampled_from(DIRECTIONS), size=SIZES)
def test_the_marginal_rate_bounds_every_output(world, weighted_pool, direction, size):
    """What the search may prune with: no input is paid more than the marginal rate."""
    pool = weighted_pool
    token_in, token_out = (world.book.address(s) for s in direction)
    amount = _amount(pool, token_in, size)
    try:
        out = pool.amount_out(token_in, token_out, amount)
    except RatioError:
        return
    assert out <= amount * pool.marginal_rate(token_in, token_out)
