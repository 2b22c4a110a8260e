"""What-if quotes for operators: a route of pools and an input, priced exactly at one block.

The route is a list of pools the arb child trades (registered with `FlashArbFacet.setArbPool`); the
first hop sells the given token and each next hop sells what the last one bought. Every hop's state
is read whole at the block and swapped with the exact models (`keepers.markets`), so each figure is
what the pools would pay. A route that comes back to its token is an arbitrage: it gets the loan fee
of the chosen lender, the profit, and an `eth_call` of the very `executeArb` the keeper would send
(from the arb bot, at the same block), whose gas estimate prices the gas at the block's base fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from web3 import Web3

from keepers.arb.execution import ARB_CHILD, ArbExecutor, ArbOrder, Simulation, lender_terms
from keepers.chain.contracts import Contract
from keepers.chain.pools import V3_POOL, read_v2_reserves, read_v3_state, read_weighted_state
from keepers.markets.balancer_weighted import WeightedPool
from keepers.markets.cycles import Cycle, Hop
from keepers.markets.sizing import cycle_amounts, marginal_rate
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool

BPS = 10_000
KINDS = ("uniswap_v2", "uniswap_v3", "balancer_weighted")  # FlashArbFacet.PoolKind


class QuoteRefused(ValueError):
    """The route cannot be quoted as asked (a pool the child does not know, tokens that do not chain)."""


@dataclass(frozen=True)
class HopQuote:
    pool: str
    kind: str
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int
    marginal: Fraction  # token_out per token_in at zero size, after the fee
    # How much worse than the marginal rate the whole swap paid, in basis points (exact).
    impact_bps: Fraction


@dataclass(frozen=True)
class Quote:
    block: int
    token: str
    amount_in: int
    hops: tuple[HopQuote, ...]
    amount_out: int
    cycle: bool  # the route comes back to its token: an arbitrage
    lender: str | None = None
    loan_fee: int | None = None
    gross_profit: int | None = None  # amount_out - amount_in - loan_fee
    base_fee: int | None = None
    simulation: Simulation | None = None
    native: bool = False  # the token is the chain's wrapped native coin (gas is paid in its units)

    @property
    def gas_cost(self) -> int | None:
        """Gas at the block's base fee, in wei, when the simulation estimated it."""
        if self.simulation is None or self.simulation.gas is None or self.base_fee is None:
            return None
        return self.simulation.gas * self.base_fee

    @property
    def net_profit(self) -> int | None:
        """The profit after the simulated gas, when gas and the token are the same coin."""
        gas_cost = self.gas_cost
        if not self.native or gas_cost is None or self.gross_profit is None:
            return None
        return self.gross_profit - gas_cost


class RouteQuoter:
    """Quotes routes through one arb child's pools (module docstring)."""

    def __init__(self, w3: Web3, child: str, bot: str | None):
        self.w3 = w3
        self.child = Contract(w3, child, ARB_CHILD)
        self.bot = bot

    def quote(self, route: list[str], token: str, amount_in: int, lender: str = "balancer", block: int | None = None):
        """The exact quote (module docstring); QuoteRefused for a route that cannot be quoted."""
        if amount_in <= 0:
            raise QuoteRefused("amount_in must be positive")
        block = self.w3.eth.block_number if block is None else block
        token = Web3.to_checksum_address(token)
        pools, hops, held = {}, [], token
        for address in route:
            address = Web3.to_checksum_address(address)
            if address in pools:
                raise QuoteRefused(f"pool {address} appears twice in the route")
            pool, token0, token1 = self._pool(address, block)
            if held not in (token0, token1):
                raise QuoteRefused(f"pool {address} does not trade {held}, the route's token at that hop")
            zero_for_one = held == token0
            out = token1 if zero_for_one else token0
            pools[address] = pool
            hops.append(Hop(address, held, out, zero_for_one))
            held = out
        amounts = _amounts(hops, pools, amount_in)
        legs = zip(hops, amounts[:-1], amounts[1:], strict=True)
        quotes = tuple(_hop_quote(h, pools[h.pool], a, b) for h, a, b in legs)
        if held != token or len(hops) < 2:
            return Quote(block, token, amount_in, quotes, amounts[-1], cycle=False)
        loan_fee = lender_terms(self.w3, self.child.address, lender).premium(amount_in)
        order = ArbOrder(Cycle(tuple(hops)), amount_in, lender, loan_fee, amounts[-1], 0, tuple(amounts[1:]))
        simulation = None
        if self.bot is not None and order.net_profit >= 0:  # the contract refuses a loss before trading
            simulation = ArbExecutor(self.w3, self.child.address, self.bot).simulate(order, block)
        base_fee = self.w3.eth.get_block(block).get("baseFeePerGas")
        weth = Web3.to_checksum_address(self.child.call("arbConfig", block=block)[2])
        return Quote(
            block, token, amount_in, quotes, amounts[-1], True, lender, loan_fee, order.net_profit, base_fee,
            simulation, native=token == weth,
        )  # fmt: skip

    def _pool(self, address: str, block: int) -> tuple[V2Pool | V3Pool | WeightedPool, str, str]:
        """The registered pool's model at `block` with the two tokens the child trades it between."""
        kind, token0, token1, fee_bps, enabled = self.child.call("arbPool", address, block=block)
        if int(token0, 16) == 0:
            raise QuoteRefused(f"pool {address} is not registered with the arb child")
        token0, token1 = Web3.to_checksum_address(token0), Web3.to_checksum_address(token1)
        if KINDS[kind] == "uniswap_v2":
            reserve0, reserve1 = read_v2_reserves(self.w3, address, block)
            return V2Pool(address, token0, token1, reserve0, reserve1, fee_bps), token0, token1
        if KINDS[kind] == "balancer_weighted":
            vault = self.child.call("arbConfig", block=block)[0]
            s = read_weighted_state(self.w3, vault, address, block)
            tokens = tuple(Web3.to_checksum_address(t) for t in s.tokens)
            pool = WeightedPool(address, s.pool_id, tokens, s.balances, s.weights, s.scaling_factors, s.swap_fee)
            return pool.pair(token0, token1), token0, token1
        pool = Contract(self.w3, address, V3_POOL)
        fee, spacing = pool.call("fee", block=block), pool.call("tickSpacing", block=block)
        s = read_v3_state(self.w3, address, spacing, block)
        return (
            V3Pool(address, token0, token1, fee, spacing, s.sqrt_price_x96, s.tick, s.liquidity, s.net),
            token0,
            token1,
        )


def _amounts(hops: list[Hop], pools: dict, amount_in: int) -> list[int]:
    try:
        return cycle_amounts(_Route(tuple(hops)), pools, amount_in)
    except ValueError as err:  # a V3 pool without the liquidity for it
        raise QuoteRefused(f"the route cannot trade {amount_in}: {err}") from None


@dataclass(frozen=True)
class _Route:
    """Hops in order (a path need not come back to its token, as a `Cycle` must)."""

    hops: tuple[Hop, ...]


def _hop_quote(hop: Hop, pool: V2Pool | V3Pool | WeightedPool, amount_in: int, amount_out: int) -> HopQuote:
    num, den = marginal_rate(pool, hop)
    marginal = Fraction(num, den)
    paid = Fraction(amount_out, amount_in)
    kind = KINDS[0 if isinstance(pool, V2Pool) else 1 if isinstance(pool, V3Pool) else 2]
    impact = (1 - paid / marginal) * BPS if marginal else Fraction(0)
    return HopQuote(hop.pool, kind, hop.token_in, hop.token_out, amount_in, amount_out, marginal, impact)
