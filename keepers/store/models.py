"""What the keepers journal. Every amount is an int in base units (`Wei` columns)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from keepers.store.types import Wei


def _now() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class PoolRecord(Base):
    """A pool discovered from a factory's creation log."""

    __tablename__ = "pools"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    chain_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # uniswap_v2 | uniswap_v3
    factory: Mapped[str] = mapped_column(String(42), index=True)
    exchange: Mapped[str] = mapped_column(String(64))
    token0: Mapped[str] = mapped_column(String(42), index=True)
    token1: Mapped[str] = mapped_column(String(42), index=True)
    fee: Mapped[int] = mapped_column(Integer)  # V2: basis points; V3: pips (3000 = 0.3%)
    tick_spacing: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_block: Mapped[int] = mapped_column(BigInteger)


class PoolStateRecord(Base):
    """A pool's state as of the registry's last snapshot (`PoolStateSnapshot`), written in bulk for
    the pools that changed since the one before; `block`/`block_hash` say when this row was written.

    V2: the reserves. V3: slot0's sqrt price and tick, the in-range liquidity, and every initialized
    tick as ``[tick, liquidityNet, liquidityGross]`` in ascending order (JSON ints are exact)."""

    __tablename__ = "pool_states"

    address: Mapped[str] = mapped_column(String(42), primary_key=True)
    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(66))
    reserve0: Mapped[int | None] = mapped_column(Wei, nullable=True)
    reserve1: Mapped[int | None] = mapped_column(Wei, nullable=True)
    sqrt_price_x96: Mapped[int | None] = mapped_column(Wei, nullable=True)
    tick: Mapped[int | None] = mapped_column(Integer, nullable=True)
    liquidity: Mapped[int | None] = mapped_column(Wei, nullable=True)
    ticks: Mapped[list | None] = mapped_column(JSON, nullable=True)


class PoolStateSnapshot(Base):
    """The block (and its hash) every `PoolStateRecord` of a chain is valid as of: a row written
    earlier belongs to a pool that did not change since."""

    __tablename__ = "pool_state_snapshots"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block: Mapped[int] = mapped_column(BigInteger)
    block_hash: Mapped[str] = mapped_column(String(66))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Cursor(Base):
    """How far a log stream has been processed (inclusive), per chain."""

    __tablename__ = "cursors"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block: Mapped[int] = mapped_column(BigInteger)


