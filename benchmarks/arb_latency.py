#!/usr/bin/env python
"""Latency of the arbitrage search per block: a block's logs to signed candidates, incremental vs full.

A synthetic registry lives in memory (no chain): ``--tokens`` tokens including WETH,
each with a reference value in ETH (log-uniform between 1e-6 and 10 ETH per whole token,
6, 8 or 18 decimals); ``--v2-pools`` Uniswap V2 pairs (30 bps, some 25 bps forks) and
``--v3-pools`` V3 pools (0.05/0.3/1% with their tick spacings; a full-range position and
2 to 4 concentrated ones around the price). A share ``--weth-share`` of pools pair a
token with WETH (0.15: about three WETH pools per token, as a token trades on a couple
of V2 forks and a V3 tier), the rest pair two random tokens. Liquidity per pool is
log-uniform between 1 and 5,000 ETH a side; prices are the reference prices off by up to
0.2%, inside the fees, so the registry starts with no profitable cycle.

Each block first executes the best ``--executed`` arbitrages selected after the previous
block (someone takes them, as on a real chain), then random swaps (input log-normal around
0.05% of the input reserve: most moves are small, a few are several percent) until
``--changed`` pools have moved; every swap emits the log the chain would:
``Sync(reserve0, reserve1)`` for V2, ``Swap(..., sqrtPriceX96, liquidity, tick)`` for V3.
Measured per block, on one core, with ``time.perf_counter_ns``:

1. decode the logs into new pool states and hand them to the search (``ArbSearch.apply``);
2. re-bound the cycles through those pools (``ArbSearch.refresh``: the log-rate filter, the
   exact marginal-rate check and a ceiling on each cycle's profit net of a 5 bps flash-loan
   premium and of gas at a 20 gwei base fee, kept constant here);
3. select the best ``--select`` non-conflicting opportunities (no two share a pool;
   ``ArbSearch.select``, a branch and bound that sizes exactly only the cycles whose
   ceiling reaches into the selection, keeping sizings until a cycle's pools change);
4. ABI-encode ``executeArb(((address,bool,uint256)[],address,uint256,uint256,uint8,uint16))``
   calldata (from the shipped ABI, with each hop's exact output, as the keeper does) for the
   selected opportunities new or changed this block (calldata differing from what was last
   signed for that cycle), at most ``--sign`` of them;
5. sign an EIP-1559 transaction for each of those (the keepers' signer,
   ``keepers.chain.signing``, byte for byte eth-account's); an unchanged one keeps the transaction
   signed earlier.

The anchor is the same pipeline on a second ``ArbSearch`` fed the same logs, re-evaluating
everything: step 2 re-bounds every cycle and drops every sizing (``ArbSearch.refresh_all``),
step 3 sizes every cycle that passes the filters and then selects (``ArbSearch.select_eager``),
as the search did before it was lazy. Both must select the same opportunities every block
and sign the same transactions, byte for byte (the run fails otherwise). The registry built
at start-up is frozen out of the garbage collector (``gc.freeze``), as a long-running keeper
would do; collections still run.

Targets: incremental median <= 20 ms per block; incremental at least 20x faster than full.
``--detail`` prints per-stage medians and counts to stderr.

    .venv/bin/python benchmarks/arb_latency.py --v2-pools 10000 --v3-pools 1000 --changed 100 --json
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eth_account import Account  # noqa: E402
from eth_utils import keccak, to_checksum_address  # noqa: E402

from keepers.arb.execution import EXECUTE_ARB  # noqa: E402
from keepers.chain.contracts import abi  # noqa: E402
from keepers.chain.signing import Eip1559Signer  # noqa: E402
from keepers.markets.cycles import Pool  # noqa: E402
from keepers.markets.search import ArbSearch  # noqa: E402
from keepers.markets.sizing import FlashLoan, GasModel, Opportunity, SizingParams, cycle_amounts  # noqa: E402
from keepers.markets.uniswap_v2 import V2Pool  # noqa: E402
from keepers.markets.uniswap_v3 import V3Pool  # noqa: E402
from keepers.markets.uniswap_v3.tick_math import (  # noqa: E402
    MAX_TICK,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

SYNC_TOPIC = bytes.fromhex(abi("UniswapV2Pair").event("Sync").topic[2:])
SWAP_TOPIC = bytes.fromhex(abi("UniswapV3Pool").event("Swap").topic[2:])
V3_TIERS = ((500, 10), (3000, 60), (10000, 200))
Q96 = 1 << 96
E18 = 10**18
LENDER_AAVE = 2  # IFlashArb.Lender.Aave (OwnCapital 0, Balancer 1)
BASE_FEE = 20 * 10**9
# Gas of executeArb per part, an estimate for the synthetic registry (not measured on a chain here).
GAS = GasModel(base=110_000, per_v2_hop=60_000, per_v3_hop=95_000)
CHAIN_ID = 1


@dataclass(frozen=True)
class Token:
    address: str
    decimals: int
    wei_per_unit: float  # reference value of one base unit, in wei (synthetic data only)


@dataclass(frozen=True)
class Log:
    """What eth_getLogs returns that the decoder reads."""

    address: str
    topics: tuple[bytes, ...]
    data: bytes


def _address(rng: random.Random) -> str:
    return to_checksum_address(rng.randbytes(20))


def make_tokens(rng: random.Random, count: int) -> list[Token]:
    weth = Token(_address(rng), 18, 1.0)
    tokens = [weth]
    for _ in range(count - 1):
        decimals = rng.choices((18, 6, 8), weights=(80, 15, 5))[0]
        eth_per_whole = 10 ** rng.uniform(-6, 1)
        tokens.append(Token(_address(rng), decimals, eth_per_whole * E18 / 10**decimals))
    return tokens


def _side_wei(rng: random.Random) -> float:
    return 10 ** rng.uniform(0, math.log10(5_000)) * E18


def make_v2_pool(rng: random.Random, a: Token, b: Token) -> V2Pool:
    token0, token1 = sorted((a, b), key=lambda t: int(t.address, 16))
    side = _side_wei(rng)
    noise = 1 + rng.uniform(-0.002, 0.002)
    reserve0 = max(10**3, int(side / token0.wei_per_unit))
    reserve1 = max(10**3, int(side * noise / token1.wei_per_unit))
    fee = rng.choices((30, 25), weights=(85, 15))[0]
    return V2Pool(_address(rng), token0.address, token1.address, reserve0, reserve1, fee)


def make_v3_pool(rng: random.Random, a: Token, b: Token) -> V3Pool:
    token0, token1 = sorted((a, b), key=lambda t: int(t.address, 16))
    fee, spacing = rng.choice(V3_TIERS)
    price = token0.wei_per_unit / token1.wei_per_unit * (1 + rng.uniform(-0.002, 0.002))  # token1 per token0
    sqrt_price = int(math.sqrt(price) * Q96)
    sqrt_price = min(
        max(sqrt_price, get_sqrt_ratio_at_tick(MIN_TICK + 2 * spacing)), get_sqrt_ratio_at_tick(MAX_TICK - 2 * spacing)
    )
    tick = get_tick_at_sqrt_ratio(sqrt_price)
    # virtual token1 reserve of the in-range liquidity: y = L * sqrtP / Q96
    side_token1 = _side_wei(rng) / token1.wei_per_unit
    total = max(1, int(side_token1 * Q96 / sqrt_price))
    net: dict[int, int] = {}

    def add(lower: int, upper: int, liquidity: int) -> None:
        net[lower] = net.get(lower, 0) + liquidity
        net[upper] = net.get(upper, 0) - liquidity

    lowest, highest = (MIN_TICK // spacing + 1) * spacing, (MAX_TICK // spacing) * spacing
    add(lowest, highest, total // 4)  # full range
    for _ in range(rng.randint(2, 4)):
        width = rng.randint(1, 60) * spacing
        centre = tick // spacing * spacing + rng.randint(-10, 10) * spacing
        add(max(lowest, centre - width), min(highest, centre + width), rng.randint(1, 3) * total // 8)
    in_range = sum(n for t, n in net.items() if t <= tick)
    return V3Pool(_address(rng), token0.address, token1.address, fee, spacing, sqrt_price, tick, in_range, net)


def make_registry(rng: random.Random, tokens: list[Token], v2: int, v3: int, weth_share: float) -> list[Pool]:
    weth, others = tokens[0], tokens[1:]
    pools: list[Pool] = []
    for i in range(v2 + v3):
        if rng.random() < weth_share:
            a, b = weth, rng.choice(others)
        else:
            a, b = rng.sample(others, 2)
        pools.append(make_v2_pool(rng, a, b) if i < v2 else make_v3_pool(rng, a, b))
    return pools


def _word(value: int) -> bytes:
    return (value % (1 << 256)).to_bytes(32, "big")


def _swap_log(pool: Pool, zero_for_one: bool, amount_in: int) -> tuple[Pool, Log]:
    """The pool after a swap, and the log the chain emits for it."""
    if isinstance(pool, V2Pool):
        after = pool.with_swap(pool.token0 if zero_for_one else pool.token1, amount_in)
        return after, Log(pool.address, (SYNC_TOPIC,), _word(after.reserve0) + _word(after.reserve1))
    result = pool.swap(zero_for_one, amount_in)
    after = pool.after(result)
    data = b"".join(
        _word(v) for v in (result.amount0, result.amount1, after.sqrt_price_x96, after.liquidity, after.tick)
    )
    return after, Log(pool.address, (SWAP_TOPIC, bytes(32), bytes(32)), data)


def simulate_block(rng: random.Random, pools: dict[str, Pool], changed: int, executed: list[Opportunity]) -> list[Log]:
    """Apply a block to the synthetic chain (not timed) and return the logs it emits.

    First the arbitrages selected after the previous block execute (someone takes them, as on a
    real chain), then random swaps, until ``changed`` pools have moved.
    """
    logs: list[Log] = []
    moved: set[str] = set()
    for opportunity in executed:
        if moved.intersection(opportunity.pools) or len(moved) + len(opportunity.pools) > changed:
            continue
        amount = opportunity.amount_in
        try:
            for hop in opportunity.cycle.hops:
                pool = pools[hop.pool]
                out = pool.amount_out(hop.token_in, amount)
                pools[hop.pool], log = _swap_log(pool, hop.zero_for_one, amount)
                logs.append(log)
                moved.add(hop.pool)
                amount = out
        except ValueError:
            continue
    for address in rng.sample(sorted(pools), changed):
        if len(moved) >= changed:
            break
        if address in moved:
            continue
        pool = pools[address]
        zero_for_one = rng.random() < 0.5
        fraction = min(0.1, 0.0005 * math.exp(rng.gauss(0, 1.5)))
        if isinstance(pool, V2Pool):
            reserve_in = pool.reserve0 if zero_for_one else pool.reserve1
        else:
            sqrt_price, liquidity = pool.sqrt_price_x96, max(pool.liquidity, 1)
            reserve_in = liquidity * Q96 // sqrt_price if zero_for_one else liquidity * sqrt_price // Q96
        pools[address], log = _swap_log(pool, zero_for_one, max(1, int(reserve_in * fraction)))
        logs.append(log)
        moved.add(address)
    return logs


# --- the measured pipeline ----------------------------------------------------------------------


def decode_logs(logs: list[Log], pools: dict[str, Pool]) -> list[Pool]:
    """New pool states from Sync (V2) and Swap (V3) logs; later logs of a pool win."""
    states: dict[str, Pool] = {}
    for log in logs:
        pool = states.get(log.address) or pools[log.address]
        data = log.data
        if log.topics[0] == SYNC_TOPIC:
            states[log.address] = pool.with_reserves(  # type: ignore[union-attr]
                int.from_bytes(data[0:32], "big"), int.from_bytes(data[32:64], "big")
            )
        elif log.topics[0] == SWAP_TOPIC:
            tick = int.from_bytes(data[128:160], "big", signed=True)
            states[log.address] = pool.with_slot0(  # type: ignore[union-attr]
                int.from_bytes(data[64:96], "big"), tick, int.from_bytes(data[96:128], "big")
            )
    return list(states.values())


def calldata(opportunity: Opportunity, base_token: str, pools: dict[str, Pool]) -> bytes:
    outputs = cycle_amounts(opportunity.cycle, pools, opportunity.amount_in)[1:]
    hops = [(hop.pool, hop.zero_for_one, out) for hop, out in zip(opportunity.cycle.hops, outputs, strict=True)]
    params = (hops, base_token, opportunity.amount_in, opportunity.net_profit, LENDER_AAVE, 0)
    return EXECUTE_ARB.encode(params)


class Signer:
    """Signs executeArb transactions to the arb diamond with one key (parsed once)."""

    def __init__(self, seed: bytes, diamond: str):
        self.signer = Eip1559Signer(Account.from_key(keccak(seed)))
        self.diamond = diamond
        self.nonce = 0

    def sign(self, data: bytes, gas: int) -> bytes:
        signed = self.signer.sign(
            chain_id=CHAIN_ID,
            nonce=self.nonce,
            to=self.diamond,
            value=0,
            data=data,
            gas=gas,
            max_fee=2 * BASE_FEE,
            tip=10**9,
        )
        self.nonce += 1
        return signed.raw


STAGES = ("decode+apply", "refresh", "select", "calldata", "sign")


@dataclass
class Block:
    """What one block's pipeline produced, and the time of each stage in ns."""

    selected: list[Opportunity]
    signed: list[bytes]
    sizings: int
    timing: list[int]


