"""FlashArbFacet executes real arbitrages on the world's pools, and its profit is predicted to the wei.

Each test dislocates a pool with a large trade through the exchange's router, predicts the
cycle's output exactly (V2 getAmountOut over the live reserves, QuoterV2 for V3), executes it
through the child diamond as the keeper bot, and checks where the profit went, what the master's
statistics and the child's risk state say, and the event.
"""

from __future__ import annotations

import pytest

from tests.support import event_args, stats

from .conftest import E18, Lender, set_sweep
from .routes import Leg, aave_premium

V2A_WETH_DAI, V2B_WETH_DAI = "uniswap_v2:WETH/DAI", "v2b:WETH/DAI"
V2A_WETH_USDC, V2A_DAI_USDC = "uniswap_v2:WETH/USDC", "uniswap_v2:DAI/USDC"
V3_WETH_USDC = "uniswap_v3:WETH/USDC/3000"
DAY = 86_400

# WETH is cheap on uniswap_v2 after the dislocation: sell it on v2b, buy it back on uniswap_v2.
V2_CYCLE = [Leg(V2B_WETH_DAI, "WETH"), Leg(V2A_WETH_DAI, "DAI")]


@pytest.fixture
def dislocated_v2(router, arb_trader):
    """Someone dumps 60 WETH on uniswap_v2's WETH/DAI."""
    router.swap(arb_trader, Leg(V2A_WETH_DAI, "WETH"), 60 * E18)


def today(chain) -> int:
    return chain.blocks.head.timestamp // DAY


def assert_booked(master, child, bot, weth, chain, receipt, *, amount_in, gross, payment, net, lender):
    """The event, the master's statistics and the child's risk state after one arbitrage."""
    assert event_args(receipt, child.ArbExecuted) == [
        {
            "bot": bot.address,
            "token": weth.address,
            "amountIn": amount_in,
            "grossProfit": gross,
            "coinbasePayment": payment,
            "netProfit": net,
            "lender": lender,
        }
    ]
    assert stats(master.childStats(child, weth)) == (1, amount_in, net)
    assert stats(master.botStats(bot, weth)) == (1, amount_in, net)
    assert tuple(child.riskState(weth)) == (today(chain), 0, net, net)
    assert not child.paused()


def test_v2_v2_with_a_balancer_loan_keeps_the_exact_profit(child, master, router, bot, weth, chain, dislocated_v2):
    amount_in = 8 * E18
    expected = router.quote(V2_CYCLE, amount_in) - amount_in
    assert expected > 0
    child_before, master_before = weth.balanceOf(child), weth.balanceOf(master)

    receipt = child.executeArb(router.params(V2_CYCLE, "WETH", amount_in, expected, Lender.BALANCER), sender=bot)

    assert weth.balanceOf(child) - child_before == expected
    assert weth.balanceOf(master) == master_before
    assert_booked(
        master, child, bot, weth, chain, receipt,
        amount_in=amount_in, gross=expected, payment=0, net=expected, lender=Lender.BALANCER,
    )  # fmt: skip


def test_v2_v2_with_a_balancer_loan_sweeps_the_profit_to_the_treasury(
    child, master, router, owner, bot, weth, world, chain, dislocated_v2
):
    set_sweep(child, world.book, owner, True)
    amount_in = 8 * E18
    expected = router.quote(V2_CYCLE, amount_in) - amount_in
    child_before, master_before = weth.balanceOf(child), weth.balanceOf(master)

    receipt = child.executeArb(router.params(V2_CYCLE, "WETH", amount_in, expected, Lender.BALANCER), sender=bot)

    assert weth.balanceOf(master) - master_before == expected
    assert weth.balanceOf(child) == child_before
    assert event_args(receipt, master.CapitalReturned) == [
        {"child": child.address, "token": weth.address, "amount": expected, "principal": 0}
    ]
    assert master.allocated(child, weth) == 0
    assert_booked(
        master, child, bot, weth, chain, receipt,
        amount_in=amount_in, gross=expected, payment=0, net=expected, lender=Lender.BALANCER,
    )  # fmt: skip


