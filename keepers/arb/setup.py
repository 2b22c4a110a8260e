"""Configure an arbitrage child diamond: lenders, tradable pools, keeper bots, risk limits.

What an operator does once after `ape run deploy` (and again to change it), as
owner-only calls on the child: FlashArbFacet.setArbConfig / setArbPool and the
RiskFacet allow-lists, caps and loss limits. `keepers.world.settings.arb_child_setup`
derives the setup for the local DeFi world.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ape.api import AccountAPI
from ape.contracts import ContractInstance

V2_KIND, V3_KIND = 0, 1  # FlashArbFacet.PoolKind (2, Balancer weighted: setArbBalancerPool)
E18 = 10**18


@dataclass(frozen=True)
class TokenLimits:
    trade_cap: int
    daily_loss_limit: int
    drawdown_limit: int


@dataclass(frozen=True)
class ArbChildSetup:
    balancer_vault: str
    aave_pool: str
    weth: str
    sweep_profit: bool
    v2_pools: dict[str, int] = field(default_factory=dict)  # pair -> fee in basis points
    v3_pools: tuple[str, ...] = ()
    # Balancer pool -> the two of its tokens the child trades (one pair per pool; needs balancer_vault)
    balancer_pools: dict[str, tuple[str, str]] = field(default_factory=dict)
    bots: tuple[str, ...] = ()
    tokens: dict[str, TokenLimits] = field(default_factory=dict)  # token address -> limits


def configure_child(child: ContractInstance, setup: ArbChildSetup, owner: AccountAPI) -> int:
    """Send the owner calls that make `child` trade as `setup` says; returns how many were sent."""
    sent = [child.setArbConfig(setup.balancer_vault, setup.aave_pool, setup.weth, setup.sweep_profit, sender=owner)]
    for pool, fee_bps in setup.v2_pools.items():
        sent.append(child.setArbPool(pool, V2_KIND, fee_bps, True, sender=owner))
        sent.append(child.setPoolAllowed(pool, True, sender=owner))
    for pool in setup.v3_pools:
        sent.append(child.setArbPool(pool, V3_KIND, 0, True, sender=owner))
        sent.append(child.setPoolAllowed(pool, True, sender=owner))
    for pool, (token_a, token_b) in setup.balancer_pools.items():
        sent.append(child.setArbBalancerPool(pool, token_a, token_b, True, sender=owner))
        sent.append(child.setPoolAllowed(pool, True, sender=owner))
    for bot in setup.bots:
        sent.append(child.setBot(bot, True, sender=owner))
    for token, limits in setup.tokens.items():
        sent.append(child.setTokenAllowed(token, True, sender=owner))
        sent.append(child.setTradeCap(token, limits.trade_cap, sender=owner))
        sent.append(child.setDailyLossLimit(token, limits.daily_loss_limit, sender=owner))
        sent.append(child.setDrawdownLimit(token, limits.drawdown_limit, sender=owner))
    return len(sent)
