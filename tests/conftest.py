"""Shared fixtures: one DeFi world per test session, Ape's snapshot/revert per test.

The world is deployed once per session into whatever chain Ape connected to.
Under `keepers world upstream` (the offline fork run) it is already on the
upstream chain; the fixture then reads its address book instead of deploying.
"""

from __future__ import annotations

import functools
import json
import os
from collections import Counter
from pathlib import Path

import pytest
from ape.contracts import ContractInstance
from ethpm_types import ContractType
from web3 import Web3

from keepers.diamond.compile import compile_project
from keepers.toolchain import default_toolchain
from keepers.toolchain.anvil import Anvil
from keepers.toolchain.shards import WEIGHTS, deal, group_of, read_weights
from keepers.world.artifacts import ArtifactStore
from keepers.world.book import AddressBook
from keepers.world.deploy import deploy_world
from keepers.world.upstream import WORLD_ENV

ROOT = Path(__file__).resolve().parents[1]


class World:
    """The address book plus Ape handles on its contracts, looked up by name."""

    def __init__(self, book: AddressBook, artifacts: ArtifactStore, chain_manager):
        self.book = book
        self._artifacts = artifacts
        self._chain = chain_manager

    def contract(self, name: str, artifact: str | None = None) -> ContractInstance:
        """An Ape contract for a contract, token or pool of the world."""
        if artifact is None:
            if name not in self.book.contracts:
                raise KeyError(f"{name!r} is not a deployed contract of the world; pass its artifact")
            artifact = self.book.contracts[name].artifact
        contract_type = ContractType(contractName=artifact, abi=self._artifacts.abi(artifact))
        return self._chain.contracts.instance_at(self.book.address(name), contract_type=contract_type)

    def token(self, symbol: str) -> ContractInstance:
        return self.contract(symbol)


SHARD_ENV = "LAPIDARY_TEST_SHARD"


def pytest_collection_modifyitems(config, items):
    """`LAPIDARY_TEST_SHARD=i/n` keeps the i-th (0-based) of n shards, dealt by group and recorded
    weight (`keepers.toolchain.shards`): `make test` runs the shards side by side, each with its own
    anvil, to use both cores."""
    shard = os.environ.get(SHARD_ENV)
    if not shard:
        return
    try:
        index, count = (int(part) for part in shard.split("/"))
    except ValueError:
        raise pytest.UsageError(f"{SHARD_ENV} must look like 0/2, not {shard!r}") from None
    if not 0 <= index < count:
        raise pytest.UsageError(f"{SHARD_ENV}={shard!r}: the shard index must be in [0, {count})")
    groups = Counter(group_of(item.nodeid) for item in items)
    shard_of = deal(groups, read_weights(ROOT / WEIGHTS), count)
    keep = [item for item in items if shard_of[group_of(item.nodeid)] == index]
    config.hook.pytest_deselected(items=[item for item in items if shard_of[group_of(item.nodeid)] != index])
    items[:] = keep
    config.pluginmanager.register(GroupDurations(index), "lapidary-group-durations")


class GroupDurations:
    """Records each group's seconds (setup, call, teardown) to `.build/test-durations-<shard>.json`,
    which `python -m keepers.toolchain.shards --update-weights` turns into the next deal's weights."""

    def __init__(self, shard: int):
        self.shard, self.seconds = shard, Counter()

    def pytest_runtest_logreport(self, report):
        self.seconds[group_of(report.nodeid)] += report.duration

    def pytest_sessionfinish(self):
        out = ROOT / ".build" / f"test-durations-{self.shard}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(json.dumps(dict(self.seconds)))


@pytest.fixture(scope="session", autouse=True)
def _derive_test_accounts_once():
    """Ape re-derives a test account from the mnemonic (PBKDF2, ~0.3 s) each time it explains a
    revert; the derivation is a pure function of its arguments, so derive each account once."""
    import ape_test.accounts

    derive = functools.cache(lambda *args, **kwargs: tuple(original(*args, **kwargs)))
    original = ape_test.accounts.generate_dev_accounts
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ape_test.accounts, "generate_dev_accounts", lambda *a, **k: list(derive(*a, **k)))
        yield


@pytest.fixture(scope="session", autouse=True)
def _compiled(project):
    """Every test sees bytecode built from the sources as they are now (see compile_project)."""
    compile_project(project)


# Account roles shared by every test (accounts[0] deploys the world).
@pytest.fixture(scope="session")
def owner(accounts):
    """Owns the diamonds."""
    return accounts[1]


@pytest.fixture(scope="session")
def guardian(accounts):
    """The master's guardian (may pause; never the owner)."""
    return accounts[2]


@pytest.fixture(scope="session")
def child_guardian(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def bot(accounts):
    """A keeper bot: allowed to trade, never the owner."""
    return accounts[4]


@pytest.fixture(scope="session")
def other_bot(accounts):
    return accounts[5]


@pytest.fixture(scope="session")
def stranger(accounts):
    """Holds no role anywhere."""
    return accounts[6]


@pytest.fixture(scope="session")
def toolchain():
    return default_toolchain()


@pytest.fixture(scope="session")
def artifacts(toolchain) -> ArtifactStore:
    return ArtifactStore(toolchain.root / "node_modules")


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def world(chain, deployer, artifacts, toolchain, tmp_path_factory) -> World:
    """The world on the connected chain: read from the upstream's book, or deployed now."""
    provider = chain.provider
    upstream_book = os.environ.get(WORLD_ENV)
    if upstream_book and provider.network.is_fork:
        book = AddressBook.read(Path(upstream_book))
        assert book.chain_id == chain.chain_id, f"{upstream_book} is for chain {book.chain_id}"
        assert provider.get_code(book.address("WETH")), "the fork does not see the upstream world"
    else:
        deployed = deploy_world(provider.web3, deployer.address, toolchain.root / "node_modules")
        # Round-trip through the file: tests look names up exactly as keepers do.
        book = AddressBook.read(deployed.write(tmp_path_factory.mktemp("world") / "world.json"))
    return World(book, artifacts, chain)


# The world's tokens, by symbol.
@pytest.fixture(scope="session")
def weth(world) -> ContractInstance:
    return world.token("WETH")


@pytest.fixture(scope="session")
def usdc(world) -> ContractInstance:
    return world.token("USDC")


@pytest.fixture(scope="session")
def dai(world) -> ContractInstance:
    return world.token("DAI")


@pytest.fixture(scope="module")
def reference_chain(toolchain, tmp_path_factory):
    """The "real network": an anvil with chain id 1 and its own world (~4 s)."""
    with Anvil(chain_id=1, log_path=tmp_path_factory.mktemp("reference") / "anvil.log") as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        book = deploy_world(w3, w3.eth.accounts[0], toolchain.root / "node_modules")
        yield node.url, w3, book
