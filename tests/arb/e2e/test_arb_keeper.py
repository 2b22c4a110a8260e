"""End to end: a dislocation is found, sized, simulated, bundled through the devrelay and lands;
the profit realized on chain equals the prediction to the wei."""

from __future__ import annotations

from sqlalchemy import select

from keepers.store.models import Bundle, Opportunity

E18 = 10**18
DEADLINE = 2**32 - 1


def swap_v2(arb, router: str, path: list[str], amount_in: int) -> None:
    fn = arb.contract(router).functions.swapExactTokensForTokens(
        amount_in, 0, [arb.book.address(s) for s in path], arb.trader.address, DEADLINE
    )
    arb.transact(arb.trader, fn)


def swap_v3(arb, token_in: str, token_out: str, amount_in: int) -> None:
    params = (
        arb.book.address(token_in),
        arb.book.address(token_out),
        3000,
        arb.trader.address,
        DEADLINE,
        amount_in,
        0,
        0,
    )
    arb.transact(arb.trader, arb.contract("uniswap_v3_router").functions.exactInputSingle(params))


def treasury_weth(arb) -> int:
    return arb.contract("WETH").functions.balanceOf(arb.master.address).call()


def run_until_landed(arb, keeper) -> tuple[Opportunity, Bundle]:
    """Mine the dislocation, let the keeper submit, mine the bundle's block, let it settle."""
    head = arb.mine()
    report = keeper.on_block(head)
    assert report.submitted, report
    before = treasury_weth(arb)
    head = arb.mine()
    settled = keeper.on_block(head)
    assert settled.landed, settled
    with arb.store.transaction() as session:
        bundle = session.scalars(select(Bundle).where(Bundle.id == settled.landed[0])).one()
        opportunity = bundle.opportunity
        session.expunge_all()
    assert bundle.landed_block == head
    # Swept to the master: the treasury's balance delta is the realized profit.
    assert treasury_weth(arb) - before == bundle.realized_profit == opportunity.predicted_profit > 0
    return opportunity, bundle


def test_v2_v2_with_a_balancer_loan(arb):
    keeper = arb.keeper("balancer", pools=("uniswap_v2:WETH/DAI", "v2b:WETH/DAI"))
    keeper.start(arb.w3.eth.block_number)
    swap_v2(arb, "uniswap_v2_router", ["WETH", "DAI"], 60 * E18)

    opportunity, bundle = run_until_landed(arb, keeper)

    assert opportunity.lender == "balancer" and opportunity.loan_fee == 0
    assert {hop["pool"] for hop in opportunity.route} == {
        arb.book.address("uniswap_v2:WETH/DAI"),
        arb.book.address("v2b:WETH/DAI"),
    }
    assert bundle.gas_used > 0 and bundle.status == "landed"


def test_v2_v2_with_an_aave_loan_pays_the_premium(arb):
    keeper = arb.keeper("aave", pools=("uniswap_v2:WETH/DAI", "v2b:WETH/DAI"))
    keeper.start(arb.w3.eth.block_number)
    swap_v2(arb, "v2b_router", ["DAI", "WETH"], 150_000 * E18)

    opportunity, _ = run_until_landed(arb, keeper)

    assert opportunity.lender == "aave"
    assert opportunity.loan_fee == (opportunity.amount_in * 5 + 5_000) // 10_000 > 0


def test_own_capital_allocated_by_the_master(arb):
    weth = arb.contract("WETH")
    owner = arb.owner
    master, child = arb.master, arb.child
    # The owner funds the treasury and lends the child 50 WETH (the reserve stays with the master).
    arb.w3.provider.make_request("anvil_setBalance", [owner.address, hex(10_000 * E18)])
    weth_handle = arb.w3.eth.contract(address=weth.address, abi=weth.abi)
    deposit = weth_handle.functions.deposit().build_transaction(
        {"from": owner.address, "value": 100 * E18, "gas": 100_000}
    )
    arb.w3.eth.send_transaction(deposit | {"from": owner.address})
    transfer = weth_handle.functions.transfer(master.address, 100 * E18).build_transaction(
        {"from": owner.address, "gas": 100_000}
    )
    arb.w3.eth.send_transaction(transfer)
    arb.mine()
    for fn in (master.setAllocationCap, master.allocate):
        args = (child.address, weth.address, 50 * E18)
        data = fn.encode_input(*args)
        arb.w3.eth.send_transaction({"from": owner.address, "to": master.address, "data": data, "gas": 500_000})
        arb.mine()
    assert weth.functions.balanceOf(child.address).call() == 50 * E18

    keeper = arb.keeper("own", pools=("uniswap_v2:WETH/DAI", "v2b:WETH/DAI"))
    keeper.start(arb.w3.eth.block_number)
    swap_v2(arb, "uniswap_v2_router", ["WETH", "DAI"], 40 * E18)

    opportunity, _ = run_until_landed(arb, keeper)

    assert opportunity.lender == "own" and opportunity.loan_fee == 0
    assert opportunity.amount_in <= 50 * E18


def test_v2_v3_cycle(arb):
    keeper = arb.keeper("balancer", pools=("uniswap_v2:WETH/USDC", "uniswap_v3:WETH/USDC/3000"))
    keeper.start(arb.w3.eth.block_number)
    swap_v3(arb, "WETH", "USDC", 30 * E18)

    opportunity, _ = run_until_landed(arb, keeper)

    assert {hop["pool"] for hop in opportunity.route} == {
        arb.book.address("uniswap_v2:WETH/USDC"),
        arb.book.address("uniswap_v3:WETH/USDC/3000"),
    }


