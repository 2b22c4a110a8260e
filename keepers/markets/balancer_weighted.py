"""Balancer V2 weighted-pool swaps, exactly as the Vault's GIVEN_IN and GIVEN_OUT swaps pay them.

The April 2021 ``WeightedPool`` (``20210418-weighted-pool``, the one the local world deploys):
``BaseMinimalSwapInfoPool.onSwap`` scales amounts to 18 decimals, takes the swap fee, and calls
``WeightedMath._calcOutGivenIn`` / ``_calcInGivenOut``; every rounding goes the pool's way.

- GIVEN_IN: the fee is taken from ``amount_in`` before scaling (``mul_up``: the fee rounds up), the
  rest is upscaled, and the output is downscaled rounding down.
- GIVEN_OUT: ``amount_out`` is upscaled, the input is downscaled rounding up, then grossed up by the
  fee (``div_up`` by 1 - fee).

Scaling factors of that version are plain multipliers ``10**(18 - decimals)`` (later versions keep
them as 18-decimal fixed point; the amounts come out the same). The Vault passes the pool its total
balances (cash plus managed), as ``getPoolTokens`` returns them. A trade of more than 30% of a
balance (``MAX_IN_RATIO`` / ``MAX_OUT_RATIO``) is refused with ``RatioError``, as the pool reverts
with BAL#304 / BAL#305.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from keepers.markets.balancer_fixed_point import (
    ONE,
    BalancerError,
    add,
    complement,
    div_down,
    div_up,
    mul_down,
    mul_up,
    pow_up,
    sub,
)
from keepers.markets.spot import weighted_spot

MAX_IN_RATIO = 3 * 10**17  # 0.3
MAX_OUT_RATIO = 3 * 10**17
MAX_IN_RATIO_CODE = 304
MAX_OUT_RATIO_CODE = 305


class RatioError(BalancerError):
    """A swap of more than 30% of the pool's balance of the token going in (304) or out (305)."""


def calc_out_given_in(balance_in: int, weight_in: int, balance_out: int, weight_out: int, amount_in: int) -> int:
    """``WeightedMath._calcOutGivenIn``: B_out · (1 - (B_in / (B_in + A_in))^(w_in / w_out)), all 18-decimal.

    The base rounds up and the power is raised by its error bound, so the output rounds down.
    """
    if amount_in > mul_down(balance_in, MAX_IN_RATIO):
        raise RatioError(MAX_IN_RATIO_CODE, f"MAX_IN_RATIO: {amount_in} > 30% of {balance_in}")
    base = div_up(balance_in, add(balance_in, amount_in))
    power = pow_up(base, div_down(weight_in, weight_out))
    return mul_down(balance_out, complement(power))


def calc_in_given_out(balance_in: int, weight_in: int, balance_out: int, weight_out: int, amount_out: int) -> int:
    """``WeightedMath._calcInGivenOut``: B_in · ((B_out / (B_out - A_out))^(w_out / w_in) - 1), all 18-decimal.

    Base, exponent and power round up, and so does the input.
    """
    if amount_out > mul_down(balance_out, MAX_OUT_RATIO):
        raise RatioError(MAX_OUT_RATIO_CODE, f"MAX_OUT_RATIO: {amount_out} > 30% of {balance_out}")
    base = div_up(balance_out, sub(balance_out, amount_out))
    power = pow_up(base, div_up(weight_out, weight_in))
    return mul_up(balance_in, sub(power, ONE))


def subtract_swap_fee(amount: int, swap_fee: int) -> int:
    """``BasePool._subtractSwapFeeAmount``: what is left of a GIVEN_IN amount once the fee (rounded up) is taken."""
    return sub(amount, mul_up(amount, swap_fee))


def add_swap_fee(amount: int, swap_fee: int) -> int:
    """``BasePool._addSwapFeeAmount``: the gross GIVEN_OUT input whose fee-free part is ``amount``."""
    return div_up(amount, complement(swap_fee))


def _upscale(amount: int, factor: int) -> int:
    return amount * factor


def _downscale_down(amount: int, factor: int) -> int:
    return amount // factor


def _downscale_up(amount: int, factor: int) -> int:
    return 0 if amount == 0 else (amount - 1) // factor + 1


