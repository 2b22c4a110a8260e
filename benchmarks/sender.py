#!/usr/bin/env python
"""Throughput and own overhead of the one transaction path (`keepers.chain.sender`).

1. **Throughput.** ``--accounts`` funded accounts each send ``--txs`` zero-value transfers to a
   fresh anvil (mining off, so the pool holds everything and the count is the node's
   admission rate). Ours: a `SenderPool` with the journal on (SQLite in a temporary folder),
   one thread per account, each handing its transfers to its `TxSender` ``--batch`` at a time
   (`send_many`: nonces reserved locally, signed, journaled in one database transaction,
   broadcast in one JSON-RPC batch). The anchor, in the same run and on the same node, on as
   many other accounts: the plain web3.py loop, which asks the node for each nonce
   (``get_transaction_count(address, "pending")``), signs and sends, one transaction at a time.
   Afterwards every block is mined and each account's transactions are checked on chain: nonces
   0..n-1, each once, none refused (a "nonce error" is any transaction of ours missing, refused
   or out of place, or any error raised).
2. **Overhead.** What the sender itself costs per transaction on one core, node time excluded:
   the same `send_many` path (reserve, sign, journal, bookkeeping) against an in-process node
   stand-in that accepts every transaction at once. Beside it, eth-account's
   ``sign_transaction`` alone for the same transactions (the floor any sender pays).

Targets: throughput >= 5x the plain loop with zero nonce errors; overhead <= 1 ms per transaction.

    .venv/bin/python benchmarks/sender.py --json
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eth_account import Account  # noqa: E402
from web3 import Web3  # noqa: E402
from web3.providers.base import BaseProvider  # noqa: E402

from keepers.chain.fees import FeePolicy, Fees  # noqa: E402
from keepers.chain.journal import TxJournal  # noqa: E402
from keepers.chain.sender import Call, SenderPool, TxSender  # noqa: E402
from keepers.store.db import Store  # noqa: E402
from keepers.toolchain.anvil import Anvil  # noqa: E402

E18 = 10**18
FEES = Fees(max_fee=20 * 10**9, tip=10**9)
SINK = "0x000000000000000000000000000000000000dEaD"
TARGET_RATIO = 5.0
TARGET_OVERHEAD_MS = 1.0


def _funded(w3: Web3, count: int) -> list:
    accounts = [Account.from_key(secrets.token_bytes(32)) for _ in range(count)]
    for account in accounts:
        w3.provider.make_request("anvil_setBalance", [account.address, hex(100 * E18)])
    return accounts


def plain_loop(w3: Web3, accounts: list, txs: int) -> tuple[float, int]:
    """The anchor: per transaction, the pending nonce from the node, sign, send. Returns (tx/s, errors)."""
    chain_id, errors = w3.eth.chain_id, 0
    started = time.perf_counter()
    for _ in range(txs):
        for account in accounts:
            nonce = w3.eth.get_transaction_count(account.address, "pending")
            signed = account.sign_transaction(
                {
                    "type": 2,
                    "chainId": chain_id,
                    "nonce": nonce,
                    "to": SINK,
                    "value": 0,
                    "gas": 21_000,
                    "maxFeePerGas": FEES.max_fee,
                    "maxPriorityFeePerGas": FEES.tip,
                }
            )
            try:
                w3.eth.send_raw_transaction(signed.raw_transaction)
            except Exception:  # counted: a nonce collision or any refusal
                errors += 1
    elapsed = time.perf_counter() - started
    return len(accounts) * txs / elapsed, errors


def ours(w3: Web3, accounts: list, txs: int, batch: int, folder: Path) -> tuple[float, int, SenderPool]:
    """Through a SenderPool, journal on, one thread per account. Returns (tx/s, errors, pool)."""
    store = Store(f"sqlite:///{folder / 'journal.db'}")
    pool = SenderPool(w3, TxJournal(store, w3.eth.chain_id), FeePolicy(), confirmations=1)
    senders = [pool.add(account) for account in accounts]
    for sender in senders:
        _ = sender.nonces  # synced from the node before the clock starts, as at a keeper's start
    errors: list[Exception] = []
    refused: list[str] = []

    def work(sender: TxSender) -> None:
        try:
            for first in range(0, txs, batch):
                items = [
                    (f"bench:{sender.address}:{n}", Call(SINK, b"", 0, 21_000))
                    for n in range(first, min(first + batch, txs))
                ]
                for tx in sender.send_many(items, fees=FEES):
                    if tx.status != "pending" or tx.error:
                        refused.append(f"{tx.purpose}: {tx.status} {tx.error}")
        except Exception as err:  # counted below
            errors.append(err)

    threads = [threading.Thread(target=work, args=(sender,)) for sender in senders]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for problem in [*map(str, errors), *refused][:5]:
        print(f"sender error: {problem}", file=sys.stderr)
    return len(accounts) * txs / elapsed, len(errors) + len(refused), pool


def nonce_errors(w3: Web3, accounts: list, txs: int) -> int:
    """Mine everything, then count accounts' transactions not at nonces 0..txs-1 exactly once."""
    wanted = {account.address: txs for account in accounts}
    while w3.eth.get_block("pending")["transactions"]:
        w3.provider.make_request("evm_mine", [])
    return sum(abs(w3.eth.get_transaction_count(address) - count) for address, count in wanted.items())


