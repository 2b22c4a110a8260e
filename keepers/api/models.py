"""The API's request and response bodies. Token amounts are decimal strings of base units (wei):
JSON numbers lose precision past 2**53."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

ADDRESS = r"^0x[0-9a-fA-F]{40}$"
Wei = str
# The store writes UTC; SQLite hands it back without a zone, which is not an RFC 3339 date-time.
Utc = Annotated[datetime, AfterValidator(lambda d: d if d.tzinfo else d.replace(tzinfo=UTC))]


class ErrorBody(BaseModel):
    detail: str


# ok: answered, on the configured chain, within api.node_timeout; stalled: no answer within it;
# unreachable: refused or failed; wrong_chain: another chain answers at the URL.
NodeState = Literal["ok", "stalled", "unreachable", "wrong_chain"]
HEAD_AGE = "seconds since head_block (and paused) were read from the node"


class Health(BaseModel):
    ok: bool = Field(description="chain and store")
    chain: bool = Field(description="the node answered, on the configured chain, within api.node_timeout")
    store: bool
    node: NodeState
    head_block: int | None = Field(description="the last head read from the node")
    head_age: float | None = Field(description=HEAD_AGE)
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
    head_block: int | None = Field(description="the last head read from the node (None: never read)")
    head_age: float | None = Field(description=HEAD_AGE)
    node: NodeState = Field(description="whether the node answered now; if not, head_block and paused are old")
    master: str | None
    paused: bool | None = Field(description="the master's global pause (as of head_age); None when unknown")
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


# A supervised process's name as `keepers up` registers them (the store keeps 32 characters). A
# pattern, not an enum: the supervised set is whatever `keepers up` runs, and a name it does not run
# is a 404 (no such process), not a malformed request.
KeeperName = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[a-z][a-z0-9_-]*$")]


class ProcessControl(BaseModel):
    """Start or stop a supervised process (the supervisor acts on it)."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["start", "stop"]
    keeper: KeeperName = Field(description="the supervised process")


class PauseControl(BaseModel):
    """Pause or unpause the master, and with it every child. Nothing is sent when it already is so."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["pause", "unpause"]


# Unknown fields are refused (extra="forbid"): `{"action": "pause", "keeper": "arb"}` is a 422, not
# a pause of everything the caller meant to be one keeper.
ControlRequest = Annotated[ProcessControl | PauseControl, Field(discriminator="action")]


class ControlResult(BaseModel):
    action: str
    keeper: str | None
    detail: str
    state: str | None = Field(default=None, description="the process's desired state now (start / stop)")
    tx_hash: str | None = Field(
        default=None, description="the master's pause / unpause transaction; none when it already was so"
    )
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


class GaslessRequestOut(BaseModel):
    """A signed request the gasless relayer took, and what became of it."""

    id: str
    signer: str
    selector: str = Field(description="the relayed call's 4-byte selector")
    status: str = Field(description="queued | submitted | mined | failed")
    reason: str | None
    relayer: str | None
    tx_hash: str | None
    block: int | None
    gas_used: int | None
    effective_gas_price: str | None
    created_at: Utc


class GaslessPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[GaslessRequestOut] = Field(description="newest first")


# -- The dashboard's views: the overview, alerts, trades with their routes -------------------------


class PnlPoint(BaseModel):
    block: int
    timestamp: int = Field(description="the block's timestamp (unix seconds), read from chain")
    trades: int
    realized: Wei = Field(description="realized profit of the strategy's trades landed in this block")
    cumulative: Wei = Field(description="the strategy's realized profit up to and including this block")


class StrategyPnl(BaseModel):
    """One strategy's realized profit in one token, block by block (landed trades only)."""

    strategy: str = Field(description="the keeper that found the trades")
    token: str
    symbol: str
    decimals: int
    trades: int
    realized: Wei
    points: list[PnlPoint]


