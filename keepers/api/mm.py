"""The market maker as the dashboard sees it: its cycles and its pool's price against the reference
from the journal; the ladder's positions read from chain through the mm child; each holder's
inventory and PnL marked at the latest reference, and its books reconciled with chain balances.

In the order `read_mm` takes them:

1. the journal (always): the cycles, paged and filtered; the price series; each actor's activity
   (actions by kind, flows summed, gas; a wallet's pieces from its `TxSender` journal);
2. the chain, only when the API's node watch just read the head, at that head, through the watch's
   connection (`api.node_timeout` per request, no retries): a node that stalls costs the answer its
   chain figures (`chain_error` says why), never the answer;
3. the ladder: the child's positions on the pool (`MarketMakingContract`), each with the principal a
   full decrease pays at the pool's price (`position_amounts`) and what the position manager would
   pay on collect now (its `collect`, simulated from the child), of which fees;
4. per holder: balances, PnL = `MmJournal.pnl` (flows that are not internal, base marked at the
   reference) plus, for the child, the ladder's holdings marked at the same price, gas apart; and
   `MmJournal.reconcile` against `balanceOf` at the head, shown as it comes, never smoothed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from fractions import Fraction

import requests
from sqlalchemy import func, select
from web3 import Web3

from keepers.api.context import ApiContext, Token
from keepers.api.models import (
    MmActivity,
    MmCycleOut,
    MmCyclePage,
    MmHolder,
    MmLadder,
    MmMarket,
    MmPieces,
    MmPosition,
    MmPrice,
    MmPricePoint,
    MmReconciliation,
    MmReference,
    MmReward,
    MmToken,
    MmTotal,
    MmView,
    QuoteValue,
)
from keepers.api.node import NodeReading
from keepers.chain.contracts import Contract, abi
from keepers.chain.pools import V2_PAIR, V3_POOL
from keepers.markets.spot import v3_spot
from keepers.markets.uniswap_v3.liquidity_amounts import MAX_UINT128, position_amounts
from keepers.markets.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from keepers.mm.contract import MarketMakingContract, Position
from keepers.mm.journal import MmJournal
from keepers.mm.keeper import off_by_bps
from keepers.store.models import MmAction, MmCycle, MmOpening, SentTransaction

NPM = abi("NonfungiblePositionManager")
MINED, PENDING = ("mined", "confirmed"), ("pending", "bundled")


@dataclass(frozen=True)
class MmQuery:
    status: str | None
    limit: int
    offset: int
    points: int


@dataclass
class Books:
    """What the chain part adds: the block, the pool's tokens, balances, the ladder."""

    kind: str = "uniswap_v3"
    block: int | None = None
    token0: str | None = None
    token1: str | None = None
    balances: dict[tuple[str, str], int] = field(default_factory=dict)  # (actor, token) -> balanceOf
    ladder: MmLadder | None = None
    ladder_error: str | None = None
    error: str | None = None


def read_mm(ctx: ApiContext, node: NodeReading, query: MmQuery) -> MmView:
    """The view (module docstring); blocking: run it in a thread."""
    mm = ctx.settings.mm
    if mm.pool is None or mm.base_token is None:
        return MmView(
            configured=False,
            market=None,
            node=node.state,
            block=None,
            chain_error=None,
            reference=None,
            cycles=MmCyclePage(total=0, limit=query.limit, offset=query.offset, items=[]),
            series=[],
            activity=[],
            ladder=None,
            ladder_error=None,
            holders=[],
            total=MmTotal(
                balances=None, in_positions={}, value=None, trading=None, positions_value=None, pnl=None, gas="0"
            ),
            reconciliation=[],
            reconciled=None,
            rewards=[],
        )
    pool, base = Web3.to_checksum_address(mm.pool), Web3.to_checksum_address(mm.base_token)
    child = ctx.children.get(mm.strategy)
    journal = MmJournal(ctx.store, ctx.chain_id)
    cycles = _cycles(ctx, pool, query)
    series = _series(ctx, pool, query.points)
    reference = _reference(ctx, pool)
    actors = _actors(ctx, pool, child)
    activity = _activity(ctx, pool, actors, child)
    books = _books(ctx, node, pool, base, child, actors)
    quote = None if books.token0 is None else (books.token1 if base == books.token0 else books.token0)
    reconciliation = _reconcile(ctx, journal, actors, books)
    holders = _holders(journal, actors, activity, books, base, quote, reference, child)
    return MmView(
        configured=True,
        market=MmMarket(
            pool=pool,
            kind=mm.pool_kind,
            base=_token(ctx, base),
            quote=None if quote is None else _token(ctx, quote),
            child=child,
            threshold_bps=mm.threshold_bps,
        ),
        node=node.state,
        block=books.block,
        chain_error=books.error,
        reference=reference,
        cycles=cycles,
        series=series,
        activity=activity,
        ladder=books.ladder,
        ladder_error=books.ladder_error,
        holders=holders,
        total=_total(holders),
        reconciliation=reconciliation,
        reconciled=None if books.block is None else all(r.reconciled for r in reconciliation),
        rewards=[
            MmReward(token=_token(ctx, r.token), amount=str(r.amount), value=_quote(r.value))
            for r in journal.rewards(actors)
        ],
    )


