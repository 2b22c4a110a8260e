"""The demo's gasless step: the reward holder, who has no ETH, claims through the relayer.

The relayer (`keepers.gasless`, as `keepers run gasless` runs it) serves its HTTP API on a free
loopback port; the holder's claim is signed as an EIP-712 request (`keepers.gasless.signer`),
posted to `POST /v1/requests` and followed on `GET /v1/requests/{id}` until it is mined. The
relayer pays the gas; the report reads the holder's ETH balance (0) and DAI received from chain.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from eth_account.signers.local import LocalAccount
from web3 import Web3

from keepers.chain.contracts import token_balance
from keepers.config import GaslessSettings
from keepers.demo.report import GaslessReport
from keepers.demo.rewards import PendingClaim
from keepers.gasless.service import HttpServer, create_app, make_relayer
from keepers.gasless.signer import prepare
from keepers.store.db import Store


def claim_gaslessly(
    w3: Web3, child: str, relayer_account: LocalAccount, claim: PendingClaim, data_dir: Path, timeout: float = 60
) -> tuple[GaslessReport, int]:
    """Relay `claim` for its holder; returns the report section and the tokens the holder received."""
    journal_file = data_dir / "gasless.db"
    journal_file.unlink(missing_ok=True)
    store = Store(f"sqlite:///{journal_file}")
    relayer = make_relayer(w3, child, relayer_account, store, GaslessSettings(), poll_interval=0.2)
    before = token_balance(w3, claim.token, claim.holder.address)
    relayer.start()
    try:
        with HttpServer(create_app(relayer)) as server:
            relay_url = server.url
            signed = prepare(w3, claim.holder, child, claim.calldata)
            with httpx.Client(base_url=server.url, timeout=10) as client:
                response = client.post("/v1/requests", json=signed.to_json())
                if response.status_code != 202:
                    raise RuntimeError(f"the relayer refused the claim: {response.text}")
                request_id = response.json()["id"]
                deadline = time.monotonic() + timeout
                while (status := client.get(f"/v1/requests/{request_id}").json())["status"] not in ("mined", "failed"):
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the relayed claim is still {status['status']} after {timeout}s")
                    time.sleep(0.1)
    finally:
        relayer.stop()
        store.close()
    if status["status"] != "mined":
        raise RuntimeError(f"the relayed claim failed: {status['reason']}")
    received = token_balance(w3, claim.token, claim.holder.address) - before
    report = GaslessReport(
        request_id=request_id,
        tx_hash=status["tx_hash"],
        signer=claim.holder.address,
        signer_eth_balance_wei=w3.eth.get_balance(claim.holder.address),
        relayer=relayer_account.address,
        gas_used=status["gas_used"],
        relay_url=relay_url,
    )
    return report, received


def print_gasless(console, gasless: GaslessReport, received: int) -> None:
    console.print(
        f"gasless claim by {gasless.signer} (ETH balance {gasless.signer_eth_balance_wei} wei): request "
        f"{gasless.request_id} mined in {gasless.tx_hash}, {gasless.gas_used} gas paid by the relayer "
        f"{gasless.relayer}; {received} wei of rewards received"
    )
