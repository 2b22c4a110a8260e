"""The keeper on a chain that grows by thousands of pools while it runs.

Each block a test-only spawner creates and funds a batch of Uniswap V2 pairs (on both of the
world's V2 factories, between WETH and new tokens and between those tokens, priced consistently),
and the child's owner enables the pairs created a block earlier (``setArbPool``,
``setPoolAllowed``), as an operator does. The keeper discovers every pair from the factories' logs,
picks each one up from the child's events once it is enabled, and adds it to its search without a
rebuild. After every block its search holds exactly what a search built from scratch over the
same pools finds. Last, a dislocated pair among the new ones is arbitraged: the bundle lands and
realizes the prediction to the wei.

``make test`` creates a few hundred pairs; ``make test-scale`` (run by CI) creates 10,000
(``LAPIDARY_SCALE_FULL=1``).
"""

from __future__ import annotations

import os
import random

from ape import Project
from eth_account import Account
from web3 import Web3

from keepers.arb.execution import ARB_CHILD
from keepers.arb.setup import V2_KIND
from keepers.chain.contracts import Contract
from keepers.markets.search import ArbSearch
from tests.arb.e2e.test_arb_keeper import run_until_landed

FULL = bool(os.environ.get("LAPIDARY_SCALE_FULL"))
POOLS = 10_000 if FULL else 360
PER_BLOCK = 120  # pairs created a block (about 2.4M gas each)
TOKENS = 100 if FULL else 24
E18 = 10**18
GAS_LIMIT = 400_000_000


