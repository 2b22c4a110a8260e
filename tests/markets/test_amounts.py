"""The AmtOptimizer against brute force: every integer input of small paths mixing order-book legs
and pool hops, enumerated; plus the legs' exact fills against their relaxations, and edge cases."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keepers.markets.amounts import AmtOptimizer, PathCosts, PoolLeg, check_path, optimal_amount
from keepers.markets.order_book import BookLeg, Level, Side
from keepers.markets.piecewise import compose
from keepers.markets.sizing import FlashLoan
from keepers.markets.uniswap_v2 import V2Pool
from tests.markets.builders import v3_pools

USD, ETH, DAI = "USD", "ETH", "DAI"
SETTINGS = settings(max_examples=250, deadline=None, derandomize=True, database=None)
COSTS = st.builds(
    PathCosts,
    gas=st.sampled_from([0, 0, 1, 7]),
    loan=st.sampled_from([None, None, FlashLoan(0), FlashLoan(9), FlashLoan(300)]),
)


@st.composite
def books(draw, side: Side, center: Fraction, max_levels: int = 6, max_size: int = 120) -> BookLeg:
    """A small book a little better for the taker than ``center`` quote units per base unit (best
    price within -2%..+20% of it): 1 to ``max_levels`` levels of up to ``max_size`` base units, each
    no better than the last; maybe a fee, lots, a minimum, a balance."""
    edge = Fraction(draw(st.integers(80, 102)), 100)
    price = center * (edge if side is Side.BUY else 1 / edge)
    levels = []
    for _ in range(draw(st.integers(1, max_levels))):
        levels.append(Level(price, draw(st.integers(1, max_size))))
        step = Fraction(draw(st.integers(0, 8)), 100) * center
        price = price + step if side is Side.BUY else max(price - step, center / 10)
    lot = draw(st.sampled_from([1, 1, 2, 7, 20]))
    min_qty = draw(st.sampled_from([0, 0, lot, 3 * lot, 30]))
    return BookLeg(
        "cex",
        ETH,
        USD,
        side,
        tuple(levels),
        fee=draw(st.sampled_from([Fraction(0), Fraction(1, 1000), Fraction(1, 100)])),
        lot=lot,
        min_qty=min_qty,
        max_in=draw(st.one_of(st.none(), st.integers(0, 400))),
    )


@st.composite
def v2_pools(draw, a: str, b: str, price: Fraction, address: str = "v2") -> V2Pool:
    """A small pair of tokens a and b priced about ``price`` b per a (-5%..+30%)."""
    reserve_a = draw(st.integers(200, 3000))
    reserve_b = max(1, int(reserve_a * price * Fraction(draw(st.integers(95, 130)), 100)))
    fee = draw(st.sampled_from([0, 30, 100]))
    if a < b:
        return V2Pool(address, a, b, reserve_a, reserve_b, fee)
    return V2Pool(address, b, a, reserve_b, reserve_a, fee)


CENTERS = st.sampled_from([Fraction(1), Fraction(3, 2), Fraction(2, 3), Fraction(5)])


@st.composite
def book_then_pool(draw):
    center = draw(CENTERS)
    book = draw(books(Side.BUY, center))
    return [book, PoolLeg(draw(v2_pools(ETH, USD, center)), ETH, draw(st.one_of(st.none(), st.integers(1, 300))))]


@st.composite
def pool_then_book(draw):
    center = draw(CENTERS)
    pool = draw(v2_pools(USD, ETH, 1 / center))
    return [PoolLeg(pool, USD), draw(books(Side.SELL, center))]


@st.composite
def book_then_two_pools(draw):
    center = draw(st.sampled_from([Fraction(1), Fraction(3, 2), Fraction(2, 3)]))
    book = draw(books(Side.BUY, center, max_levels=4, max_size=80))
    first = PoolLeg(draw(v2_pools(ETH, DAI, center)), ETH)
    if draw(st.booleans()):
        last = PoolLeg(draw(v3_pools(DAI, USD, "v3", small=True, max_tick=300)), DAI)
    else:
        last = PoolLeg(draw(v2_pools(DAI, USD, Fraction(1), "v2b")), DAI)
    return [book, first, last]


def _search_limit(path) -> int:
    """No input beyond this can pay: the first leg (a book) cannot spend more, or the last (a book)
    cannot pay more than its depth's worth."""
    first, last = path[0], path[-1]
    if isinstance(first, BookLeg):
        full = first.least_input(first.max_quantity) if first.max_quantity else 0
        return max(1, full if first.max_in is None else min(full, first.max_in))
    assert isinstance(last, BookLeg)
    return int(last.value(last.max_quantity)) + 1


