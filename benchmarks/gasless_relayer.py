#!/usr/bin/env python
"""Throughput of the gasless relayer's validation: posted bodies checked per second on one core.

``--requests`` distinct claims (``--signers`` signers, each with its next nonce) are signed once,
serialized to the JSON bodies clients post, and then run through exactly what ``POST /v1/requests``
does before journaling (``keepers.gasless.validation``): the client's IP budget, body size, JSON and
schema, target, selector allow-list, value, gas, deadline against the chain's clock, the EIP-712
digest, secp256k1 recovery (coincurve, high-s refused), the signer's budget and the nonce against the
chain and the requests in flight. Chain facts come from the relayer's own cache (``ChainCache``),
warmed as after a block was read, so no node is involved; rate limits are generous so every request
passes. Measured with ``time.perf_counter`` over the whole batch, best of ``--rounds``, one thread
(pinned to one CPU where the OS allows).

The anchor is the floor of the per-request work done the usual way: eth-account's
``Account.recover_message(encode_typed_data(full_message=...))`` of the same typed data, per second,
in the same run. Both must name the same signer for every request (the run fails otherwise).

Target: >= 1,000 validations per second.

    .venv/bin/python benchmarks/gasless_relayer.py --json
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address
from web3 import Web3

from keepers.gasless.contract import CLAIM, ChainCache, RelayContract
from keepers.gasless.request import SignedRequest, sign_request, typed_data
from keepers.gasless.signer import build_request
from keepers.gasless.validation import RateLimiter, RelayPolicy, Validator
from keepers.rewards.campaigns import RewardsContract

TARGET = 1_000
CHAIN_ID = 1
NOW = 1_800_000_000


def _requests(count: int, signers: int, diamond: str) -> list[tuple[bytes, SignedRequest, str]]:
    keys = [Account.from_key(keccak(text=f"gasless benchmark signer {i}")) for i in range(signers)]
    proof = ["0x" + keccak(text=f"node {i}").hex() for i in range(17)]  # a tree of ~100k leaves
    out = []
    for i in range(count):
        signer = keys[i % signers]
        account = to_checksum_address(keccak(text=f"claimant {i}")[:20])
        data = RewardsContract.claim_calldata(1, account, (i + 1) * 10**15, proof)
        request = build_request(signer.address, diamond, data, nonce=0, deadline=NOW + 3_600)
        signed = sign_request(signer, request, CHAIN_ID, diamond)
        out.append((json.dumps(signed.to_json()).encode(), signed, signer.address))
    return out


def validation_rows(requests: int = 2_000, signers: int = 10, rounds: int = 3) -> list[dict]:
    """The benchmark's result rows: our validations/s beside eth-account's recoveries/s."""
    diamond = to_checksum_address(keccak(text="gasless benchmark diamond")[:20])
    batch = _requests(requests, signers, diamond)
    cache = ChainCache(RelayContract(Web3(), diamond))
    cache.warm(NOW, {address: 0 for _, _, address in batch}, {CLAIM: True})
    policy = RelayPolicy(chain_id=CHAIN_ID, diamond=diamond, selectors=frozenset({CLAIM}))
    validator = Validator(policy, cache, RateLimiter(1e9, 10**9), RateLimiter(1e9, 10**9))
    in_flight = frozenset()

    def pending(_signer: str) -> frozenset[int]:
        return in_flight

    def ours() -> float:
        started = time.perf_counter()
        for body, _, address in batch:
            validator.admit_client("127.0.0.1")
            valid = validator.validate(validator.parse(body), pending)
            if valid.signer != address:
                raise SystemExit(f"validation recovered {valid.signer}, expected {address}")
        return len(batch) / (time.perf_counter() - started)

    anchor_batch = batch[: max(1, len(batch) // 4)]

    def anchor() -> float:
        started = time.perf_counter()
        for _, signed, address in anchor_batch:
            message = encode_typed_data(full_message=typed_data(signed.request, CHAIN_ID, diamond))
            if Account.recover_message(message, signature=signed.signature) != address:
                raise SystemExit("eth-account recovered another signer")
        return len(anchor_batch) / (time.perf_counter() - started)

    gc.collect()
    ours_rate = max(ours() for _ in range(rounds))
    anchor_rate = max(anchor() for _ in range(rounds))
    return [
        {
            "name": "relayer validations per second, one core (signature recovery included, warm chain cache)",
            "ours": round(ours_rate, 1),
            "anchor": round(anchor_rate, 1),
            "anchor_name": "eth_account Account.recover_message of the same EIP-712 typed data, per second",
            "unit": "requests/s",
            "target": f">= {TARGET}/s",
            "met": ours_rate >= TARGET,
        }
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--signers", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the JSON object (the only output format)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rows = validation_rows(args.requests, args.signers, args.rounds)
    print(json.dumps({"benchmark": "gasless_relayer", "results": rows}))


if __name__ == "__main__":
    main()
