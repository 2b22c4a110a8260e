"""The correcting wallets on the world's pools: a moved pool is corrected by randomized pieces sent at
once from several wallets, each through its own sender, back to within 1 bp (V2) or one tick (V3) of
the target, every nonce used once; a wallet that met a nonce conflict cools down; limits refuse."""

from __future__ import annotations

import random
from fractions import Fraction

from web3 import Web3

from keepers.chain.fees import FeePolicy
from keepers.chain.journal import TxJournal
from keepers.chain.sender import SenderPool
from keepers.markets.pieces import PieceSizes, split
from keepers.markets.price_target import Correction, correct, miss_bp, miss_ticks, price_of_sqrt
from keepers.mm.wallets import TICK_CROSSING_GAS, Plan, Venue, WalletLimits, Wallets
from keepers.sim.accounts import Wallet, current_fees, settle
from tests.markets.conftest import read_v2_pool, read_v3_pool
from tests.mm.conftest import FUNDS, funded, move

V2_POOL, V3_POOL = "uniswap_v2:WETH/DAI", "uniswap_v3:WETH/USDC/3000"
WALLETS = 5
FUNDING_NONCES = frozenset(range(len(FUNDS)))  # a funded wallet's own first transactions


def v2_price(pool) -> Fraction:
    return Fraction(pool.reserve1, pool.reserve0)


def wallets_for(w3, world, artifacts, journal, count: int = WALLETS, **limits) -> Wallets:
    pool = SenderPool(w3, journal, FeePolicy(), confirmations=1)
    senders = [pool.add(account) for account in funded(w3, world, artifacts, count)]
    max_input = {world.book.address(symbol): amount for symbol, amount in FUNDS.items()}
    return Wallets(w3, senders, WalletLimits(**({"max_pieces": 4, "max_input": max_input} | limits)))


def assert_every_nonce_used_once(w3: Web3, journal: TxJournal, addresses, outside=FUNDING_NONCES):
    """Each wallet's journaled transactions landed each at a nonce of its own, and with the ``outside``
    ones (its funding) they are every nonce the chain counts for it."""
    for address in addresses:
        nonces = [tx.nonce for tx in journal.of_sender(address) if tx.succeeded]
        count = w3.eth.get_transaction_count(address)
        assert sorted([*nonces, *outside]) == list(range(count)), (address, nonces, count)