class Spawner:
    """The test-only PoolSpawner, its tokens and their reference prices (WETH per unit)."""

    def __init__(self, arb, toolchain, rng: random.Random):
        self.arb, self.rng, self.w3 = arb, rng, arb.w3
        contract_type = Project(toolchain.root).PoolSpawner.contract_type
        self.abi = [item.model_dump(mode="json", by_alias=True) for item in contract_type.abi]
        self.account = Account.from_key(os.urandom(32))
        self.w3.provider.make_request("anvil_setBalance", [self.account.address, hex(10**9 * E18)])
        deploy = self.w3.eth.contract(abi=self.abi, bytecode=contract_type.deployment_bytecode.bytecode)
        receipt = self._send(deploy.constructor(), gas=5_000_000)
        self.contract = self.w3.eth.contract(address=receipt["contractAddress"], abi=self.abi)
        self._send(self.contract.functions.makeTokens(TOKENS), gas=GAS_LIMIT // 2)
        self.tokens = [self.contract.functions.tokens(i).call() for i in range(TOKENS)]
        self.weth = arb.book.address("WETH")
        weth = arb.contract("WETH")
        self._send(weth.functions.deposit(), value=10**7 * E18)
        self._send(weth.functions.transfer(self.contract.address, 10**7 * E18))
        self.price = {self.weth: 1.0, **{t: 10 ** rng.uniform(-4, 1) for t in self.tokens}}
        self.factories = [
            arb.book.address(name) for name, entry in arb.book.contracts.items() if entry.artifact == "UniswapV2Factory"
        ]
        self.pairs: set[tuple[str, str, str]] = set()

    def _send(self, fn, gas: int = 1_000_000, value: int = 0) -> dict:
        tx = fn.build_transaction(
            {
                "from": self.account.address,
                "gas": gas,
                "value": value,
                "maxFeePerGas": 100 * 10**9,
                "maxPriorityFeePerGas": 10**9,
                "nonce": self.w3.eth.get_transaction_count(self.account.address, "pending"),
            }
        )
        tx_hash = self.w3.eth.send_raw_transaction(self.account.sign_transaction(tx).raw_transaction)
        self.w3.provider.make_request("evm_mine", [])
        receipt = self.w3.eth.get_transaction_receipt(tx_hash)
        assert receipt["status"] == 1, receipt
        return receipt

    def spawn(self, count: int, dislocate: bool = False) -> None:
        """Send (not mine) a transaction creating ``count`` new funded pairs; ``dislocate``: a new token
        with a WETH pair on each factory, 4% apart."""
        spawns = []
        if dislocate:
            self._send(self.contract.functions.makeTokens(1), gas=5_000_000)
            token = self.contract.functions.tokens(len(self.tokens)).call()
            self.tokens.append(token)
            self.price[token] = 1.0
            for factory, skew in zip(self.factories, (1.0, 1.04), strict=False):
                self.pairs.add((factory, *sorted((self.weth, token))))
                spawns.append((factory, self.weth, token, 50 * E18, int(50 * E18 * skew)))
        while len(spawns) < count:
            a, b = self.rng.sample([self.weth, self.weth, *self.tokens], 2)
            factory = self.rng.choice(self.factories)
            key = (factory, *sorted((a, b)))
            if a == b or key in self.pairs:
                continue
            self.pairs.add(key)
            value = 10 ** self.rng.uniform(-1, 1) * E18  # WETH a side
            noise = 1 + self.rng.uniform(-0.001, 0.001)  # inside the 0.3% fee: nothing pays
            spawns.append((factory, a, b, int(value / self.price[a]), int(value * noise / self.price[b])))
        tx = self.contract.functions.spawn(spawns).build_transaction(
            {
                "from": self.account.address,
                "gas": GAS_LIMIT - 20_000_000,
                "maxFeePerGas": 100 * 10**9,
                "maxPriorityFeePerGas": 10**9,
                "nonce": self.w3.eth.get_transaction_count(self.account.address, "pending"),
            }
        )
        self.w3.eth.send_raw_transaction(self.account.sign_transaction(tx).raw_transaction)


def _created(arb, block: int) -> list[str]:
    """Pairs the world's V2 factories created in ``block``."""
    factory = arb.contract("uniswap_v2_factory")
    event = factory.events.PairCreated()
    return [
        event.process_log(log)["args"]["pair"]
        for log in arb.w3.eth.get_logs({"fromBlock": block, "toBlock": block, "topics": [event.topic]})
    ]


def _enable(arb, pairs: list[str]) -> None:
    """The owner's calls that make the child trade ``pairs`` (sent, not mined)."""
    child = Contract(arb.w3, arb.child.address, ARB_CHILD)
    owner = arb.owner.address
    for pair in pairs:
        for data in (
            child.calldata("setArbPool", pair, V2_KIND, 30, True),
            child.calldata("setPoolAllowed", pair, True),
        ):
            arb.w3.provider.make_request(
                "eth_sendTransaction",
                [{"from": owner, "to": child.address, "data": "0x" + data.hex(), "gas": hex(200_000)}],
            )


def _state(search: ArbSearch) -> list[tuple]:
    return sorted((o.pools, o.amount_in, o.amount_out, o.net_profit) for o in search.opportunities())


def _from_scratch(keeper) -> list[tuple]:
    pools = [keeper.registry.states[a] for a in keeper.enabled]
    again = ArbSearch(pools, keeper.plan.base_token, keeper.search.params, keeper.plan.max_hops)
    again.refresh_all()
    return _state(again)


def test_the_keeper_follows_a_chain_growing_by_thousands_of_pools(arb, toolchain):
    w3 = arb.w3
    assert Web3.to_checksum_address(arb.owner.address) in w3.eth.accounts  # the node signs the owner's calls
    w3.provider.make_request("evm_setBlockGasLimit", [hex(GAS_LIMIT)])
    spawner = Spawner(arb, toolchain, random.Random(15))
    keeper = arb.keeper("balancer")
    keeper.start(arb.mine())
    world_pools = len(keeper.registry.pools)
    created: list[str] = []
    waiting: list[str] = []  # created, not enabled yet
    while len(created) < POOLS or waiting:
        if len(created) < POOLS:
            spawner.spawn(min(PER_BLOCK, POOLS - len(created)))
        _enable(arb, waiting)
        head = arb.mine()
        keeper.on_block(head)
        waiting = _created(arb, head)
        created += waiting
        assert len(keeper.registry.pools) == world_pools + len(created)
        assert _state(keeper.search) == _from_scratch(keeper)
    assert keeper.enabled >= set(created) and len(keeper.search.pools) >= POOLS
    assert keeper.search.stats()["pools"] == len(keeper.enabled)

    # a dislocated pair among the new pools: enabled a block later, then arbitraged
    spawner.spawn(2, dislocate=True)
    head = arb.mine()
    keeper.on_block(head)
    _enable(arb, _created(arb, head))
    opportunity, bundle = run_until_landed(arb, keeper)
    assert opportunity.lender == "balancer"
    w3.provider.make_request("evm_setBlockGasLimit", [hex(30_000_000)])
