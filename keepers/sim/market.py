"""Traders and liquidity providers on the world's Uniswap-style pools, one step per block.

Each block a Poisson number of traders swap through the exchanges' own routers (V2 routers,
the V3 ``SwapRouter``), each trade a log-uniform share of the pool's balance of the token sold;
the side leans toward the pool's opening price, so prices wander but do not drift away. Now and
then one trade is large enough to move a pool away from its siblings: the arbitrage the arb
keeper is there to take. Liquidity providers add to V2 pools and take it out again. Every draw
comes from one `random.Random(seed)`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from web3 import Web3

from keepers.sim.accounts import Wallet, current_fees, seeded_account
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook, PoolEntry

DEADLINE = 2**32 - 1
SWAP_GAS = 350_000
LIQUIDITY_GAS = 400_000
APPROVE_GAS = 80_000
# Tokens each trader starts with, in whole units (plenty for many blocks of trading).
TRADER_FUNDS = {"WETH": 5_000, "DAI": 10_000_000, "USDC": 10_000_000}


@dataclass(frozen=True)
class MarketParams:
    """How busy the market is. Shares are in basis points of the pool's balance of the token sold."""

    seed: int = 1
    traders: int = 6
    swaps_per_block: float = 1.0  # the mean of each block's Poisson draw
    trade_bps: tuple[int, int] = (5, 60)  # a trade's size, drawn log-uniform in this range
    large_trade_chance: float = 0.05  # per block
    large_trade_bps: int = 300
    liquidity_move_chance: float = 0.05  # per block
    reversion: float = 4.0  # how hard the side leans back toward the opening price


@dataclass(frozen=True)
class Trade:
    """A swap the driver sent: `amount_in` of `token_in` on `pool`."""

    pool: str
    token_in: str
    amount_in: int
    large: bool
    tx_hash: str


@dataclass
class StepReport:
    block: int
    trades: list[Trade] = field(default_factory=list)
    liquidity: list[str] = field(default_factory=list)  # "add <pool>" / "remove <pool>"


@dataclass
class _Pool:
    name: str
    entry: PoolEntry
    router: object  # web3 contract
    opening_price: float  # token1 per token0 in base units, at the start