@dataclass(frozen=True, slots=True)
class WeightedPool:
    """A weighted pool's state as a swap reads it.

    ``tokens`` and ``balances`` are the Vault's ``getPoolTokens(pool_id)`` (sorted by address);
    ``weights`` the pool's ``getNormalizedWeights()`` and ``swap_fee`` its ``getSwapFeePercentage()``
    (18-decimal fractions); ``scaling_factors`` ``10**(18 - decimals)`` per token.
    """

    address: str
    pool_id: bytes
    tokens: tuple[str, ...]
    balances: tuple[int, ...]
    weights: tuple[int, ...]
    scaling_factors: tuple[int, ...]
    swap_fee: int

    def __post_init__(self) -> None:
        count = len(self.tokens)
        if not (len(self.balances) == len(self.weights) == len(self.scaling_factors) == count >= 2):
            raise ValueError(f"pool {self.address}: tokens, balances, weights and scaling factors must match")

    def index(self, token: str) -> int:
        """The token's position in the pool."""
        try:
            return self.tokens.index(token)
        except ValueError:
            raise ValueError(f"{token} is not a token of pool {self.address}") from None

    def _pair(self, token_in: str, token_out: str) -> tuple[int, int]:
        i, o = self.index(token_in), self.index(token_out)
        if i == o:
            raise ValueError(f"pool {self.address}: cannot swap {token_in} for itself")
        return i, o

    def _curve(self, i: int, o: int) -> tuple[int, int, int, int]:
        """(balance_in, weight_in, balance_out, weight_out) as WeightedMath takes them: balances upscaled."""
        balance_in = _upscale(self.balances[i], self.scaling_factors[i])
        balance_out = _upscale(self.balances[o], self.scaling_factors[o])
        return balance_in, self.weights[i], balance_out, self.weights[o]

    def amount_out(self, token_in: str, token_out: str, amount_in: int) -> int:
        """Output of a GIVEN_IN swap of ``amount_in`` (base units of ``token_in``): what the Vault pays."""
        if amount_in <= 0:
            raise ValueError("amount_in must be positive")
        i, o = self._pair(token_in, token_out)
        net_in = _upscale(subtract_swap_fee(amount_in, self.swap_fee), self.scaling_factors[i])
        return _downscale_down(calc_out_given_in(*self._curve(i, o), net_in), self.scaling_factors[o])

    def amount_in(self, token_in: str, token_out: str, amount_out: int) -> int:
        """Input of a GIVEN_OUT swap paying exactly ``amount_out`` (base units of ``token_out``)."""
        if amount_out <= 0:
            raise ValueError("amount_out must be positive")
        i, o = self._pair(token_in, token_out)
        net_in = calc_in_given_out(*self._curve(i, o), _upscale(amount_out, self.scaling_factors[o]))
        return add_swap_fee(_downscale_up(net_in, self.scaling_factors[i]), self.swap_fee)

    def spot_price(self, token_in: str, token_out: str) -> Fraction:
        """Fee-free marginal price in base units: ``token_out`` per unit of ``token_in``.

        (B_out / w_out) / (B_in / w_in); scaling factors cancel, so base units need no scaling.
        """
        i, o = self._pair(token_in, token_out)
        return weighted_spot(self.balances[i], self.weights[i], self.balances[o], self.weights[o])

    def marginal_rate(self, token_in: str, token_out: str) -> Fraction:
        """What the first unit in pays out, after the fee: the spot price times (1 - fee).

        The curve is concave and every rounding favours the pool, so for any size
        ``amount_out(a) <= a * marginal_rate``: a bound the search can prune with.
        """
        return self.spot_price(token_in, token_out) * Fraction(ONE - self.swap_fee, ONE)

    def pair(self, token_a: str, token_b: str) -> WeightedPool:
        """The pool seen through two of its tokens, in the pool's order: every swap between them pays
        the same (a swap reads only its two tokens' balances, weights and scaling factors)."""
        keep = sorted({self.index(token_a), self.index(token_b)})
        if len(keep) != 2:
            raise ValueError(f"pool {self.address}: a pair needs two different tokens")
        return replace(
            self,
            tokens=tuple(self.tokens[i] for i in keep),
            balances=tuple(self.balances[i] for i in keep),
            weights=tuple(self.weights[i] for i in keep),
            scaling_factors=tuple(self.scaling_factors[i] for i in keep),
        )

    def with_balances(self, balances: tuple[int, ...]) -> WeightedPool:
        """The pool with new Vault balances (weights, fee and tokens do not move with swaps)."""
        if len(balances) != len(self.tokens):
            raise ValueError(f"pool {self.address} has {len(self.tokens)} tokens, got {len(balances)} balances")
        return replace(self, balances=tuple(balances))

    def with_swap(self, token_in: str, token_out: str, amount_in: int) -> WeightedPool:
        """The pool after a GIVEN_IN swap: the whole ``amount_in`` (fee included) stays in the pool."""
        out = self.amount_out(token_in, token_out, amount_in)
        balances = list(self.balances)
        balances[self.index(token_in)] += amount_in
        balances[self.index(token_out)] -= out
        return self.with_balances(tuple(balances))
