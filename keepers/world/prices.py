"""Live prices of the world's pools, read from chain state."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from web3 import Web3

from keepers.markets.spot import human_price, v2_spot, v3_spot, weighted_spot
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook, PoolEntry

# Quote order for display: a pair is shown as "base in quote" with the quote
# being the later symbol here (WETH in DAI, DAI in USDC).
_QUOTE_RANK = {"WETH": 0, "DAI": 1, "USDC": 2}


@dataclass(frozen=True)
class PoolPrice:
    """One pool's marginal price of ``base`` in ``quote`` and the balances behind it."""

    pool: str
    exchange: str
    base: str
    quote: str
    price: Fraction  # quote base units per base base unit
    balances: dict[str, int]  # token symbol -> pool balance in base units

    def human(self, book: AddressBook) -> Fraction:
        return human_price(self.price, book.token(self.base).decimals, book.token(self.quote).decimals)


def _pairs(symbols: tuple[str, ...]) -> list[tuple[str, str]]:
    ordered = sorted(symbols, key=lambda s: _QUOTE_RANK.get(s, 99))
    return [(ordered[i], ordered[j]) for i in range(len(ordered)) for j in range(i + 1, len(ordered))]


def read_prices(w3: Web3, book: AddressBook, artifacts: ArtifactStore) -> list[PoolPrice]:
    """Every pool's spot price(s), in the book's order."""
    prices: list[PoolPrice] = []
    for name, pool in book.pools.items():
        prices.extend(_read_pool(w3, book, artifacts, name, pool))
    return prices


def _read_pool(w3: Web3, book: AddressBook, artifacts: ArtifactStore, name: str, pool: PoolEntry) -> list[PoolPrice]:
    if pool.kind == "uniswap_v2":
        pair = w3.eth.contract(address=pool.address, abi=artifacts.abi("UniswapV2Pair"))
        r0, r1, _ = pair.functions.getReserves().call()
        balances = dict(zip(pool.tokens, (r0, r1), strict=True))
        ((base, quote),) = _pairs(pool.tokens)
        return [PoolPrice(name, pool.exchange, base, quote, v2_spot(balances[base], balances[quote]), balances)]
    if pool.kind == "uniswap_v3":
        contract = w3.eth.contract(address=pool.address, abi=artifacts.abi("UniswapV3Pool"))
        sqrt_price = contract.functions.slot0().call()[0]
        ((base, quote),) = _pairs(pool.tokens)
        balances = {
            s: w3.eth.contract(address=book.token(s).address, abi=artifacts.abi("MintableERC20"))
            .functions.balanceOf(pool.address)
            .call()
            for s in pool.tokens
        }
        return [PoolPrice(name, pool.exchange, base, quote, v3_spot(sqrt_price, pool.tokens[0] == base), balances)]
    vault = w3.eth.contract(address=book.address("balancer_vault"), abi=artifacts.abi("Vault"))
    weighted = w3.eth.contract(address=pool.address, abi=artifacts.abi("WeightedPool"))
    _, raw_balances, _ = vault.functions.getPoolTokens(bytes.fromhex(pool.pool_id[2:])).call()
    weights = dict(zip(pool.tokens, weighted.functions.getNormalizedWeights().call(), strict=True))
    balances = dict(zip(pool.tokens, raw_balances, strict=True))
    return [
        PoolPrice(
            name,
            pool.exchange,
            base,
            quote,
            weighted_spot(balances[base], weights[base], balances[quote], weights[quote]),
            balances,
        )
        for base, quote in _pairs(pool.tokens)
    ]


def read_oracle_prices(w3: Web3, book: AddressBook, artifacts: ArtifactStore) -> dict[str, int]:
    """Aave oracle prices in USD with 8 decimals, per token symbol."""
    oracle = w3.eth.contract(address=book.address("aave_oracle"), abi=artifacts.abi("AaveOracle"))
    return {s: oracle.functions.getAssetPrice(t.address).call() for s, t in book.tokens.items()}
