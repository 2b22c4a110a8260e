"""A master and an `mm` child carrying MarketMakingFacet, on the real local DeFi world.

The diamonds are built by the production deployer (`DeployConfig(strategies={"mm":
["MarketMakingFacet"]})`) and configured as an operator would: the world's
NonfungiblePositionManager, its V3 WETH/USDC pool registered and allowed, one keeper bot, inventory
limits on WETH and USDC, and one correcting wallet with caps. The child holds WETH and USDC. A
second genuine pool (WETH/USDC at 0.05%) is registered but not risk-allowed. Everything is set up
once per session, before the first test, and Ape's snapshot/revert gives each test this state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from ape.contracts import ContractInstance
from eth_account import Account
from ethpm_types import ContractType
from web3.exceptions import ContractLogicError

from keepers.chain.contracts import Contract, abi, describe_revert
from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import TxSender
from keepers.diamond.deploy import DeployConfig, DiamondDeployer
from keepers.markets.uniswap_v3.liquidity_amounts import liquidity_for_amounts, position_amounts
from keepers.markets.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from keepers.mm.contract import MarketMakingContract
from keepers.mm.keeper import Market
from keepers.store.db import Store

E18 = 10**18
E6 = 10**6
POOL = "uniswap_v3:WETH/USDC/3000"
SPACING = 60
DEADLINE = 2**32 - 1
MAX_UINT = 2**256 - 1
MAX_UINT128 = 2**128 - 1
CHILD_FUNDS = {"WETH": 100 * E18, "USDC": 400_000 * E6}
INVENTORY_LIMIT = {"WETH": 50 * E18, "USDC": 200_000 * E6}
WALLET_CAP = {"WETH": 5 * E18, "USDC": 20_000 * E6}
# keccak256(abi.encode(uint256(keccak256("lapidary.child.marketmaking")) - 1)) & ~bytes32(uint256(0xff))
MM_SLOT = 0x226347C7146CB1E8C9CEA620B3EE764C8D16349DF3D0235A59D87A35DC746100


@dataclass(frozen=True)
class MmSystem:
    master: ContractInstance
    child: ContractInstance
    deployer: DiamondDeployer
    path: Path  # the deployments file


@pytest.fixture(scope="session")
def mm_system(project, world, owner, guardian, tmp_path_factory) -> MmSystem:
    path = tmp_path_factory.mktemp("mm-deployments") / "deployments.json"
    deployer = DiamondDeployer.open(project, owner, path, "ethereum:local")
    records = deployer.system(DeployConfig(guardian=guardian.address, strategies={"mm": ["MarketMakingFacet"]}))
    deployer.save(path)
    master = deployer.handle(records.master.address, "Diamond", *records.master.facets)
    record = records.children["mm"]
    assert "MarketMakingFacet" in record.facets
    child = deployer.handle(record.address, "Diamond", *record.facets)
    return MmSystem(master=master, child=child, deployer=deployer, path=path)


@pytest.fixture(scope="session")
def master(mm_system) -> ContractInstance:
    return mm_system.master


@pytest.fixture(scope="session")
def manager(world) -> ContractInstance:
    return world.contract("uniswap_v3_position_manager")


@pytest.fixture(scope="session")
def pool(world) -> ContractInstance:
    return world.contract(POOL)


@pytest.fixture(scope="session")
def tokens(world, pool) -> tuple[ContractInstance, ContractInstance]:
    """The pool's (token0, token1)."""
    by_address = {world.token(s).address: world.token(s) for s in ("WETH", "USDC")}
    return by_address[pool.token0()], by_address[pool.token1()]


@pytest.fixture(scope="session")
def wallet(accounts):
    """The keeper's correcting wallet."""
    return accounts[8]


@pytest.fixture(scope="session")
def other_pool(chain, world, artifacts, manager, deployer, pool) -> ContractInstance:
    """A second genuine pool of the manager's factory (WETH/USDC at 0.05%), at the first's price."""
    token0, token1 = pool.token0(), pool.token1()
    manager.createAndInitializePoolIfNecessary(token0, token1, 500, pool.slot0().sqrtPriceX96, sender=deployer)
    address = world.contract("uniswap_v3_factory").getPool(token0, token1, 500)
    return v3_pool_at(chain, artifacts, address)


def v3_pool_at(chain, artifacts, address: str) -> ContractInstance:
    contract_type = ContractType(contractName="UniswapV3Pool", abi=artifacts.abi("UniswapV3Pool"))
    return chain.contracts.instance_at(address, contract_type=contract_type)


@pytest.fixture(scope="session")
def child(mm_system, world, owner, bot, wallet, weth, usdc, pool, other_pool, manager, deployer) -> ContractInstance:
    """The mm child, configured for market making and funded."""
    child = mm_system.child
    child.setPositionManager(manager, sender=owner)
    child.setMarketPool(pool, True, sender=owner)
    child.setPoolAllowed(pool, True, sender=owner)
    child.setMarketPool(other_pool, True, sender=owner)  # registered, never risk-allowed
    child.setBot(bot, True, sender=owner)
    child.setFundingWallet(wallet, True, sender=owner)
    for symbol, token in (("WETH", weth), ("USDC", usdc)):
        child.setInventoryLimit(token, INVENTORY_LIMIT[symbol], sender=owner)
        child.setFundingCap(wallet, token, WALLET_CAP[symbol], sender=owner)
    weth.deposit(value=CHILD_FUNDS["WETH"], sender=deployer)
    weth.transfer(child, CHILD_FUNDS["WETH"], sender=deployer)
    usdc.mint(CHILD_FUNDS["USDC"], sender=deployer)
    usdc.transfer(child, CHILD_FUNDS["USDC"], sender=deployer)
    return child


