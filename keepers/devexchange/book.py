"""The local exchange's matching engine: a limit order book per market, matched exactly.

Prices and quantities are ``Decimal`` as the exchange receives them. Rules, as Binance's spot
engine applies them:

- **Priority**: best price first, then first come (price-time). A taker fills against the
  opposite side level by level, at each maker's price, while its limit allows.
- **Orders**: ``LIMIT`` with ``GTC`` (the rest rests), ``IOC`` (the rest expires) or ``FOK`` (all
  or nothing: expired untouched unless the book can fill all of it); ``MARKET`` by base quantity,
  or, for a buy, by ``quoteOrderQty`` (spend up to that much quote, each level's quantity cut to
  the lot step). What a market order cannot fill expires.
- **Balances** (:mod:`keepers.devexchange.accounts`): placing locks what the order may spend (a
  limit buy its limit price times its quantity, a market buy the cost of walking the book now or
  its ``quoteOrderQty``, a sell its base); fills spend the lock; what is not needed any more
  (a better fill price, an expiry, a cancel) is unlocked. Refused up front when the lock fails.
- **Fees**: a fill's commission is its rate (maker or taker) times what the account *receives*,
  charged in that asset (a buyer pays in base, a seller in quote), as Binance charges without BNB.
- **Self-trade prevention**: ``EXPIRE_MAKER`` (Binance's default): a taker meeting its own resting
  order expires that order (``EXPIRED_IN_MATCH``) and goes on.
- **Filters** (the listing's, see :class:`~keepers.devexchange.markets.Listing`): ``PRICE_FILTER``
  (tick and bounds), ``LOT_SIZE`` (step and bounds), ``MIN_NOTIONAL`` (price times quantity).

:meth:`MatchingEngine.lay_ladder` seeds depth: a market maker's account funded with exactly what a
ladder of resting orders around a price locks. Thread-safe: one lock around every call.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from bisect import insort
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from keepers.devexchange.accounts import Balance, Ledger
from keepers.devexchange.markets import Listing, Markets

ZERO = Decimal(0)
MARKET_MAKER = "market-maker"


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"


class TimeInForce(StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"


class Status(StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"
    EXPIRED_IN_MATCH = "EXPIRED_IN_MATCH"


OPEN = (Status.NEW, Status.PARTIALLY_FILLED)


class FilterFailure(ValueError):
    """An order breaks one of its market's filters (``PRICE_FILTER``, ``LOT_SIZE``, ``MIN_NOTIONAL``)."""

    def __init__(self, name: str):
        super().__init__(f"Filter failure: {name}")
        self.name = name


class UnknownOrder(KeyError):
    """No such order of that account (or it is no longer open, for a cancel)."""


@dataclass(frozen=True)
class Fees:
    """Commission rates, as fractions of what is received: ``0.001`` is 10 bp."""

    maker: Decimal = Decimal("0.001")
    taker: Decimal = Decimal("0.001")


@dataclass
class Order:
    """An order and how far it got. The engine's copy is private; callers get snapshots."""

    order_id: int
    client_order_id: str
    account: str
    listing: Listing
    side: Side
    type: OrderType
    time_in_force: TimeInForce | None
    price: Decimal | None  # the limit; None for a market order
    quantity: Decimal  # base asked for; for a quoteOrderQty buy, what it got in the end
    quote_quantity: Decimal | None  # quoteOrderQty of a market buy
    time_ms: int
    update_ms: int
    executed: Decimal = ZERO
    cumulative_quote: Decimal = ZERO
    status: Status = Status.NEW
    locked: Decimal = ZERO  # what the order still holds locked: quote for a buy, base for a sell

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def locks(self) -> str:
        """The asset the order locks."""
        return self.listing.quote if self.side is Side.BUY else self.listing.base


@dataclass(frozen=True)
class Fill:
    """One account's side of one trade (a trade is two fills with the same ``trade_id``)."""

    trade_id: int
    order_id: int
    account: str
    market_id: str
    side: Side
    price: Decimal
    quantity: Decimal
    commission: Decimal
    commission_asset: str
    time_ms: int
    maker: bool

    @property
    def quote_quantity(self) -> Decimal:
        return self.price * self.quantity


@dataclass(frozen=True)
class Placement:
    """A new order as it stands after matching, and the taker's fills in order."""

    order: Order
    fills: list[Fill]


@dataclass(frozen=True)
class Depth:
    """A book's levels, best first: (price, quantity) per level; ``update_id`` grows with every change."""

    update_id: int
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]