# -- the journal -----------------------------------------------------------------------------------


def price(value: Fraction | str) -> MmPrice:
    value = Fraction(value)
    return MmPrice(exact=str(value), value=float(value))


def _price_or_none(text: str | None) -> MmPrice | None:
    return None if text is None else price(text)


def _cycles(ctx: ApiContext, pool: str, query: MmQuery) -> MmCyclePage:
    wanted = select(MmCycle).where(MmCycle.chain_id == ctx.chain_id, MmCycle.market == pool)
    if query.status is not None:
        wanted = wanted.where(MmCycle.status == query.status)
    with ctx.store.transaction() as session:
        total = session.scalar(select(func.count()).select_from(wanted.subquery()))
        rows = session.scalars(wanted.order_by(MmCycle.id.desc()).limit(query.limit).offset(query.offset)).all()
        items = [_cycle(row) for row in rows]
    return MmCyclePage(total=total, limit=query.limit, offset=query.offset, items=items)


def _cycle(row: MmCycle) -> MmCycleOut:
    off = None
    if row.reference is not None:
        reference = Fraction(row.reference)
        off = float(off_by_bps(Fraction(row.before), reference))
    return MmCycleOut(
        id=row.id,
        block=row.block,
        status=row.status,
        reason=row.reason,
        transactions=row.transactions,
        reference=_price_or_none(row.reference),
        before=price(row.before),
        after=_price_or_none(row.after),
        off_bps=off,
        created_at=row.created_at,
    )


def _series(ctx: ApiContext, pool: str, points: int) -> list[MmPricePoint]:
    with ctx.store.transaction() as session:
        rows = session.scalars(
            select(MmCycle)
            .where(MmCycle.chain_id == ctx.chain_id, MmCycle.market == pool)
            .order_by(MmCycle.id.desc())
            .limit(points)
        ).all()
        return [
            MmPricePoint(
                cycle=row.id,
                block=row.block,
                time=int(_utc(row.created_at).timestamp()),
                before=price(row.before),
                after=_price_or_none(row.after),
                reference=_price_or_none(row.reference),
            )
            for row in reversed(rows)
        ]


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _reference(ctx: ApiContext, pool: str) -> MmReference | None:
    """The latest reference a cycle read."""
    with ctx.store.transaction() as session:
        row = session.execute(
            select(MmCycle.id, MmCycle.block, MmCycle.reference)
            .where(MmCycle.chain_id == ctx.chain_id, MmCycle.market == pool, MmCycle.reference.is_not(None))
            .order_by(MmCycle.id.desc())
            .limit(1)
        ).first()
    return None if row is None else MmReference(cycle=row.id, block=row.block, price=price(row.reference))


def _actors(ctx: ApiContext, pool: str, child: str | None) -> list[str]:
    """Whose books the market maker keeps: every actor with opening balances or an action on the
    market; the child first, then the wallets by the block the journal first met them, then address."""
    with ctx.store.transaction() as session:
        opened = session.execute(select(MmOpening.actor, MmOpening.block).where(MmOpening.chain_id == ctx.chain_id))
        acted = session.execute(
            select(MmAction.actor, MmAction.block).where(MmAction.chain_id == ctx.chain_id, MmAction.market == pool)
        )
        first: dict[str, int] = {}
        for actor, block in [*opened, *acted]:
            first[actor] = min(first.get(actor, block), block)
    return sorted(first, key=lambda actor: (_role(actor, child) != "child", first[actor], actor.lower()))


