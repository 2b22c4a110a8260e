"""A Uniswap V3 pool's swap, reproduced exactly: ``UniswapV3Pool.swap`` over a snapshot of its state.

The state is what a swap reads: ``slot0`` (sqrt price, tick), the in-range
``liquidity``, the fee and tick spacing, and every initialized tick with its
``liquidityNet``. Fee growth, the oracle and the protocol fee do not change the
amounts a swap pays, so they are not kept. Initialized ticks whose liquidityNet
is zero (possible when positions on both sides share a tick) still stop a step
and must be present.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache

from keepers.markets.uniswap_v3.liquidity_math import add_delta
from keepers.markets.uniswap_v3.swap_math import compute_swap_step
from keepers.markets.uniswap_v3.tick_bitmap import next_initialized_tick_within_one_word
from keepers.markets.uniswap_v3.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

# A swap asks for the sqrt ratio of the same few ticks over and over; the function is pure.
_sqrt_ratio_at_tick = lru_cache(maxsize=1 << 16)(get_sqrt_ratio_at_tick)


class Ticks(Mapping[int, int]):
    """Initialized ticks -> ``liquidityNet``, immutable, iterated in ascending tick order."""

    __slots__ = ("_net", "ascending")

    def __init__(self, liquidity_net: Mapping[int, int] | Iterable[tuple[int, int]] = ()):
        self._net = dict(liquidity_net)
        self.ascending: tuple[int, ...] = tuple(sorted(self._net))

    def __getitem__(self, tick: int) -> int:
        return self._net[tick]

    def __iter__(self) -> Iterator[int]:
        return iter(self.ascending)

    def __len__(self) -> int:
        return len(self._net)

    def __repr__(self) -> str:
        return f"Ticks({self._net!r})"


@dataclass(frozen=True, slots=True)
class SwapResult:
    """What ``UniswapV3Pool.swap`` returns and leaves behind.

    ``amount0``/``amount1`` are the pool's deltas: positive is paid in by the swapper,
    negative paid out. ``crossed_ticks`` are the initialized ticks crossed, in order.
    """

    amount0: int
    amount1: int
    sqrt_price_x96_after: int
    tick_after: int
    liquidity_after: int
    crossed_ticks: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class V3Pool:
    """A Uniswap V3 pool's state as a swap reads it. ``fee`` is in pips (3000 = 0.3%)."""

    address: str
    token0: str
    token1: str
    fee: int
    tick_spacing: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    ticks: Mapping[int, int] = field(default_factory=Ticks, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.ticks, Ticks):
            ticks = Ticks(self.ticks)
            if any(t % self.tick_spacing or not MIN_TICK <= t <= MAX_TICK for t in ticks.ascending):
                raise ValueError(f"pool {self.address}: ticks must be multiples of {self.tick_spacing} within range")
            object.__setattr__(self, "ticks", ticks)

    def swap(self, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int | None = None) -> SwapResult:
        """``UniswapV3Pool.swap``: positive ``amount_specified`` is an exact input, negative an exact output.

        Without a limit the swap may run to the extreme price, as QuoterV2 quotes with a zero limit
        (``MIN_SQRT_RATIO + 1`` / ``MAX_SQRT_RATIO - 1``). The swap stops early at the limit, so an
        input may be used only in part, or an output paid only in part: compare with the amounts.
        """
        if amount_specified == 0:
            raise ValueError("AS")
        if sqrt_price_limit_x96 is None:
            limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
        else:
            limit = sqrt_price_limit_x96
        if zero_for_one:
            if not (limit < self.sqrt_price_x96 and limit > MIN_SQRT_RATIO):
                raise ValueError("SPL")
        elif not (limit > self.sqrt_price_x96 and limit < MAX_SQRT_RATIO):
            raise ValueError("SPL")

        exact_input = amount_specified > 0
        remaining = amount_specified
        calculated = 0
        sqrt_price = self.sqrt_price_x96
        tick = self.tick
        liquidity = self.liquidity
        fee = self.fee
        spacing = self.tick_spacing
        ticks: Ticks = self.ticks  # type: ignore[assignment]
        initialized = ticks.ascending
        crossed: list[int] = []

        while remaining != 0 and sqrt_price != limit:
            sqrt_price_start = sqrt_price
            tick_next, is_initialized = next_initialized_tick_within_one_word(initialized, tick, spacing, zero_for_one)
            if tick_next < MIN_TICK:
                tick_next = MIN_TICK
            elif tick_next > MAX_TICK:
                tick_next = MAX_TICK
            sqrt_price_next = _sqrt_ratio_at_tick(tick_next)
            if zero_for_one:
                target = limit if sqrt_price_next < limit else sqrt_price_next
            else:
                target = limit if sqrt_price_next > limit else sqrt_price_next
            sqrt_price, step_in, step_out, step_fee = compute_swap_step(sqrt_price, target, liquidity, remaining, fee)
            if exact_input:
                remaining -= step_in + step_fee
                calculated -= step_out
            else:
                remaining += step_out
                calculated += step_in + step_fee

            if sqrt_price == sqrt_price_next:
                if is_initialized:
                    liquidity_net = ticks[tick_next]
                    liquidity = add_delta(liquidity, -liquidity_net if zero_for_one else liquidity_net)
                    crossed.append(tick_next)
                tick = tick_next - 1 if zero_for_one else tick_next
            elif sqrt_price != sqrt_price_start:
                # recompute unless we're on a lower tick boundary (already transitioned ticks) and haven't moved
                tick = get_tick_at_sqrt_ratio(sqrt_price)

        if zero_for_one == exact_input:
            amount0, amount1 = amount_specified - remaining, calculated
        else:
            amount0, amount1 = calculated, amount_specified - remaining
        return SwapResult(amount0, amount1, sqrt_price, tick, liquidity, tuple(crossed))

    def max_liquidity(self, zero_for_one: bool) -> int:
        """The most liquidity any range has from the current price on, in the swap's direction.

        A swap can never do better than one against this much liquidity everywhere: with more
        liquidity the price moves less for the same input, so each unit is paid more.
        """
        ticks: Ticks = self.ticks  # type: ignore[assignment]
        liquidity = highest = self.liquidity
        if zero_for_one:
            for tick in reversed(ticks.ascending):
                if tick <= self.tick:
                    liquidity -= ticks[tick]
                    highest = max(highest, liquidity)
        else:
            for tick in ticks.ascending:
                if tick > self.tick:
                    liquidity += ticks[tick]
                    highest = max(highest, liquidity)
        return highest

    def zero_for_one(self, token_in: str) -> bool:
        """True when ``token_in`` is token0 (the swap sells token0 for token1)."""
        if token_in == self.token0:
            return True
        if token_in == self.token1:
            return False
        raise ValueError(f"{token_in} is not a token of pool {self.address}")

    def amount_out(self, token_in: str, amount_in: int) -> int:
        """Output of an exact-input swap (QuoterV2 ``quoteExactInputSingle``), which must use all of ``amount_in``.

        Raises ``ValueError`` when the pool runs out of liquidity before the input is used up.
        """
        zero_for_one = self.zero_for_one(token_in)
        result = self.swap(zero_for_one, amount_in)
        used, paid = (result.amount0, result.amount1) if zero_for_one else (result.amount1, result.amount0)
        if used != amount_in:
            raise ValueError(f"pool {self.address} takes only {used} of {amount_in} before its price limit")
        return -paid

    def amount_in(self, token_out: str, amount_out: int) -> int:
        """Input of an exact-output swap (QuoterV2 ``quoteExactOutputSingle``) paying exactly ``amount_out``."""
        zero_for_one = not self.zero_for_one(token_out)
        result = self.swap(zero_for_one, -amount_out)
        paid_in, paid_out = (result.amount0, result.amount1) if zero_for_one else (result.amount1, result.amount0)
        if -paid_out != amount_out:
            raise ValueError(f"pool {self.address} can pay only {-paid_out} of {amount_out}")
        return paid_in

    def after(self, result: SwapResult) -> V3Pool:
        """This pool as a swap that returned ``result`` left it."""
        return replace(
            self, sqrt_price_x96=result.sqrt_price_x96_after, tick=result.tick_after, liquidity=result.liquidity_after
        )

    def with_swap(self, token_in: str, amount_in: int) -> V3Pool:
        """The pool after an exact-input swap of ``amount_in`` of ``token_in`` (no price limit)."""
        return self.after(self.swap(self.zero_for_one(token_in), amount_in))

    def with_slot0(self, sqrt_price_x96: int, tick: int, liquidity: int) -> V3Pool:
        """The pool as a ``Swap`` event (sqrtPriceX96, liquidity, tick) left it; ticks change only on mint/burn."""
        # Once per Swap log: the copy is filled through its slots, without dataclasses.replace and the
        # frozen __init__'s object.__setattr__ per field (a third of the cost; the same object).
        pool = _new(V3Pool)
        _address(pool, self.address)
        _token0(pool, self.token0)
        _token1(pool, self.token1)
        _fee(pool, self.fee)
        _tick_spacing(pool, self.tick_spacing)
        _sqrt_price_x96(pool, sqrt_price_x96)
        _tick(pool, tick)
        _liquidity(pool, liquidity)
        _ticks(pool, self.ticks)
        return pool


_new = object.__new__
_address, _token0, _token1 = V3Pool.address.__set__, V3Pool.token0.__set__, V3Pool.token1.__set__  # type: ignore[attr-defined]
_fee, _tick_spacing = V3Pool.fee.__set__, V3Pool.tick_spacing.__set__  # type: ignore[attr-defined]
_sqrt_price_x96, _tick = V3Pool.sqrt_price_x96.__set__, V3Pool.tick.__set__  # type: ignore[attr-defined]
_liquidity, _ticks = V3Pool.liquidity.__set__, V3Pool.ticks.__set__  # type: ignore[attr-defined]