@dataclass
class Book:
    """One market's resting orders: per side, price levels of orders in arrival order."""

    levels: dict[Side, dict[Decimal, deque[Order]]] = field(default_factory=lambda: {Side.BUY: {}, Side.SELL: {}})
    prices: dict[Side, list[Decimal]] = field(default_factory=lambda: {Side.BUY: [], Side.SELL: []})  # ascending

    def rest(self, order: Order) -> None:
        assert order.price is not None
        level = self.levels[order.side].get(order.price)
        if level is None:
            level = self.levels[order.side][order.price] = deque()
            insort(self.prices[order.side], order.price)
        level.append(order)

    def remove(self, order: Order) -> None:
        assert order.price is not None
        level = self.levels[order.side][order.price]
        level.remove(order)
        if not level:
            del self.levels[order.side][order.price]
            self.prices[order.side].remove(order.price)

    def best_first(self, side: Side) -> list[Decimal]:
        prices = self.prices[side]
        return list(reversed(prices)) if side is Side.BUY else list(prices)

    def makers(self, taker: Side, limit: Decimal | None) -> Iterator[Order]:
        """Resting orders a ``taker`` may meet, in priority order (a snapshot: safe to remove while iterating)."""
        side = taker.opposite
        for price in self.best_first(side):
            if limit is not None and (price > limit if taker is Side.BUY else price < limit):
                return
            yield from list(self.levels[side][price])

    def depth(self, side: Side, limit: int) -> list[tuple[Decimal, Decimal]]:
        return [
            (price, sum((order.remaining for order in self.levels[side][price]), ZERO))
            for price in self.best_first(side)[:limit]
        ]