def _brute_force(path, costs: PathCosts) -> tuple[int, int]:
    """(smallest maximizer, profit) over every integer input from 1 to the limit; (0, 0) if none pays."""
    best = (0, 0)
    for x in range(1, _search_limit(path) + 1):
        amount = x
        for leg in path:
            amount = leg.fill(amount).received
        profit = amount - x - costs.premium(x) - costs.gas
        if profit > best[1]:
            best = (x, profit)
    return best


def _check_against_brute_force(path, costs: PathCosts) -> None:
    x, profit = _brute_force(path, costs)
    sized = optimal_amount(path, costs)
    if profit <= 0:
        assert sized is None
        return
    assert sized is not None and sized.proven
    assert (sized.amount_in, sized.profit) == (x, profit)
    assert sized.ceiling == sized.profit
    assert sized.profit == sized.amount_out - sized.amount_in - sized.premium - sized.gas
    assert sized.fills[-1].received == sized.amount_out


@SETTINGS
@given(book_then_pool(), COSTS)
def test_book_then_pool_matches_brute_force(path, costs):
    _check_against_brute_force(path, costs)


@SETTINGS
@given(pool_then_book(), COSTS)
def test_pool_then_book_matches_brute_force(path, costs):
    _check_against_brute_force(path, costs)


@settings(SETTINGS, max_examples=150)  # each brute force simulates V3 swaps: the slowest shape
@given(book_then_two_pools(), COSTS)
def test_book_then_two_pools_matches_brute_force(path, costs):
    _check_against_brute_force(path, costs)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(
    st.one_of(book_then_pool(), pool_then_book(), book_then_two_pools()),
    st.lists(st.integers(0, 3000), min_size=1, max_size=8),
)
def test_legs_pay_at_most_their_relaxation_and_never_less_for_more(path, inputs):
    """What the proof rests on: each exact leg is nondecreasing and at or below its relaxation, and
    the composed relaxation is the relaxations applied one after another."""
    composed = compose([leg.relaxation() for leg in path])
    for x in sorted(inputs):
        amount, relaxed = x, Fraction(x)
        for leg in path:
            fill = leg.fill(amount)
            relaxation = leg.relaxation()
            assert fill.received <= relaxation(amount)
            assert fill.spent <= amount
            assert leg.fill(amount + 1).received >= fill.received
            amount, relaxed = fill.received, relaxation(relaxed)
        assert composed(x) == relaxed


# --- order-book conventions --------------------------------------------------------------------


def _asks(**kwargs) -> BookLeg:
    levels = (Level(Fraction(2), 10), Level(Fraction(3), 10), Level(Fraction(5), 100))
    return BookLeg("cex", ETH, USD, Side.BUY, levels, **kwargs)


def test_buy_walks_the_asks_and_takes_the_fee_from_the_base_received():
    book = _asks(fee=Fraction(1, 10))
    fill = book.fill(51)  # 10 at 2 (20) + 10 at 3 (30), 1 left: a fifth of a unit at 5, not traded
    assert (fill.spent, fill.received) == (50, 18)  # 20 ETH less 10%
    assert book.fill(55).spent == 55 and book.fill(55).received == 18  # 21 ETH, 2.1 fee: 18.9 floored


