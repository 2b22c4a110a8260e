#!/usr/bin/env python
"""Gas a user's relayed claim costs over the same claim sent directly, beside OpenZeppelin's
`ERC2771Forwarder` forwarding the same call, measured on a fresh anvil in the same run.

- ours: a rewards child diamond built by the production deployer (MerkleRewardsFacet and
  GaslessRelayFacet) and configured by `configure_rewards_child` (claims relayable). A campaign has a
  claimable root over 8 accounts. The overhead is the receipt gas of `execute` carrying a signed
  `claim(campaignId, account, cumulativeAmount, proof)` minus the receipt gas of the same `claim` sent
  directly to the diamond, both from the same chain state (snapshot, send, restore).
- anchor: `ERC2771ForwarderAnchor` (OpenZeppelin 5's `ERC2771Forwarder` from node_modules, unchanged)
  forwarding the byte-identical `claim` calldata to `ERC2771ClaimTarget`, an `ERC2771Context` target
  with `claim`'s signature doing a one-slot write, minus the same call sent directly to the target.
  Whatever the target does appears on both sides and cancels out; a one-slot write keeps the anchor
  the size of the issue's own measurement, and the identical calldata makes both forwarders hash and
  copy the same bytes.

Each overhead is measured for a signer's first request (its nonce slot written from zero) and for a
later one (the signer has had one request executed). Target (issues 6, 15): our overhead <= 0.85x
OZ's, not met: docs/gasless.md breaks both overheads down (the diamond's dispatch of `execute` and
the allow-list read cost 6,800 gas that a standalone forwarder does not pay) and lists what was
weighed to close the gap.

The relayer's validation throughput is a separate row the relayer service contributes; see
`throughput_rows`.

    .venv/bin/python benchmarks/gasless.py --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
E18 = 10**18
HOUR = 3_600
REQUEST_GAS = 300_000
TARGET_RATIO = 0.85
ZERO = "0x0000000000000000000000000000000000000000"
FORWARD_REQUEST_FIELDS = [
    {"name": "from", "type": "address"},
    {"name": "to", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "gas", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint48"},
    {"name": "data", "type": "bytes"},
]


@dataclass(frozen=True)
class Overheads:
    """Forwarded minus direct receipt gas of one forwarder, for a first and a later request."""

    first: int
    later: int


def sign_request(key: bytes, verifying_contract: str, chain_id: int, message: dict) -> bytes:
    """EIP-712 signature of a `ForwardRequest` under {name: "Lapidary", version: "1"} (both forwarders)."""
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    domain = {"name": "Lapidary", "version": "1", "chainId": chain_id, "verifyingContract": verifying_contract}
    signable = encode_typed_data(domain, {"ForwardRequest": FORWARD_REQUEST_FIELDS}, message)
    return bytes(Account.sign_message(signable, key).signature)


class Bench:
    """The fresh chain of one run: the rewards child, OZ's forwarder and target, the accounts."""

    def __init__(self, project, chain, accounts):
        from eth_account import Account
        from eth_utils import keccak

        from keepers.diamond.deploy import DeployConfig, DiamondDeployer
        from keepers.rewards.setup import configure_rewards_child
        from keepers.rewards.tree import RewardTree

        self.chain = chain
        owner, bot, self.relayer, sponsor = accounts[0], accounts[1], accounts[2], accounts[3]
        self.signer_key = keccak(text="lapidary gasless benchmark signer")
        self.signer = Account.from_key(self.signer_key).address  # never holds ETH

        with tempfile.TemporaryDirectory() as tmp:
            deployer = DiamondDeployer.open(project, owner, Path(tmp) / "deployments.json", "ethereum:local")
            records = deployer.system(DeployConfig(strategies={"rewards": DeployConfig().strategies["rewards"]}))
        record = records.children["rewards"]
        self.child = deployer.handle(record.address, "Diamond", *record.facets)
        configure_rewards_child(self.child, (bot.address,), owner)

        token = project.RewardsFeeToken.deploy(0, sender=owner)  # no fee: a plain mintable ERC-20
        token.mint(sponsor, 1_000 * E18, sender=sponsor)
        token.approve(self.child, 1_000 * E18, sender=sponsor)
        start = self.now() + 1
        receipt = self.child.createCampaign(token, token, 1_000 * E18, start, start + HOUR, HOUR, 0, sender=sponsor)
        campaign_id = self.child.CampaignCreated.from_receipt(receipt)[0].campaignId
        accounts_in_tree = [self.signer] + [f"0x{i:040x}" for i in range(0xC1A1, 0xC1A1 + 7)]
        self.tree = RewardTree.from_allocations(campaign_id, {a: (i + 1) * E18 for i, a in enumerate(accounts_in_tree)})
        chain.pending_timestamp = start + HOUR
        self.child.postRoot(campaign_id, 1, self.tree.root, 36 * E18, b"\x01" * 32, sender=bot)
        chain.mine(timestamp=start + 2 * HOUR + 1)  # past the one-hour timelock

        self.forwarder = project.ERC2771ForwarderAnchor.deploy(sender=owner)
        self.target = project.ERC2771ClaimTarget.deploy(self.forwarder, sender=owner)

    def now(self) -> int:
        return self.chain.blocks.head.timestamp

    def claim_data(self, account: str) -> bytes:
        claim = self.tree.claim(account)
        return bytes(
            self.child.claim.encode_input(claim.campaign_id, claim.account, claim.cumulative_amount, claim.proof)
        )

    def message(self, to: str, nonce: int, data: bytes) -> dict:
        deadline = self.now() + HOUR
        return {
            "from": self.signer,
            "to": to,
            "value": 0,
            "gas": REQUEST_GAS,
            "nonce": nonce,
            "deadline": deadline,
            "data": data,
        }

    # -- ours: GaslessRelayFacet on the rewards child --------------------------------------------

    def relay(self, data: bytes):
        message = self.message(self.child.address, self.child.nonces(self.signer), data)
        signature = sign_request(self.signer_key, self.child.address, self.chain.chain_id, message)
        return self.child.execute(tuple(message.values()), signature, sender=self.relayer)

    def direct(self, data: bytes):
        return self.relayer.transfer(self.child, 0, data=data)

    # -- anchor: OpenZeppelin ERC2771Forwarder to an ERC2771Context target -------------------------

    def oz_relay(self, data: bytes):
        message = self.message(self.target.address, self.forwarder.nonces(self.signer), data)
        signature = sign_request(self.signer_key, self.forwarder.address, self.chain.chain_id, message)
        request = (self.signer, self.target.address, 0, REQUEST_GAS, message["deadline"], data, signature)
        return self.forwarder.execute(request, sender=self.relayer)

    def oz_direct(self, data: bytes):
        return self.relayer.transfer(self.target, 0, data=data)

    # -- measuring -------------------------------------------------------------------------------

    def overhead(self, forward, direct, data: bytes) -> int:
        """Forwarded minus direct receipt gas of `data`, each sent from the current state."""
        used = []
        for send in (forward, direct):
            snapshot = self.chain.snapshot()
            receipt = send(data)
            assert not receipt.failed
            used.append(receipt.gas_used)
            self.chain.restore(snapshot)
        return used[0] - used[1]

    def overheads(self) -> tuple[Overheads, Overheads]:
        """(ours, OZ's), each for the signer's first and later request: the claim of the signer's own
        rewards; the later one after the signer had a claim for another account relayed."""
        own, other = self.claim_data(self.signer), self.claim_data(f"0x{0xC1A1:040x}")
        ours_first = self.overhead(self.relay, self.direct, own)
        oz_first = self.overhead(self.oz_relay, self.oz_direct, own)
        self.relay(other)
        self.oz_relay(other)
        ours_later = self.overhead(self.relay, self.direct, own)
        oz_later = self.overhead(self.oz_relay, self.oz_direct, own)
        return Overheads(ours_first, ours_later), Overheads(oz_first, oz_later)