def run_block(
    search: ArbSearch,
    logs: list[Log],
    signer: Signer,
    last_signed: dict[tuple[str, ...], tuple[int, int]],
    limit: int | None,
    sign_limit: int,
    full: bool,
) -> Block:
    """Logs -> states -> bounds -> selection -> calldata -> signed transactions.

    A selected opportunity is signed when its calldata differs from what was last signed for its
    cycle (``last_signed``: pools -> amount in, min profit); the others keep their transaction."""
    sizings = search.sizings
    t0 = time.perf_counter_ns()
    changed = search.apply(decode_logs(logs, search.pools))
    t1 = time.perf_counter_ns()
    if full:
        search.refresh_all()
    else:
        search.refresh(changed)
    t2 = time.perf_counter_ns()
    selected = search.select_eager(limit) if full else search.select(limit)
    t3 = time.perf_counter_ns()
    fresh = [o for o in selected if last_signed.get(o.pools) != (o.amount_in, o.net_profit)][:sign_limit]
    encoded = [calldata(o, search.base_token, search.pools) for o in fresh]
    t4 = time.perf_counter_ns()
    signed = []
    for opportunity, data in zip(fresh, encoded, strict=True):
        signed.append(signer.sign(data, GAS.units(opportunity.cycle, search.pools) * 6 // 5))
        last_signed[opportunity.pools] = (opportunity.amount_in, opportunity.net_profit)
    t5 = time.perf_counter_ns()
    return Block(selected, signed, search.sizings - sizings, [t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4])


def _content(opportunities: list[Opportunity]) -> list[tuple]:
    return [(o.pools, o.amount_in, o.amount_out, o.net_profit) for o in opportunities]


def measure(args: argparse.Namespace) -> tuple[list[dict], dict]:
    rng = random.Random(args.seed)
    tokens = make_tokens(rng, args.tokens)
    registry = make_registry(rng, tokens, args.v2_pools, args.v3_pools, args.weth_share)
    params = SizingParams(base_fee_wei=BASE_FEE, gas=GAS, loan=FlashLoan(5))
    setup = time.perf_counter()
    search = ArbSearch(registry, tokens[0].address, params)
    setup = time.perf_counter() - setup
    anchor = ArbSearch(registry, tokens[0].address, params)  # the same registry, re-evaluated in full
    search.refresh_all()
    anchor.refresh_all()
    diamond = _address(rng)
    signers = Signer(b"lapidary arb benchmark", diamond), Signer(b"lapidary arb benchmark", diamond)
    chain_state = dict(search.pools)

    incremental, full, sizings, touched = [], [], [], []
    stages: dict[str, list[list[int]]] = {"incremental": [], "full": []}
    last_signed: tuple[dict, dict] = ({}, {})
    executed: list[Opportunity] = []
    # As a long-running keeper would: the registry built at start-up is moved out of the
    # collector's reach (gc.freeze), so collections scan only what each block allocates.
    gc.collect()
    gc.freeze()
    try:
        for _ in range(args.blocks):
            logs = simulate_block(rng, chain_state, args.changed, executed)
            touched.append(len(search.index.id_set_touching({log.address for log in logs})))
            start = time.perf_counter_ns()
            ours = run_block(search, logs, signers[0], last_signed[0], args.select, args.sign, full=False)
            incremental.append(time.perf_counter_ns() - start)
            stages["incremental"].append(ours.timing)
            start = time.perf_counter_ns()
            theirs = run_block(anchor, logs, signers[1], last_signed[1], args.select, args.sign, full=True)
            full.append(time.perf_counter_ns() - start)
            stages["full"].append(theirs.timing)
            sizings.append(ours.sizings)
            if _content(ours.selected) != _content(theirs.selected) or ours.signed != theirs.signed:
                raise SystemExit("incremental and full re-evaluation disagree")
            executed = ours.selected[: args.executed]
    finally:
        gc.unfreeze()

    def median_ms(values) -> float:
        return statistics.median(values) / 1e6

    def p95_ms(values) -> float:
        return sorted(values)[max(0, math.ceil(0.95 * len(values)) - 1)] / 1e6

    inc_median, full_median = median_ms(incremental), median_ms(full)
    speedup = full_median / inc_median
    search_inc = median_ms([t[1] for t in stages["incremental"]])
    search_full = median_ms([t[1] for t in stages["full"]])
    setting = (
        f"{args.v2_pools} V2 + {args.v3_pools} V3 pools, {args.tokens} tokens, {len(search.index)} cycles, "
        f"{args.changed} pools changed per block, {args.blocks} blocks"
    )
    rows = [
        {
            "name": f"incremental block latency, logs to signed candidates, median ({setting})",
            "ours": round(inc_median, 3),
            "anchor": round(full_median, 3),
            "anchor_name": "the same pipeline re-evaluating every cycle, median, same blocks",
            "unit": "ms",
            "target": "<= 20 ms",
            "met": inc_median <= 20,
        },
        {
            "name": "incremental block latency, p95",
            "ours": round(p95_ms(incremental), 3),
            "anchor": round(p95_ms(full), 3),
            "anchor_name": "full re-evaluation pipeline, p95, same blocks",
            "unit": "ms",
            "target": "report",
            "met": True,
        },
        {
            "name": "speedup of the incremental pipeline over full re-evaluation (median / median)",
            "ours": round(speedup, 1),
            "anchor": 1,
            "anchor_name": f"full re-evaluation pipeline ({full_median:.1f} ms median)",
            "unit": "x",
            "target": ">= 20x",
            "met": speedup >= 20,
        },
        {
            "name": "speedup of the search step alone (ArbSearch.refresh vs refresh_all, median / median)",
            "ours": round(search_full / search_inc, 1),
            "anchor": 1,
            "anchor_name": f"refresh_all ({search_full:.1f} ms median; refresh {search_inc:.2f} ms)",
            "unit": "x",
            "target": "report",
            "met": True,
        },
    ]
    detail = {
        "setup_s": round(setup, 2),
        "cycles": len(search.index),
        "touched_cycles_median": statistics.median(touched),
        "exact_sizings_per_block_median": statistics.median(sizings),
        "signed": signers[0].nonce,
        "stage_median_ms": {
            mode: {name: round(median_ms([t[i] for t in timings]), 3) for i, name in enumerate(STAGES)}
            for mode, timings in stages.items()
        },
    }
    return rows, detail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--v2-pools", type=int, default=10_000)
    parser.add_argument("--v3-pools", type=int, default=1_000)
    parser.add_argument("--changed", type=int, default=100, help="pools changed by each block")
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--weth-share", type=float, default=0.15, help="share of pools pairing WETH")
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--select", type=int, default=10, help="opportunities selected per block, at most")
    parser.add_argument("--sign", type=int, default=5, help="transactions signed per block, at most")
    parser.add_argument("--executed", type=int, default=3, help="arbitrages executed on chain after each block")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the JSON object (the only output format)")
    parser.add_argument("--detail", action="store_true", help="also print run details to stderr")
    args = parser.parse_args()
    rows, detail = measure(args)
    if args.detail:
        print(json.dumps(detail), file=sys.stderr)
    print(json.dumps({"benchmark": "arb_latency", "results": rows}))


if __name__ == "__main__":
    main()
