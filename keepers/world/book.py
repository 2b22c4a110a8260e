"""The world's address book: every contract, token and pool, looked up by name.

Written as JSON next to the other deployments (``deployments/``) or wherever a
caller asks, and read back by tests, keepers and the demo. Names are stable
(``uniswap_v2_router``, ``v2b:WETH/USDC``), addresses are per chain.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from keepers.files import write_atomic

PoolKind = Literal["uniswap_v2", "uniswap_v3", "balancer_weighted"]


class ContractEntry(BaseModel):
    """A deployed contract: its address and the published artifact it runs."""

    model_config = ConfigDict(frozen=True)

    address: str
    artifact: str
    tx_hash: str
    block: int


class TokenEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    symbol: str
    name: str
    decimals: int
    address: str


class PoolEntry(BaseModel):
    """A liquidity pool of one of the world's exchanges."""

    model_config = ConfigDict(frozen=True)

    kind: PoolKind
    exchange: str
    address: str
    tokens: tuple[str, ...] = Field(description="token symbols in the pool's own order")
    fee_pips: int = Field(description="swap fee in millionths (3000 = 0.3%)")
    pool_id: str | None = Field(default=None, description="Balancer pool id")


class LenderSettings(BaseModel):
    """Flash-loan terms configured on the world's lenders."""

    model_config = ConfigDict(frozen=True)

    aave_premium_bps: int
    balancer_fee_bps: int = 0


class AddressBook(BaseModel):
    """Everything deployed into one chain by ``deploy_world``."""

    chain_id: int
    deployer: str
    block: int
    packages: dict[str, str] = Field(description="npm package -> version the bytecode came from")
    contracts: dict[str, ContractEntry]
    tokens: dict[str, TokenEntry]
    pools: dict[str, PoolEntry]
    lenders: LenderSettings

    def address(self, name: str) -> str:
        """Address of a contract, token (by symbol) or pool, by name."""
        for table in (self.contracts, self.tokens, self.pools):
            if name in table:
                return table[name].address
        raise KeyError(f"{name!r} is not in the world's address book")

    def token(self, symbol: str) -> TokenEntry:
        try:
            return self.tokens[symbol]
        except KeyError:
            raise KeyError(f"token {symbol!r} is not in the world (have {sorted(self.tokens)})") from None

    def write(self, path: Path) -> Path:
        """Write atomically: a reader never sees half a file."""
        return write_atomic(path, self.model_dump_json(indent=2) + "\n")

    @classmethod
    def read(cls, path: Path) -> AddressBook:
        try:
            return cls.model_validate(json.loads(path.read_text()))
        except FileNotFoundError:
            raise FileNotFoundError(f"no world address book at {path}; deploy one with `ape run world`") from None