def _role(actor: str, child: str | None) -> str:
    return "child" if child is not None and actor.lower() == child.lower() else "wallet"


def _activity(ctx: ApiContext, pool: str, actors: list[str], child: str | None) -> list[MmActivity]:
    kinds: dict[str, Counter[str]] = defaultdict(Counter)
    flows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    gas: dict[str, int] = defaultdict(int)
    last: dict[str, int] = {}
    with ctx.store.transaction() as session:
        actions = session.scalars(
            select(MmAction).where(MmAction.chain_id == ctx.chain_id, MmAction.market == pool).order_by(MmAction.id)
        ).all()
        for action in actions:
            kinds[action.actor][action.kind] += 1
            gas[action.actor] += action.gas_wei
            last[action.actor] = max(last.get(action.actor, 0), action.block)
            for flow in action.flows:
                flows[action.actor][flow.token] += flow.delta
        tx = SentTransaction
        sent = session.execute(
            select(tx.sender, tx.purpose, tx.status, tx.receipt_status)
            .where(SentTransaction.chain_id == ctx.chain_id, SentTransaction.purpose.like(f"mm:swap:{pool}:%"))
            .order_by(SentTransaction.generation)
        ).all()
    latest: dict[tuple[str, str], tuple[str, int | None]] = {}
    for sender, purpose, status, receipt in sent:  # a later generation replaces an earlier one
        latest[sender.lower(), purpose] = (status, receipt)
    pieces: dict[str, Counter[str]] = defaultdict(Counter)
    for (sender, _), (status, receipt) in latest.items():
        pieces[sender][_piece(status, receipt)] += 1
    return [
        MmActivity(
            actor=actor,
            role=_role(actor, child),
            actions=dict(sorted(kinds[actor].items())),
            pieces=None if _role(actor, child) == "child" else _pieces(pieces[actor.lower()]),
            flows={token: str(delta) for token, delta in sorted(flows[actor].items())},
            gas=str(gas[actor]),
            last_block=last.get(actor),
        )
        for actor in actors
    ]


def _piece(status: str, receipt_status: int | None) -> str:
    if status == "reverted" or receipt_status == 0:
        return "reverted"
    if status in MINED:
        return "mined"
    return "pending" if status in PENDING else "failed"


def _pieces(counts: Counter[str]) -> MmPieces:
    return MmPieces(
        sent=sum(counts.values()),
        mined=counts["mined"],
        reverted=counts["reverted"],
        pending=counts["pending"],
        failed=counts["failed"],
    )


# -- the chain -------------------------------------------------------------------------------------


def _books(ctx: ApiContext, node: NodeReading, pool: str, base: str, child: str | None, actors: list[str]) -> Books:
    """Balances and the ladder at the watch's head, through its connection; nothing when the node did
    not answer the watch, and what was read up to a request that failed otherwise."""
    books = Books(kind=ctx.settings.mm.pool_kind)
    books.token0, books.token1 = ctx.pool_tokens.get(pool, (None, None))  # known once read: PnL needs no node
    if node.state != "ok" or node.head is None:
        books.error = f"the node is {node.state.replace('_', ' ')}: chain figures not read"
        return books
    w3, block, kind = ctx.node.w3, node.head, books.kind
    try:
        books.token0, books.token1 = _pool_tokens(ctx, w3, pool, kind)
        if base not in (books.token0, books.token1):
            books.error = f"mm.base_token {base} is neither of the pool's tokens"
            return books
        for token in (books.token0, books.token1):
            ctx.read_token(token, w3)
        for actor in actors:
            for token in (books.token0, books.token1):
                books.balances[actor, token] = _balance(ctx, w3, token, actor, block)
        if child is not None and kind == "uniswap_v3":
            books.ladder, books.ladder_error = _ladder(w3, child, pool, base, books, block)
        books.block = block
    except requests.RequestException as err:
        books.error = f"the node did not answer in time ({type(err).__name__}): chain figures not read"
        books.balances.clear()
        books.ladder = None
    return books


