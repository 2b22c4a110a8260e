#!/usr/bin/env python
"""The market maker's correction: how exactly it lands on the target, and how fast a cycle lands it.

1. **Exactness.** Random pool states and targets (seeded): V2 pairs with reserves from 10^6 to
   10^30 base units and fees of 5 to 100 bps; V3 pools at random ticks with 1 to 6 positions
   around the price (some full range) and 0.05 / 0.3 / 1% fees. Each target is the price moved by
   0.01% to 50% (log-uniform, either way). Ours: ``keepers.markets.price_target``; the input it
   returns is swapped by the exact pool model (``getAmountOut``; V3 exact input, no price limit)
   and the post-trade price is compared with the target, in the pool's price resolution: basis
   points for V2, ticks (powers of 1.0001) for V3. V3 targets where the pool has no liquidity are
   refused by ours (counted in the row) and left out of both columns. The anchor, on the same
   states: the textbook float correction, constant product without the fee for V2
   (``x = sqrt(k / P) - r``), the in-range liquidity taken as constant and no fee for V3
   (``dx = L (1/sqrtP' - 1/sqrtP)``), its input swapped by the same exact model.
   A report row: the V2 correction sent as ``--pieces`` pieces swapped in random orders
   (``v2_pieces_price_range`` bounds where they end).
2. **A cycle's wall time**, from reading the pool to every piece mined, on a fresh anvil with the
   world deployed and a block mined every ``--block-time`` seconds (a thread calls ``evm_mine``;
   automine off, as on a chain with blocks). The world's WETH/DAI V2 pair is moved by a trader
   selling WETH; the cycle reads its reserves, computes the correction back to the price before,
   splits it into about ``--pieces`` log-normal pieces (seeded: both arms send the same pieces)
   and sends them. Ours: ``--wallets`` wallets at once (``keepers.mm.wallets``: one thread and one
   ``TxSender`` per wallet). Anchor: the same pieces from one wallet through its ``TxSender``, one
   after another (each sent once the previous one is mined). Both start from the same chain state
   (``evm_snapshot`` / ``evm_revert``) with fresh senders and journals; the median of
   ``--repeats`` runs each. Both must end within 1 bp of the target.

Targets: every correction within one tick (V3) / 1 bp (V2) of the target; 10 wallets >= 5x faster.

    .venv/bin/python benchmarks/mm.py --json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eth_account import Account  # noqa: E402
from web3 import Web3  # noqa: E402

from keepers.chain.contracts import Contract, abi  # noqa: E402
from keepers.chain.fees import FeePolicy  # noqa: E402
from keepers.chain.journal import TxJournal  # noqa: E402
from keepers.chain.sender import SenderPool  # noqa: E402
from keepers.markets.pieces import PieceSizes, split  # noqa: E402
from keepers.markets.price_target import (  # noqa: E402
    Correction,
    correct_v2,
    correct_v3,
    miss_bp,
    miss_ticks,
    price_of_sqrt,
    v2_pieces_price_range,
    v2_price_after,
)
from keepers.markets.uniswap_v2 import V2Pool  # noqa: E402
from keepers.markets.uniswap_v3 import V3Pool  # noqa: E402
from keepers.markets.uniswap_v3.tick_math import MAX_TICK, get_sqrt_ratio_at_tick  # noqa: E402
from keepers.mm.wallets import Venue, WalletLimits, Wallets  # noqa: E402
from keepers.sim.accounts import Wallet, current_fees, settle  # noqa: E402
from keepers.store.db import Store  # noqa: E402
from keepers.toolchain.anvil import Anvil  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
Q96 = 1 << 96
TARGET_SPEEDUP = 5.0
PAIR = "uniswap_v2:WETH/DAI"
SPACING = {500: 10, 3000: 60, 10000: 200}
WALLET_DAI, WALLET_WETH = 5_000_000 * 10**18, 100 * 10**18


# -- 1. exactness ---------------------------------------------------------------------------------


def moved(rng: random.Random, price: Fraction) -> Fraction:
    """``price`` moved by 0.01% to 50%, log-uniform, up or down."""
    size = math.exp(rng.uniform(math.log(1e-4), math.log(0.5)))
    factor = 1 + size if rng.random() < 0.5 else 1 / (1 + size)
    return price * Fraction(factor).limit_denominator(10**12)


def random_v2(rng: random.Random) -> V2Pool:
    def reserve() -> int:
        return int(10 ** rng.uniform(6, 30))

    return V2Pool("pair", "T0", "T1", reserve(), reserve(), rng.choice([5, 25, 30, 100]))


def naive_v2(pool: V2Pool, target: Fraction) -> tuple[bool, int]:
    """The textbook float correction: constant product, no fee."""
    zero_for_one = target < Fraction(pool.reserve1, pool.reserve0)
    reserve_in, reserve_out = pool.reserves(zero_for_one)
    t = float(target if zero_for_one else 1 / target)
    return zero_for_one, max(1, int(math.sqrt(reserve_in * reserve_out / t) - reserve_in))


def random_v3(rng: random.Random) -> V3Pool:
    fee = rng.choice([500, 3000, 10000])
    spacing = SPACING[fee]
    tick = rng.randint(-50_000, 50_000)
    net: dict[int, int] = {}

    def add(lower: int, upper: int, liquidity: int) -> None:
        net[lower] = net.get(lower, 0) + liquidity
        net[upper] = net.get(upper, 0) - liquidity

    if rng.random() < 0.5:
        edge = MAX_TICK // spacing * spacing
        add(-edge, edge, int(10 ** rng.uniform(15, 22)))
    for i in range(rng.randint(1, 6)):
        lower = (tick // spacing - rng.randint(1 if i == 0 else -40, 60)) * spacing  # the first covers the tick
        upper = max(lower + spacing, (tick // spacing + rng.randint(1 if i == 0 else -40, 60)) * spacing)
        add(lower, upper, int(10 ** rng.uniform(15, 24)))
    low, high = get_sqrt_ratio_at_tick(tick), get_sqrt_ratio_at_tick(tick + 1)
    sqrt_price = low + rng.randrange(high - low)
    liquidity = sum(n for t, n in net.items() if t <= tick)
    return V3Pool("v3", "T0", "T1", fee, spacing, sqrt_price, tick, liquidity, {t: n for t, n in net.items() if n})


def naive_v3(pool: V3Pool, target: Fraction) -> tuple[bool, int]:
    """The textbook float correction: the in-range liquidity all the way, no fee."""
    now, then = pool.sqrt_price_x96 / Q96, math.sqrt(float(target))
    zero_for_one = then < now
    amount = pool.liquidity * (1 / then - 1 / now) if zero_for_one else pool.liquidity * (then - now)
    return zero_for_one, max(1, int(amount))


def exactness(states: int, pieces: int, seed: int) -> dict:
    rng = random.Random(seed)
    v2_ours, v2_naive, v2_pieces, v2_single = [], [], [], []
    v2_ms = 0.0
    for _ in range(states):
        pool = random_v2(rng)
        target = moved(rng, Fraction(pool.reserve1, pool.reserve0))
        started = time.perf_counter()
        result = correct_v2(pool, target)
        v2_ms += (time.perf_counter() - started) * 1000
        assert isinstance(result, Correction), result
        v2_ours.append(abs(result.miss))
        zero_for_one, amount = naive_v2(pool, target)
        v2_naive.append(abs(miss_bp(v2_price_after(pool, zero_for_one, amount), target)))
        if result.amount_in >= pieces * 4 and abs(miss_bp(target, result.price_before)) <= 1_000:  # moves <= 10%
            total = result.amount_in
            split_up = split(total, PieceSizes(total // (2 * pieces), 3 * total // (2 * pieces), "lognormal"), rng)
            state = pool
            for piece in rng.sample(split_up, len(split_up)):
                state = state.with_swap(result.token_in, piece)
            after = Fraction(state.reserve1, state.reserve0)
            low, high = v2_pieces_price_range(pool, result.zero_for_one, total, len(split_up))
            assert low <= after <= high, "pieces ended outside their proven range"
            v2_pieces.append(abs(miss_bp(after, target)))
            v2_single.append(abs(result.miss))
    v3_ours, v3_naive, refused = [], [], 0
    v3_ms = 0.0
    for _ in range(states):
        pool = random_v3(rng)
        target = moved(rng, price_of_sqrt(pool.sqrt_price_x96))
        started = time.perf_counter()
        result = correct_v3(pool, target)
        v3_ms += (time.perf_counter() - started) * 1000
        if not isinstance(result, Correction):
            assert result.reason == "no_liquidity", result
            refused += 1
            continue
        v3_ours.append(abs(result.miss))
        zero_for_one, amount = naive_v3(pool, target)
        after = pool.swap(zero_for_one, amount).sqrt_price_x96_after
        v3_naive.append(abs(miss_ticks(price_of_sqrt(after), target)))
    return {
        "v2": (v2_ours, v2_naive, v2_ms / states),
        "v3": (v3_ours, v3_naive, v3_ms / states, refused),
        "pieces": (v2_pieces, v2_single),
    }


# -- 2. a cycle's wall time -----------------------------------------------------------------------


class BlockClock:
    """Mines a block every ``interval`` seconds (automine off), until stopped; pausable for reverts."""

    def __init__(self, w3: Web3, interval: float):
        self.w3, self.interval = w3, interval
        self._stop = threading.Event()
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="block-clock", daemon=True)

    def __enter__(self) -> BlockClock:
        self.w3.provider.make_request("evm_setAutomine", [False])
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self.lock:
                self.w3.provider.make_request("evm_mine", [])


class ChainBench:
    """A fresh anvil with the world, funded wallets, and the WETH/DAI pair moved off its price."""

    def __init__(self, w3: Web3, wallets: int, folder: Path):
        from keepers.world.artifacts import ArtifactStore
        from keepers.world.deploy import deploy_world

        self.w3, self.folder = w3, folder
        self.book = deploy_world(w3, w3.eth.accounts[0], ROOT / "node_modules")
        self.artifacts = ArtifactStore(ROOT / "node_modules")
        entry = self.book.pools[PAIR]
        self.pair = entry.address
        self.token0, self.token1 = (self.book.address(symbol) for symbol in entry.tokens)
        self.router = self.book.address("uniswap_v2_router")
        self.dai, self.weth = self.book.address("DAI"), self.book.address("WETH")
        self.reference = self.price()
        self.accounts = [self._funded() for _ in range(wallets + 1)]  # the last one: the single wallet
        self._approve()
        self._move()

    def _token(self, symbol: str):
        name = "WETH9" if symbol == "WETH" else "MintableERC20"
        return self.w3.eth.contract(address=self.book.address(symbol), abi=self.artifacts.abi(name))

    def _funded(self):
        wallet = Wallet(self.w3, Account.from_key(secrets.token_bytes(32)), self.w3.eth.chain_id).fund(1_000)
        fees = current_fees(self.w3)
        settle(
            self.w3,
            [
                wallet.send(self._token("WETH").functions.deposit(), gas=100_000, value=WALLET_WETH, **fees),
                wallet.send(self._token("DAI").functions.mint(WALLET_DAI), gas=100_000, **fees),
            ],
            "funding a wallet",
        )
        return wallet.account

    def _approve(self) -> None:
        wallets, store = self.wallets(self.accounts, "approvals")
        wallets.approve([self.dai, self.weth], [self.router])
        store.close()

    def _move(self) -> None:
        """A trader sells 3% of the pair's WETH: its price falls ~6% below the reference."""
        trader = Wallet(self.w3, self._funded(), self.w3.eth.chain_id)
        reserve = Contract(self.w3, self.weth, abi("ERC20")).call("balanceOf", self.pair)
        amount = reserve * 3 // 100
        router = self.w3.eth.contract(address=self.router, abi=self.artifacts.abi("UniswapV2Router02"))
        fees = current_fees(self.w3)
        swap = router.functions.swapExactTokensForTokens(amount, 0, [self.weth, self.dai], trader.address, 2**32)
        hashes = [
            trader.send(self._token("WETH").functions.approve(self.router, amount), gas=100_000, **fees),
            trader.send(swap, gas=300_000, **fees),
        ]
        settle(self.w3, hashes, "moving the pair")

    def wallets(self, accounts, name: str, max_pieces: int = 1_000) -> tuple[Wallets, Store]:
        """Wallets with fresh senders over a fresh journal (the nonces of a reverted chain forgotten)."""
        store = Store(f"sqlite:///{self.folder / f'{name}.db'}")
        pool = SenderPool(self.w3, TxJournal(store, self.w3.eth.chain_id), FeePolicy(), confirmations=1)
        limits = WalletLimits(max_pieces=max_pieces, max_input={self.dai: WALLET_DAI, self.weth: WALLET_WETH})
        return Wallets(self.w3, [pool.add(account) for account in accounts], limits), store

    def read(self) -> V2Pool:
        reserve0, reserve1, _ = Contract(self.w3, self.pair, abi("UniswapV2Pair")).call("getReserves")
        return V2Pool(self.pair, self.token0, self.token1, reserve0, reserve1, 30)

    def price(self) -> Fraction:
        pool = self.read()
        return Fraction(pool.reserve1, pool.reserve0)

    def cycle(self, wallets: Wallets, name: str, pieces: int, seed: int, one_by_one: bool) -> tuple[float, int, int]:
        """Read, correct, split, plan, send, until all mined: (seconds, pieces, transactions mined)."""
        started = time.perf_counter()
        state = self.read()
        correction = correct_v2(state, self.reference)
        assert isinstance(correction, Correction) and correction.amount_in > 0
        total = correction.amount_in
        sizes = PieceSizes(total // (2 * pieces), 3 * total // (2 * pieces), "lognormal")
        split_up = split(total, sizes, random.Random(seed))
        plan = wallets.plan(Venue(state, self.router), correction, split_up, cycle=name, rng=random.Random(seed))
        assert not plan.left_over, plan.idle
        if one_by_one:
            (sender,) = wallets.senders
            mined = 0
            for swap in plan.swaps:
                tx = sender.wait(sender.send(swap.purpose, swap.call), timeout=120, interval=0.05)
                mined += tx.succeeded
        else:
            reports = wallets.send(plan, timeout=120)
            mined = sum(report.count("mined") for report in reports)
        return time.perf_counter() - started, len(split_up), mined


ARMS = ("ours", "one_by_one", "one_batch")


def wall_time(args: argparse.Namespace, folder: Path) -> dict:
    """Median seconds per arm: ours (the wallets at once), one wallet one piece after another (the anchor),
    one wallet with every piece in one batch (consecutive nonces); each from the same snapshot."""
    with Anvil(args=("--base-fee", str(10**9))) as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 120}))
        bench = ChainBench(w3, args.wallets, folder)
        seconds: dict[str, list[float]] = {arm: [] for arm in ARMS}
        counts, misses = set(), []
        with BlockClock(w3, args.block_time) as clock:
            for repeat in range(args.repeats):
                for arm in ARMS:
                    accounts = bench.accounts[:-1] if arm == "ours" else bench.accounts[-1:]
                    with clock.lock:
                        snapshot = w3.provider.make_request("evm_snapshot", [])["result"]
                    wallets, store = bench.wallets(accounts, f"{arm}-{repeat}")
                    took, pieces, mined = bench.cycle(
                        wallets, f"{arm}-{repeat}", args.pieces, args.seed, one_by_one=arm == "one_by_one"
                    )
                    store.close()
                    assert mined == pieces, f"{arm}: {mined} of {pieces} pieces mined"
                    misses.append(abs(miss_bp(bench.price(), bench.reference)))
                    seconds[arm].append(took)
                    counts.add(pieces)
                    with clock.lock:
                        w3.provider.make_request("evm_revert", [snapshot])
    assert max(misses) <= 1, f"a cycle ended {max(misses):.3f} bp from the target"
    medians = {arm: statistics.median(values) for arm, values in seconds.items()}
    return medians | {"pieces": counts, "miss": max(misses)}


