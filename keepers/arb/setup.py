"""Configure an arbitrage child diamond: lenders, tradable pools, keeper bots, risk limits.

What an operator does once after `ape run deploy` (and again to change it), as
owner-only calls on the child: FlashArbFacet.setArbConfig / setArbPool and the
RiskFacet allow-lists, caps and loss limits. `for_world` derives the settings
for the local DeFi world.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ape.api import AccountAPI
from ape.contracts import ContractInstance

from keepers.world.book import AddressBook

V2_KIND, V3_KIND = 0, 1
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
    bots: tuple[str, ...] = ()
    tokens: dict[str, TokenLimits] = field(default_factory=dict)  # token address -> limits


def for_world(book: AddressBook, bots: tuple[str, ...], sweep_profit: bool = True) -> ArbChildSetup:
    """Every world pool tradable, WETH the traded token with room for the demo's sizes."""
    return ArbChildSetup(
        balancer_vault=book.address("balancer_vault"),
        aave_pool=book.address("aave_pool"),
        weth=book.address("WETH"),
        sweep_profit=sweep_profit,
        v2_pools={p.address: p.fee_pips // 100 for p in book.pools.values() if p.kind == "uniswap_v2"},
        v3_pools=tuple(p.address for p in book.pools.values() if p.kind == "uniswap_v3"),
        bots=bots,
        tokens={book.address("WETH"): TokenLimits(500 * E18, 10 * E18, 20 * E18)},
    )


def configure_child(child: ContractInstance, setup: ArbChildSetup, owner: AccountAPI) -> int:
    """Send the owner calls that make `child` trade as `setup` says; returns how many were sent."""
    sent = [child.setArbConfig(setup.balancer_vault, setup.aave_pool, setup.weth, setup.sweep_profit, sender=owner)]
    for pool, fee_bps in setup.v2_pools.items():
        sent.append(child.setArbPool(pool, V2_KIND, fee_bps, True, sender=owner))
        sent.append(child.setPoolAllowed(pool, True, sender=owner))
    for pool in setup.v3_pools:
        sent.append(child.setArbPool(pool, V3_KIND, 0, True, sender=owner))
        sent.append(child.setPoolAllowed(pool, True, sender=owner))
    for bot in setup.bots:
        sent.append(child.setBot(bot, True, sender=owner))
    for token, limits in setup.tokens.items():
        sent.append(child.setTokenAllowed(token, True, sender=owner))
        sent.append(child.setTradeCap(token, limits.trade_cap, sender=owner))
        sent.append(child.setDailyLossLimit(token, limits.daily_loss_limit, sender=owner))
        sent.append(child.setDrawdownLimit(token, limits.drawdown_limit, sender=owner))
    return len(sent)
