"""What the keepers need to know about a local world, as settings: the runtime never reads the book.

`keepers up`, the demo and the tests point keepers at the world through these; a user running
the keepers against a world by hand gets the same as YAML from `keepers world settings BOOK`.
"""

from __future__ import annotations

import json

from keepers.arb.setup import ArbChildSetup, TokenLimits
from keepers.config import FactorySettings
from keepers.world.book import AddressBook

E18 = 10**18


def world_factories(book: AddressBook) -> list[FactorySettings]:
    """The world's DEX factories (see keepers.world.deploy)."""
    factories = [
        FactorySettings(
            name=name.removesuffix("_factory"), kind="uniswap_v2", address=entry.address, start_block=entry.block
        )
        for name, entry in book.contracts.items()
        if entry.artifact == "UniswapV2Factory"
    ]
    v3 = book.contracts.get("uniswap_v3_factory")
    if v3 is not None:
        factories.append(
            FactorySettings(name="uniswap_v3", kind="uniswap_v3", address=v3.address, start_block=v3.block)
        )
    return factories


def keeper_settings(book: AddressBook, base_token: str = "WETH") -> dict:
    """The settings sections (arb, rewards, api) that point the keepers at ``book``'s world."""
    return {
        "arb": {
            "base_token": book.token(base_token).address,
            "factories": [f.model_dump() for f in world_factories(book)],
        },
        "rewards": {
            "position_manager": book.address("uniswap_v3_position_manager"),
            "v3_factory": book.address("uniswap_v3_factory"),
        },
        "api": {"tokens": [token.address for token in book.tokens.values()]},
    }


def keeper_environment(book: AddressBook, base_token: str = "WETH") -> dict[str, str]:
    """The same as ``LAPIDARY_*`` environment variables (for supervised keeper processes)."""
    env = {}
    for section, values in keeper_settings(book, base_token).items():
        for name, value in values.items():
            key = f"LAPIDARY_{section.upper()}__{name.upper()}"
            env[key] = value if isinstance(value, str) else json.dumps(value)
    return env


def arb_child_setup(book: AddressBook, bots: tuple[str, ...], sweep_profit: bool = True) -> ArbChildSetup:
    """Every world pool tradable (the Balancer weighted pool as its WETH/DAI pair), WETH the traded
    token with room for the demo's sizes."""
    return ArbChildSetup(
        balancer_vault=book.address("balancer_vault"),
        aave_pool=book.address("aave_pool"),
        weth=book.address("WETH"),
        sweep_profit=sweep_profit,
        v2_pools={p.address: p.fee_pips // 100 for p in book.pools.values() if p.kind == "uniswap_v2"},
        v3_pools=tuple(p.address for p in book.pools.values() if p.kind == "uniswap_v3"),
        balancer_pools={
            p.address: (book.address("WETH"), book.address("DAI"))
            for p in book.pools.values()
            if p.kind == "balancer_weighted"
        },
        bots=bots,
        tokens={book.address("WETH"): TokenLimits(500 * E18, 10 * E18, 20 * E18)},
    )


MM_POOL = "uniswap_v3:WETH/USDC/3000"
MM_SYMBOL = "ETH/USDC"
E6 = 10**6
# What the local market maker may do: pieces, a wallet's cycle, the ladder's inventory (base units).
MM_LIMITS = {
    "WETH": {"piece_floor": E18 // 100, "piece_cap": 5 * E18, "wallet_cycle_max": 40 * E18, "inventory_limit": 0},
    "USDC": {"piece_floor": 10 * E6, "piece_cap": 20_000 * E6, "wallet_cycle_max": 150_000 * E6, "inventory_limit": 0},
}
MM_LADDER_INVENTORY = {"WETH": 100 * E18, "USDC": 300_000 * E6}
# What the mm child may have handed each correcting wallet of a token, net of what came back in it.
MM_FUNDING_CAP = {"WETH": 150 * E18, "USDC": 500_000 * E6}


def mm_settings(
    book: AddressBook,
    exchange_url: str,
    wallets: int = 5,
    seed: int = 1,
    *,
    gasless_url: str | None = None,
    node_url: str | None = None,
) -> dict:
    """The `mm` section keeping the world's WETH/USDC V3 pool on the development exchange's ticker;
    with `gasless_url`, the child's reward claims are relayed there; with `node_url`, its DAI rewards
    are priced in USDC by the world's DAI/USDC pair on that node."""
    extra: dict = {}
    if gasless_url is not None:
        extra |= {"claim_via": "gasless", "gasless_url": gasless_url}
    if node_url is not None:
        dai = book.token("DAI").address
        pair = {
            "kind": "pool",
            "name": "dai-usdc",
            "rpc_url": node_url,
            "pool": book.address("uniswap_v2:DAI/USDC"),
            "pool_kind": "uniswap_v2",
            "base_token": dai,
            # The local chain's clock runs up to `keepers up`'s 20 minutes behind the wall clock.
            "max_age_seconds": 3600,
        }
        extra |= {"reward_prices": {dai: {"sources": [pair]}}}
    return extra | {
        "pool": book.address(MM_POOL),
        "pool_kind": "uniswap_v3",
        "router": book.address("uniswap_v3_router"),
        "base_token": book.token("WETH").address,
        "wallets": wallets,
        "max_pieces": 6,
        "seed": seed,
        "daily_loss_limit": 20_000 * E6,
        "tokens": {book.token(symbol).address: limits for symbol, limits in MM_LIMITS.items()},
        "reference": {
            "sources": [
                {
                    "kind": "ccxt",
                    "name": "devexchange",
                    "exchange": "binance",
                    "symbol": MM_SYMBOL,
                    "base_decimals": book.token("WETH").decimals,
                    "quote_decimals": book.token("USDC").decimals,
                    "api_url": exchange_url,
                    "max_age_seconds": 60,
                }
            ]
        },
    }