class Opportunity(Base):
    """A sized cycle found in a block, with what happened to it."""

    __tablename__ = "opportunities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    keeper: Mapped[str] = mapped_column(String(32), index=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    block: Mapped[int] = mapped_column(BigInteger, index=True)
    route: Mapped[list] = mapped_column(JSON)  # [{"pool", "token_in", "token_out", "zero_for_one"}]
    token: Mapped[str] = mapped_column(String(42))
    lender: Mapped[str] = mapped_column(String(16))
    amount_in: Mapped[int] = mapped_column(Wei)
    gross_profit: Mapped[int] = mapped_column(Wei)
    loan_fee: Mapped[int] = mapped_column(Wei)
    coinbase_payment: Mapped[int] = mapped_column(Wei)
    predicted_profit: Mapped[int] = mapped_column(Wei)  # what the contract must realize (its minProfit)
    gas_estimate: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    gas_cost: Mapped[int | None] = mapped_column(Wei, nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # found|simulated|dropped|submitted|landed|expired
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    bundles: Mapped[list[Bundle]] = relationship(back_populates="opportunity")


class Bundle(Base):
    """A signed transaction sent to relays for a window of blocks."""

    __tablename__ = "bundles"
    __table_args__ = (UniqueConstraint("tx_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    sender: Mapped[str] = mapped_column(String(42), index=True)
    nonce: Mapped[int] = mapped_column(BigInteger)
    tx_hash: Mapped[str] = mapped_column(String(66))
    raw_tx: Mapped[str] = mapped_column(Text)
    first_block: Mapped[int] = mapped_column(BigInteger)
    last_block: Mapped[int] = mapped_column(BigInteger)
    replacement_uuid: Mapped[str] = mapped_column(String(64))
    relay_results: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)  # submitted|landed|expired|failed
    landed_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    gas_used: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    effective_gas_price: Mapped[int | None] = mapped_column(Wei, nullable=True)
    realized_profit: Mapped[int | None] = mapped_column(Wei, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    opportunity: Mapped[Opportunity] = relationship(back_populates="bundles")


class Heartbeat(Base):
    """The last sign of life of a keeper (the guardian watches these)."""

    __tablename__ = "heartbeats"

    keeper: Mapped[str] = mapped_column(String(32), primary_key=True)
    block: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class RewardEpoch(Base):
    """One campaign epoch: the allocation computed from chain data, its tree, and its root's fate."""

    __tablename__ = "reward_epochs"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child: Mapped[str] = mapped_column(String(42), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger)  # unix seconds, inclusive
    window_end: Mapped[int] = mapped_column(BigInteger)  # exclusive
    to_block: Mapped[int] = mapped_column(BigInteger)  # last block whose logs were counted
    budget: Mapped[int] = mapped_column(Wei)
    allocated: Mapped[int] = mapped_column(Wei)  # this epoch's allocations (<= budget)
    total_cumulative: Mapped[int] = mapped_column(Wei)  # the root's totalAllocated
    participants: Mapped[int] = mapped_column(Integer)
    root: Mapped[str] = mapped_column(String(66))
    content_hash: Mapped[str] = mapped_column(String(66))  # keccak256 of the tree file's bytes
    tree_file: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # computed|posting|posted|claimable|revoked
    post_tx: Mapped[str | None] = mapped_column(String(66), nullable=True)
    posted_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    claimable_at: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class RewardLeaf(Base):
    """An account's cumulative entitlement after an epoch, and where its leaf sits in the tree."""

    __tablename__ = "reward_leaves"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child: Mapped[str] = mapped_column(String(42), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(42), primary_key=True)
    epoch_amount: Mapped[int] = mapped_column(Wei)
    cumulative: Mapped[int] = mapped_column(Wei)
    tree_index: Mapped[int] = mapped_column(BigInteger)


class RewardTreeNode(Base):
    """One node of an epoch's tree (the flat array of OpenZeppelin's StandardMerkleTree), so a proof
    is a handful of point reads however large the tree."""

    __tablename__ = "reward_tree_nodes"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child: Mapped[str] = mapped_column(String(42), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, primary_key=True)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class SupervisedProcess(Base):
    """A process `keepers up` supervises: what the operator wants (`desired`) and what it is (`state`).

    The API writes `desired`; the supervisor acts on it and writes the rest."""

    __tablename__ = "supervised_processes"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    desired: Mapped[str] = mapped_column(String(16))  # running | stopped
    state: Mapped[str] = mapped_column(String(16))  # starting | running | stopping | stopped | backoff
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    restarts: Mapped[int] = mapped_column(Integer, default=0)
    last_exit: Mapped[int | None] = mapped_column(Integer, nullable=True)  # exit code (negative: signal)
    controllable: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class LogEvent(Base):
    """One line a supervised process printed, or something the supervisor did; secrets redacted."""

    __tablename__ = "log_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    source: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(8))  # info | warning | error
    message: Mapped[str] = mapped_column(Text)


class RelayRequest(Base):
    """A signed request posted to the gasless relayer, and the transaction(s) that carried it.

    queued -> submitted (the signed tx is written before it is sent) -> mined | failed; a request
    that fails its simulation, expires or is overtaken goes straight to failed with a reason.
    """

    __tablename__ = "relay_requests"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    diamond: Mapped[str] = mapped_column(String(42))
    signer: Mapped[str] = mapped_column(String(42), index=True)
    nonce: Mapped[int] = mapped_column(Wei)  # the signer's nonce on the diamond
    deadline: Mapped[int] = mapped_column(BigInteger)
    selector: Mapped[str] = mapped_column(String(10))
    request: Mapped[dict] = mapped_column(JSON)  # the SignedRequest as posted (wire JSON)
    client: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued|submitted|mined|failed
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    relayer: Mapped[str | None] = mapped_column(String(42), nullable=True)
    relayer_nonce: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    tx_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)  # the latest attempt (or the mined one)
    attempts: Mapped[list] = mapped_column(JSON, default=list)  # [{"tx_hash","raw_tx","max_fee","tip","block"}]
    block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    gas_used: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    effective_gas_price: Mapped[int | None] = mapped_column(Wei, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class SentTransaction(Base):
    """A transaction `TxSender` signed, journaled before it is broadcast (write-ahead).

    `purpose` is the idempotency key (e.g. ``rewards:post:<child>:<campaign>:<epoch>:first``): while a
    purpose's latest generation is unsettled or landed, asking for it again returns that row; only
    after it failed for good may a new generation be signed, so a purpose never lands twice.

    pending (public) | bundled (for relays, until `valid_until`) -> mined (receipt seen) -> confirmed
    | reverted once `confirmations` deep; a mined row whose block leaves the chain goes back to
    pending. expired (a bundle never included), dropped (its nonce was taken by another
    transaction) and refused (the node would not take it) free the nonce.
    """

    __tablename__ = "transactions"
    __table_args__ = (UniqueConstraint("chain_id", "purpose", "generation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(Integer, index=True)
    sender: Mapped[str] = mapped_column(String(42), index=True)
    nonce: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(200), index=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(8))  # public | bundle
    status: Mapped[str] = mapped_column(String(16), index=True)
    to: Mapped[str | None] = mapped_column(String(42), nullable=True)
    value: Mapped[int] = mapped_column(Wei)
    data: Mapped[str] = mapped_column(Text)  # 0x-hex calldata
    gas: Mapped[int] = mapped_column(BigInteger)
    max_fee: Mapped[int] = mapped_column(Wei)  # the latest attempt's bid
    tip: Mapped[int] = mapped_column(Wei)
    tx_hash: Mapped[str] = mapped_column(String(66), index=True)  # the latest attempt (or the mined one)
    raw_tx: Mapped[str] = mapped_column(Text)  # the latest attempt's signed bytes, 0x-hex
    attempts: Mapped[list] = mapped_column(JSON, default=list)  # [{"tx_hash","raw_tx","max_fee","tip","block"}]
    valid_until: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # bundles: last target block
    sent_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # head at the last broadcast
    mined_block: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    mined_block_hash: Mapped[str | None] = mapped_column(String(66), nullable=True)
    receipt_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    gas_used: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    effective_gas_price: Mapped[int | None] = mapped_column(Wei, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class MmCycle(Base):
    """One market-making cycle on a market: the reference it read, the pool's price before, the
    target, the price after, and what it did (corrected | in_band | refused | short) and why."""

    __tablename__ = "mm_cycles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(Integer, index=True)
    market: Mapped[str] = mapped_column(String(42), index=True)  # the pool
    block: Mapped[int] = mapped_column(BigInteger)  # the head the cycle read
    reference: Mapped[str | None] = mapped_column(String(200), nullable=True)  # "n/d" quote per base, base units
    before: Mapped[str] = mapped_column(String(200))
    after: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    transactions: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class MmAction(Base):
    """A market maker's mined transaction: a correction piece, a position change, a fee collection,
    a claim, or a wallet's funding; its token flows are `MmFlow` rows read from its receipt."""

    __tablename__ = "mm_actions"
    __table_args__ = (UniqueConstraint("chain_id", "tx_hash", "actor"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chain_id: Mapped[int] = mapped_column(Integer, index=True)
    market: Mapped[str] = mapped_column(String(42), index=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("mm_cycles.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # correction|mint|decrease|collect|burn|claim|fund|return
    actor: Mapped[str] = mapped_column(String(42), index=True)  # whose balances moved: a wallet or the child
    tx_hash: Mapped[str] = mapped_column(String(66))
    block: Mapped[int] = mapped_column(BigInteger)
    gas_wei: Mapped[int] = mapped_column(Wei, default=0)  # ETH the actor paid for it (0 when another paid)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    flows: Mapped[list[MmFlow]] = relationship(back_populates="action", cascade="all, delete-orphan")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class MmFlow(Base):
    """How much of one token an action moved into (+) or out of (-) its actor, to the wei."""

    __tablename__ = "mm_flows"

    action_id: Mapped[int] = mapped_column(ForeignKey("mm_actions.id"), primary_key=True)
    token: Mapped[str] = mapped_column(String(42), primary_key=True)
    delta: Mapped[int] = mapped_column(Wei)
    action: Mapped[MmAction] = relationship(back_populates="flows")


class MmOpening(Base):
    """An actor's balances when the market maker first saw it: where reconciliation starts."""

    __tablename__ = "mm_openings"

    chain_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor: Mapped[str] = mapped_column(String(42), primary_key=True)
    token: Mapped[str] = mapped_column(String(42), primary_key=True)
    balance: Mapped[int] = mapped_column(Wei)
    block: Mapped[int] = mapped_column(BigInteger)
