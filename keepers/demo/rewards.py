"""The demo's rewards step: a campaign on the V3 pool, one epoch measured and posted, one claim.

A sponsor funds a one-epoch campaign paying DAI for in-range liquidity; a market maker
provides liquidity, the position going to a fresh account that holds no ETH; time passes;
the rewards keeper measures the epoch from the pool's logs, writes the tree, posts the root;
after the timelock that account claims gaslessly (`keepers.demo.gasless`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import TxSender
from keepers.demo.arbitrage import funded_account
from keepers.demo.report import RewardsReport
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.journal import RewardsJournal
from keepers.rewards.keeper import RewardsKeeper, RewardsPlan
from keepers.store.db import Store
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook

E18 = 10**18
DEADLINE = 2**32 - 1
EPOCH = 3600
POOL = "uniswap_v3:WETH/USDC/3000"
LIQUIDITY_METRIC = 1


@dataclass(frozen=True)
class PendingClaim:
    """The claim the demo makes: `calldata` to the rewards child pays `token` to `holder`."""

    holder: LocalAccount
    token: str
    calldata: bytes


class _Sender:
    """Signs and sends calls for one demo account, waiting for each (the node mines on send)."""

    def __init__(self, w3: Web3, account: LocalAccount):
        self.w3, self.account = w3, account

    def __call__(self, fn, value: int = 0):
        fields = {"from": self.account.address, "value": value}
        # Headroom over the estimate: on a live market (`keepers up`) other trades in the same block
        # can move a V3 price across ticks, and a position's mint then costs more than estimated.
        gas = fn.estimate_gas(fields) * 3 // 2 + 20_000
        tx = fn.build_transaction(
            {**fields, "gas": gas, "nonce": self.w3.eth.get_transaction_count(self.account.address)}
        )
        tx_hash = self.w3.eth.send_raw_transaction(self.account.sign_transaction(tx).raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
        if receipt["status"] != 1:
            raise RuntimeError(f"demo transaction {tx_hash.to_0x_hex()} reverted")
        return receipt


def run_rewards(
    w3: Web3,
    book: AddressBook,
    child: str,
    child_abi: list[dict],
    bot: LocalAccount,
    data_dir: Path,
    artifacts: ArtifactStore,
) -> tuple[RewardsReport, dict]:
    """Campaign, liquidity, one epoch posted and claimable. Returns the report section (its
    `claimed_wei` still 0) and the claim to make."""
    journal_file = data_dir / "rewards.db"
    journal_file.unlink(missing_ok=True)
    store = Store(f"sqlite:///{journal_file}")
    dai = w3.eth.contract(address=book.address("DAI"), abi=artifacts.abi("MintableERC20"))
    weth = w3.eth.contract(address=book.address("WETH"), abi=artifacts.abi("WETH9"))
    usdc = w3.eth.contract(address=book.address("USDC"), abi=artifacts.abi("MintableERC20"))
    manager = w3.eth.contract(
        address=book.address("uniswap_v3_position_manager"), abi=artifacts.abi("NonfungiblePositionManager")
    )
    pool = w3.eth.contract(address=book.address(POOL), abi=artifacts.abi("UniswapV3Pool"))
    rewards = w3.eth.contract(address=child, abi=child_abi)
    sponsor, maker = funded_account(w3, 1_000), funded_account(w3, 1_000)
    holder = Account.from_key(secrets.token_bytes(32))  # owns the position; never holds ETH
    as_sponsor, as_maker = _Sender(w3, sponsor), _Sender(w3, maker)

    funded = 1_000 * E18
    as_sponsor(dai.functions.mint(funded))
    as_sponsor(dai.functions.approve(child, funded))
    start = int(w3.eth.get_block("latest")["timestamp"]) + 30
    as_sponsor(
        rewards.functions.createCampaign(
            pool.address, dai.address, funded, start, start + EPOCH, EPOCH, LIQUIDITY_METRIC
        )
    )
    campaign_id = rewards.functions.campaignCount().call()

    as_maker(weth.functions.deposit(), value=20 * E18)
    as_maker(usdc.functions.mint(80_000 * 10**6))
    for token in (weth, usdc):
        as_maker(token.functions.approve(manager.address, 2**256 - 1))
    tick, spacing = pool.functions.slot0().call()[1], pool.functions.tickSpacing().call()
    token0, token1 = sorted([weth.address, usdc.address], key=lambda a: int(a, 16))
    amounts = (10 * E18, 40_000 * 10**6) if token0 == weth.address else (40_000 * 10**6, 10 * E18)
    as_maker(
        manager.functions.mint(
            (
                token0,
                token1,
                3000,
                (tick // spacing - 4) * spacing,
                (tick // spacing + 4) * spacing,
                *amounts,
                0,
                0,
                holder.address,
                DEADLINE,
            )
        )
    )

    keeper = RewardsKeeper(
        w3,
        RewardsContract(w3, child),
        TxSender(w3, bot, TxJournal(store, w3.eth.chain_id), FeePolicy()),
        RewardsJournal(store, w3.eth.chain_id, child),
        RewardsPlan(
            tree_dir=data_dir / "rewards",
            confirmations=1,
            position_manager=manager.address,
            v3_factory=book.address("uniswap_v3_factory"),
        ),
    )
    timelock = rewards.functions.rewardsConfig().call()[0]
    _advance(w3, start + EPOCH + 1)
    for _ in range(20):
        _advance(w3, None)
        keeper.on_block(w3.eth.block_number)
        if keeper.contract.claimable_root(campaign_id)[0] >= 1:
            break
        _advance(w3, int(w3.eth.get_block("latest")["timestamp"]) + timelock // 2)
    epoch, root = keeper.contract.claimable_root(campaign_id)
    if epoch != 1:
        raise RuntimeError("the rewards root never became claimable")
    claim = keeper.journal.claim(campaign_id, holder.address)
    row = keeper.journal.epoch(campaign_id, 1)
    store.close()
    return (
        RewardsReport(
            campaign=campaign_id,
            root=root.root,
            allocated_wei=root.total_allocated,
            claimed_wei=0,  # set by the claim
            tree_file=row.tree_file,
            funded_wei=funded,
            epoch=1,
        ),
        PendingClaim(
            holder=holder,
            token=dai.address,
            calldata=keeper.contract.claim_calldata(campaign_id, holder.address, claim.cumulative_amount, claim.proof),
        ),
    )


def _advance(w3: Web3, timestamp: int | None) -> None:
    """Mine one block, at `timestamp` if given."""
    if timestamp is not None:
        w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])
    w3.provider.make_request("evm_mine", [])


def print_rewards(console, rewards: RewardsReport) -> None:
    console.print(
        f"rewards campaign {rewards.campaign}: epoch {rewards.epoch} root {rewards.root[:10]}… allocated "
        f"{rewards.allocated_wei} of {rewards.funded_wei} wei, claimed {rewards.claimed_wei} wei "
        f"(tree {rewards.tree_file})"
    )