class NullNode(BaseProvider):
    """Accepts every transaction at once (overhead only: no node time)."""

    def make_request(self, method: str, params: Any) -> dict:
        if method == "eth_getTransactionCount":
            return {"jsonrpc": "2.0", "id": 1, "result": "0x0"}
        if method == "eth_chainId":
            return {"jsonrpc": "2.0", "id": 1, "result": "0x7a69"}
        if method == "eth_sendRawTransaction":
            return {"jsonrpc": "2.0", "id": 1, "result": "0x" + "00" * 32}
        raise NotImplementedError(method)

    def make_batch_request(self, requests: list) -> list[dict]:
        return [self.make_request(method, params) for method, params in requests]

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


def overhead(txs: int, batch: int, folder: Path) -> tuple[float, float]:
    """(ms per transaction through send_many on a null node, ms per eth-account signature alone)."""
    w3 = Web3(NullNode())
    store = Store(f"sqlite:///{folder / 'overhead.db'}")
    account = Account.from_key(secrets.token_bytes(32))
    sender = TxSender(w3, account, TxJournal(store, 31337), FeePolicy())
    _ = sender.nonces
    started = time.perf_counter()
    for first in range(0, txs, batch):
        sender.send_many(
            [(f"overhead:{n}", Call(SINK, b"", 0, 21_000)) for n in range(first, first + batch)], fees=FEES
        )
    ours_ms = (time.perf_counter() - started) * 1000 / txs
    started = time.perf_counter()
    for nonce in range(txs):
        account.sign_transaction(
            {
                "type": 2,
                "chainId": 31337,
                "nonce": nonce,
                "to": SINK,
                "value": 0,
                "data": b"",
                "gas": 21_000,
                "maxFeePerGas": FEES.max_fee,
                "maxPriorityFeePerGas": FEES.tip,
            }
        )
    sign_ms = (time.perf_counter() - started) * 1000 / txs
    store.close()
    return ours_ms, sign_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--txs", type=int, default=100, help="transactions per account")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--overhead-txs", type=int, default=2_000)
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="lapidary-sender-bench-") as tmp,
        Anvil(args=("--no-mining", "--base-fee", str(10**9))) as node,
    ):
        folder = Path(tmp)
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 60}))
        plain_accounts, our_accounts = _funded(w3, args.accounts), _funded(w3, args.accounts)
        anchor_rate, anchor_errors = plain_loop(w3, plain_accounts, args.txs)
        our_rate, errors, pool = ours(w3, our_accounts, args.txs, args.batch, folder)
        errors += nonce_errors(w3, our_accounts, args.txs)
        pool.journal.store.close()
        ours_ms, sign_ms = overhead(args.overhead_txs, args.batch, folder)

    results = [
        {
            "name": f"transactions per second, {args.accounts} accounts in parallel, journal on",
            "ours": round(our_rate, 1),
            "anchor": round(anchor_rate, 1),
            "anchor_name": "plain web3.py loop: pending nonce from the node, sign, send (one at a time)",
            "unit": "tx/s",
            "target": f">= {TARGET_RATIO:g}x the anchor with 0 nonce errors (ours: {errors})",
            "met": our_rate >= TARGET_RATIO * anchor_rate and errors == 0,
        },
        {
            "name": "sender overhead per transaction (reserve, sign, journal, bookkeeping; node excluded)",
            "ours": round(ours_ms, 4),
            "anchor": round(sign_ms, 4),
            "anchor_name": "eth-account sign_transaction alone",
            "unit": "ms",
            "target": f"<= {TARGET_OVERHEAD_MS:g} ms on one core",
            "met": ours_ms <= TARGET_OVERHEAD_MS,
        },
    ]
    report = {"benchmark": "sender", "results": results}
    if not args.json:
        summary = f"plain loop: {anchor_rate:.0f} tx/s ({anchor_errors} errors); ours: {our_rate:.0f} tx/s"
        print(summary, file=sys.stderr)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