def _pool_tokens(ctx: ApiContext, w3: Web3, pool: str, kind: str) -> tuple[str, str]:
    """The pool's (token0, token1), read once (they never change)."""
    if pool not in ctx.pool_tokens:
        contract = Contract(w3, pool, V3_POOL if kind == "uniswap_v3" else V2_PAIR)
        ctx.pool_tokens[pool] = (contract.call("token0"), contract.call("token1"))
    return ctx.pool_tokens[pool]


def _balance(ctx: ApiContext, w3: Web3, token: str, holder: str, block: int) -> int:
    return ctx.balance(Token(token, token, 0), holder, block, w3)


def _ladder(w3: Web3, child: str, pool: str, base: str, books: Books, block: int) -> tuple[MmLadder | None, str | None]:
    """The child's positions on the pool with their holdings and fees; (None, why) when the child
    cannot say (no MarketMakingFacet, no position manager): the node failing raises."""
    try:
        return _read_ladder(w3, child, pool, base, books, block), None
    except requests.RequestException:
        raise  # the node: the caller says so
    except Exception as err:  # a revert or an undecodable answer: not a market-making child
        return None, f"the mm child {child} did not answer for its positions: {type(err).__name__}"


def _read_ladder(w3: Web3, child: str, pool: str, base: str, books: Books, block: int) -> MmLadder:
    contract = MarketMakingContract(w3, child)
    positions = contract.positions(pool, block)
    manager = Contract(w3, contract.position_manager(block), NPM) if positions else None
    sqrt_price, tick = Contract(w3, pool, V3_POOL).call("slot0", block=block)[:2]
    token0, token1 = books.token0, books.token1
    base_is_token0 = base == token0
    holdings: dict[str, int] = {token0: 0, token1: 0}
    fees_total: dict[str, int] = {token0: 0, token1: 0}
    out = []
    for position in positions:
        amounts = position_amounts(
            sqrt_price, tick, position.tick_lower, position.tick_upper, position.liquidity, False
        )
        owed = manager.call("collect", (position.token_id, child, MAX_UINT128, MAX_UINT128), block=block, sender=child)
        fees = (owed[0] - position.principal_owed0, owed[1] - position.principal_owed1)
        for token, held, fee in ((token0, amounts[0] + owed[0], fees[0]), (token1, amounts[1] + owed[1], fees[1])):
            holdings[token] += held
            fees_total[token] += fee
        out.append(_position(position, token0, token1, base_is_token0, tick, amounts, owed, fees))
    return MmLadder(
        child=child,
        pool_tick=tick,
        pool_price=price(v3_spot(sqrt_price, base_is_token0)),
        positions=out,
        holdings=_wei(holdings),
        fees=_wei(fees_total),
    )


def _position(
    position: Position,
    token0: str,
    token1: str,
    base_is_token0: bool,
    tick: int,
    amounts: tuple[int, int],
    owed: tuple[int, int],
    fees: tuple[int, int],
) -> MmPosition:
    ticks = (position.tick_lower, position.tick_upper)
    ends = sorted(v3_spot(get_sqrt_ratio_at_tick(t), base_is_token0) for t in ticks)
    pair = lambda a, b: {token0: str(a), token1: str(b)}  # noqa: E731
    return MmPosition(
        token_id=position.token_id,
        tick_lower=position.tick_lower,
        tick_upper=position.tick_upper,
        price_low=price(ends[0]),
        price_high=price(ends[1]),
        in_range=position.tick_lower <= tick < position.tick_upper,
        liquidity=str(position.liquidity),
        amounts=pair(*amounts),
        owed=pair(*owed),
        fees=pair(*fees),
        deposited=pair(position.deposited0, position.deposited1),
    )


# -- holders: inventory, PnL, reconciliation ---------------------------------------------------------