def significant(value: float) -> float:
    """``value`` to 4 significant digits (misses near zero keep their order of magnitude)."""
    return float(f"{value:.4g}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--states", type=int, default=5_000, help="random pool states per protocol")
    parser.add_argument("--pieces", type=int, default=20, help="about how many pieces a correction is split into")
    parser.add_argument("--wallets", type=int, default=10)
    parser.add_argument("--block-time", type=float, default=1.0, help="seconds between blocks")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--quick", action="store_true", help="a small run (checks the script, not the figures)")
    parser.add_argument("--json", action="store_true", help="print only the JSON result")
    args = parser.parse_args()
    if args.quick:
        args.states, args.pieces, args.block_time, args.repeats = 300, 10, 0.5, 1

    found = exactness(args.states, args.pieces, args.seed)
    v2_ours, v2_naive, v2_ms = found["v2"]
    v3_ours, v3_naive, v3_ms, refused = found["v3"]
    pieces_miss, single_miss = found["pieces"]
    with tempfile.TemporaryDirectory(prefix="lapidary-mm-bench-") as tmp:
        timed = wall_time(args, Path(tmp))
    speedup = timed["one_by_one"] / timed["ours"]
    piece_counts = "/".join(str(n) for n in sorted(timed["pieces"]))

    results = [
        {
            "name": f"V2 correction, max |post-trade price - target| over {len(v2_ours)} random pairs and targets",
            "ours": significant(max(v2_ours)),
            "anchor": round(max(v2_naive), 3),
            "anchor_name": (
                "float constant product without the fee, x = sqrt(k/P) - r, same states "
                f"(median {statistics.median(v2_naive):.3f} bp)"
            ),
            "unit": "bp",
            "target": "<= 1 bp",
            "met": max(v2_ours) <= 1,
        },
        {
            "name": (
                f"V3 correction through initialized ticks, max |post-trade price - target| over {len(v3_ours)} "
                f"random pools and targets ({refused} more targets without liquidity refused)"
            ),
            "ours": significant(max(v3_ours)),
            "anchor": round(max(v3_naive), 3),
            "anchor_name": (
                "float in-range liquidity without the fee, dx = L (1/sqrtP' - 1/sqrtP), same states "
                f"(median {statistics.median(v3_naive):.3f} ticks; past the liquidity it runs to the price limit)"
            ),
            "unit": "ticks",
            "target": "< 1 tick",
            "met": max(v3_ours) < 1,
        },
        {
            "name": (
                f"V2 correction as ~{args.pieces} pieces swapped in a random order, max |post-trade - target| "
                f"over {len(pieces_miss)} moves up to 10%"
            ),
            "ours": significant(max(pieces_miss)),
            "anchor": significant(max(single_miss)),
            "anchor_name": "the same corrections as one swap",
            "unit": "bp",
            "target": "report",
            "met": True,
        },
        {
            "name": (
                f"one cycle, reserves read to all {piece_counts} pieces mined, {args.wallets} wallets at once "
                f"(blocks every {args.block_time:g} s; median of {args.repeats})"
            ),
            "ours": round(timed["ours"], 3),
            "anchor": round(timed["one_by_one"], 3),
            "anchor_name": "the same pieces from one wallet through its TxSender, each sent once the last is mined",
            "unit": "s",
            "target": f">= {TARGET_SPEEDUP:g}x faster (ours: {speedup:.1f}x)",
            "met": speedup >= TARGET_SPEEDUP,
        },
        {
            "name": "the same cycle from one wallet sending every piece at once (consecutive nonces, one batch)",
            "ours": round(timed["one_batch"], 3),
            "anchor": round(timed["ours"], 3),
            "anchor_name": f"{args.wallets} wallets at once (the row above)",
            "unit": "s",
            "target": "report",
            "met": True,
        },
    ]
    report = {"benchmark": "mm", "results": results}
    if not args.json:
        print(
            f"compute per correction: V2 {v2_ms:.3f} ms, V3 {v3_ms:.3f} ms; "
            f"cycle: ours {timed['ours']:.2f} s, one wallet one by one {timed['one_by_one']:.2f} s ({speedup:.1f}x), "
            f"one wallet in one batch {timed['one_batch']:.2f} s, "
            f"worst cycle end {timed['miss']:.4f} bp from the target",
            file=sys.stderr,
        )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
