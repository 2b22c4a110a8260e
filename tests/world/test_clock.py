"""The world's chain keeps wall time: a wallet's wall-clock deadline is not already past once it is deployed."""

from __future__ import annotations

import time

from web3 import Web3

from keepers.toolchain.anvil import Anvil
from keepers.world.deploy import deploy_world


def test_after_the_world_is_deployed_the_chain_is_on_wall_time_and_each_block_has_its_own_second(toolchain):
    with Anvil() as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 30}))
        book = deploy_world(w3, w3.eth.accounts[0], toolchain.root / "node_modules")
        head = w3.eth.get_block("latest")
        assert head["number"] == book.block > 50
        assert abs(head["timestamp"] - time.time()) <= 3

        for _ in range(3):
            w3.provider.make_request("evm_mine", [])
        later = [w3.eth.get_block(head["number"] + n)["timestamp"] for n in range(1, 4)]
        assert later == [head["timestamp"] + n for n in range(1, 4)]
