"""The local world is the real protocols: their own quoting functions predict execution to the wei.

These run on the local chain and again on a fork of the upstream world
(`make test` runs both), so they hold for whatever chain the world is on.
"""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from keepers.world.artifacts import ArtifactStore

DEADLINE = 2**32 - 1
# What UniswapV2Library.pairFor in the published Router02 hard-codes.
V2_PAIR_INIT_CODE_HASH = "96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f"
# What PoolAddress.computeAddress in the published V3 periphery hard-codes.
V3_POOL_INIT_CODE_HASH = "e34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"


@pytest.fixture
def trader(accounts, world):
    """An account holding WETH, DAI and USDC, with the routers approved."""
    account = accounts[1]
    world.token("WETH").deposit(value=200 * 10**18, sender=account)
    world.token("DAI").mint(500_000 * 10**18, sender=account)
    world.token("USDC").mint(500_000 * 10**6, sender=account)
    for spender in ("uniswap_v2_router", "v2b_router", "uniswap_v3_router"):
        for symbol in ("WETH", "DAI", "USDC"):
            world.token(symbol).approve(world.book.address(spender), 2**256 - 1, sender=account)
    return account


def test_published_bytecode_matches_hardcoded_init_code_hashes(artifacts: ArtifactStore):
    assert keccak(artifacts.get("UniswapV2Pair").bytecode).hex() == V2_PAIR_INIT_CODE_HASH
    assert keccak(artifacts.get("UniswapV3Pool").bytecode).hex() == V3_POOL_INIT_CODE_HASH


def test_address_book_names_every_protocol_piece(world, chain):
    book = world.book
    for name in (
        "WETH",
        "DAI",
        "USDC",
        "uniswap_v2_factory",
        "uniswap_v2_router",
        "v2b_factory",
        "v2b_router",
        "uniswap_v3_factory",
        "uniswap_v3_position_manager",
        "uniswap_v3_router",
        "uniswap_v3_quoter",
        "balancer_vault",
        "balancer_weighted_pool_factory",
        "aave_pool",
        "aave_pool_configurator",
        "aave_oracle",
    ):
        assert chain.provider.get_code(book.address(name)), f"no code at {name}"
    assert {t.decimals for t in book.tokens.values()} >= {18, 6}
    assert {p.kind for p in book.pools.values()} == {"uniswap_v2", "uniswap_v3", "balancer_weighted"}
    assert {p.exchange for p in book.pools.values() if p.kind == "uniswap_v2"} == {"uniswap_v2", "v2b"}


def test_two_v2_exchanges_quote_the_same_pair_differently(world):
    def price(pool_name: str) -> tuple[int, int]:
        pool = world.book.pools[pool_name]
        r0, r1, _ = world.contract(pool_name).getReserves()
        reserves = dict(zip(pool.tokens, (r0, r1), strict=True))
        return reserves["DAI"], reserves["WETH"]

    dai_a, weth_a = price("uniswap_v2:WETH/DAI")
    dai_b, weth_b = price("v2b:WETH/DAI")
    assert dai_a * weth_b != dai_b * weth_a


@pytest.mark.parametrize("router", ["uniswap_v2_router", "v2b_router"])
@pytest.mark.parametrize("path", [("WETH", "DAI"), ("DAI", "WETH"), ("USDC", "WETH")])
def test_v2_swap_pays_exactly_get_amounts_out(world, trader, router, path):
    contract = world.contract(router)
    tokens = [world.book.address(s) for s in path]
    amount_in = 10 ** world.book.token(path[0]).decimals * (3 if path[0] == "WETH" else 5_000)
    expected = contract.getAmountsOut(amount_in, tokens)
    before = [world.token(s).balanceOf(trader) for s in path]

    contract.swapExactTokensForTokens(amount_in, expected[-1], tokens, trader, DEADLINE, sender=trader)

    after = [world.token(s).balanceOf(trader) for s in path]
    assert before[0] - after[0] == amount_in
    assert after[-1] - before[-1] == expected[-1]


def test_v2_multi_hop_pays_exactly_get_amounts_out(world, trader):
    router = world.contract("uniswap_v2_router")
    path = [world.book.address(s) for s in ("USDC", "WETH", "DAI")]
    amount_in = 25_000 * 10**6
    expected = router.getAmountsOut(amount_in, path)
    before = world.token("DAI").balanceOf(trader)

    router.swapExactTokensForTokens(amount_in, expected[-1], path, trader, DEADLINE, sender=trader)

    assert world.token("DAI").balanceOf(trader) - before == expected[-1]


@pytest.mark.parametrize("direction", [("WETH", "USDC"), ("USDC", "WETH")])
def test_v3_quoter_v2_exact_input_equals_executed_swap(world, trader, direction):
    token_in, token_out = (world.book.address(s) for s in direction)
    fee = world.book.pools["uniswap_v3:WETH/USDC/3000"].fee_pips
    # Large enough to move the price through part of the concentrated range.
    amount_in = 40 * 10**18 if direction[0] == "WETH" else 60_000 * 10**6
    quote = world.contract("uniswap_v3_quoter").quoteExactInputSingle.call((token_in, token_out, amount_in, fee, 0))
    before = world.token(direction[1]).balanceOf(trader)

    world.contract("uniswap_v3_router").exactInputSingle(
        (token_in, token_out, fee, trader.address, DEADLINE, amount_in, 0, 0), sender=trader
    )

    assert world.token(direction[1]).balanceOf(trader) - before == quote[0]