def test_three_hop_cycle(arb):
    pools = ("v2b:WETH/DAI", "uniswap_v2:DAI/USDC", "uniswap_v2:WETH/USDC")
    keeper = arb.keeper("balancer", pools=pools)
    keeper.start(arb.w3.eth.block_number)
    swap_v2(arb, "uniswap_v2_router", ["DAI", "USDC"], 200_000 * E18)

    opportunity, _ = run_until_landed(arb, keeper)

    assert len(opportunity.route) == 3
    assert {hop["pool"] for hop in opportunity.route} == {arb.book.address(p) for p in pools}


def test_coinbase_share_is_paid_to_the_block_builder(arb):
    keeper = arb.keeper("balancer", pools=("uniswap_v2:WETH/DAI", "v2b:WETH/DAI"), coinbase_bps=2_000)
    keeper.start(arb.w3.eth.block_number)
    swap_v2(arb, "uniswap_v2_router", ["WETH", "DAI"], 60 * E18)
    head = arb.mine()
    keeper.on_block(head)
    coinbase = arb.w3.eth.get_block(head)["miner"]
    before = arb.w3.eth.get_balance(coinbase)

    head = arb.mine()
    settled = keeper.on_block(head)

    assert settled.landed
    assert arb.w3.eth.get_block(head)["miner"] == coinbase
    with arb.store.transaction() as session:
        bundle = session.get(Bundle, settled.landed[0])
        opportunity = bundle.opportunity
        assert opportunity.coinbase_payment == opportunity.gross_profit * 2_000 // 10_000 > 0
        assert (
            bundle.realized_profit
            == opportunity.predicted_profit
            == (opportunity.gross_profit - opportunity.coinbase_payment)
        )
        # The bot pays no priority fee: the builder's gain is exactly the share.
        assert arb.w3.eth.get_balance(coinbase) - before == opportunity.coinbase_payment


def test_two_independent_opportunities_land_in_one_bundle(arb):
    pools = ("uniswap_v2:WETH/DAI", "v2b:WETH/DAI", "uniswap_v2:WETH/USDC", "v2b:WETH/USDC")
    keeper = arb.keeper("balancer", pools=pools, max_hops=2)
    keeper.start(arb.w3.eth.block_number)
    swap_v2(arb, "uniswap_v2_router", ["WETH", "DAI"], 60 * E18)
    swap_v2(arb, "v2b_router", ["WETH", "USDC"], 40 * E18)
    head = arb.mine()
    report = keeper.on_block(head)
    assert len(report.submitted) == 2
    before = treasury_weth(arb)

    head = arb.mine()
    settled = keeper.on_block(head)

    assert len(settled.landed) == 2
    with arb.store.transaction() as session:
        bundles = [session.get(Bundle, bundle_id) for bundle_id in settled.landed]
        assert {b.landed_block for b in bundles} == {head}
        first_nonce = min(b.nonce for b in bundles)
        assert sorted(b.nonce for b in bundles) == [first_nonce, first_nonce + 1]
        realized = sum(b.realized_profit for b in bundles)
        assert realized == sum(b.opportunity.predicted_profit for b in bundles)
    assert treasury_weth(arb) - before == realized


def test_restart_settles_what_landed_and_sends_nothing_twice(arb):
    pools = ("uniswap_v2:WETH/DAI", "v2b:WETH/DAI")
    first = arb.keeper("balancer", pools=pools)
    first.start(arb.w3.eth.block_number)
    swap_v2(arb, "uniswap_v2_router", ["WETH", "DAI"], 60 * E18)
    head = arb.mine()
    assert first.on_block(head).submitted
    del first  # the process dies here; the bundle is out

    head = arb.mine()  # ...and lands while nobody watches
    second = arb.keeper("balancer", pools=pools)
    second.start(head)
    after = second.on_block(arb.mine())

    with arb.store.transaction() as session:
        bundles = session.scalars(select(Bundle)).all()
        assert len(bundles) == 1 and bundles[0].status == "landed"
        assert bundles[0].realized_profit == bundles[0].opportunity.predicted_profit
    assert after.submitted == []


def test_a_simulation_that_reverts_is_dropped_not_sent(arb):
    pools = ("uniswap_v2:WETH/DAI", "v2b:WETH/DAI")
    keeper = arb.keeper("balancer", pools=pools)
    keeper.start(arb.w3.eth.block_number)
    # The operator removes the bot between the keeper's start and the opportunity.
    data = arb.child.setBot.encode_input(arb.bot.address, False)
    arb.w3.eth.send_transaction({"from": arb.owner.address, "to": arb.child.address, "data": data, "gas": 200_000})
    swap_v2(arb, "uniswap_v2_router", ["WETH", "DAI"], 60 * E18)

    report = keeper.on_block(arb.mine())

    assert report.submitted == [] and report.dropped
    assert "reverted" in report.dropped[0][1]
    with arb.store.transaction() as session:
        assert session.scalars(select(Bundle)).all() == []
        dropped = session.scalars(select(Opportunity)).all()
        assert [o.status for o in dropped] == ["dropped"] * len(dropped)
