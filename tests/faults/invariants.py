"""What must hold after any fault: nothing stuck, no purpose landed twice, nonces contiguous, and the
transaction journal reconciled with the chain, transaction by transaction."""

from __future__ import annotations

from collections import Counter

from web3 import Web3

from keepers.chain.journal import TxJournal


def chain_transactions(w3: Web3, sender: str, from_block: int = 0) -> dict[str, int]:
    """Every transaction `sender` has in the canonical chain from `from_block`: hash -> nonce."""
    found = {}
    for number in range(from_block, w3.eth.block_number + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            if tx["from"] == sender:
                found[tx["hash"].to_0x_hex()] = tx["nonce"]
    return found


def check_sender(w3: Web3, journal: TxJournal, sender: str, from_block: int = 0) -> None:
    """The invariants for one signing account (see the module docstring)."""
    on_chain = chain_transactions(w3, sender, from_block)
    rows = journal.of_sender(sender)
    landed = [row for row in rows if row.mined_block is not None]
    # Every transaction of the account on chain is journaled as landed, under the hash that landed.
    journaled = {row.tx_hash: row for row in landed}
    assert set(on_chain) == set(journaled), (
        f"chain and journal differ: on chain only {set(on_chain) - set(journaled)}, "
        f"journal only {set(journaled) - set(on_chain)}"
    )
    # Nonces contiguous: the account's mined count equals the distinct nonces it used.
    nonces = sorted(on_chain.values())
    first = min(nonces, default=w3.eth.get_transaction_count(sender))
    assert nonces == list(range(first, first + len(nonces))), f"nonces not contiguous: {nonces}"
    assert w3.eth.get_transaction_count(sender) == first + len(nonces)
    # No purpose landed twice, nothing left in flight.
    twice = [purpose for purpose, count in Counter(row.purpose for row in landed).items() if count > 1]
    assert not twice, f"landed twice: {twice}"
    open_rows = [f"{row.purpose} {row.status} {row.error}" for row in rows if row.status in ("pending", "bundled")]
    assert not open_rows, f"still in flight: {open_rows}"
