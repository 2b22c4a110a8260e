#!/usr/bin/env python
"""The anchor of ``arb_latency.py``: the search as it was before it found cycles on demand.

Every cycle through the base token is enumerated once, up front (``enumerate_cycles``), and
indexed by pool (``CycleIndex``); a block re-bounds the cycles through the pools it changed; a
new pool rebuilds everything and a fall of the base fee below the gate re-bounds every cycle.
Memory grows with the number of cycles (roughly pools**3 / tokens**2), which is why it is
measured only where it fits. Kept here, beside the benchmark, as the yardstick: the keeper uses
``keepers.markets.search.ArbSearch``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from heapq import heapify, heappop, heappush
from math import isqrt

from keepers.markets.cycles import Cycle, Hop, Pool, enumerate_cycles, hops_of
from keepers.markets.search import (
    NEVER,
    UNBOUNDED,
    _fee_log_ceiling,
    _price_tick,
    loan_fee_log_floor,
    log_rate_ceiling,
)
from keepers.markets.sizing import (
    Opportunity,
    SizingParams,
    hop_ceiling_map,
    marginal_rate,
    select_opportunities,
    size_cycle,
)
from keepers.markets.uniswap_v2 import BPS, V2Pool
from keepers.markets.uniswap_v3.swap_math import FEE_DENOMINATOR


class CycleIndex:
    """Cycles by id, and for each pool address the ids of the cycles that swap through it."""

    def __init__(self, cycles: Iterable[Cycle] = ()):
        self._cycles: list[Cycle] = []
        self._by_pool: dict[str, list[int]] = defaultdict(list)
        for cycle in cycles:
            self.add(cycle)

    def add(self, cycle: Cycle) -> int:
        """Index one more cycle; returns its id."""
        cycle_id = len(self._cycles)
        self._cycles.append(cycle)
        for pool in cycle.pools:
            self._by_pool[pool].append(cycle_id)
        return cycle_id

    @property
    def cycles(self) -> Sequence[Cycle]:
        return self._cycles

    def __len__(self) -> int:
        return len(self._cycles)

    def ids_of(self, pool: str) -> Sequence[int]:
        """Ids of the cycles through one pool, ascending."""
        return self._by_pool.get(pool, ())

    def ids_touching(self, pools: Iterable[str]) -> list[int]:
        """Ids of the cycles through any of ``pools``, ascending, each once."""
        return sorted(self.id_set_touching(pools))

    def id_set_touching(self, pools: Iterable[str]) -> set[int]:
        """Ids of the cycles through any of ``pools``, as a set (no ordering cost)."""
        ids: set[int] = set()
        for pool in pools:
            ids.update(self._by_pool.get(pool, ()))
        return ids

    def touching(self, pools: Iterable[str]) -> list[Cycle]:
        """The cycles a change of ``pools`` can affect."""
        return [self._cycles[i] for i in self.ids_touching(pools)]


class AllCyclesSearch:
    """Every 2- and 3-hop cycle through ``base_token``, enumerated up front and indexed by pool, bounded
    against the latest pool states and sized on demand: the design before cycles were found on demand.

    ``params.base_fee_wei`` is the current base fee; ``set_base_fee`` follows it block by block.
    Cycles are sized against a *gate* fee ``base_fee_headroom_bps`` below it (EIP-1559 lets the
    base fee fall 12.5% a block) and priced at the current fee: the best input does not depend
    on gas, so a new base fee at or above the gate only re-prices what was sized, and only a
    fall below the gate makes every cycle worth looking at again.
    """

    def __init__(
        self,
        pools: Iterable[Pool],
        base_token: str,
        params: SizingParams,
        max_hops: int = 3,
        base_fee_headroom_bps: int = 1_250,
    ):
        self.base_token = base_token
        self.params = params
        self._headroom_bps = base_fee_headroom_bps
        self.pools: dict[str, Pool] = {pool.address: pool for pool in pools}
        self.index = CycleIndex(enumerate_cycles(self.pools.values(), base_token, max_hops))
        # Hops as small ints for the filter loop; id 0 is a neutral hop padding 2-hop cycles to 3.
        self._hop_ids: dict[Hop, int] = {}
        self._weights: list[int] = [0]
        self._maps: list[tuple[int, int, int]] = [(1, 1, 0)]
        self._pool_hops: dict[str, tuple[int, int]] = {}
        for pool in self.pools.values():
            ids = []
            for hop in hops_of(pool):
                self._hop_ids[hop] = len(self._weights)
                ids.append(len(self._weights))
                self._weights.append(NEVER)
                self._maps.append((0, 1, 0))
            self._pool_hops[pool.address] = (ids[0], ids[1])
            self._rate(pool)
        self._cycle_hops: list[tuple[int, int, int]] = [
            (*(self._hop_ids[h] for h in cycle.hops), 0)[:3]  # type: ignore[misc]
            for cycle in self.index.cycles
        ]
        self._gas_units: list[int] = [params.gas.units(cycle, self.pools) for cycle in self.index.cycles]
        self._threshold = loan_fee_log_floor(params.loan.fee_bps)
        self._set_gate(params.base_fee_wei)
        # candidate cycle id -> ceiling on its profit net of the loan fee, before gas (passes the gate fee)
        self._ceilings: dict[int, int] = {}
        self._sized: dict[int, Opportunity | None] = {}  # candidate id -> sized at the gate fee (None: does not pay)
        self._opportunities: dict[int, Opportunity] = {}  # sized candidates priced at the current fee, paying
        # The branch-and-bound queue: (-bound, 0, cycle id, serial) for a candidate not sized yet,
        # (-net profit, 1, pools, cycle id, opportunity) for a sized one that pays. Entries go stale
        # (a pool changed, the cycle got sized) and are dropped when popped; ``_serials`` holds the
        # serial of each unsized candidate's live entry.
        self._queue: list[tuple] = []
        self._serials: dict[int, int] = {}
        self._serial = 0
        self.sizings = 0  # exact sizings done so far (``sizing.size_cycle`` calls)

    # --- state ----------------------------------------------------------------------------------

    def _set_gate(self, base_fee_wei: int) -> None:
        self._gate_fee = base_fee_wei * (BPS - self._headroom_bps) // BPS
        self._gate_params = replace(self.params, base_fee_wei=self._gate_fee)

    def _price(self, cycle_id: int, sized: Opportunity) -> Opportunity | None:
        """A cycle sized at the gate fee, priced at the current base fee; None if it does not pay."""
        base_fee = self.params.base_fee_wei
        if base_fee == self._gate_fee:
            return sized
        gas = self._gas_units[cycle_id] * base_fee
        net = sized.gross_profit - sized.loan_fee - gas
        return replace(sized, gas_cost_wei=gas, net_profit=net) if net > 0 else None

    def set_base_fee(self, base_fee_wei: int) -> bool:
        """Follow the block's base fee; returns whether the selection is worth asking for again (the fee
        moved and some cycle may pay at it).

        At or above the gate fee this re-prices the sized cycles and re-bounds the others; below
        it, every cycle is re-evaluated against a new gate under the new fee (as ``refresh_all``).
        """
        if base_fee_wei == self.params.base_fee_wei:
            return False
        self.params = replace(self.params, base_fee_wei=base_fee_wei)
        if base_fee_wei < self._gate_fee:
            self._set_gate(base_fee_wei)
            self.refresh_all()
        else:
            self._opportunities = {
                cycle_id: priced
                for cycle_id, sized in self._sized.items()
                if sized is not None and (priced := self._price(cycle_id, sized)) is not None
            }
            self._rebuild_queue()
        return bool(self._queue)

    def _rate(self, pool: Pool) -> None:
        """Recompute the hop data of one pool: ceiling maps and log-rate bounds of both directions."""
        zero_for_one, one_for_zero = self._pool_hops[pool.address]
        forward, backward = hops_of(pool)
        if isinstance(pool, V2Pool):
            if pool.reserve0 <= 0 or pool.reserve1 <= 0:
                self._maps[zero_for_one] = self._maps[one_for_zero] = (0, 1, 0)
                self._weights[zero_for_one] = self._weights[one_for_zero] = NEVER
                return
            fee_log = _fee_log_ceiling(BPS - pool.fee_bps, BPS)
            # log1.0001(reserve1 / reserve0) from one tick; out of TickMath's range, per direction
            tick = _price_tick(isqrt((pool.reserve1 << 192) // pool.reserve0))
        else:
            fee_log = _fee_log_ceiling(FEE_DENOMINATOR - pool.fee, FEE_DENOMINATOR)
            tick = _price_tick(pool.sqrt_price_x96)
        for hop_id, hop in ((zero_for_one, forward), (one_for_zero, backward)):
            ceiling = hop_ceiling_map(pool, hop)
            self._maps[hop_id] = (ceiling.k, ceiling.m, ceiling.n)
        if tick is None:
            self._weights[zero_for_one] = log_rate_ceiling(*marginal_rate(pool, forward))
            self._weights[one_for_zero] = log_rate_ceiling(*marginal_rate(pool, backward))
        else:
            # price P of token0 in token1 with t <= log P < t + 1 (+ TickMath's 1e-19): the rates are
            # g * P and g / P, so their logs are below fee_log + t + 2 and fee_log - t + 1.
            self._weights[zero_for_one] = fee_log + tick + 2
            self._weights[one_for_zero] = fee_log - tick + 1

    def apply(self, states: Iterable[Pool]) -> list[str]:
        """Take new states of known pools (from a block's Sync/Swap logs); returns their addresses.

        States of pools the search does not know are ignored: a new pool needs its cycles enumerated.
        """
        changed = []
        for state in states:
            if state.address in self.pools:
                self.pools[state.address] = state
                self._rate(state)
                changed.append(state.address)
        return changed

    # --- bounds ---------------------------------------------------------------------------------

    def refresh(self, changed: Iterable[str]) -> None:
        """Re-bound the cycles through ``changed`` pools (their sizings are dropped, nothing is sized).

        What pays, and how much, is known only for what ``select`` asks for; ``opportunities()``
        sizes every candidate.
        """
        touched = self.index.id_set_touching(changed)
        ceilings, sized, opportunities, serials = self._ceilings, self._sized, self._opportunities, self._serials
        for cycle_id in touched & ceilings.keys():
            del ceilings[cycle_id]
            sized.pop(cycle_id, None)
            opportunities.pop(cycle_id, None)
            serials.pop(cycle_id, None)
        entries = self._bound(touched)
        queue = self._queue
        if len(queue) + len(entries) > 2 * (len(serials) + len(opportunities)) + 1_024:
            self._rebuild_queue()  # mostly stale entries: start over from the live ones
        else:
            for entry in entries:
                heappush(queue, entry)

    def refresh_all(self) -> None:
        """Re-bound every cycle and drop every sizing (what ``refresh`` avoids)."""
        self._ceilings.clear()
        self._sized.clear()
        self._opportunities.clear()
        self._serials.clear()
        self._queue = self._bound(range(len(self.index)))
        heapify(self._queue)

    def _bound(self, cycle_ids: Iterable[int]) -> list[tuple]:
        """Filter ``cycle_ids``, record the survivors' profit ceilings; returns queue entries for those
        whose bound on net profit at the current fee is positive."""
        weights, threshold, cycle_hops = self._weights, self._threshold, self._cycle_hops
        passing = []
        for cycle_id in cycle_ids:
            a, b, c = cycle_hops[cycle_id]
            if weights[a] + weights[b] + weights[c] > threshold:
                passing.append(cycle_id)
        maps, gas_units, gate_fee, base_fee = self._maps, self._gas_units, self._gate_fee, self.params.base_fee_wei
        ceilings, serials = self._ceilings, self._serials
        loan_factor = BPS + self.params.loan.fee_bps
        serial = self._serial
        entries = []
        for cycle_id in passing:
            a, b, c = cycle_hops[cycle_id]
            k1, m1, n1 = maps[a]
            k2, m2, n2 = maps[b]
            k3, m3, n3 = maps[c]
            k, m = k1 * k2 * k3, m1 * m2 * m3
            excess = k * BPS - m * loan_factor
            if excess <= 0:
                continue  # the exact marginal rate does not beat the loan fee
            n = m3 * (m2 * n1 + n2 * k1) + n3 * k1 * k2
            if n > 0:
                # The best profit c M (sqrt(r) - 1)^2 / N (r = K / (c M), c = 1 + fee) is at most
                # excess^2 / (4 N M C BPS) since sqrt(r) - 1 <= (r - 1) / 2: a check without a root.
                gas = gas_units[cycle_id] * gate_fee - 2
                if excess * excess <= gas * 4 * n * m * loan_factor * BPS:
                    continue  # cannot pay its gas at any size
                # LinearFractional(k, m, n).max_profit_ceiling(fee_bps) + 1 (as ``max_profit_ceiling``)
                root = isqrt(k * m * BPS // loan_factor) + 1
                ceiling = loan_factor * (root - m) ** 2 // (n * m * BPS) + 2
                if ceiling - 2 < gas:
                    continue
            else:
                ceiling = UNBOUNDED
            ceilings[cycle_id] = ceiling
            negated = gas_units[cycle_id] * base_fee - ceiling
            if negated < 0:
                serial += 1
                serials[cycle_id] = serial
                entries.append((negated, 0, cycle_id, serial))
        self._serial = serial
        return entries

    def _rebuild_queue(self) -> None:
        """The queue from the live state alone: unsized candidates by bound at the current fee, sized ones
        that pay by net profit."""
        base_fee, gas_units, sized = self.params.base_fee_wei, self._gas_units, self._sized
        serials: dict[int, int] = {}
        serial = self._serial
        queue: list[tuple] = []
        for cycle_id, ceiling in self._ceilings.items():
            if cycle_id in sized:
                continue
            negated = gas_units[cycle_id] * base_fee - ceiling
            if negated < 0:
                serial += 1
                serials[cycle_id] = serial
                queue.append((negated, 0, cycle_id, serial))
        for cycle_id, opportunity in self._opportunities.items():
            queue.append((-opportunity.net_profit, 1, opportunity.pools, cycle_id, opportunity))
        heapify(queue)
        self._queue, self._serials, self._serial = queue, serials, serial

    def _size(self, cycle_id: int) -> Opportunity | None:
        """Size a candidate at the gate fee (kept until its pools change); queue it if it pays now."""
        sized = size_cycle(self.index.cycles[cycle_id], self.pools, self._gate_params)
        self.sizings += 1
        self._sized[cycle_id] = sized
        self._serials.pop(cycle_id, None)  # its bound entry is stale now
        if sized is None:
            return None
        opportunity = self._price(cycle_id, sized)
        if opportunity is not None:
            self._opportunities[cycle_id] = opportunity
            heappush(self._queue, (-opportunity.net_profit, 1, opportunity.pools, cycle_id, opportunity))
        return opportunity

    # --- results --------------------------------------------------------------------------------

    def select(self, limit: int | None = None) -> list[Opportunity]:
        """The best opportunities that can execute together: greedily by net profit, no two sharing a pool.

        Exactly ``select_eager(limit)``, sizing only the candidates whose bound reaches into the
        selection (see the module docstring); a sizing is kept for later calls and blocks.
        """
        if limit is not None and limit <= 0:
            return []
        queue, serials, opportunities, cycles = self._queue, self._serials, self._opportunities, self.index.cycles
        chosen: list[Opportunity] = []
        used: set[str] = set()
        kept: list[tuple] = []  # live entries popped: back into the queue at the end
        while queue and (limit is None or len(chosen) < limit):
            entry = heappop(queue)
            if entry[1] == 0:  # a bound
                cycle_id = entry[2]
                if serials.get(cycle_id) != entry[3]:
                    continue  # stale: its pools changed, or it was sized
                if not used.isdisjoint(cycles[cycle_id].pools):
                    kept.append(entry)  # after a pick it conflicts with: skipped whatever it pays
                    continue
                self._size(cycle_id)
                continue
            opportunity = entry[4]
            if opportunities.get(entry[3]) is not opportunity:
                continue  # stale: its pools changed, or the fee moved
            kept.append(entry)
            # every candidate left is bounded at or below it: the greedy's next in order
            if used.isdisjoint(opportunity.pools):
                chosen.append(opportunity)
                used.update(opportunity.pools)
        for entry in kept:
            heappush(queue, entry)
        return chosen

    def opportunities(self) -> list[Opportunity]:
        """Every cycle that currently pays loan and gas, sized, best first.

        Sizes every candidate not sized yet (what ``select`` avoids): use it for inspection and tests.
        """
        for cycle_id in [c for c in self._ceilings if c not in self._sized]:
            self._size(cycle_id)
        return sorted(self._opportunities.values(), key=lambda o: -o.net_profit)

    def select_eager(self, limit: int | None = None) -> list[Opportunity]:
        """``select`` the eager way: every candidate sized (``opportunities``), then the greedy selection.

        After ``refresh_all`` this is the full re-evaluation that ``refresh`` and ``select`` avoid.
        """
        return select_opportunities(self.opportunities(), limit)

    def net_profit_bound(self, cycle_id: int) -> int | None:
        """The bound ``select`` orders an unsized cycle by: at or above its net profit at the current fee,
        as of the last refresh that touched it; None when the filters dismissed it (it cannot pay)."""
        ceiling = self._ceilings.get(cycle_id)
        return None if ceiling is None else ceiling - self._gas_units[cycle_id] * self.params.base_fee_wei

    def cycle(self, cycle_id: int) -> Cycle:
        return self.index.cycles[cycle_id]

    def log_rate_bound(self, hop: Hop) -> int:
        """The filter's bound for a hop: its marginal rate is at most 1.0001 ** bound."""
        return self._weights[self._hop_ids[hop]]