def gas_rows(ours: Overheads, oz: Overheads) -> list[dict]:
    """One row per request kind: our overhead against OZ ERC2771Forwarder's, target <= 0.85x."""
    return [
        {
            "name": f"relayed claim overhead over a direct claim, {kind}",
            "ours": mine,
            "anchor": anchor,
            "anchor_name": "OpenZeppelin ERC2771Forwarder forwarding the same calldata (one-slot-write target)",
            "unit": "gas",
            "target": f"<= {TARGET_RATIO}x anchor",
            "met": mine <= TARGET_RATIO * anchor,
        }
        for kind, mine, anchor in (
            ("signer's first request", ours.first, oz.first),
            ("signer's later request", ours.later, oz.later),
        )
    ]


def throughput_rows() -> list[dict]:
    """The relayer's validation throughput (requests per second on one core, target >= 1,000/s),
    measured on the Python side by `gasless_relayer.py` (also runnable alone)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gasless_relayer import validation_rows

    return validation_rows()


def measure() -> list[dict]:
    from ape import accounts, chain

    from keepers.toolchain.local_chain import local_chain

    with local_chain(ROOT) as (project, _):
        ours, oz = Bench(project, chain, accounts.test_accounts).overheads()
    return gas_rows(ours, oz) + throughput_rows()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the JSON object (the only output format)")
    parser.parse_args()
    print(json.dumps({"benchmark": "gasless", "results": measure()}))


if __name__ == "__main__":
    main()
