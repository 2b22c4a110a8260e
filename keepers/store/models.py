"""What the keepers journal. Every amount is an int in base units (`Wei` columns)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
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
