"""Settings of the reference price sources and of the rule that combines them.

Plain pydantic models with defaults and validation, meant to sit in a keeper's section of
``keepers.config`` (``mm.reference``, say): they import nothing but pydantic, so the bottom floor
can hold them. YAML, with every source kind once::

    reference:
      band_bps: 100          # live sources further apart than 1% (of their median): no price
      min_sources: 2         # fewer live sources than this: no price
      sources:
        - kind: pool         # a pool on another chain (the real network mirrored onto a test one)
          name: mainnet-v3
          rpc_url: http://127.0.0.1:8545
          chain_id: 1
          pool: "0x88e6A0c2dDD26FEEb64F039a2c41296FcB3f5640"
          pool_kind: uniswap_v3
          base_token: "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
        - kind: twap         # a time-weighted price of a pool (default: on the market's own chain)
          name: market-twap
          pool: "0x..."
          pool_kind: uniswap_v3
          base_token: "0x..."
          window_seconds: 600
        - kind: ccxt         # an exchange's ticker through ccxt
          name: binance
          exchange: binance
          symbol: ETH/USDC
          base_decimals: 18
          quote_decimals: 6
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ADDRESS = r"^0x[0-9a-fA-F]{40}$"
PoolKind = Literal["uniswap_v2", "uniswap_v3"]


class _SourceSettings(BaseModel):
    # Sources sit in a list, where the configuration's unknown-key check does not reach: a typo is an error here.
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="how the source is named in quotes, logs and refusals")
    max_age_seconds: int = Field(default=60, ge=0, description="an older observation is stale: no price")


class _PoolSettings(_SourceSettings):
    pool: str = Field(pattern=ADDRESS, description="the Uniswap V2 pair or V3 pool")
    pool_kind: PoolKind
    base_token: str = Field(pattern=ADDRESS, description="the token priced; the pool's other token is the quote")
    chain_id: int | None = Field(default=None, ge=1, description="refuse an endpoint that serves another chain")
    request_timeout: float = Field(default=5.0, gt=0, description="seconds per JSON-RPC request")


class PoolSourceSettings(_PoolSettings):
    """A pool's spot price (V2 reserves, V3 ``slot0``) read over a second RPC, dated by that chain's block."""

    kind: Literal["pool"] = "pool"
    rpc_url: str = Field(description="the reference chain's node")


class TwapSourceSettings(_PoolSettings):
    """A pool's time-weighted price: V3 ``observe`` over the window, or V2 cumulative prices between reads."""

    kind: Literal["twap"] = "twap"
    rpc_url: str | None = Field(default=None, description="unset: the market's own chain")
    window_seconds: int = Field(default=600, gt=0, description="the averaging window")


class CcxtSourceSettings(_SourceSettings):
    """A centralized exchange's ticker through ccxt's public (unauthenticated) API."""

    kind: Literal["ccxt"] = "ccxt"
    max_age_seconds: int = Field(default=30, ge=0, description="an older ticker is stale: no price")
    exchange: str = Field(default="binance", description="ccxt exchange id")
    symbol: str = Field(default="ETH/USDC", pattern=r"^[^/\s]+/[^/\s]+$", description="ccxt unified BASE/QUOTE")
    base_decimals: int = Field(ge=0, le=77, description="decimals of the on-chain token the base currency is")
    quote_decimals: int = Field(ge=0, le=77, description="decimals of the on-chain token the quote currency is")
    price: Literal["last", "mid", "bid", "ask"] = Field(default="last", description="which ticker price")
    api_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+/?$",
        description="an origin (scheme://host:port) put in place of every API host: a local exchange server",
    )
    timeout_seconds: float = Field(default=5.0, gt=0, description="per HTTP request")
    options: dict[str, Any] = Field(
        # Spot markets only: loading a derivatives exchange's markets is more requests for nothing.
        default_factory=lambda: {"fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False},
        description="ccxt options of the exchange, merged over its own",
    )


SourceSettings = Annotated[PoolSourceSettings | TwapSourceSettings | CcxtSourceSettings, Field(discriminator="kind")]


class ReferenceSettings(BaseModel):
    """The sources of one market's reference price, and when their answers add up to a price."""

    sources: list[SourceSettings] = Field(default_factory=list)
    band_bps: int = Field(
        default=100, ge=0, le=10_000, description="live prices further apart than this (of their median): no price"
    )
    min_sources: int = Field(default=1, ge=1, description="fewer live sources than this: no price")

    @model_validator(mode="after")
    def _consistent(self) -> ReferenceSettings:
        names = [source.name for source in self.sources]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"source names must differ: {', '.join(repeated)} repeated")
        if self.sources and self.min_sources > len(self.sources):
            raise ValueError(f"min_sources {self.min_sources} is more than the {len(self.sources)} sources configured")
        return self
