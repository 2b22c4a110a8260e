"""The rewards keeper on the world's V3 pool: a rewards child of its own, a fresh bot and journal per
test, LPs and traders acting through the pool's periphery."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
from eth_account import Account
from web3 import Web3

from keepers.chain.faults import NO_FAULTS, Faults
from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import TxSender
from keepers.diamond.deploy import DeployConfig, DiamondDeployer
from keepers.rewards.campaigns import RewardsContract
from keepers.rewards.journal import RewardsJournal
from keepers.rewards.keeper import RewardsKeeper, RewardsPlan
from keepers.store.db import Store

E18 = 10**18
HOUR = 3600
DEADLINE = 2**32 - 1
TIMELOCK = 600
POOL = "uniswap_v3:WETH/USDC/3000"


@pytest.fixture(scope="module")
def rewards_child(project, world, owner, tmp_path_factory):
    path = tmp_path_factory.mktemp("rewards-e2e") / "deployments.json"
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    records = deployer.system(DeployConfig(strategies={"rewards": ["MerkleRewardsFacet"]}))
    deployer.save(path)
    record = records.children["rewards"]
    child = deployer.handle(record.address, "Diamond", *record.facets)
    child.setRewardsConfig(TIMELOCK, 7 * 24 * HOUR, sender=owner)
    child.deployments_file = path
    return child


@pytest.fixture
def keeper(chain, rewards_child, owner, tmp_path, world):
    w3 = chain.provider.web3
    bot = Account.from_key(secrets.token_bytes(32))
    w3.provider.make_request("anvil_setBalance", [bot.address, hex(10 * E18)])
    rewards_child.setBot(bot.address, True, sender=owner)
    store = Store(f"sqlite:///{tmp_path / 'journal.db'}")
    plan = RewardsPlan(
        tree_dir=tmp_path / "rewards",
        confirmations=1,
        position_manager=world.book.address("uniswap_v3_position_manager"),
        v3_factory=world.book.address("uniswap_v3_factory"),
    )

    def make(faults: Faults = NO_FAULTS, node: Web3 | None = None, confirmations: int = 1) -> RewardsKeeper:
        """A keeper (a new process, as far as it knows) on the same journal; `node`: another connection."""
        node = node or w3
        journal = TxJournal(store, chain.chain_id)
        sender = TxSender(node, bot, journal, FeePolicy(), confirmations=confirmations, faults=faults)
        return RewardsKeeper(
            node,
            RewardsContract(node, rewards_child.address),
            sender,
            RewardsJournal(store, chain.chain_id, rewards_child.address),
            plan,
            faults,
        )

    return make


class Market:
    """LPs and traders acting on the world's V3 pool through its periphery."""

    def __init__(self, world, accounts):
        self.world = world
        self.weth, self.usdc = world.token("WETH"), world.token("USDC")
        self.manager = world.contract("uniswap_v3_position_manager")
        self.router = world.contract("uniswap_v3_router")
        self.pool = world.contract(POOL)
        for account in accounts:
            self.weth.deposit(value=300 * E18, sender=account)
            self.usdc.mint(600_000 * 10**6, sender=account)
            for spender in (self.manager, self.router):
                self.weth.approve(spender, 2**256 - 1, sender=account)
                self.usdc.approve(spender, 2**256 - 1, sender=account)

    def mint(self, account, below: int, above: int, weth: int) -> int:
        tick, spacing = self.pool.slot0().tick, self.pool.tickSpacing()
        token0, token1 = sorted([self.weth.address, self.usdc.address], key=lambda a: int(a, 16))
        weth_first = token0 == self.weth.address
        lower, upper = (tick // spacing + below) * spacing, (tick // spacing + above) * spacing
        amounts = (weth, 4_000 * weth * 10**6 // E18) if weth_first else (4_000 * weth * 10**6 // E18, weth)
        receipt = self.manager.mint(
            (token0, token1, 3000, lower, upper, *amounts, 0, 0, account.address, DEADLINE), sender=account
        )
        return next(iter(self.manager.IncreaseLiquidity.from_receipt(receipt))).tokenId

    def swap(self, account, weth_in: int = 0, usdc_in: int = 0) -> None:
        token_in, token_out, amount = (self.weth, self.usdc, weth_in) if weth_in else (self.usdc, self.weth, usdc_in)
        self.router.exactInputSingle(
            (token_in.address, token_out.address, 3000, account.address, DEADLINE, amount, 0, 0), sender=account
        )


def run_keeper(chain, keeper, until_epoch: int, campaigns: list[int]) -> None:
    """Mine and run the keeper block by block until every campaign's `until_epoch` root is claimable."""
    contract = keeper.contract
    for _ in range(60):
        chain.mine()
        keeper.on_block(chain.blocks.height)
        done = all(contract.claimable_root(c)[0] >= until_epoch for c in campaigns)
        if done:
            return
        chain.mine(deltatime=TIMELOCK // 4)
    raise AssertionError(f"epoch {until_epoch} never became claimable")


@dataclass(frozen=True)
class EndedEpoch:
    campaign: int
    sponsor: object  # ape accounts
    lp: object
    dai: object


@pytest.fixture
def ended_epoch(chain, accounts, world, rewards_child, stranger) -> EndedEpoch:
    """A one-epoch campaign paying DAI for in-range liquidity, one LP in range, its epoch ended and
    buried two blocks deep."""
    sponsor, lp = stranger, accounts[7]
    market = Market(world, [lp])
    dai = world.token("DAI")
    dai.mint(1_000 * E18, sender=sponsor)
    dai.approve(rewards_child, 2**256 - 1, sender=sponsor)
    start = chain.pending_timestamp + 60
    rewards_child.createCampaign(
        world.book.address(POOL), dai, 1_000 * E18, start, start + HOUR, HOUR, 1, sender=sponsor
    )
    market.mint(lp, -3, 3, 4 * E18)
    chain.mine(timestamp=start + HOUR + 5)
    chain.mine(2)
    return EndedEpoch(rewards_child.campaignCount(), sponsor, lp, dai)
