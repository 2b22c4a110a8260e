"""The raw-log path: words read from the hex at the ABI's offsets decode as eth_abi does, and
malformed logs are refused instead of decoded to a wrong number."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keepers.arb.pool_logs import RESERVES, SLOT0, SYNC, V3_SWAP, V3_SWAP_EVENT, BadLog, apply_logs
from keepers.chain.contracts import AbiError, StaticEventDecoder, abi
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool

MASK = (1 << 256) - 1
PAIR = "0x" + "aB" * 20
POOL = "0x" + "cD" * 20


def _word(value: int) -> str:
    return f"{value & MASK:064x}"


def _log(address: str, topics: list[str], words: list[int]) -> dict:
    return {
        "address": address.lower(),
        "topics": topics,
        "data": "0x" + "".join(_word(w) for w in words),
        "blockNumber": "0x10",
        "logIndex": "0x0",
        "removed": False,
    }


@given(
    amount0=st.integers(-(2**255), 2**255 - 1),
    amount1=st.integers(-(2**255), 2**255 - 1),
    sqrt_price=st.integers(0, 2**160 - 1),
    liquidity=st.integers(0, 2**128 - 1),
    tick=st.integers(-(2**23), 2**23 - 1),
    sender=st.integers(0, 2**160 - 1),
)
def test_static_decoder_equals_eth_abi(amount0, amount1, sqrt_price, liquidity, tick, sender):
    topics = [V3_SWAP, "0x" + _word(sender), "0x" + _word(7)]
    log = _log(POOL, topics, [amount0, amount1, sqrt_price, liquidity, tick])
    decoded = V3_SWAP_EVENT.decode(log)
    assert StaticEventDecoder(V3_SWAP_EVENT)(log) == tuple(decoded.values())
    assert SLOT0(log) == (sqrt_price, tick, liquidity)


@pytest.mark.parametrize(
    "words, topics, problem",
    [
        ([1, 2, 3], [SYNC], "data characters"),  # one word too many
        ([1], [SYNC], "data characters"),
        ([2**112, 1], [SYNC], "out of uint112"),  # dirty padding
        ([1, 2], [SYNC, "0x" + _word(1)], "topics"),
    ],
)
def test_malformed_logs_are_refused(words, topics, problem):
    with pytest.raises(ValueError, match=problem):
        RESERVES(_log(PAIR, topics, words))


def test_a_signed_word_must_be_sign_extended():
    log = _log(POOL, [V3_SWAP, "0x" + _word(0), "0x" + _word(0)], [0, 0, 1, 1, 2**23])  # int24 overflow
    with pytest.raises(ValueError, match="int24"):
        SLOT0(log)


def test_only_static_words_and_known_names():
    with pytest.raises(AbiError, match="no argument"):
        StaticEventDecoder(V3_SWAP_EVENT, ("price",))
    with pytest.raises(AbiError, match="static"):
        StaticEventDecoder(abi("IDiamondCut").event("DiamondCut"))  # a tuple array and bytes


def test_apply_logs_follows_known_pools_and_reports_bad_logs():
    pair = V2Pool("0x" + "aB" * 20, "0x" + "01" * 20, "0x" + "02" * 20, 10, 20)
    pool = V3Pool(POOL, "0x" + "01" * 20, "0x" + "02" * 20, 3000, 60, 2**96, 0, 5, {-60: 5, 60: -5})
    states = {pair.address: pair, pool.address: pool}
    addresses = {pair.address.lower(): pair.address, pool.address.lower(): pool.address}
    gross = {pool.address: {-60: 5, 60: 5}}
    stranger = _log("0x" + "ee" * 20, [SYNC], [1, 2])
    logs = [
        _log(pair.address, [SYNC], [11, 21]),
        stranger,
        {**_log(pair.address, [SYNC], [99, 99]), "removed": True},
        _log(pool.address, [V3_SWAP, "0x" + _word(0), "0x" + _word(0)], [1, -1, 2**97, 6, 6931]),
        {**_log(pair.address, [SYNC.upper().replace("0X", "0x")], [12, 22]), "address": pair.address},
    ]
    assert apply_logs(logs, states, gross, addresses) == {pair.address, pool.address}
    assert (states[pair.address].reserve0, states[pair.address].reserve1) == (12, 22)
    assert (states[pool.address].sqrt_price_x96, states[pool.address].tick, states[pool.address].liquidity) == (
        2**97,
        6931,
        6,
    )
    assert states[pool.address].ticks == pool.ticks
    with pytest.raises(BadLog, match=pair.address):
        apply_logs([_log(pair.address, [SYNC], [1])], states, gross, addresses)
    # A skipped pool's logs are not applied (it is read whole instead).
    assert apply_logs([_log(pair.address, [SYNC], [1, 1])], states, gross, addresses, skip={pair.address}) == set()
