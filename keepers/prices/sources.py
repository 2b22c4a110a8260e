"""Sources from settings: :class:`~keepers.prices.settings.ReferenceSettings` to :class:`ReferencePrices`.

ccxt is imported only when a ``ccxt`` source is configured (it loads every exchange it knows).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from web3 import Web3

from keepers.prices.onchain import node
from keepers.prices.pool import PoolSource
from keepers.prices.quote import PriceSource
from keepers.prices.reference import ReferencePrices
from keepers.prices.settings import (
    CcxtSourceSettings,
    PoolSourceSettings,
    ReferenceSettings,
    SourceSettings,
    TwapSourceSettings,
)
from keepers.prices.twap import V2TwapSource, V3TwapSource


def build_source(settings: SourceSettings, market: Web3 | None = None) -> PriceSource:
    """One source. ``market`` is the market's own chain, which a ``twap`` source without ``rpc_url`` reads."""
    if isinstance(settings, PoolSourceSettings):
        return PoolSource(
            settings.name,
            node(settings.rpc_url, settings.request_timeout),
            settings.pool,
            settings.pool_kind,
            settings.base_token,
            max_age=settings.max_age_seconds,
            chain_id=settings.chain_id,
        )
    if isinstance(settings, TwapSourceSettings):
        if settings.rpc_url is not None:
            w3 = node(settings.rpc_url, settings.request_timeout)
        elif market is not None:
            w3 = market
        else:
            raise ValueError(f"twap source {settings.name!r} has no rpc_url and no market chain was given")
        twap = V3TwapSource if settings.pool_kind == "uniswap_v3" else V2TwapSource
        return twap(
            settings.name,
            w3,
            settings.pool,
            settings.base_token,
            window=settings.window_seconds,
            max_age=settings.max_age_seconds,
            chain_id=settings.chain_id,
        )
    if isinstance(settings, CcxtSourceSettings):
        from keepers.prices.cex import CcxtTickerSource, ccxt_exchange

        exchange = ccxt_exchange(
            settings.exchange, api_url=settings.api_url, timeout=settings.timeout_seconds, options=settings.options
        )
        return CcxtTickerSource(
            settings.name,
            exchange,
            settings.symbol,
            base_decimals=settings.base_decimals,
            quote_decimals=settings.quote_decimals,
            price=settings.price,
            max_age=settings.max_age_seconds,
        )
    raise TypeError(f"no price source of kind {type(settings).__name__}")


def build_reference(
    settings: ReferenceSettings, market: Web3 | None = None, clock: Callable[[], float] = time.time
) -> ReferencePrices:
    """The configured sources under the configured rule."""
    return ReferencePrices(
        [build_source(source, market) for source in settings.sources],
        band_bps=settings.band_bps,
        min_sources=settings.min_sources,
        clock=clock,
    )
