"""GET /api/balances: the treasury, the children and the bots, per token, read from chain."""

from __future__ import annotations

from fastapi import APIRouter

from keepers.api.deps import Context
from keepers.api.models import Balances, HolderBalances, TokenInfo

router = APIRouter(tags=["chain"])


@router.get("/api/balances", response_model=Balances, summary="Treasury, children and bots, per token, from chain")
def balances(ctx: Context) -> Balances:
    # The block before the head: anvil may still be writing the head's state when asked for it.
    block = max(ctx.w3.eth.block_number - 1, 0)
    holders: list[tuple[str, str, str]] = []
    if ctx.master is not None:
        holders.append(("treasury", "master", ctx.master))
    holders += [("child", name, address) for name, address in ctx.children.items()]
    holders += [("bot", name, address) for name, address in ctx.bots.items()]
    return Balances(
        block=block,
        tokens=[TokenInfo(symbol=t.symbol, address=t.address, decimals=t.decimals) for t in ctx.tokens],
        holders=[
            HolderBalances(
                role=role,
                name=name,
                address=address,
                balances={t.symbol: str(ctx.balance(t, address, block)) for t in ctx.tokens},
            )
            for role, name, address in holders
        ],
    )
