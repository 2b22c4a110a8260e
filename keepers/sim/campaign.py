"""A reward campaign's sponsor and participants: liquidity in range, claims every epoch.

The sponsor funds a campaign paying for in-range liquidity on a V3 pool with short epochs; the
participants provide liquidity (one position belongs to a holder with no ETH at all) and, each
time a new root becomes claimable, claim what it grants them: with their own ETH, or, for the
holder, gaslessly through the relayer's HTTP API. Proofs come from the rewards keeper's journal,
as `keepers rewards proof` reads them.

A claim proves against the latest claimable root, so one mined after the next root turned
claimable reverts: the agents claim only while no later root is about to turn claimable
(`RewardsContract.settled_epoch`), and follow every claim to its receipt or the relayer's verdict.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from web3 import Web3
from web3.exceptions import TransactionNotFound

from keepers.gasless.client import GaslessClient, GaslessUnavailable
from keepers.gasless.signer import prepare
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.journal import RewardsJournal
from keepers.sim.accounts import Wallet, current_fees, seeded_account, settle
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook

LIQUIDITY_METRIC = 1
DEADLINE = 2**32 - 1
CLAIM_GAS = 400_000
APPROVE_GAS = 80_000
RETRY_AFTER = 20  # blocks a direct claim may stay unmined before it is sent again
SETTLE_BLOCKS = 4  # a claim must have this many blocks before a later root turns claimable
WIDTHS = (4, 12, 30)  # each participant's range, in tick spacings either side of the price


@dataclass(frozen=True)
class CampaignParams:
    pool: str = "uniswap_v3:WETH/USDC/3000"
    reward_token: str = "DAI"
    funded_units: int = 100_000
    epoch_seconds: int = 60
    epochs: int = 240
    start_delay: int = 24  # seconds of chain time between creation and the first epoch


@dataclass
class ClaimReport:
    block: int
    sent: list[str] = field(default_factory=list)  # "<account> <amount> direct|gasless <id or hash>"
    failed: list[str] = field(default_factory=list)


class CampaignAgents:
    """The sponsor, the participants and the gasless holder of one campaign (module docstring)."""

    def __init__(
        self,
        w3: Web3,
        book: AddressBook,
        artifacts: ArtifactStore,
        contract: RewardsContract,
        journal: RewardsJournal,
        seed: int,
        params: CampaignParams,
        gasless_url: str | None,
    ):
        self.w3, self.book, self.contract, self.journal, self.params = w3, book, contract, journal, params
        self.relay = GaslessClient(gasless_url) if gasless_url else None
        chain_id = w3.eth.chain_id
        self.sponsor = Wallet(w3, seeded_account(seed, "sponsor"), chain_id)
        self.participants = [Wallet(w3, seeded_account(seed, "participant", i), chain_id) for i in range(len(WIDTHS))]
        self.holder = seeded_account(seed, "gasless-holder")  # never holds ETH
        self._erc20_abi = artifacts.abi("MintableERC20")
        self._weth = w3.eth.contract(address=book.address("WETH"), abi=artifacts.abi("WETH9"))
        self._manager = w3.eth.contract(
            address=book.address("uniswap_v3_position_manager"), abi=artifacts.abi("NonfungiblePositionManager")
        )
        self._pool = w3.eth.contract(address=book.address(params.pool), abi=artifacts.abi("UniswapV3Pool"))
        self.campaign_id: int | None = None
        self._claims: dict[str, tuple[str, int]] = {}  # account -> (direct claim's hash, block sent)
        self._requests: dict[str, str] = {}  # gasless request id -> account

    @property
    def accounts(self) -> list[str]:
        return [wallet.address for wallet in self.participants] + [self.holder.address]

    def setup(self) -> int:
        """Create the campaign (or find this seed's) and the positions not minted yet; its id.

        Waits for every transaction and raises `RuntimeError` naming the one that reverted, so a
        participant never goes without the position it claims for."""
        campaign_id = self._find_campaign()
        if campaign_id is None:
            self._fund_sponsor_and_create(current_fees(self.w3))
        self._provide_liquidity()
        self.campaign_id = campaign_id or self._await_campaign()
        return self.campaign_id

    def _find_campaign(self) -> int | None:
        for campaign_id in range(self.contract.campaign_count(), 0, -1):
            if self.contract.campaign(campaign_id).sponsor == self.sponsor.address:
                return campaign_id
        return None

    def _fund_sponsor_and_create(self, fees: dict) -> None:
        sponsor, params = self.sponsor.fund(100), self.params
        reward = self.w3.eth.contract(address=self.book.address(params.reward_token), abi=self._erc20_abi)
        amount = params.funded_units * 10 ** self.book.token(params.reward_token).decimals
        sponsor.send(reward.functions.mint(amount), gas=APPROVE_GAS, **fees)
        sponsor.send(reward.functions.approve(self.contract.address, amount), gas=APPROVE_GAS, **fees)
        start = int(self.w3.eth.get_block("latest")["timestamp"]) + params.start_delay
        end = start + params.epoch_seconds * params.epochs
        data = self.contract.contract.calldata(
            "createCampaign", self._pool.address, reward.address, amount, start, end, params.epoch_seconds,
            LIQUIDITY_METRIC,
        )  # fmt: skip
        sponsor.send_call(self.contract.address, data, gas=600_000, **fees)

    def _provide_liquidity(self) -> None:
        """Each participant mints a position around the price; the widest also mints the holder's.

        Recipients already holding a position are skipped (a restarted driver mints nothing twice);
        the mints' gas is estimated once their tokens and approvals are mined."""
        owners = {wallet.address: [wallet.address] for wallet in self.participants}
        owners[self.participants[-1].address].append(self.holder.address)
        missing = {
            wallet.address: [r for r in owners[wallet.address] if self._manager.functions.balanceOf(r).call() == 0]
            for wallet in self.participants
        }
        wallets = [wallet for wallet in self.participants if missing[wallet.address]]
        if not wallets:
            return
        pool = self._pool.functions
        token0, token1, fee = pool.token0().call(), pool.token1().call(), pool.fee().call()
        weth = self.book.address("WETH")
        other_token = self.w3.eth.contract(address=token1 if token0 == weth else token0, abi=self._erc20_abi)
        fees, funding = current_fees(self.w3), []
        for wallet in wallets:
            wallet.fund(1_000)
            funding.append(wallet.send(self._weth.functions.deposit(), gas=APPROVE_GAS, value=200 * 10**18, **fees))
            funding.append(wallet.send(other_token.functions.mint(10**30), gas=APPROVE_GAS, **fees))
            for token in (self._weth, other_token):
                approve = token.functions.approve(self._manager.address, 2**256 - 1)
                funding.append(wallet.send(approve, gas=APPROVE_GAS, **fees))
        settle(self.w3, funding, "funding a campaign participant")
        tick, spacing = pool.slot0().call()[1], pool.tickSpacing().call()
        desired = tuple(10 * 10**18 if token == weth else 10**30 for token in (token0, token1))
        fees, mints = current_fees(self.w3), []
        for width, wallet in zip(WIDTHS, self.participants, strict=True):
            lower, upper = (tick // spacing - width) * spacing, (tick // spacing + width) * spacing
            for recipient in missing[wallet.address]:
                mint = self._manager.functions.mint(
                    (token0, token1, fee, lower, upper, *desired, 0, 0, recipient, DEADLINE)
                )
                gas = mint.estimate_gas({"from": wallet.address})
                mints.append(wallet.send(mint, gas=gas * 3 // 2, **fees))  # headroom: the price moves meanwhile
        settle(self.w3, mints, "minting a campaign participant's position")

    def _await_campaign(self, timeout: float = 60) -> int:
        """The campaign id once the sponsor's creation is mined (the node mines on its own schedule)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (campaign_id := self._find_campaign()) is not None:
                return campaign_id
            time.sleep(0.2)
        raise RuntimeError(f"the reward campaign was not created within {timeout:.0f} s (see the node's log)")

    # -- each block -----------------------------------------------------------------------------

    def step(self, block: int) -> ClaimReport:
        """Claim what the claimable root grants each account and it has not claimed yet."""
        report = ClaimReport(block)
        if self.campaign_id is None:
            return report
        self._follow_requests(report)
        self._follow_claims(report, block)
        epoch = self.contract.settled_epoch(self.campaign_id, SETTLE_BLOCKS)
        if epoch == 0:
            return report
        fees = current_fees(self.w3)
        for account in self.accounts:
            if account in self._claims or account in self._requests.values():
                continue  # its claim is on its way
            claim = self.journal.claim(self.campaign_id, account, epoch)
            if claim is None:
                continue
            claimed = self.contract.claimed(self.campaign_id, account)
            if claim.cumulative_amount <= claimed:
                continue
            data = self.contract.claim_calldata(self.campaign_id, account, claim.cumulative_amount, claim.proof)
            amount = claim.cumulative_amount - claimed
            if account == self.holder.address:
                request_id = self._relay(data)
                if request_id is None:
                    report.failed.append(f"{account} {amount} gasless: relayer unavailable")
                    continue
                self._requests[request_id] = account
                report.sent.append(f"{account} {amount} gasless {request_id}")
            else:
                wallet = next(w for w in self.participants if w.address == account)
                tx_hash = wallet.send_call(self.contract.address, data, gas=CLAIM_GAS, **fees)
                self._claims[account] = (tx_hash, block)
                report.sent.append(f"{account} {amount} direct {tx_hash}")
        return report

    def _follow_claims(self, report: ClaimReport, block: int) -> None:
        """Forget direct claims that were mined; a reverted one, or one unmined for RETRY_AFTER
        blocks, is reported and claimed again."""
        for account, (tx_hash, sent_at) in list(self._claims.items()):
            receipt = self._receipt(tx_hash)
            if receipt is None and block - sent_at < RETRY_AFTER:
                continue
            del self._claims[account]
            if receipt is None:
                report.failed.append(f"{account} direct {tx_hash}: not mined within {RETRY_AFTER} blocks")
            elif receipt["status"] != 1:
                report.failed.append(f"{account} direct {tx_hash}: reverted in block {receipt['blockNumber']}")

    def _receipt(self, tx_hash: str) -> dict | None:
        try:
            return self.w3.eth.get_transaction_receipt(tx_hash)
        except TransactionNotFound:
            return None

    def _relay(self, data: bytes) -> str | None:
        if self.relay is None:
            return None
        try:
            return self.relay.submit(prepare(self.w3, self.holder, self.contract.address, data))
        except GaslessUnavailable:
            return None

    def _follow_requests(self, report: ClaimReport) -> None:
        """Forget gasless requests that ended; a failed one is reported and claimed again."""
        for request_id, account in list(self._requests.items()):
            status = self.relay.status(request_id)
            if status is not None and status.ended:
                del self._requests[request_id]
                if status.status == "failed":
                    report.failed.append(f"{account} gasless {request_id}: {status.reason}")
