"""Configure an `mm` child diamond for one market: its position manager, the pool (registered with
the facet and allowed by the child's risk rules), its keeper bot(s), the inventory each token may
have in positions, and the correcting wallets it may fund with their caps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ape.api import AccountAPI
from ape.contracts import ContractInstance


def configure_mm_child(
    child: ContractInstance,
    owner: AccountAPI,
    *,
    position_manager: str,
    pool: str,
    bots: Sequence[str],
    inventory_limits: Mapping[str, int],
    wallets: Sequence[str] = (),
    funding_caps: Mapping[str, int] | None = None,
) -> int:
    """Owner calls; how many transactions were sent."""
    sent = [
        child.setPositionManager(position_manager, sender=owner),
        child.setMarketPool(pool, True, sender=owner),
        child.setPoolAllowed(pool, True, sender=owner),
    ]
    sent += [child.setBot(bot, True, sender=owner) for bot in bots]
    sent += [child.setInventoryLimit(token, limit, sender=owner) for token, limit in inventory_limits.items()]
    for wallet in wallets:
        sent.append(child.setFundingWallet(wallet, True, sender=owner))
        sent += [child.setFundingCap(wallet, t, cap, sender=owner) for t, cap in (funding_caps or {}).items()]
    return len(sent)