class MatchingEngine:
    """Books, orders, fills and balances of every market listed on ``markets``."""

    def __init__(self, markets: Markets, fees: Fees = Fees()):
        self.markets = markets
        self.fees = fees
        self.ledger = Ledger()
        self._account_fees: dict[str, Fees] = {}
        self._lock = threading.RLock()
        self._books: dict[str, Book] = {}
        self._orders: dict[int, Order] = {}
        self._fills: list[Fill] = []
        self._order_ids = itertools.count(1)
        self._trade_ids = itertools.count(1)
        self._update_id = 1

    # -- accounts ------------------------------------------------------------------------------

    def open_account(self, account: str, balances: dict[str, Decimal] | None = None, fees: Fees | None = None) -> None:
        """Open ``account`` with ``balances`` deposited (free) and, if given, its own commission rates."""
        with self._lock:
            self.ledger.open(account)
            for asset, amount in (balances or {}).items():
                self.ledger.deposit(account, asset, Decimal(amount))
            if fees is not None:
                self._account_fees[account] = fees

    def fees_of(self, account: str) -> Fees:
        return self._account_fees.get(account, self.fees)

    def balances(self, account: str) -> dict[str, Balance]:
        with self._lock:
            return self.ledger.balances(account)

    # -- orders --------------------------------------------------------------------------------

    def place(
        self,
        account: str,
        market_id: str,
        side: Side,
        type: OrderType,  # noqa: A002 - Binance's name
        *,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        time_in_force: TimeInForce | None = None,
        quote_quantity: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> Placement:
        """Place an order, match it, settle its fills; raises :class:`FilterFailure`,
        :class:`~keepers.devexchange.accounts.InsufficientBalance`, ``UnknownMarket``."""
        listing = self.markets.by_id(market_id)
        check_filters(listing, type, quantity, price, quote_quantity)
        with self._lock:
            book = self._books.setdefault(market_id, Book())
            now = self.markets.now_ms()
            order_id = next(self._order_ids)
            order = Order(
                order_id=order_id,
                client_order_id=client_order_id or f"dev-{order_id}",
                account=account,
                listing=listing,
                side=side,
                type=type,
                time_in_force=time_in_force if type is OrderType.LIMIT else None,
                price=price if type is OrderType.LIMIT else None,
                quantity=quantity if quantity is not None else ZERO,
                quote_quantity=quote_quantity,
                time_ms=now,
                update_ms=now,
            )
            order.locked = self._to_lock(book, order)
            self.ledger.lock(account, order.locks, order.locked)  # InsufficientBalance: nothing happened
            self._orders[order_id] = order
            fills = [] if self._fok_short(book, order) else self._match(book, order)
            self._conclude(book, order, fills)
            return Placement(dataclasses.replace(order), fills)

    def cancel(
        self, account: str, market_id: str, *, order_id: int | None = None, client_id: str | None = None
    ) -> Order:
        """Cancel an open order; :class:`UnknownOrder` when there is no such open order."""
        with self._lock:
            order = self._find(account, market_id, order_id, client_id)
            if not order.is_open:
                raise UnknownOrder(order.order_id)
            self._books[market_id].remove(order)
            self._close(order, Status.CANCELED)
            return dataclasses.replace(order)

    def order(
        self, account: str, market_id: str, *, order_id: int | None = None, client_id: str | None = None
    ) -> Order:
        with self._lock:
            return dataclasses.replace(self._find(account, market_id, order_id, client_id))

    def open_orders(self, account: str, market_id: str | None = None) -> list[Order]:
        with self._lock:
            return [
                dataclasses.replace(order)
                for order in self._orders.values()
                if order.account == account and order.is_open and market_id in (None, order.listing.market_id)
            ]

    def fills(
        self,
        account: str,
        market_id: str,
        *,
        order_id: int | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
    ) -> list[Fill]:
        """The account's fills in ``market_id`` (of one order, and within the times, when given:
        both bounds included), oldest first."""
        with self._lock:
            return [
                fill
                for fill in self._fills
                if fill.account == account
                and fill.market_id == market_id
                and order_id in (None, fill.order_id)
                and (since_ms is None or fill.time_ms >= since_ms)
                and (until_ms is None or fill.time_ms <= until_ms)
            ]

    def depth(self, market_id: str, limit: int = 100) -> Depth:
        self.markets.by_id(market_id)  # UnknownMarket
        with self._lock:
            book = self._books.get(market_id, Book())
            return Depth(self._update_id, book.depth(Side.BUY, limit), book.depth(Side.SELL, limit))

    def lay_ladder(
        self,
        symbol: str,
        mid: Decimal,
        *,
        levels: int = 10,
        step: Decimal,
        size: Decimal,
        account: str = MARKET_MAKER,
    ) -> list[Order]:
        """Rest ``levels`` bids at ``mid - i*step`` and as many asks at ``mid + i*step`` (i = 1..levels),
        ``size`` base each, from ``account``, first funded with exactly what they lock."""
        listing = self.markets.by_symbol(symbol)
        prices = [(Side.BUY, mid - i * step) for i in range(1, levels + 1)]
        prices += [(Side.SELL, mid + i * step) for i in range(1, levels + 1)]
        needed = {
            listing.quote: sum((price * size for side, price in prices if side is Side.BUY), ZERO),
            listing.base: size * levels,
        }
        with self._lock:
            self.open_account(account, needed)
            return [
                self.place(
                    account,
                    listing.market_id,
                    side,
                    OrderType.LIMIT,
                    quantity=size,
                    price=price,
                    time_in_force=TimeInForce.GTC,
                ).order
                for side, price in prices
            ]

    # -- matching ------------------------------------------------------------------------------

    def _to_lock(self, book: Book, order: Order) -> Decimal:
        if order.side is Side.SELL:
            return order.quantity
        if order.price is not None:
            return order.price * order.quantity
        if order.quote_quantity is not None:
            return order.quote_quantity
        return sum((price * quantity for price, quantity, _ in self._walk(book, order)), ZERO)

    def _walk(self, book: Book, order: Order) -> Iterator[tuple[Decimal, Decimal, Order]]:
        """(price, quantity, maker) the order would fill now, in order, its own orders skipped."""
        left = order.remaining
        budget = None if order.quote_quantity is None else order.quote_quantity - order.cumulative_quote
        for maker in book.makers(order.side, order.price):
            if maker.account == order.account:
                continue
            assert maker.price is not None
            quantity = _take(order.listing, maker, left, budget)
            if quantity <= 0:
                return
            yield maker.price, quantity, maker
            left -= quantity
            if budget is not None:
                budget -= maker.price * quantity

    def _fok_short(self, book: Book, order: Order) -> bool:
        """A fill-or-kill order the book cannot fill whole."""
        if order.time_in_force is not TimeInForce.FOK:
            return False
        return sum((quantity for _, quantity, _ in self._walk(book, order)), ZERO) < order.quantity

    def _match(self, book: Book, order: Order) -> list[Fill]:
        fills: list[Fill] = []
        for maker in book.makers(order.side, order.price):
            if maker.account == order.account:  # EXPIRE_MAKER
                book.remove(maker)
                self._close(maker, Status.EXPIRED_IN_MATCH)
                continue
            assert maker.price is not None
            budget = None if order.quote_quantity is None else order.quote_quantity - order.cumulative_quote
            quantity = _take(order.listing, maker, order.remaining, budget)
            if quantity <= 0:
                break
            fills.append(self._trade(book, order, maker, maker.price, quantity))
        return fills

    def _trade(self, book: Book, taker: Order, maker: Order, price: Decimal, quantity: Decimal) -> Fill:
        trade_id, now = next(self._trade_ids), self.markets.now_ms()
        for order in (taker, maker):
            order.executed += quantity
            order.cumulative_quote += price * quantity
            order.update_ms = now
        if maker.remaining == 0:
            book.remove(maker)
            maker.status = Status.FILLED
        else:
            maker.status = Status.PARTIALLY_FILLED
        self._update_id += 1
        self._fills.append(self._settle(maker, trade_id, price, quantity, now, maker=True))
        taker_fill = self._settle(taker, trade_id, price, quantity, now, maker=False)
        self._fills.append(taker_fill)
        return taker_fill

    def _settle(self, order: Order, trade_id: int, price: Decimal, quantity: Decimal, now: int, *, maker: bool) -> Fill:
        """Move one fill's money for ``order``'s account: spend from its lock, receive net of commission."""
        listing, fees = order.listing, self.fees_of(order.account)
        rate = fees.maker if maker else fees.taker
        spent, received = (price * quantity, quantity) if order.side is Side.BUY else (quantity, price * quantity)
        gets = listing.base if order.side is Side.BUY else listing.quote
        commission = received * rate
        self.ledger.spend_locked(order.account, order.locks, spent)
        order.locked -= spent
        self.ledger.deposit(order.account, gets, received - commission)
        return Fill(
            trade_id,
            order.order_id,
            order.account,
            listing.market_id,
            order.side,
            price,
            quantity,
            commission,
            gets,
            now,
            maker,
        )

    def _conclude(self, book: Book, order: Order, fills: list[Fill]) -> None:
        """After matching: rest what a GTC limit has left, expire the rest of anything else."""
        if order.quote_quantity is not None:
            order.quantity = order.executed
            self._close(order, Status.FILLED if fills and self._quote_spent(book, order) else Status.EXPIRED)
        elif order.remaining == 0:
            self._close(order, Status.FILLED)
        elif order.type is OrderType.LIMIT and order.time_in_force is TimeInForce.GTC:
            assert order.price is not None
            keep = order.price * order.remaining if order.side is Side.BUY else order.remaining
            self._release(order, order.locked - keep)
            order.status = Status.PARTIALLY_FILLED if fills else Status.NEW
            book.rest(order)
            self._update_id += 1
        else:
            self._close(order, Status.EXPIRED)

    def _quote_spent(self, book: Book, order: Order) -> bool:
        """A quote-sized market buy stopped because its budget was spent (FILLED), not the book (EXPIRED)."""
        assert order.quote_quantity is not None
        left = order.quote_quantity - order.cumulative_quote
        best = next((maker for maker in book.makers(order.side, None) if maker.account != order.account), None)
        return left == 0 or (
            best is not None and best.price is not None and left < best.price * order.listing.step_size
        )

    def _close(self, order: Order, status: Status) -> None:
        order.status = status
        order.update_ms = self.markets.now_ms()
        self._release(order, order.locked)
        if status is not Status.FILLED:
            self._update_id += 1

    def _release(self, order: Order, amount: Decimal) -> None:
        if amount:
            self.ledger.unlock(order.account, order.locks, amount)
            order.locked -= amount

    def _find(self, account: str, market_id: str, order_id: int | None, client_id: str | None) -> Order:
        for order in self._orders.values() if order_id is None else [self._orders.get(order_id)]:
            if (
                order is not None
                and order.account == account
                and order.listing.market_id == market_id
                and (client_id is None or order.client_order_id == client_id)
            ):
                return order
        raise UnknownOrder(order_id if order_id is not None else client_id)


def _take(listing: Listing, maker: Order, left: Decimal, budget: Decimal | None) -> Decimal:
    """How much a taker with ``left`` base to go (or ``budget`` quote to spend) takes from ``maker``."""
    assert maker.price is not None
    if budget is not None:
        return min(maker.remaining, floor_to(budget / maker.price, listing.step_size))
    return min(maker.remaining, left)


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value(ROUND_FLOOR) * step


def check_filters(
    listing: Listing,
    type: OrderType,
    quantity: Decimal | None,
    price: Decimal | None,
    quote: Decimal | None,  # noqa: A002
) -> None:
    """Raise :class:`FilterFailure` for the first filter the order breaks."""
    if price is not None and type is OrderType.LIMIT:
        if not listing.tick_size <= price <= listing.max_price or price % listing.tick_size:
            raise FilterFailure("PRICE_FILTER")
    if quantity is not None:
        if not listing.step_size <= quantity <= listing.max_quantity or quantity % listing.step_size:
            raise FilterFailure("LOT_SIZE")
    notional = price * quantity if price is not None and quantity is not None and type is OrderType.LIMIT else quote
    if notional is not None and notional < listing.min_notional:
        raise FilterFailure("MIN_NOTIONAL")