class MarketDriver:
    """Seeded traders and liquidity providers on `book`'s V2 and V3 pools (see the module docstring)."""

    def __init__(self, w3: Web3, book: AddressBook, artifacts: ArtifactStore, params: MarketParams):
        self.w3, self.book, self.params = w3, book, params
        self.rng = random.Random(params.seed)
        chain_id = w3.eth.chain_id
        self.traders = [Wallet(w3, seeded_account(params.seed, "trader", i), chain_id) for i in range(params.traders)]
        self.provider = Wallet(w3, seeded_account(params.seed, "liquidity"), chain_id)
        self._erc20_abi = artifacts.abi("MintableERC20")
        self._weth = w3.eth.contract(address=book.address("WETH"), abi=artifacts.abi("WETH9"))
        self._pair_abi = artifacts.abi("UniswapV2Pair")
        v2_router, v3_router = artifacts.abi("UniswapV2Router02"), artifacts.abi("SwapRouter")
        self.pools: list[_Pool] = []
        for name, entry in sorted(book.pools.items()):
            if entry.kind == "uniswap_v2":
                router = w3.eth.contract(address=book.address(f"{entry.exchange}_router"), abi=v2_router)
            elif entry.kind == "uniswap_v3":
                router = w3.eth.contract(address=book.address(f"{entry.exchange}_router"), abi=v3_router)
            else:
                continue  # Balancer pools trade through the Vault: not driven yet
            self.pools.append(_Pool(name, entry, router, self._price(entry)))

    # -- set-up ---------------------------------------------------------------------------------

    def setup(self) -> None:
        """Fund every agent with ETH and tokens and approve the routers (idempotent enough to rerun:
        balances are topped up, approvals set again)."""
        routers = {pool.router.address for pool in self.pools}
        for wallet in [*self.traders, self.provider]:
            wallet.fund(TRADER_FUNDS["WETH"] * 3)
            fees = current_fees(self.w3)
            for symbol, units in TRADER_FUNDS.items():
                token = self._token(symbol)
                amount = units * 10 ** self.book.token(symbol).decimals
                if symbol == "WETH":
                    wallet.send(self._weth.functions.deposit(), gas=APPROVE_GAS, value=amount, **fees)
                else:
                    wallet.send(token.functions.mint(amount), gas=APPROVE_GAS, **fees)
                for router in routers:
                    wallet.send(token.functions.approve(router, 2**256 - 1), gas=APPROVE_GAS, **fees)

    # -- one block ------------------------------------------------------------------------------

    def step(self, block: int) -> StepReport:
        """This block's trades and liquidity moves, sent to the node's pool (mined with the next block)."""
        report = StepReport(block)
        fees = current_fees(self.w3)
        for _ in range(self._poisson(self.params.swaps_per_block)):
            report.trades.append(self._trade(self.rng.choice(self.pools), self._share(), False, fees))
        if self.rng.random() < self.params.large_trade_chance:
            v2 = [pool for pool in self.pools if pool.entry.kind == "uniswap_v2"]
            report.trades.append(self._trade(self.rng.choice(v2), self.params.large_trade_bps, True, fees))
        if self.rng.random() < self.params.liquidity_move_chance:
            report.liquidity.append(self._move_liquidity(fees))
        return report

    def _trade(self, pool: _Pool, share_bps: int, large: bool, fees: dict) -> Trade:
        entry = pool.entry
        drift = math.log(max(self._price(entry), 1e-30) / pool.opening_price)
        # Above the opening price (token0 dear): sell token0 more often, and the other way round.
        sell_first = self.rng.random() < 0.5 + max(-0.4, min(0.4, self.params.reversion * drift))
        symbol_in, symbol_out = entry.tokens if sell_first else tuple(reversed(entry.tokens))
        token_in, token_out = self.book.address(symbol_in), self.book.address(symbol_out)
        balance = self._token(symbol_in).functions.balanceOf(entry.address).call()
        amount = max(1, balance * share_bps // 10_000)
        trader = self.rng.choice(self.traders)
        if entry.kind == "uniswap_v2":
            fn = pool.router.functions.swapExactTokensForTokens(
                amount, 0, [token_in, token_out], trader.address, DEADLINE
            )
        else:
            fn = pool.router.functions.exactInputSingle(
                (token_in, token_out, entry.fee_pips, trader.address, DEADLINE, amount, 0, 0)
            )
        tx_hash = trader.send(fn, gas=SWAP_GAS, **fees)
        return Trade(pool.name, symbol_in, amount, large, tx_hash)

    def _move_liquidity(self, fees: dict) -> str:
        """Add to a V2 pool (a tenth of a percent of it), or take back all it holds there."""
        v2 = [pool for pool in self.pools if pool.entry.kind == "uniswap_v2"]
        pool = self.rng.choice(v2)
        entry, router, provider = pool.entry, pool.router, self.provider
        token_a, token_b = (self.book.address(s) for s in entry.tokens)
        pair = self.w3.eth.contract(address=entry.address, abi=self._pair_abi)
        held = pair.functions.balanceOf(provider.address).call()
        if held and self.rng.random() < 0.5:
            provider.send(pair.functions.approve(router.address, held), gas=APPROVE_GAS, **fees)
            provider.send(
                router.functions.removeLiquidity(token_a, token_b, held, 0, 0, provider.address, DEADLINE),
                gas=LIQUIDITY_GAS,
                **fees,
            )
            return f"remove {pool.name}"
        amounts = [self._token(s).functions.balanceOf(entry.address).call() // 1_000 for s in entry.tokens]
        provider.send(
            router.functions.addLiquidity(token_a, token_b, *amounts, 0, 0, provider.address, DEADLINE),
            gas=LIQUIDITY_GAS,
            **fees,
        )
        return f"add {pool.name}"

    # -- helpers --------------------------------------------------------------------------------

    def _token(self, symbol: str):
        return self.w3.eth.contract(address=self.book.address(symbol), abi=self._erc20_abi)

    def _price(self, entry: PoolEntry) -> float:
        """Token1 per token0 in base units, from balances (enough to steer the side of a trade)."""
        first, second = (self._token(s).functions.balanceOf(entry.address).call() for s in entry.tokens)
        return second / first if first else 0.0

    def _share(self) -> int:
        low, high = self.params.trade_bps
        return round(math.exp(self.rng.uniform(math.log(low), math.log(high))))

    def _poisson(self, mean: float) -> int:
        # Knuth's method: exact for the small means used here.
        limit, count, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count