def test_sell_walks_the_bids_in_lots_above_the_minimum():
    bids = (Level(Fraction(5), 4), Level(Fraction(4), 10))
    book = BookLeg("cex", ETH, USD, Side.SELL, bids, fee=Fraction(1, 100), lot=3, min_qty=6)
    assert book.fill(5).received == 0  # one lot is under the minimum: refused
    fill = book.fill(8)  # two lots: 4 at 5 and 2 at 4 = 28, less 1%
    assert (fill.spent, fill.received) == (6, 27)
    assert book.fill(100).spent == 12  # the depth in whole lots
    assert book.least_input(7) == 9


def test_levels_must_be_best_first():
    with pytest.raises(ValueError, match="best first"):
        BookLeg("cex", ETH, USD, Side.SELL, (Level(Fraction(1), 1), Level(Fraction(2), 1)))


def test_a_path_must_chain_and_close():
    pool = V2Pool("v2", ETH, USD, 1000, 1000)
    with pytest.raises(ValueError, match="starts in"):
        check_path([_asks()])
    with pytest.raises(ValueError, match="followed by"):
        check_path([_asks(), _asks()])
    check_path([_asks(), PoolLeg(pool, ETH)])


# --- edge cases ----------------------------------------------------------------------------------


def test_nothing_pays_when_the_book_asks_above_the_pool():
    pool = V2Pool("v2", ETH, USD, 1000, 1900)  # 1.9 USD per ETH, asks from 2
    assert optimal_amount([_asks(), PoolLeg(pool, ETH)]) is None


def test_gas_above_the_best_profit_leaves_nothing():
    pool = V2Pool("v2", ETH, USD, 1000, 4000)
    path = [_asks(), PoolLeg(pool, ETH)]
    best = optimal_amount(path)
    assert best is not None
    assert optimal_amount(path, PathCosts(gas=best.profit)) is None
    assert optimal_amount(path, PathCosts(gas=best.profit - 1)).profit == 1


def test_a_book_exhausted_before_the_optimum_is_bought_whole():
    pool = V2Pool("v2", ETH, USD, 10**6, 10**7)  # 10 USD per ETH, deep: the real optimum is far past the book
    book = _asks(lot=4)
    sized = optimal_amount([book, PoolLeg(pool, ETH)])
    assert sized is not None and sized.proven
    assert sized.amount_in == book.least_input(book.max_quantity)  # every ask, no quote left over
    assert sized.fills[0].received == book.max_quantity == 120
    _check_against_brute_force([book, PoolLeg(pool, ETH)], PathCosts())


def test_a_binding_balance_caps_the_input():
    pool = V2Pool("v2", ETH, USD, 10**6, 10**7)
    path = [_asks(max_in=37), PoolLeg(pool, ETH)]
    sized = optimal_amount(path)
    assert sized is not None and sized.amount_in == 35  # 10 at 2, 5 at 3: all 37 USD buys
    assert sized.fills[0].spent == 35
    _check_against_brute_force(path, PathCosts())


def test_a_pool_cap_keeps_the_rest_on_the_venue():
    pool = V2Pool("v2", USD, ETH, 10**6, 10**6)
    bids = BookLeg("cex", ETH, USD, Side.SELL, (Level(Fraction(2), 1000),))
    path = [PoolLeg(pool, USD, max_in=50), bids]
    sized = optimal_amount(path)
    assert sized is not None and sized.amount_in == 50
    _check_against_brute_force(path, PathCosts())


def test_a_small_scan_budget_says_it_is_not_proven_and_bounds_the_optimum():
    pool = V2Pool("v2", ETH, USD, 20_000, 50_000)
    book = BookLeg("cex", ETH, USD, Side.BUY, tuple(Level(Fraction(200 + j, 100), 50) for j in range(40)))
    path = [book, PoolLeg(pool, ETH)]
    exact = optimal_amount(path)
    rough = AmtOptimizer(max_scan=3).optimize(path)
    assert exact is not None and exact.proven
    assert rough is not None and not rough.proven
    assert rough.profit <= exact.profit <= rough.ceiling