@pytest.fixture(scope="session")
def swapper(accounts, world, weth, usdc):
    """Swaps through the world's V3 router: the pool's fee income."""
    account = accounts[7]
    weth.deposit(value=1_000 * E18, sender=account)
    usdc.mint(4_000_000 * E6, sender=account)
    router = world.book.address("uniswap_v3_router")
    weth.approve(router, MAX_UINT, sender=account)
    usdc.approve(router, MAX_UINT, sender=account)
    return account


@pytest.fixture(scope="session", autouse=True)
def _session_fixtures_first(child, master, swapper, stranger, other_pool, tokens):
    """Sets up every session fixture before the first test, so Ape's per-test isolation never has
    to rebase its snapshots onto a fixture created later."""


@pytest.fixture(scope="session")
def reader(chain, child) -> MarketMakingContract:
    """The child through keepers.mm.contract, on the test's node."""
    return MarketMakingContract(chain.provider.web3, child.address)


@pytest.fixture
def mm_store(tmp_path) -> Iterator[Store]:
    """The keeper's store for one test (the journals of the senders and of the market maker)."""
    store = Store(f"sqlite:///{tmp_path / 'mm.db'}")
    yield store
    store.close()


@pytest.fixture
def sender_of(chain, mm_store) -> Callable[..., TxSender]:
    """A started `TxSender` for an Ape test account, journaling into `mm_store`."""

    def sender(account) -> TxSender:
        journal = TxJournal(mm_store, chain.chain_id)
        started = TxSender(
            chain.provider.web3, Account.from_key(account.private_key), journal, FeePolicy(), confirmations=1
        )
        started.start()
        return started

    return sender


@pytest.fixture(scope="session")
def v3_market(chain, world, pool) -> Market:
    """The child's pool as the market maker reads it, WETH priced."""
    router, weth = world.book.address("uniswap_v3_router"), world.book.address("WETH")
    return Market.read(chain.provider.web3, pool.address, "uniswap_v3", router, weth)


@contextmanager
def view_reverts(expected: str) -> Iterator[None]:
    """Expects an eth_call to revert with the custom error `expected` (its description, `Name(args)`)."""
    with pytest.raises(ContractLogicError) as info:
        yield
    assert describe_revert(info.value.data) == expected


@pytest.fixture(scope="session")
def npm(chain, manager) -> Contract:
    """The manager through the keepers' web3 layer: eth_call from any address (the child's)."""
    return Contract(chain.provider.web3, manager.address, abi("NonfungiblePositionManager"))


@dataclass(frozen=True)
class Ladder:
    """A position's ticks and the amounts the pool will take for it, predicted exactly."""

    tick_lower: int
    tick_upper: int
    amount0_desired: int
    amount1_desired: int
    liquidity: int
    amount0: int
    amount1: int


def around(pool, below: int, above: int, amount0_desired: int, amount1_desired: int) -> Ladder:
    """A range from `below` to `above` tick spacings around the pool's tick, and the liquidity and
    amounts Uniswap's LiquidityAmounts and the pool give it at the present price."""
    slot0 = pool.slot0()
    base = slot0.tick // SPACING
    lower, upper = (base + below) * SPACING, (base + above) * SPACING
    sqrt_a, sqrt_b = get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper)
    liquidity = liquidity_for_amounts(slot0.sqrtPriceX96, sqrt_a, sqrt_b, amount0_desired, amount1_desired)
    amount0, amount1 = position_amounts(slot0.sqrtPriceX96, slot0.tick, lower, upper, liquidity, round_up=True)
    return Ladder(lower, upper, amount0_desired, amount1_desired, liquidity, amount0, amount1)


def mint_params(pool, ladder: Ladder, amount0_min: int = 0, amount1_min: int = 0, deadline: int = DEADLINE) -> tuple:
    return (
        pool.address,
        ladder.tick_lower,
        ladder.tick_upper,
        ladder.amount0_desired,
        ladder.amount1_desired,
        amount0_min,
        amount1_min,
        deadline,
    )


def mint(child, bot, pool, ladder: Ladder) -> int:
    """Mints `ladder` as `bot`; the new position's token id."""
    receipt = child.mintPosition(mint_params(pool, ladder), sender=bot)
    return next(iter(child.PositionMinted.from_receipt(receipt))).tokenId


def collected(token_id: int, pool, by, amounts: tuple[int, int], fees: tuple[int, int] = (0, 0)) -> dict:
    """The arguments of a `PositionCollected` event: `amounts` into the child, of which `fees`."""
    return {
        "tokenId": token_id,
        "pool": pool.address,
        "by": by.address,
        "amount0": amounts[0],
        "amount1": amounts[1],
        "fees0": fees[0],
        "fees1": fees[1],
    }


def swap(world, swapper, token_in, token_out, amount: int) -> None:
    router = world.contract("uniswap_v3_router")
    router.exactInputSingle(
        (token_in.address, token_out.address, 3000, swapper.address, DEADLINE, amount, 0, 0), sender=swapper
    )
