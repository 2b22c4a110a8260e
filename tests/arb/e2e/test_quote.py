"""What-if quotes against the chain: a quoted arbitrage (V2 and V3 hops) is exactly what `executeArb`
then realizes, hop by hop and in profit; a path's hops pay what the routers quote at the same block;
routes the child cannot trade are refused, saying why."""

from __future__ import annotations

import pytest
from web3 import Web3

from keepers.arb.execution import ARB_CHILD, ArbOrder, realized_profit
from keepers.arb.quote import QuoteRefused, RouteQuoter
from keepers.chain.contracts import Contract
from keepers.markets.cycles import Cycle, Hop

from .test_arb_keeper import swap_v2

E18 = 10**18


def quoter(arb) -> RouteQuoter:
    return RouteQuoter(arb.w3, arb.child.address, arb.bot.address)


@pytest.mark.parametrize(
    ("route", "lender"),
    [
        (("v2b:WETH/DAI", "uniswap_v2:WETH/DAI"), "balancer"),
        (("uniswap_v3:WETH/USDC/3000", "uniswap_v2:DAI/USDC", "uniswap_v2:WETH/DAI"), "aave"),
    ],
    ids=["v2-v2", "v3-v2-v2"],
)
def test_a_quoted_arbitrage_is_what_execute_arb_realizes(arb, route, lender):
    # WETH sold into the uniswap_v2 pairs is cheap there: buy it back there after selling it elsewhere.
    for quote_token in ("DAI", "USDC"):
        swap_v2(arb, "uniswap_v2_router", ["WETH", quote_token], 60 * E18)
    block = arb.mine()
    pools = [arb.book.address(name) for name in route]
    weth = arb.book.address("WETH")

    quote = quoter(arb).quote(pools, weth, E18, lender, block)

    assert quote.cycle and quote.block == block and quote.native
    assert quote.gross_profit == quote.amount_out - E18 - quote.loan_fee > 0
    assert quote.simulation.ok, quote.simulation.error
    assert quote.simulation.net_profit == quote.gross_profit
    assert quote.net_profit == quote.gross_profit - quote.simulation.gas * quote.base_fee
    assert all(h.impact_bps > 0 for h in quote.hops)  # every swap pays less than its marginal rate
    # The same order sent: the chain realizes the quote to the wei.
    hops = tuple(Hop(h.pool, h.token_in, h.token_out, h.token_in.lower() < h.token_out.lower()) for h in quote.hops)
    order = ArbOrder(
        Cycle(hops), E18, lender, quote.loan_fee, quote.amount_out, 0, tuple(h.amount_out for h in quote.hops)
    )
    sent = _send(arb, order)
    arb.mine()
    receipt = arb.w3.eth.wait_for_transaction_receipt(sent, timeout=30)
    assert receipt["status"] == 1
    assert realized_profit(receipt, Contract(arb.w3, arb.child.address, ARB_CHILD)) == quote.gross_profit


def _send(arb, order: ArbOrder) -> str:
    tx = {
        "from": arb.bot.address,
        "to": arb.child.address,
        "data": order.calldata(),
        "gas": 2_000_000,
        "maxFeePerGas": 50 * 10**9,
        "maxPriorityFeePerGas": 10**9,
        "nonce": arb.w3.eth.get_transaction_count(arb.bot.address, "pending"),
        "chainId": arb.w3.eth.chain_id,
    }
    return arb.w3.eth.send_raw_transaction(arb.bot.sign_transaction(tx).raw_transaction).to_0x_hex()


def test_a_path_pays_what_the_router_quotes(arb):
    block = arb.w3.eth.block_number
    path = [arb.book.address(s) for s in ("WETH", "DAI", "USDC")]
    pools = [arb.book.address(name) for name in ("uniswap_v2:WETH/DAI", "uniswap_v2:DAI/USDC")]

    quote = quoter(arb).quote(pools, path[0], 3 * E18, block=block)

    router = arb.contract("uniswap_v2_router")
    expected = router.functions.getAmountsOut(3 * E18, path).call(block_identifier=block)
    assert not quote.cycle and quote.simulation is None and quote.gross_profit is None
    assert [quote.amount_in] + [h.amount_out for h in quote.hops] == expected
    assert quote.amount_out == expected[-1]


def test_routes_the_child_cannot_trade_are_refused(arb):
    weth, dai = arb.book.address("WETH"), arb.book.address("DAI")
    pair = arb.book.address("uniswap_v2:WETH/DAI")
    q = quoter(arb)
    stranger = Web3.to_checksum_address("0x" + "12" * 20)
    with pytest.raises(QuoteRefused, match="not registered with the arb child"):
        q.quote([stranger], weth, E18)
    with pytest.raises(QuoteRefused, match=f"does not trade {dai}"):
        q.quote([pair, arb.book.address("uniswap_v2:WETH/USDC")], weth, E18)
    with pytest.raises(QuoteRefused, match="appears twice"):
        q.quote([pair, pair], weth, E18)
    with pytest.raises(QuoteRefused, match="amount_in must be positive"):
        q.quote([pair], weth, 0)