def correct_on_chain(w3, journal, wallets: Wallets, state, router: str, target, seed: int) -> tuple[Correction, Plan]:
    correction = correct(state, target)
    assert isinstance(correction, Correction) and correction.amount_in > 0
    wallets.approve([correction.token_in], [router])
    rng = random.Random(seed)
    total = correction.amount_in
    pieces = split(total, PieceSizes(total // 15, total // 5, "lognormal"), rng)
    plan = wallets.plan(Venue(state, router), correction, pieces, cycle="c1", rng=rng)
    assert plan.left_over == () and plan.amount_in == total and len({s.wallet for s in plan.swaps}) == WALLETS
    reports = wallets.send(plan, timeout=30)
    assert sum(report.count("mined") for report in reports) == len(pieces), reports
    assert all(report.cooling_until is None for report in reports)
    assert_every_nonce_used_once(w3, journal, wallets.addresses)
    # sending the same cycle again sends nothing: its purposes have landed
    again = wallets.send(plan, timeout=30)
    assert [o.tx.id for r in again for o in r.outcomes] == [o.tx.id for r in reports for o in r.outcomes]
    return correction, plan


def test_a_moved_v2_pool_is_corrected_to_within_one_bp_from_several_wallets(w3, world, artifacts, journal):
    reference = v2_price(read_v2_pool(world, V2_POOL))
    move(w3, world, artifacts, V2_POOL, "WETH", 40 * 10**18)  # 4% of the pool's WETH: ~8% off
    wallets = wallets_for(w3, world, artifacts, journal)
    moved = read_v2_pool(world, V2_POOL)
    assert abs(miss_bp(v2_price(moved), reference)) > 500
    router = world.book.address("uniswap_v2_router")
    correct_on_chain(w3, journal, wallets, moved, router, reference, seed=11)
    assert abs(miss_bp(v2_price(read_v2_pool(world, V2_POOL)), reference)) <= 1


def test_a_moved_v3_pool_is_corrected_to_within_one_tick_through_its_ticks(w3, world, artifacts, journal):
    reference = price_of_sqrt(read_v3_pool(world).sqrt_price_x96)
    move(w3, world, artifacts, V3_POOL, "WETH", 80 * 10**18)  # out of the concentrated position's range
    wallets = wallets_for(w3, world, artifacts, journal)
    moved = read_v3_pool(world)
    assert abs(miss_ticks(price_of_sqrt(moved.sqrt_price_x96), reference)) > 300
    router = world.book.address("uniswap_v3_router")
    correction, plan = correct_on_chain(w3, journal, wallets, moved, router, reference, seed=12)
    assert moved.swap(correction.zero_for_one, correction.amount_in).crossed_ticks  # through an initialized tick
    # a piece that crosses no tick alone may cross it once others landed: it carries gas for that
    assert any(swap.extra_gas == TICK_CROSSING_GAS for swap in plan.swaps)
    after = read_v3_pool(world)
    assert abs(miss_ticks(price_of_sqrt(after.sqrt_price_x96), reference)) < 1


def test_a_wallet_whose_nonce_was_taken_cools_down_and_limits_refuse(w3, world, artifacts, journal):
    now = [1_000.0]
    wallets = wallets_for(w3, world, artifacts, journal, count=2, max_pieces=2, cooldown=30.0)
    wallets.clock = lambda: now[0]
    state = read_v2_pool(world, V2_POOL)
    router = world.book.address("uniswap_v2_router")
    dai = world.book.address("DAI")
    correction = correct(state, v2_price(state) * Fraction(1001, 1000))
    assert isinstance(correction, Correction) and correction.token_in == dai
    wallets.approve([dai], [router])
    # someone else spends the first wallet's next nonce behind its sender's back
    first = wallets.senders[0]
    outside = Wallet(w3, first.account, w3.eth.chain_id)
    settle(w3, [outside.send_call(first.address, b"", gas=21_000, **current_fees(w3))], "the outside transfer")
    rng = random.Random(3)
    pieces = [correction.amount_in // 4] * 3 + [correction.amount_in - 3 * (correction.amount_in // 4)]
    plan = wallets.plan(Venue(state, router), correction, pieces, cycle="c1", rng=rng)
    reports = {r.wallet: r for r in wallets.send(plan, timeout=30)}
    hit = reports[first.address]
    assert hit.count("mined") == 2 and hit.cooling_until == 1_030.0  # moved to a fresh nonce, landed
    assert any((o.reason or "").startswith("moved from nonce") for o in hit.outcomes)
    assert reports[wallets.senders[1].address].cooling_until is None
    assert_every_nonce_used_once(w3, journal, [first.address], outside={0, 1, 2, outside.nonce - 1})
    assert_every_nonce_used_once(w3, journal, [wallets.senders[1].address])

    # while it cools down it takes nothing; two pieces each for the other wallet, the rest left over
    plan = wallets.plan(Venue(state, router), correction, [10**18] * 3, cycle="c2", rng=rng)
    assert "cooling down" in plan.idle[first.address] and len(plan.swaps) == 2 and plan.left_over == (2,)
    now[0] += 31
    assert len(wallets.plan(Venue(state, router), correction, [10**18] * 3, cycle="c3", rng=rng).swaps) == 3
    # a token without a limit is never sold; a piece larger than any wallet's room is left over
    wallets.limits = WalletLimits(max_pieces=2, max_input={dai: 10**18})
    plan = wallets.plan(Venue(state, router), correction, [2 * 10**18], cycle="c4", rng=rng)
    assert plan.swaps == () and plan.left_over == (0,)
    wallets.limits = WalletLimits(max_pieces=2, max_input={})
    plan = wallets.plan(Venue(state, router), correction, [10**18], cycle="c5", rng=rng)
    assert all("no per-cycle limit" in why for why in plan.idle.values())