def test_v2_v2_with_an_aave_loan_pays_the_premium_rounded_half_up(
    child, master, router, bot, weth, world, chain, dislocated_v2
):
    amount_in = 8 * E18 + 7_777  # a premium with a remainder to round
    premium = aave_premium(amount_in, world.book.lenders.aave_premium_bps)
    assert premium == 4 * 10**15 + 4  # 5 bps of 8e18 + 7,777 is 4e15 + 3.8885
    expected = router.quote(V2_CYCLE, amount_in) - amount_in - premium
    assert expected > 0
    a_weth = world.book.address("aave_aWETH")
    child_before, reserve_before = weth.balanceOf(child), weth.balanceOf(a_weth)

    receipt = child.executeArb(router.params(V2_CYCLE, "WETH", amount_in, expected, Lender.AAVE), sender=bot)

    assert weth.balanceOf(child) - child_before == expected
    assert weth.balanceOf(a_weth) - reserve_before == premium
    assert weth.allowance(child, world.book.address("aave_pool")) == 0
    assert_booked(
        master, child, bot, weth, chain, receipt,
        amount_in=amount_in, gross=expected, payment=0, net=expected, lender=Lender.AAVE,
    )  # fmt: skip


@pytest.fixture
def allocated(master, child, owner, weth, arb_trader):
    """The master's treasury holds 100 WETH and allocates 30 to the child."""
    weth.transfer(master, 100 * E18, sender=arb_trader)
    master.setAllocationCap(child, weth, 50 * E18, sender=owner)
    master.allocate(child, weth, 30 * E18, sender=owner)
    return 30 * E18


@pytest.mark.parametrize("sweep", [False, True], ids=["kept", "swept"])
def test_v2_v2_with_own_capital(child, master, router, owner, bot, weth, world, chain, allocated, dislocated_v2, sweep):
    set_sweep(child, world.book, owner, sweep)
    amount_in = 8 * E18
    expected = router.quote(V2_CYCLE, amount_in) - amount_in
    master_before = weth.balanceOf(master)

    receipt = child.executeArb(router.params(V2_CYCLE, "WETH", amount_in, 0, Lender.OWN_CAPITAL), sender=bot)

    if sweep:
        assert weth.balanceOf(child) == allocated
        assert weth.balanceOf(master) - master_before == expected
        # The master cannot tell profit from principal: a sweep first pays the allocation down.
        assert master.allocated(child, weth) == allocated - expected
    else:
        assert weth.balanceOf(child) == allocated + expected
        assert weth.balanceOf(master) == master_before
        assert master.allocated(child, weth) == allocated
    assert_booked(
        master, child, bot, weth, chain, receipt,
        amount_in=amount_in, gross=expected, payment=0, net=expected, lender=Lender.OWN_CAPITAL,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("dump", "cycle"),
    [
        # WETH dumped on V3: sell WETH on uniswap_v2 (V2 -> diamond), buy it back on V3 (callback pays).
        (Leg(V3_WETH_USDC, "WETH"), [Leg(V2A_WETH_USDC, "WETH"), Leg(V3_WETH_USDC, "USDC")]),
        # WETH bought up on V3: sell WETH on V3 (output straight into the V2 pair), buy it back on V2.
        (Leg(V3_WETH_USDC, "USDC"), [Leg(V3_WETH_USDC, "WETH"), Leg(V2A_WETH_USDC, "USDC")]),
    ],
    ids=["v2-then-v3", "v3-then-v2"],
)
def test_v2_v3_cycles_in_both_directions(child, master, router, arb_trader, bot, weth, chain, dump, cycle):
    router.swap(arb_trader, dump, 40 * E18 if dump.sell == "WETH" else 80_000 * 10**6)
    amount_in = 5 * E18
    expected = router.quote(cycle, amount_in) - amount_in
    assert expected > 0
    child_before = weth.balanceOf(child)

    receipt = child.executeArb(router.params(cycle, "WETH", amount_in, expected, Lender.BALANCER), sender=bot)

    assert weth.balanceOf(child) - child_before == expected
    assert_booked(
        master, child, bot, weth, chain, receipt,
        amount_in=amount_in, gross=expected, payment=0, net=expected, lender=Lender.BALANCER,
    )  # fmt: skip


def test_a_three_hop_cycle_through_v2_v2_v3(child, master, router, arb_trader, bot, weth, dai, usdc, chain):
    # WETH -> DAI on v2b (V2 output straight into the DAI/USDC pair), DAI -> USDC on uniswap_v2 (to
    # the diamond), USDC -> WETH on V3 after WETH was dumped there.
    router.swap(arb_trader, Leg(V3_WETH_USDC, "WETH"), 40 * E18)
    cycle = [Leg(V2B_WETH_DAI, "WETH"), Leg(V2A_DAI_USDC, "DAI"), Leg(V3_WETH_USDC, "USDC")]
    amount_in = 4 * E18
    expected = router.quote(cycle, amount_in) - amount_in
    assert expected > 0
    child_before = weth.balanceOf(child)

    receipt = child.executeArb(router.params(cycle, "WETH", amount_in, expected, Lender.BALANCER), sender=bot)

    assert weth.balanceOf(child) - child_before == expected
    assert dai.balanceOf(child) == 0
    assert usdc.balanceOf(child) == 0
    assert_booked(
        master, child, bot, weth, chain, receipt,
        amount_in=amount_in, gross=expected, payment=0, net=expected, lender=Lender.BALANCER,
    )  # fmt: skip


