"""Uniswap V2 constant-product math, exactly as ``UniswapV2Library`` computes it.

Pure functions over ints in base units. ``fee_bps`` generalizes the library's
997/1000 to any fee in basis points (30 bps gives 9970/10000, the same fraction,
so the same floor); forks with other fees (Sushi 30, Pancake 25) use the same
code with another constant. Every ``require`` of the library is a ``ValueError``
here, and SafeMath's 256-bit overflow checks are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

BPS = 10_000
MAX_UINT256 = (1 << 256) - 1


def _fee_factor(fee_bps: int) -> int:
    if not 0 <= fee_bps < BPS:
        raise ValueError(f"fee_bps must be in [0, {BPS}), got {fee_bps}")
    return BPS - fee_bps


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """Output for an exact input: ``UniswapV2Library.getAmountOut``.

    ``amountIn * (10000 - fee) * reserveOut / (reserveIn * 10000 + amountIn * (10000 - fee))``, rounded down.
    """
    if amount_in <= 0:
        raise ValueError("UniswapV2Library: INSUFFICIENT_INPUT_AMOUNT")
    if reserve_in <= 0 or reserve_out <= 0:
        raise ValueError("UniswapV2Library: INSUFFICIENT_LIQUIDITY")
    amount_in_with_fee = amount_in * _fee_factor(fee_bps)
    numerator = amount_in_with_fee * reserve_out
    denominator = reserve_in * BPS + amount_in_with_fee
    if numerator > MAX_UINT256 or denominator > MAX_UINT256:
        raise ValueError("ds-math-mul-overflow")
    return numerator // denominator


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """Input needed for an exact output: ``UniswapV2Library.getAmountIn``.

    ``reserveIn * amountOut * 10000 / ((reserveOut - amountOut) * (10000 - fee)) + 1``. The ``+ 1`` makes
    the result sufficient, not always minimal: ``get_amount_out(result - 1)`` may already pay ``amount_out``.
    """
    if amount_out <= 0:
        raise ValueError("UniswapV2Library: INSUFFICIENT_OUTPUT_AMOUNT")
    if reserve_in <= 0 or reserve_out <= 0:
        raise ValueError("UniswapV2Library: INSUFFICIENT_LIQUIDITY")
    if amount_out >= reserve_out:
        # sub underflows (>) or the denominator is zero (==): the library reverts either way.
        raise ValueError(f"amount_out {amount_out} >= reserve_out {reserve_out}")
    numerator = reserve_in * amount_out * BPS
    denominator = (reserve_out - amount_out) * _fee_factor(fee_bps)
    if numerator > MAX_UINT256:
        raise ValueError("ds-math-mul-overflow")
    return numerator // denominator + 1


def get_amounts_out(amount_in: int, reserves: list[tuple[int, int]], fee_bps: int = 30) -> list[int]:
    """``UniswapV2Library.getAmountsOut`` over (reserve_in, reserve_out) per hop: every amount of the path."""
    amounts = [amount_in]
    for reserve_in, reserve_out in reserves:
        amounts.append(get_amount_out(amounts[-1], reserve_in, reserve_out, fee_bps))
    return amounts


@dataclass(frozen=True, slots=True)
class V2Pool:
    """A Uniswap V2 pair's state: ``getReserves()`` plus what never changes (tokens, fee)."""

    address: str
    token0: str
    token1: str
    reserve0: int
    reserve1: int
    fee_bps: int = 30

    def zero_for_one(self, token_in: str) -> bool:
        """True when ``token_in`` is token0 (the swap sells token0 for token1)."""
        if token_in == self.token0:
            return True
        if token_in == self.token1:
            return False
        raise ValueError(f"{token_in} is not a token of pool {self.address}")

    def reserves(self, zero_for_one: bool) -> tuple[int, int]:
        """(reserve_in, reserve_out) for a swap in that direction."""
        return (self.reserve0, self.reserve1) if zero_for_one else (self.reserve1, self.reserve0)

    def amount_out(self, token_in: str, amount_in: int) -> int:
        """What the pair pays for ``amount_in`` of ``token_in`` (the router's ``getAmountsOut`` for one hop)."""
        return get_amount_out(amount_in, *self.reserves(self.zero_for_one(token_in)), self.fee_bps)

    def amount_in(self, token_out: str, amount_out: int) -> int:
        """Input of the other token needed to receive ``amount_out`` of ``token_out`` (``getAmountsIn``)."""
        zero_for_one = not self.zero_for_one(token_out)
        return get_amount_in(amount_out, *self.reserves(zero_for_one), self.fee_bps)

    def with_swap(self, token_in: str, amount_in: int) -> V2Pool:
        """The pair after a swap of ``amount_in`` paying ``amount_out`` (what ``Sync`` will report)."""
        zero_for_one = self.zero_for_one(token_in)
        out = get_amount_out(amount_in, *self.reserves(zero_for_one), self.fee_bps)
        if zero_for_one:
            return replace(self, reserve0=self.reserve0 + amount_in, reserve1=self.reserve1 - out)
        return replace(self, reserve0=self.reserve0 - out, reserve1=self.reserve1 + amount_in)

    def with_reserves(self, reserve0: int, reserve1: int) -> V2Pool:
        """The pair as a ``Sync(reserve0, reserve1)`` event left it."""
        # Once per Sync log: the copy is filled through its slots, without the frozen __init__'s
        # object.__setattr__ per field (half the cost; the same object).
        pool = _new(V2Pool)
        _address(pool, self.address)
        _token0(pool, self.token0)
        _token1(pool, self.token1)
        _reserve0(pool, reserve0)
        _reserve1(pool, reserve1)
        _fee_bps(pool, self.fee_bps)
        return pool


_new = object.__new__
_address, _token0, _token1 = V2Pool.address.__set__, V2Pool.token0.__set__, V2Pool.token1.__set__  # type: ignore[attr-defined]
_reserve0, _reserve1, _fee_bps = V2Pool.reserve0.__set__, V2Pool.reserve1.__set__, V2Pool.fee_bps.__set__  # type: ignore[attr-defined]
