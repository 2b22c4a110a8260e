"""Configure a rewards child diamond: its keeper bot(s), the root timelock, the claim grace period and
which calls its gasless relay may execute."""

from __future__ import annotations

from ape.api import AccountAPI
from ape.contracts import ContractInstance

from keepers.chain.contracts import abi

HOUR = 3600
DAY = 24 * HOUR
# What users may have relayed (GaslessRelayFacet) on a rewards child: claiming, for any account.
RELAYABLE_CALLS = ("claim", "claimMany")


def selector(function: str) -> bytes:
    """The selector of a MerkleRewardsFacet function, from its compiled ABI."""
    return abi("MerkleRewardsFacet").selector(function)


def configure_rewards_child(
    child: ContractInstance,
    bots: tuple[str, ...],
    owner: AccountAPI,
    root_timelock: int = HOUR,
    claim_grace_period: int = 30 * DAY,
    relayable: tuple[str, ...] = RELAYABLE_CALLS,
) -> int:
    """Owner calls: the timelock during which the guardian can revoke a root, the sponsor's grace
    period, the bots allowed to post roots and, when the child carries the gasless relay (its handle
    has `setRelayable`), the calls the relay may execute. Returns how many transactions were sent."""
    sent = [child.setRewardsConfig(root_timelock, claim_grace_period, sender=owner)]
    sent += [child.setBot(bot, True, sender=owner) for bot in bots]
    if relayable and hasattr(child, "setRelayable"):
        sent.append(child.setRelayable([selector(s) for s in relayable], True, sender=owner))
    return len(sent)
