"""The API's request and response bodies. Token amounts are decimal strings of base units (wei):
JSON numbers lose precision past 2**53."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

ADDRESS = r"^0x[0-9a-fA-F]{40}$"
Wei = str
# The store writes UTC; SQLite hands it back without a zone, which is not an RFC 3339 date-time.
Utc = Annotated[datetime, AfterValidator(lambda d: d if d.tzinfo else d.replace(tzinfo=UTC))]


class ErrorBody(BaseModel):
    detail: str


class Health(BaseModel):
    ok: bool
    chain: bool
    store: bool
    instance: str | None = Field(default=None, description="api.instance: which process answered")


class KeeperStatus(BaseModel):
    name: str
    state: str = Field(description="running | starting | stopping | stopped | backoff | unsupervised")
    desired: str | None = Field(description="what the operator asked for (supervised processes)")
    controllable: bool
    pid: int | None
    restarts: int
    last_exit: int | None = Field(description="exit code of the last run (negative: killed by that signal)")
    last_block: int | None = Field(description="the last block the keeper processed (heartbeat)")
    last_heartbeat: Utc | None
    last_error: str | None


class Status(BaseModel):
    chain_id: int
    head_block: int | None
    master: str | None
    paused: bool | None = Field(description="the master's global pause; None when unknown")
    supervised: bool = Field(description="whether a `keepers up` supervisor runs the keepers")
    keepers: list[KeeperStatus]


class TokenInfo(BaseModel):
    symbol: str
    address: str | None = Field(description="None for the native coin")
    decimals: int


class HolderBalances(BaseModel):
    role: Literal["treasury", "child", "bot"]
    name: str
    address: str
    balances: dict[str, Wei] = Field(description="token symbol -> balance in base units")


class Balances(BaseModel):
    block: int
    tokens: list[TokenInfo]
    holders: list[HolderBalances]


class ControlRequest(BaseModel):
    action: Literal["start", "stop", "pause", "unpause"]
    keeper: str | None = Field(
        default=None, max_length=32, description="the supervised process to start or stop (start / stop only)"
    )


class ControlResult(BaseModel):
    action: str
    keeper: str | None
    detail: str
    state: str | None = Field(default=None, description="the process's desired state now (start / stop)")
    tx_hash: str | None = Field(default=None, description="the master's pause / unpause transaction")
    paused: bool | None = None


class LogEntry(BaseModel):
    id: int
    at: Utc
    source: str
    level: str
    message: str


class LogPage(BaseModel):
    items: list[LogEntry] = Field(description="newest first")


class Hop(BaseModel):
    pool: str
    token_in: str
    token_out: str
    zero_for_one: bool | None = None


class OpportunityOut(BaseModel):
    id: int
    keeper: str
    block: int
    token: str
    symbol: str
    lender: str
    route: list[Hop]
    amount_in: Wei
    gross_profit: Wei
    loan_fee: Wei
    predicted_profit: Wei
    gas_cost: Wei | None
    status: str
    reason: str | None
    created_at: Utc


class OpportunityPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[OpportunityOut]


class TradeOut(BaseModel):
    id: int
    opportunity_id: int
    tx_hash: str
    sender: str
    status: str
    token: str
    symbol: str
    first_block: int
    last_block: int
    landed_block: int | None
    gas_used: int | None
    effective_gas_price: Wei | None
    predicted_profit: Wei
    realized_profit: Wei | None = Field(description="netProfit of the ArbExecuted log (landed trades)")
    created_at: Utc


class TradePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[TradeOut]


class ProfitPoint(BaseModel):
    block: int
    trades: int
    journal: Wei = Field(description="realized profit the journal recorded for this block")
    chain_delta: Wei = Field(description="treasury + arb child balance change over this block, read from chain")
    reconciled: bool
    cumulative: Wei = Field(description="journal profit up to and including this block")


class TokenProfit(BaseModel):
    token: str
    symbol: str
    decimals: int
    journal_total: Wei
    chain_total: Wei
    reconciled: bool
    points: list[ProfitPoint]


class Profit(BaseModel):
    holders: list[str] = Field(description="the addresses whose balance deltas are summed (treasury, arb child)")
    tokens: list[TokenProfit]


class EpochOut(BaseModel):
    epoch: int
    status: str
    root: str
    window_start: int
    window_end: int
    allocated: Wei
    total_cumulative: Wei
    participants: int
    post_tx: str | None
    posted_block: int | None
    claimable_at: int | None


class ClaimOut(BaseModel):
    account: str
    entitled: Wei = Field(description="cumulative amount in the latest posted epoch")
    claimed: Wei = Field(description="claimed so far, read from chain")


class CampaignOut(BaseModel):
    id: int
    sponsor: str
    pool: str
    reward_token: str
    reward_symbol: str
    start: int
    end: int
    epoch_length: int
    metric: str
    closed: bool
    funded: Wei
    claimed: Wei
    last_epoch: int
    epochs: list[EpochOut]
    claims: list[ClaimOut]


class CampaignList(BaseModel):
    child: str | None
    campaigns: list[CampaignOut]


class RewardProof(BaseModel):
    campaign_id: int
    account: str
    cumulative_amount: Wei
    proof: list[str]
    epoch: int
    root: str
    root_status: str
    already_claimed: Wei
    to: str
    calldata: str
