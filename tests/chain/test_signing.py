"""The hot-path EIP-1559 signer produces exactly eth-account's bytes, whatever the transaction."""

from __future__ import annotations

from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from keepers.chain.signing import Eip1559Signer

KEYS = [Account.from_key(bytes([i + 1]) * 32) for i in range(3)]
U256 = st.integers(0, 2**256 - 1)


@settings(max_examples=300, deadline=None)
@given(
    key=st.sampled_from(KEYS),
    chain_id=st.integers(1, 2**64 - 1),
    nonce=st.integers(0, 2**64 - 2),
    to=st.one_of(st.none(), st.binary(min_size=20, max_size=20)),
    value=U256,
    data=st.binary(max_size=300),
    gas=st.integers(21_000, 2**63 - 1),
    max_fee=U256,
    tip=U256,
)
def test_bytes_equal_eth_account(key, chain_id, nonce, to, value, data, gas, max_fee, tip):
    address = Account.from_key(b"\x07" * 32).address if to is None else to_checksum_address(to)
    tx = {
        "type": 2,
        "chainId": chain_id,
        "nonce": nonce,
        "value": value,
        "data": data,
        "gas": gas,
        "maxFeePerGas": max_fee,
        "maxPriorityFeePerGas": tip,
    }
    if to is not None:
        tx["to"] = address
    expected = key.sign_transaction(tx)
    ours = Eip1559Signer(key).sign(
        chain_id=chain_id,
        nonce=nonce,
        to=None if to is None else address,
        value=value,
        data=data,
        gas=gas,
        max_fee=max_fee,
        tip=tip,
    )
    assert ours.raw == bytes(expected.raw_transaction)
    assert ours.hash == bytes(expected.hash)
