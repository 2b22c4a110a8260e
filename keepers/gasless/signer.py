"""Building a user's request: its nonce and deadline from the chain, signed with the user's key.

What `keepers gasless sign` prints, and what the demo and the tests post to the relayer.
"""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from web3 import Web3

from keepers.gasless.contract import RelayContract
from keepers.gasless.request import ForwardRequest, SignedRequest, sign_request

DEFAULT_GAS = 300_000
DEFAULT_VALIDITY = 3_600  # seconds of chain time


def build_request(
    signer: str,
    diamond: str,
    data: bytes,
    *,
    nonce: int,
    deadline: int,
    gas: int = DEFAULT_GAS,
) -> ForwardRequest:
    return ForwardRequest.model_validate(
        {"from": signer, "to": diamond, "value": 0, "gas": gas, "nonce": nonce, "deadline": deadline, "data": data}
    )


def prepare(
    w3: Web3,
    account: LocalAccount,
    diamond: str,
    data: bytes,
    *,
    gas: int = DEFAULT_GAS,
    nonce: int | None = None,
    valid_for: int = DEFAULT_VALIDITY,
    chain_id: int | None = None,
) -> SignedRequest:
    """`data` as a request from `account` to `diamond`, signed: the signer's next nonce on the diamond
    unless given, a deadline `valid_for` seconds past the latest block's timestamp."""
    contract = RelayContract(w3, diamond)
    if nonce is None:
        nonce = contract.nonce(account.address)
    deadline = w3.eth.get_block("latest")["timestamp"] + valid_for
    request = build_request(account.address, contract.address, data, nonce=nonce, deadline=deadline, gas=gas)
    return sign_request(account, request, chain_id if chain_id is not None else w3.eth.chain_id, contract.address)
