"""Routes over the world's pools, their exact expected output, and dislocating trades.

A route is a list of `(pool name, symbol sold)`; the contract takes `(pool address,
zeroForOne, amountOut)`, each hop's output predicted here as a keeper would. Expected
outputs are exact: Uniswap V2's getAmountOut over the pair's reserves read now, and
QuoterV2 (an eth_call of the pool's own swap) for the V3 pool. Each pool may appear once
per route, so the hops' predictions compose.
"""

from __future__ import annotations

from dataclasses import dataclass

DEADLINE = 2**32 - 1
BPS = 10_000


def v2_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """Uniswap V2 getAmountOut, with the fee in basis points (30 is the pair's 997/1000)."""
    with_fee = amount_in * (BPS - fee_bps)
    return with_fee * reserve_out // (reserve_in * BPS + with_fee)


def aave_premium(amount: int, premium_bps: int) -> int:
    """Aave V3 PercentageMath.percentMul: rounds half up."""
    return (amount * premium_bps + BPS // 2) // BPS


@dataclass(frozen=True)
class Leg:
    pool: str  # address book name
    sell: str  # symbol of the token sold into the pool


class Router:
    """Looks pools up in the world's address book and predicts and makes swaps through them."""

    def __init__(self, world):
        self.world = world
        self.book = world.book

    def hops(self, legs: list[Leg], amount_in: int) -> list[tuple[str, bool, int]]:
        """The contract's hops, each with the output it is predicted to buy now."""
        outputs = self.amounts(legs, amount_in)[1:]
        return [
            (self.book.address(leg.pool), self.book.pools[leg.pool].tokens[0] == leg.sell, out)
            for leg, out in zip(legs, outputs, strict=True)
        ]

    def bought(self, leg: Leg) -> str:
        tokens = self.book.pools[leg.pool].tokens
        return tokens[1] if tokens[0] == leg.sell else tokens[0]

    def quote(self, legs: list[Leg], amount_in: int) -> int:
        """The exact output of selling `amount_in` along `legs` now."""
        return self.amounts(legs, amount_in)[-1]

    def amounts(self, legs: list[Leg], amount_in: int) -> list[int]:
        """The exact amount entering each leg now, then the final output."""
        amounts = [amount_in]
        for leg in legs:
            amount = amounts[-1]
            entry = self.book.pools[leg.pool]
            buy = self.bought(leg)
            if entry.kind == "uniswap_v2":
                reserve0, reserve1, _ = self.world.contract(leg.pool).getReserves()
                reserves = dict(zip(entry.tokens, (reserve0, reserve1), strict=True))
                amount = v2_amount_out(amount, reserves[leg.sell], reserves[buy])
            else:
                quoter = self.world.contract("uniswap_v3_quoter")
                amount = quoter.quoteExactInputSingle.call(
                    (self.book.address(leg.sell), self.book.address(buy), amount, entry.fee_pips, 0)
                )[0]
            amounts.append(amount)
        return amounts

    def params(
        self,
        legs: list[Leg],
        token: str,
        amount_in: int,
        min_profit: int,
        lender: int,
        coinbase_bps: int = 0,
    ) -> tuple:
        """An `ArbParams` tuple."""
        return (self.hops(legs, amount_in), self.book.address(token), amount_in, min_profit, lender, coinbase_bps)

    def swap(self, trader, leg: Leg, amount_in: int) -> None:
        """Sells `amount_in` of `leg.sell` into `leg.pool` through its exchange's router."""
        entry = self.book.pools[leg.pool]
        token_in, token_out = self.book.address(leg.sell), self.book.address(self.bought(leg))
        if entry.kind == "uniswap_v2":
            router = self.world.contract(f"{entry.exchange}_router")
            router.swapExactTokensForTokens(amount_in, 0, [token_in, token_out], trader, DEADLINE, sender=trader)
        else:
            self.world.contract("uniswap_v3_router").exactInputSingle(
                (token_in, token_out, entry.fee_pips, trader.address, DEADLINE, amount_in, 0, 0), sender=trader
            )