def _holders(
    journal: MmJournal,
    actors: list[str],
    activity: list[MmActivity],
    books: Books,
    base: str,
    quote: str | None,
    reference: MmReference | None,
    child: str | None,
) -> list[MmHolder]:
    at = None if reference is None or quote is None else Fraction(reference.price.exact)
    mark = None if at is None else _marker(base, at)
    gas = {a.actor: a.gas for a in activity}
    out = []
    for actor in actors:
        role = _role(actor, child)
        balances = None
        if books.block is not None:
            balances = {token: books.balances[actor, token] for token in (books.token0, books.token1)}
        in_positions = {t: int(a) for t, a in books.ladder.holdings.items()} if role == "child" and books.ladder else {}
        trading = None if mark is None else journal.pnl([actor], base, quote, at)
        positions_value = None if mark is None else mark(in_positions)
        value = None if mark is None or balances is None else mark(balances) + positions_value
        # The child's positions unread (or unreadable) are unknown, not zero: no PnL then. A V2 market has none.
        known = role != "child" or books.ladder is not None or books.kind != "uniswap_v3"
        pnl = trading + positions_value if trading is not None and known else None
        positions_value = positions_value if known else None
        out.append(
            MmHolder(
                actor=actor,
                role=role,
                balances=None if balances is None else _wei(balances),
                in_positions=_wei(in_positions),
                value=_quote(value),
                trading=_quote(trading),
                positions_value=_quote(positions_value),
                pnl=_quote(pnl),
                gas=gas.get(actor, "0"),
            )
        )
    return out


def _marker(base: str, reference: Fraction) -> Callable[[dict[str, int]], Fraction]:
    """Holdings (token -> amount) in quote base units: base at `reference`, the quote as it is."""

    def mark(holdings: dict[str, int]) -> Fraction:
        return sum((Fraction(a) * (reference if t == base else 1) for t, a in holdings.items()), Fraction(0))

    return mark


def _reconcile(ctx: ApiContext, journal: MmJournal, actors: list[str], books: Books) -> list[MmReconciliation]:
    if books.block is None:
        return []
    w3, block = ctx.node.w3, books.block
    rows = []
    try:
        for actor in actors:

            def on_chain(token: str, actor: str = actor) -> int:
                ctx.read_token(token, w3)
                if (actor, token) not in books.balances:
                    books.balances[actor, token] = _balance(ctx, w3, token, actor, block)
                return books.balances[actor, token]

            # Books through the block the balances were read at: an action mined since is not in them.
            rows += journal.reconcile(actor, on_chain, through_block=block)
    except requests.RequestException as err:
        books.error = f"the node did not answer in time ({type(err).__name__}): balances not reconciled"
        books.block = None
        return []
    return [
        MmReconciliation(
            actor=r.actor,
            token=r.token,
            symbol=_symbol(ctx, r.token),
            journal=str(r.journal),
            chain=str(r.chain),
            reconciled=r.reconciled,
        )
        for r in rows
    ]


def _total(holders: list[MmHolder]) -> MmTotal:
    def added(field_name: str) -> dict[str, str] | None:
        parts = [getattr(h, field_name) for h in holders]
        if any(p is None for p in parts):
            return None
        total: dict[str, int] = defaultdict(int)
        for part in parts:
            for token, amount in part.items():
                total[token] += int(amount)
        return _wei(total)

    def summed(field_name: str) -> QuoteValue | None:
        parts = [getattr(h, field_name) for h in holders]
        if not parts or any(p is None for p in parts):
            return None
        return _quote(sum((Fraction(p.exact) for p in parts), Fraction(0)))

    return MmTotal(
        balances=added("balances"),
        in_positions=added("in_positions") or {},
        value=summed("value"),
        trading=summed("trading"),
        positions_value=summed("positions_value"),
        pnl=summed("pnl"),
        gas=str(sum(int(h.gas) for h in holders)),
    )


# -- formatting ------------------------------------------------------------------------------------


def _wei(amounts: dict[str, int]) -> dict[str, str]:
    return {token: str(amount) for token, amount in amounts.items()}


def _quote(value: Fraction | None) -> QuoteValue | None:
    return None if value is None else QuoteValue(exact=str(value), amount=str(value.__floor__()))


def _token(ctx: ApiContext, address: str) -> MmToken:
    known = ctx.read_tokens.get(address.lower())
    return MmToken(
        address=address,
        symbol=None if known is None else known.symbol,
        decimals=None if known is None else known.decimals,
    )


def _symbol(ctx: ApiContext, address: str) -> str | None:
    known = ctx.read_tokens.get(address.lower())
    return None if known is None else known.symbol
