"""The market maker in a reward campaign: the `mm` child's ladder is in-range liquidity the rewards
keeper measures like anyone's; the market maker claims what the root grants the child, once, sent by
its bot or relayed gaslessly by the relayer service, and the claim's reward tokens are booked for the
child, reconcile with its balance and count in its PnL at their price when claimed."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from eth_account import Account
from eth_utils import keccak
from web3 import Web3

from keepers.config import GaslessSettings
from keepers.diamond.deploy import DeployConfig, DiamondDeployer
from keepers.gasless.client import GaslessClient
from keepers.gasless.service import HttpServer, create_app, make_relayer
from keepers.mm.journal import MmJournal
from keepers.mm.ladder import LadderParams
from keepers.mm.rewards import RewardClaims
from keepers.mm.tender import LadderTender
from keepers.prices.pool import PoolSource
from keepers.prices.reference import ReferencePrices
from keepers.rewards.setup import configure_rewards_child
from keepers.store.db import Store
from tests.gasless.service.conftest import GENEROUS, RELAYER_FUNDS
from tests.rewards.e2e.conftest import HOUR, TIMELOCK, keeper, run_keeper  # noqa: F401  (fixtures)

E18 = 10**18
DAI_USDC = "uniswap_v2:DAI/USDC"


@pytest.fixture(scope="module")
def rewards_child(project, owner, tmp_path_factory):
    """A rewards child as production deploys it (with the gasless relay, claims relayable)."""
    path = tmp_path_factory.mktemp("mm-rewards") / "deployments.json"
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    record = deployer.system(DeployConfig()).children["rewards"]
    deployer.save(path)
    child = deployer.handle(record.address, "Diamond", *record.facets)
    configure_rewards_child(child, (), owner, root_timelock=TIMELOCK)
    child.deployments_file = path
    return child


@contextmanager
def relayer(chain, rewards_child, tmp_path) -> Iterator[GaslessClient]:
    """The relayer service for the rewards child, its API on a loopback port."""
    w3 = Web3(Web3.HTTPProvider(chain.provider.uri, request_kwargs={"timeout": 30}))
    account = Account.from_key(keccak(text="lapidary mm test relayer"))
    w3.provider.make_request("anvil_setBalance", [account.address, hex(RELAYER_FUNDS)])
    store = Store(f"sqlite:///{tmp_path / 'relay.db'}")
    settings = GaslessSettings(**(GENEROUS | {"min_deadline_seconds": 10}))
    service = make_relayer(w3, rewards_child.address, account, store, settings, poll_interval=0.05, confirmations=1)
    service.start()
    server = HttpServer(create_app(service)).start()
    try:
        yield GaslessClient(server.url)
    finally:
        server.stop()
        service.stop()
        store.close()


@pytest.mark.parametrize("via", ["direct", "gasless"])
def test_the_childs_ladder_earns_campaign_rewards_and_claims_them(
    chain,
    world,
    child,
    bot,
    reader,
    pool,
    rewards_child,
    keeper,  # noqa: F811  (the fixture imported above)
    stranger,
    tmp_path,
    mm_store,
    sender_of,
    v3_market,
    via,
):
    w3 = chain.provider.web3
    sender, market = sender_of(bot), v3_market
    books = MmJournal(mm_store, chain.chain_id)
    dai = world.token("DAI")
    tender = LadderTender(w3, market, reader, sender, books, LadderParams(rungs=(3, 3)), random.Random(5))
    assert tender.tend(market.price(market.state(w3))).action == "laid"

    dai.mint(1_000 * E18, sender=stranger)
    dai.approve(rewards_child, 2**256 - 1, sender=stranger)
    start = chain.pending_timestamp + 60
    rewards_child.createCampaign(pool, dai, 1_000 * E18, start, start + HOUR, HOUR, 1, sender=stranger)
    campaign = rewards_child.campaignCount()
    chain.mine(timestamp=start + HOUR + 5)
    chain.mine(2)
    measuring = keeper()
    run_keeper(chain, measuring, 1, [campaign])
    granted = measuring.journal.claim(campaign, child.address, 1)
    assert granted is not None and granted.cumulative_amount > 0  # the ladder earned a share

    # The reward is DAI, priced in the market's quote (USDC) by the world's DAI/USDC pair.
    dai_usdc = world.book.address(DAI_USDC)
    prices = {dai.address: ReferencePrices([PoolSource("dai-usdc", w3, dai_usdc, "uniswap_v2", dai.address)])}
    mark = prices[dai.address].read().price  # the pair does not move before the claim
    price = market.price(market.state(w3))
    pnl_before = books.pnl([child.address], market.base, market.quote, price)
    before = dai.balanceOf(child)
    with ExitStack() as stack:
        gasless = {}
        if via == "gasless":
            gasless = {"relay": stack.enter_context(relayer(chain, rewards_child, tmp_path)), "signer": sender.account}
        claims = RewardClaims(
            w3, measuring.contract, measuring.journal, sender, books, pool.address, child.address, prices=prices,
            **gasless,
        )  # fmt: skip
        claimed = claims.step()
        for _ in range(100):  # a gasless claim is booked once the relayer has it mined
            if claimed:
                break
            time.sleep(0.1)
            claimed = claims.step()
    (claim,) = claimed
    assert (claim.campaign, claim.epoch, claim.amount, claim.via) == (campaign, 1, granted.cumulative_amount, via)
    assert dai.balanceOf(child) - before == granted.cumulative_amount
    assert w3.eth.get_transaction(claim.tx_hash)["from"] != child.address
    if via == "gasless":  # the relayer paid the gas: the bot sent nothing
        assert w3.eth.get_transaction(claim.tx_hash)["from"] != sender.address
    assert claims.step() == []  # claimed once
    (check,) = [c for c in books.reconcile(child.address, lambda t: dai.balanceOf(child)) if c.token == dai.address]
    assert check.reconciled
    # In PnL at the DAI price when claimed; nothing else moved since the ladder was laid.
    assert books.pnl([child.address], market.base, market.quote, price) - pnl_before == claim.amount * mark
    (reward,) = books.rewards([child.address])
    assert (reward.token, reward.amount, reward.value) == (dai.address, claim.amount, claim.amount * mark)