class GasSpent(BaseModel):
    """What one purpose's transactions paid for gas."""

    strategy: str = Field(description="what the transactions were for: the first part of their TxSender purpose")
    transactions: int = Field(description="transactions with a receipt, reverted ones included (they paid gas)")
    gas_used: int = Field(description="their receipts' gas used, summed")
    fees: Wei = Field(description="the sum of gas used times effective gas price, in wei of the native coin")


class ReasonCount(BaseModel):
    """How many opportunities ended in one status for alike reasons."""

    status: str = Field(description="dropped, expired, …")
    reason: str = Field(description="the journal's reason with numbers written N and hex 0x…, so alike reasons group")
    count: int = Field(description="opportunities")


class OpportunityCounts(BaseModel):
    found: int = Field(description="every opportunity journaled")
    sent: int = Field(description="accepted by a relay: submitted, landed, reverted or expired since")
    landed: int
    expired: int
    dropped: int
    by_status: dict[str, int]
    reasons: list[ReasonCount] = Field(description="most frequent first")


class Overview(BaseModel):
    head_block: int
    strategies: list[StrategyPnl]
    gas: list[GasSpent]
    gas_fees: Wei = Field(description="all strategies' gas fees, in wei of the native coin")
    opportunities: OpportunityCounts
    win_rate: float | None = Field(description="landed / sent; None until something was sent")


class AlertThresholds(BaseModel):
    silent_after: float = Field(description="seconds without a heartbeat before a keeper counts as silent")
    epoch_blocks: int = Field(description="blocks an ended epoch may wait to be computed, or a root to be posted")
    stall_after: float = Field(description="seconds the head may stay unchanged, as this API saw it")


class Alert(BaseModel):
    kind: Literal["keeper_silent", "epoch_stuck", "node_stalled", "not_reconciled"]
    subject: str = Field(description="a keeper, `campaign C epoch E`, `node`, or a token symbol")
    message: str
    measured: float | None = Field(description="what crossed the threshold, in `unit`")
    unit: Literal["seconds", "blocks"] | None


class Alerts(BaseModel):
    checked_at: Utc
    head_block: int | None = Field(description="None when the node does not answer")
    thresholds: AlertThresholds
    heartbeat_ages: dict[str, float] = Field(description="seconds since each keeper's last heartbeat, at checked_at")
    alerts: list[Alert]


class TradeDetail(TradeOut):
    """A trade with the route and lender of its opportunity and the gas it paid."""

    lender: str
    route: list[Hop]
    amount_in: Wei
    gas_fee: Wei | None = Field(description="gas used times effective gas price, in wei of the native coin")


class TradeDetailPage(TradePage):
    items: list[TradeDetail]


# -- The market maker: cycles, its price against the reference, the ladder, inventory and PnL -----

# The statuses a cycle is journaled with (`keepers.mm.keeper`): running until it closes.
MmStatus = Literal["running", "corrected", "in_band", "short", "refused"]
FRACTION = "an exact fraction `n/d` (or an integer `n`)"


class MmPrice(BaseModel):
    """A price in quote base units per base base unit (the journal's convention)."""

    exact: str = Field(description=f"{FRACTION}, as the journal or the chain gives it")
    value: float = Field(description="the same price as a float: for charts only")


class QuoteValue(BaseModel):
    """An amount of the quote token in base units, marked at a price: exact, and whole."""

    exact: str = Field(description=FRACTION)
    amount: Wei = Field(description="the exact figure rounded down to a whole base unit")


class MmToken(BaseModel):
    address: str
    symbol: str | None = Field(description="None until read from chain")
    decimals: int | None = Field(description="None until read from chain")


class MmMarket(BaseModel):
    pool: str
    kind: str = Field(description="uniswap_v2 | uniswap_v3 | balancer_weighted")
    base: MmToken = Field(description="the token priced")
    quote: MmToken | None = Field(description="the pool's other token; None until the pool was read from chain")
    child: str | None = Field(description="the mm child diamond holding the ladder, from the deployments file")
    threshold_bps: int = Field(description="a cycle corrects the pool when it is further than this off the reference")


class MmReference(BaseModel):
    """The latest reference price a cycle read: what PnL and holdings are marked at."""

    cycle: int
    block: int
    price: MmPrice


