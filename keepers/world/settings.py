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
    """Every world pool tradable, WETH the traded token with room for the demo's sizes."""
    return ArbChildSetup(
        balancer_vault=book.address("balancer_vault"),
        aave_pool=book.address("aave_pool"),
        weth=book.address("WETH"),
        sweep_profit=sweep_profit,
        v2_pools={p.address: p.fee_pips // 100 for p in book.pools.values() if p.kind == "uniswap_v2"},
        v3_pools=tuple(p.address for p in book.pools.values() if p.kind == "uniswap_v3"),
        bots=bots,
        tokens={book.address("WETH"): TokenLimits(500 * E18, 10 * E18, 20 * E18)},
    )