def test_v3_quoter_v2_exact_output_equals_executed_swap(world, trader):
    weth, usdc = world.book.address("WETH"), world.book.address("USDC")
    fee = world.book.pools["uniswap_v3:WETH/USDC/3000"].fee_pips
    amount_out = 25 * 10**18
    quote = world.contract("uniswap_v3_quoter").quoteExactOutputSingle.call((usdc, weth, amount_out, fee, 0))
    before_usdc = world.token("USDC").balanceOf(trader)
    before_weth = world.token("WETH").balanceOf(trader)

    world.contract("uniswap_v3_router").exactOutputSingle(
        (usdc, weth, fee, trader.address, DEADLINE, amount_out, quote[0], 0), sender=trader
    )

    assert before_usdc - world.token("USDC").balanceOf(trader) == quote[0]
    assert world.token("WETH").balanceOf(trader) - before_weth == amount_out


def test_v3_pool_has_full_range_and_concentrated_positions(world):
    manager = world.contract("uniswap_v3_position_manager")
    pool = world.contract("uniswap_v3:WETH/USDC/3000")
    spacing = pool.tickSpacing()
    positions = [manager.positions(token_id) for token_id in (1, 2)]
    widths = sorted(p.tickUpper - p.tickLower for p in positions)
    assert widths[1] == (887272 // spacing) * spacing * 2  # full range
    assert widths[0] < widths[1]
    tick = pool.slot0().tick
    assert all(p.tickLower <= tick < p.tickUpper for p in positions)
    assert pool.liquidity() == sum(p.liquidity for p in positions)


def test_balancer_flash_loan_round_trip_is_free(world, project, accounts):
    probe = project.FlashLoanProbe.deploy(sender=accounts[2])
    weth = world.token("WETH")
    vault = world.book.address("balancer_vault")
    vault_before = weth.balanceOf(vault)
    amount = vault_before // 2

    # The probe holds nothing: only a zero fee lets it repay.
    receipt = probe.borrowFromBalancer(vault, weth, amount, sender=accounts[2])

    (event,) = receipt.decode_logs(probe.LoanReceived)
    assert (event.lender, event.token, event.amount, event.fee, event.balance) == (
        vault,
        weth.address,
        amount,
        0,
        amount,
    )
    assert weth.balanceOf(probe) == 0
    assert weth.balanceOf(vault) == vault_before


def test_aave_flash_loan_simple_charges_the_configured_premium(world, project, accounts):
    probe = project.FlashLoanProbe.deploy(sender=accounts[2])
    dai = world.token("DAI")
    pool = world.contract("aave_pool")
    a_dai = world.book.address("aave_aDAI")
    assert pool.FLASHLOAN_PREMIUM_TOTAL() == world.book.lenders.aave_premium_bps == 5
    amount = 1_234_567 * 10**18 + 1
    # Aave's PercentageMath.percentMul rounds half up.
    premium = (amount * 5 + 5_000) // 10_000
    dai.mint(premium, sender=accounts[2])
    dai.transfer(probe, premium, sender=accounts[2])
    reserve_before = dai.balanceOf(a_dai)

    receipt = probe.borrowFromAave(pool, dai, amount, sender=accounts[2])

    (event,) = receipt.decode_logs(probe.LoanReceived)
    assert (event.lender, event.amount, event.fee) == (pool.address, amount, premium)
    assert dai.balanceOf(probe) == 0
    assert dai.balanceOf(a_dai) - reserve_before == premium


def test_aave_flash_loan_fails_closed_without_the_premium(world, project, accounts):
    probe = project.FlashLoanProbe.deploy(sender=accounts[2])
    with ape.reverts():
        probe.borrowFromAave(world.contract("aave_pool"), world.token("USDC"), 10**6 * 10**6, sender=accounts[2])


def test_probe_refuses_callbacks_it_did_not_start(world, project, accounts):
    probe = project.FlashLoanProbe.deploy(sender=accounts[2])
    with ape.reverts(probe.UnexpectedCallback):
        probe.receiveFlashLoan([world.book.address("WETH")], [1], [0], b"", sender=accounts[3])
    with ape.reverts(probe.UnexpectedCallback):
        probe.executeOperation(world.book.address("DAI"), 1, 0, probe.address, b"", sender=accounts[3])


@pytest.mark.mainnet
def test_real_mainnet_state_when_forking_mainnet(chain):
    """Needs a real Ethereum upstream (LAPIDARY_MAINNET_RPC_URL); the local upstream has no mainnet state."""
    canonical_weth = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
    if not chain.provider.network.is_fork or not chain.provider.get_code(canonical_weth):
        pytest.skip("not forking real Ethereum mainnet (set LAPIDARY_MAINNET_RPC_URL to a mainnet RPC)")
    assert chain.chain_id == 1


def test_a_balancer_swap_cannot_run_inside_a_balancer_flash_loan(world, project, accounts):
    # flashLoan and swap share the Vault's reentrancy guard: FlashArbFacet refuses a Balancer hop
    # under a Balancer loan (BalancerHopInBalancerLoan) because of this.
    probe = project.BalancerReentryProbe.deploy(sender=accounts[2])
    weth, dai = world.token("WETH"), world.book.address("DAI")
    (pool,) = [p.address for p in world.book.pools.values() if p.kind == "balancer_weighted"]
    vault = world.book.address("balancer_vault")

    probe.probe(vault, pool, weth, dai, 10**18, sender=accounts[2])

    assert not probe.swapSucceeded()
    reason = bytes(probe.swapRevert())
    assert reason[:4] == keccak(text="Error(string)")[:4] and b"BAL#400" in reason
