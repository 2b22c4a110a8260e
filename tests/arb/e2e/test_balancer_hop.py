"""A Balancer weighted pool as a hop: a quoted route through it is exactly what `executeArb` realizes
(to the wei, both orders of the hops), a Balancer flash loan is refused for it before any loan, and
the owner's registration of a Balancer pair refuses misuse with its custom errors."""

from __future__ import annotations

import pytest
from web3 import Web3
from web3.exceptions import ContractLogicError

from keepers.arb.execution import ARB_CHILD, ArbOrder, realized_profit
from keepers.chain.contracts import Contract, describe_revert
from keepers.markets.cycles import Cycle, Hop

from .test_arb_keeper import swap_v2
from .test_quote import _send, quoter

E18 = 10**18


def balancer_pool(arb) -> str:
    (pool,) = [p.address for p in arb.book.pools.values() if p.kind == "balancer_weighted"]
    return pool


def _revert(arb, sender: str, fn: str, *args) -> str:
    return _revert_data(arb, sender, ARB_CHILD.function(fn).encode(*args))


def _revert_data(arb, sender: str, data: bytes) -> str:
    with pytest.raises(ContractLogicError) as err:
        arb.w3.eth.call({"from": sender, "to": arb.child.address, "data": data})
    return describe_revert(err.value.data) or str(err.value)


@pytest.mark.parametrize(
    ("dislocation", "first"),
    [(["WETH", "DAI"], "balancer"), (["DAI", "WETH"], "uniswap_v2")],
    ids=["balancer-then-v2", "v2-then-balancer"],
)
def test_a_route_through_the_weighted_pool_realizes_its_quote_to_the_wei(arb, dislocation, first):
    amount = 60 * E18 if dislocation[0] == "WETH" else 200_000 * E18
    swap_v2(arb, "uniswap_v2_router", dislocation, amount)
    block = arb.mine()
    pair, weighted = arb.book.address("uniswap_v2:WETH/DAI"), balancer_pool(arb)
    route = [weighted, pair] if first == "balancer" else [pair, weighted]
    weth = arb.book.address("WETH")

    quote = quoter(arb).quote(route, weth, E18, "aave", block)

    assert quote.cycle and quote.gross_profit > 0
    assert quote.hops[0 if first == "balancer" else 1].kind == "balancer_weighted"
    assert quote.simulation.ok, quote.simulation.error
    assert quote.simulation.net_profit == quote.gross_profit
    hops = tuple(Hop(h.pool, h.token_in, h.token_out, int(h.token_in, 16) < int(h.token_out, 16)) for h in quote.hops)
    order = ArbOrder(
        Cycle(hops), E18, "aave", quote.loan_fee, quote.amount_out, 0, tuple(h.amount_out for h in quote.hops)
    )
    sent = _send(arb, order)
    arb.mine()
    receipt = arb.w3.eth.wait_for_transaction_receipt(sent, timeout=30)
    assert receipt["status"] == 1
    assert realized_profit(receipt, Contract(arb.w3, arb.child.address, ARB_CHILD)) == quote.gross_profit


def test_a_balancer_hop_under_a_balancer_loan_is_refused(arb):
    swap_v2(arb, "uniswap_v2_router", ["WETH", "DAI"], 60 * E18)
    block = arb.mine()
    route = [balancer_pool(arb), arb.book.address("uniswap_v2:WETH/DAI")]

    quote = quoter(arb).quote(route, arb.book.address("WETH"), E18, "balancer", block)

    assert quote.gross_profit > 0 and not quote.simulation.ok
    assert "BalancerHopInBalancerLoan" in quote.simulation.error


def test_registering_a_balancer_pair_refuses_misuse(arb):
    pool, owner = balancer_pool(arb), arb.owner.address
    weth, dai = arb.book.address("WETH"), arb.book.address("DAI")
    stranger_token = Web3.to_checksum_address("0x" + "12" * 20)
    child = Contract(arb.w3, arb.child.address, ARB_CHILD)
    kind, token0, token1, fee, enabled = child.call("arbPool", pool)
    assert (kind, {token0, token1}, fee, enabled) == (2, {weth, dai}, 0, True)
    assert child.call("arbBalancerPoolId", pool)[:20] == bytes.fromhex(pool[2:])

    assert "NotAPoolToken" in _revert(arb, owner, "setArbBalancerPool", pool, weth, stranger_token, True)
    assert "NotAPoolToken" in _revert(arb, owner, "setArbBalancerPool", pool, weth, weth, True)
    assert "UseBalancerRegistration" in _revert(arb, owner, "setArbPool", pool, 2, 0, True)
    assert "InvalidPool" in _revert(arb, owner, "setArbBalancerPool", stranger_token, weth, dai, True)
    assert "NotOwner" in _revert(arb, arb.bot.address, "setArbBalancerPool", pool, weth, dai, True)


def test_an_unregistered_balancer_pair_is_not_a_hop(arb):
    # The world's pool is registered as its WETH/DAI pair: USDC through it breaks the route.
    pool, pair = balancer_pool(arb), arb.book.address("uniswap_v2:WETH/USDC")
    weth, usdc = arb.book.address("WETH"), arb.book.address("USDC")
    order_hops = (
        Hop(pair, weth, usdc, int(weth, 16) < int(usdc, 16)),
        Hop(pool, usdc, weth, int(usdc, 16) < int(weth, 16)),
    )
    order = ArbOrder(Cycle(order_hops), E18, "aave", 0, E18, 0, (1, 1))
    reason = _revert_data(arb, arb.bot.address, order.calldata())
    assert "BrokenRoute" in reason
