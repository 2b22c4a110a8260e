"""What `keepers demo --report FILE` writes: one section per part of the product it ran."""

from __future__ import annotations

from pydantic import BaseModel


class PriceRow(BaseModel):
    pool: str
    base: str
    quote: str
    price: str  # decimal rendering of an exact on-chain ratio, quote per whole base token
    balances_wei: dict[str, int]


class WorldReport(BaseModel):
    chain_id: int
    rpc_url: str
    block: int
    address_book: str
    contracts: dict[str, str]
    tokens: dict[str, str]
    pools: dict[str, str]
    prices: list[PriceRow]
    oracle_usd_e8: dict[str, int]
    aave_premium_bps: int
    transactions: int


class DiamondReport(BaseModel):
    master: str
    children: dict[str, str]
    loupe: dict[str, list[str]]  # the master's facet address -> selectors, read from chain
    child_loupes: dict[str, dict[str, list[str]]]
    deployments_file: str
    transactions: int


class ArbReport(BaseModel):
    """One arbitrage through the devrelay: what was predicted and what the chain shows."""

    predicted_profit_wei: int
    realized_profit_wei: int  # the treasury's WETH balance delta in the landing block
    event_profit_wei: int  # netProfit of the ArbExecuted log
    gas_used: int
    lender: str
    route: list[str]  # pool names, in hop order
    amount_in_wei: int
    tx_hash: str
    block: int
    relay: str


class RewardsReport(BaseModel):
    """One campaign epoch posted by the rewards keeper and one claim, read from chain."""

    campaign: int
    epoch: int
    root: str
    funded_wei: int
    allocated_wei: int  # the claimable root's totalAllocated
    claimed_wei: int  # what the position holder's DAI balance rose by (claimed gaslessly)
    tree_file: str


class GaslessReport(BaseModel):
    """The rewards claim relayed for a holder without ETH, read from the relayer and the chain."""

    request_id: str
    tx_hash: str
    signer: str
    signer_eth_balance_wei: int  # after the claim: 0, the relayer paid
    relayer: str
    gas_used: int
    relay_url: str


class DemoReport(BaseModel):
    """What `keepers demo --report FILE` writes; later features add sections."""

    world: WorldReport
    diamond: DiamondReport
    arb: ArbReport
    rewards: RewardsReport
    gasless: GaslessReport
    mm: MmReport | None = None


class MmReport(BaseModel):
    """One market-making cycle against a reference moved 5%: prices in quote per whole base token
    (decimal renderings of exact ratios), what was sent, and the ladder the child holds after."""

    pool: str
    reference: str
    before: str
    after: str
    status: str
    wallets: int
    transactions: int
    positions: int
    reconciled: bool  # every holder's opening balances plus booked flows equal its chain balances
