"""A venue's settings and the typed answers of :class:`~keepers.venues.cex.CexVenue`.

Settings are a pydantic model (a boundary: YAML, environment); the API key, secret and
passphrase (``password``, OKX's) are ``SecretStr``, so printing the settings, logging them or
putting them in an error shows ``**********``. Answers are frozen dataclasses whose amounts are
``Decimal`` built from the exchange's own digits (ccxt is told to keep numbers as strings): a price of ``2001.5`` is
``Decimal("2001.5")``, never a float. Sides and statuses use ccxt's unified words.

A YAML section, for the local development exchange and for a real one::

    venue:
      exchange: binance
      api_url: http://127.0.0.1:8600   # omit for the real exchange
      api_key: ...                     # or LAPIDARY_..._API_KEY in the environment
      secret: ...
      password: ...                    # OKX only: the key's passphrase
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

Side = Literal["buy", "sell"]
OrderKind = Literal["market", "limit"]
TimeInForce = Literal["GTC", "IOC", "FOK"]
OrderStatus = Literal["open", "closed", "canceled", "expired", "rejected"]


def spot_only() -> dict[str, Any]:
    """ccxt options that keep ``binance`` and ``okx`` to their spot API: no futures, swap or option
    markets, and none of ``binance``'s ``sapi`` calls (margin pairs, currencies) it makes while
    loading markets once it holds keys (``okx`` ignores those two)."""
    return {"fetchMarkets": {"types": ["spot"]}, "fetchCurrencies": False, "fetchMargins": False}


class VenueSettings(BaseModel):
    """One exchange account reached through ccxt."""

    model_config = ConfigDict(extra="forbid")

    exchange: str = Field(default="binance", description="ccxt exchange id")
    api_url: str | None = Field(
        default=None,
        pattern=r"^https?://[^/\s]+/?$",
        description="an origin (scheme://host:port) put in place of every API host: a local exchange server",
    )
    api_key: SecretStr | None = Field(default=None, description="unset: public market data only")
    secret: SecretStr | None = Field(default=None, description="the key's HMAC secret")
    password: SecretStr | None = Field(
        default=None, description="the key's passphrase, for exchanges that have one (OKX: OK-ACCESS-PASSPHRASE)"
    )
    timeout_seconds: float = Field(default=5.0, gt=0, description="per HTTP request")
    throttle: bool = Field(default=True, description="ccxt's client-side rate limiter (request weights)")
    options: dict[str, Any] = Field(default_factory=spot_only, description="ccxt options, merged over its own")


@dataclass(frozen=True)
class Level:
    """One price level of a book: ``size`` base offered or bid at ``price`` quote per base."""

    price: Decimal
    size: Decimal


@dataclass(frozen=True)
class OrderBook:
    """Both sides of a market, best first; ``nonce`` is the exchange's update id when it gives one."""

    symbol: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    nonce: int | None = None

    @property
    def best_bid(self) -> Level | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> Level | None:
        return self.asks[0] if self.asks else None


@dataclass(frozen=True)
class AssetBalance:
    """An asset held: ``free`` to trade, ``locked`` by open orders."""

    asset: str
    free: Decimal
    locked: Decimal

    @property
    def total(self) -> Decimal:
        return self.free + self.locked


@dataclass(frozen=True)
class TradingFee:
    """A market's commission rates, fractions of the amount received (``0.001`` is 10 bp)."""

    symbol: str
    maker: Decimal
    taker: Decimal


@dataclass(frozen=True)
class Fill:
    """One trade of one of our orders."""

    trade_id: str
    order_id: str | None
    symbol: str
    side: Side | None
    price: Decimal
    amount: Decimal  # base
    cost: Decimal  # quote: price times amount
    fee: Decimal
    fee_asset: str | None
    maker: bool | None  # None when the answer does not say
    timestamp_ms: int | None


@dataclass(frozen=True)
class Order:
    """An order as the exchange last reported it, with the fills that came with the report."""

    order_id: str
    client_id: str | None
    symbol: str
    side: Side
    kind: OrderKind
    status: OrderStatus
    price: Decimal | None  # the limit; None for a market order
    amount: Decimal  # base asked for (for a quote-sized market buy: what it got)
    filled: Decimal
    cost: Decimal  # quote spent or received so far
    timestamp_ms: int | None
    fills: tuple[Fill, ...] = ()

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.filled

    @property
    def average(self) -> Decimal | None:
        return self.cost / self.filled if self.filled else None