def test_a_four_hop_route_through_two_dislocations(child, master, router, arb_trader, bot, weth, chain, dislocated_v2):
    """WETH -> DAI -> WETH across the V2 exchanges, then WETH -> USDC -> WETH across V2 and V3: the
    longest route allowed, passing through the borrowed token half way."""
    router.swap(arb_trader, Leg(V3_WETH_USDC, "WETH"), 40 * E18)
    cycle = [*V2_CYCLE, Leg(V2A_WETH_USDC, "WETH"), Leg(V3_WETH_USDC, "USDC")]
    amount_in = 4 * E18
    expected = router.quote(cycle, amount_in) - amount_in
    assert expected > 0
    child_before = weth.balanceOf(child)

    receipt = child.executeArb(router.params(cycle, "WETH", amount_in, expected, Lender.BALANCER), sender=bot)

    assert weth.balanceOf(child) - child_before == expected
    assert_booked(
        master, child, bot, weth, chain, receipt,
        amount_in=amount_in, gross=expected, payment=0, net=expected, lender=Lender.BALANCER,
    )  # fmt: skip


@pytest.fixture
def coinbase(chain, accounts):
    """A fresh address as the builder of the next blocks; the previous coinbase is restored after."""
    previous = chain.provider.web3.eth.get_block("latest")["miner"]
    address = "0x000000000000000000000000000000000000b11d"
    chain.provider.make_request("anvil_setCoinbase", [address])
    yield address
    chain.provider.make_request("anvil_setCoinbase", [previous])


@pytest.mark.parametrize("sweep", [False, True], ids=["kept", "swept"])
def test_the_coinbase_share_is_paid_in_eth(
    child, master, router, owner, bot, weth, world, chain, coinbase, dislocated_v2, sweep
):
    set_sweep(child, world.book, owner, sweep)
    amount_in, bps = 8 * E18, 2_345
    gross = router.quote(V2_CYCLE, amount_in) - amount_in
    payment = gross * bps // 10_000
    net = gross - payment
    child_before, master_before = weth.balanceOf(child), weth.balanceOf(master)
    coinbase_before = chain.provider.get_balance(coinbase)
    eth_before = chain.provider.get_balance(child.address)

    receipt = child.executeArb(router.params(V2_CYCLE, "WETH", amount_in, net, Lender.BALANCER, bps), sender=bot)

    block = chain.provider.web3.eth.get_block(receipt.block_number)
    assert block["miner"].lower() == coinbase.lower()
    tips = (receipt.gas_price - block["baseFeePerGas"]) * receipt.gas_used
    assert chain.provider.get_balance(coinbase) - coinbase_before == payment + tips
    assert chain.provider.get_balance(child.address) == eth_before
    swept = net if sweep else 0
    assert weth.balanceOf(child) - child_before == net - swept
    assert weth.balanceOf(master) - master_before == swept
    assert_booked(
        master, child, bot, weth, chain, receipt,
        amount_in=amount_in, gross=gross, payment=payment, net=net, lender=Lender.BALANCER,
    )  # fmt: skip


def test_results_accumulate_over_trades_and_bots(
    child, master, router, arb_trader, owner, bot, accounts, weth, world, chain
):
    other_bot = accounts[8]
    child.setBot(other_bot, True, sender=owner)
    nets = []
    for keeper, lender in ((bot, Lender.BALANCER), (other_bot, Lender.AAVE), (bot, Lender.BALANCER)):
        router.swap(arb_trader, Leg(V2A_WETH_DAI, "WETH"), 30 * E18)
        amount_in = 5 * E18
        fee = 0 if lender == Lender.BALANCER else aave_premium(amount_in, world.book.lenders.aave_premium_bps)
        net = router.quote(V2_CYCLE, amount_in) - amount_in - fee
        child.executeArb(router.params(V2_CYCLE, "WETH", amount_in, net, lender), sender=keeper)
        nets.append(net)

    assert stats(master.childStats(child, weth)) == (3, 15 * E18, sum(nets))
    assert stats(master.botStats(bot, weth)) == (2, 10 * E18, nets[0] + nets[2])
    assert stats(master.botStats(other_bot, weth)) == (1, 5 * E18, nets[1])
    assert tuple(child.riskState(weth)) == (today(chain), 0, sum(nets), sum(nets))
