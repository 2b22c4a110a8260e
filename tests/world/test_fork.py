"""The fork pass of `make test` really runs on a fork of the upstream world."""

from __future__ import annotations

import os

import pytest

from keepers.world.upstream import WORLD_ENV


def test_fork_run_reads_the_upstream_world(chain, world):
    if WORLD_ENV not in os.environ:
        pytest.skip("runs in the fork pass: keepers world upstream -- ape test --network ethereum:mainnet-fork:foundry")
    # Under `keepers world upstream` this must be a fork; a silent fall-back to a fresh
    # local chain would fail here rather than skip.
    assert chain.provider.network.is_fork
    assert chain.chain_id == 1 == world.book.chain_id
    assert chain.blocks.height >= world.book.block
