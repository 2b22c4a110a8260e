"""A fresh devrelay (with its own anvil, mining only when told unless a test asks otherwise) per test."""

from __future__ import annotations

import pytest
from web3 import Web3

from keepers.bundles.client import RelayClient
from keepers.devrelay.relay import DevRelay, RelayLimits
from tests.bundles.support import SEARCHER, Chain


@pytest.fixture
def relay(request):
    """Mining only on ``mine_now``, or every ``request.param`` seconds (parametrize indirectly)."""
    interval = getattr(request, "param", None)
    limits = RelayLimits(max_body_bytes=64 * 1024, max_bundle_txs=8)
    with DevRelay(block_interval=interval, limits=limits) as relay:
        yield relay


@pytest.fixture
def chain(relay) -> Chain:
    return Chain(Web3(Web3.HTTPProvider(relay.anvil_url)))


@pytest.fixture
def client(relay) -> RelayClient:
    return RelayClient([relay.url], SEARCHER, timeout=10)