class MmCycleOut(BaseModel):
    id: int
    block: int = Field(description="the head the cycle read")
    status: MmStatus
    reason: str | None
    transactions: int = Field(description="correction pieces sent in the cycle")
    reference: MmPrice | None
    before: MmPrice = Field(description="the pool's price when the cycle began")
    after: MmPrice | None = Field(description="the pool's price when it ended")
    off_bps: float | None = Field(description="how far `before` was from the reference, in basis points of it")
    created_at: Utc


class MmCyclePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[MmCycleOut] = Field(description="newest first")


class MmPricePoint(BaseModel):
    cycle: int
    block: int
    time: int = Field(description="when the cycle was journaled (unix seconds)")
    before: MmPrice
    after: MmPrice | None
    reference: MmPrice | None


class MmPieces(BaseModel):
    """A correcting wallet's pieces on this market as its `TxSender` journaled them (purposes
    `mm:swap:<pool>:…`), each at its latest generation."""

    sent: int
    mined: int = Field(description="mined and succeeded")
    reverted: int
    pending: int = Field(description="sent, no receipt yet")
    failed: int = Field(description="expired, dropped or refused: never mined")


class MmActivity(BaseModel):
    """What one actor of the market maker did on this market, from the journal."""

    actor: str
    role: Literal["child", "wallet"]
    actions: dict[str, int] = Field(description="booked transactions by kind (correction, mint, decrease, burn, …)")
    pieces: MmPieces | None = Field(description="correction pieces (wallets); None for the child")
    flows: dict[str, Wei] = Field(description="token address -> net flow into (+) or out of (-) the actor, summed")
    gas: Wei = Field(description="wei of the native coin the actor paid for its booked transactions")
    last_block: int | None


class MmPosition(BaseModel):
    """One of the child's positions on the pool, read from chain."""

    token_id: int
    tick_lower: int
    tick_upper: int
    price_low: MmPrice = Field(description="the range's lower end as a price (quote per base)")
    price_high: MmPrice
    in_range: bool = Field(description="the pool's tick is inside [tick_lower, tick_upper)")
    liquidity: Wei
    amounts: dict[str, Wei] = Field(description="token -> principal a full decrease would pay at the pool's price")
    owed: dict[str, Wei] = Field(description="token -> what the position manager would pay on collect now")
    fees: dict[str, Wei] = Field(description="token -> of `owed`, the fees (owed less principal decreased)")
    deposited: dict[str, Wei] = Field(description="token -> what the child booked as paid in (at cost)")


class MmLadder(BaseModel):
    child: str
    pool_tick: int
    pool_price: MmPrice
    positions: list[MmPosition]
    holdings: dict[str, Wei] = Field(description="token -> amounts plus owed, over every position")
    fees: dict[str, Wei] = Field(description="token -> fees owed, over every position")


class MmHoldings(BaseModel):
    """Inventory and PnL: balances from chain, PnL from the journal marked at the reference."""

    balances: dict[str, Wei] | None = Field(description="token -> balanceOf at `block`; None when not read")
    in_positions: dict[str, Wei] = Field(description="token -> the ladder's holdings (the child; empty otherwise)")
    value: QuoteValue | None = Field(description="balances plus positions, base marked at the reference")
    trading: QuoteValue | None = Field(
        description="MmJournal.pnl: the booked flows that are not internal, base marked at the reference"
    )
    positions_value: QuoteValue | None = Field(description="the ladder's holdings marked at the reference")
    pnl: QuoteValue | None = Field(description="trading plus positions_value; None without a reference or chain")
    gas: Wei = Field(description="wei of the native coin paid, kept apart from PnL")


class MmHolder(MmHoldings):
    """One holder: the child or a correcting wallet."""

    actor: str
    role: Literal["child", "wallet"]


class MmReconciliation(BaseModel):
    """MmJournal.reconcile: opening balance plus booked flows against balanceOf, never smoothed."""

    actor: str
    token: str
    symbol: str | None
    journal: Wei
    chain: Wei
    reconciled: bool


class MmTotal(MmHoldings):
    """Every holder together: the market maker as one strategy."""


class MmReward(BaseModel):
    """What the market maker's reward claims brought in, of one reward token."""

    token: MmToken
    amount: Wei = Field(description="claimed, in the reward token's base units")
    value: QuoteValue | None = Field(
        description="at the price each claim was marked with (in PnL); None: a claim had no price (not in PnL)"
    )


class MmView(BaseModel):
    configured: bool = Field(description="mm.pool and mm.base_token are set; when not, everything else is empty")
    market: MmMarket | None
    node: NodeState = Field(description="the node as the API's watch saw it for this answer")
    block: int | None = Field(description="the block chain figures were read at; None when they were not")
    chain_error: str | None = Field(description="why chain figures are missing (the node, a contract)")
    reference: MmReference | None
    cycles: MmCyclePage
    series: list[MmPricePoint] = Field(description="the latest `points` cycles, oldest first")
    activity: list[MmActivity]
    ladder: MmLadder | None = Field(description="None without an mm child, on a V2 market, or unread")
    ladder_error: str | None = Field(description="why the ladder could not be read")
    holders: list[MmHolder]
    total: MmTotal
    reconciliation: list[MmReconciliation]
    reconciled: bool | None = Field(description="every row reconciled; None when balances were not read")
    rewards: list[MmReward] = Field(description="reward claims per reward token, from the journal")


# -- what-if quotes ----------------------------------------------------------------------------------


class QuoteRequest(BaseModel):
    """A route through the arb child's pools and an input, quoted at one block."""

    model_config = ConfigDict(extra="forbid")

    route: list[Annotated[str, StringConstraints(pattern=ADDRESS)]] = Field(
        min_length=1, max_length=4, description="pool addresses in hop order (registered with the arb child)"
    )
    token: str = Field(pattern=ADDRESS, description="what the first hop sells")
    amount_in: str = Field(pattern=r"^[1-9][0-9]{0,77}$", description="base units of `token`, a positive integer")
    lender: Literal["own", "balancer", "aave"] = Field(
        default="balancer", description="who lends the input when the route is an arbitrage"
    )
    block: int | None = Field(default=None, ge=0, description="quote at this block (default: the head)")


class HopQuoteOut(BaseModel):
    pool: str
    kind: str = Field(description="uniswap_v2 | uniswap_v3 | balancer_weighted")
    token_in: str
    token_out: str
    amount_in: Wei
    amount_out: Wei = Field(description="exactly what the pool pays at the block")
    marginal_rate: str = Field(description=f"token_out per token_in at zero size after the fee; {FRACTION}")
    price_impact_bps: float = Field(description="how much worse than the marginal rate the swap paid (display)")
    price_impact_exact: str = Field(description=FRACTION)


class SimulationOut(BaseModel):
    ok: bool = Field(description="executeArb, called from the arb bot at the block, returns the predicted profit")
    net_profit: Wei | None
    gas: int | None = Field(description="eth_estimateGas of the same call")
    error: str | None = Field(description="why not: the revert's custom error, or a different profit")


class QuoteOut(BaseModel):
    block: int
    token: str
    amount_in: Wei
    hops: list[HopQuoteOut]
    amount_out: Wei
    cycle: bool = Field(description="the route comes back to its token: an arbitrage, with the figures below")
    lender: str | None
    loan_fee: Wei | None = Field(description="the lender's premium on amount_in, read from chain")
    gross_profit: str | None = Field(description="amount_out - amount_in - loan_fee (may be negative), base units")
    base_fee: Wei | None = Field(description="the block's base fee per gas, wei")
    gas_cost: Wei | None = Field(description="the simulation's gas at the base fee, wei (None without a simulation)")
    net_profit: str | None = Field(
        description="gross_profit - gas_cost when `token` is the chain's wrapped native coin; None otherwise"
    )
    simulation: SimulationOut | None = Field(
        description="None when the route is not a cycle, loses before gas, or no arb bot is configured (api.bots.arb)"
    )
