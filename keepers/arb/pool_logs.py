"""Pool state from raw pool logs: the registry's per-block hot path.

`apply_logs` takes logs exactly as ``eth_getLogs`` sends them over the wire (dicts of hex strings:
lowercase ``address``, ``topics``, ``data``) and applies them, in order, to the pools' states:

- V2 ``Sync(reserve0, reserve1)`` sets the reserves;
- V3 ``Swap`` sets ``slot0`` (sqrt price, tick) and the in-range liquidity;
- V3 ``Mint`` / ``Burn`` add or remove liquidity at two ticks (and in range), keeping each
  initialized tick's ``liquidityGross`` so a burn that empties a tick uninitializes it, as
  ``Tick.update`` does.

Words are read straight from the hex at the offsets the shipped ABIs give
(`StaticEventDecoder`), with no web3 formatting, no eth_abi and no checksumming per log
(``addresses`` maps the lowercase addresses of known pools to their checksummed form).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from keepers.chain.contracts import StaticEventDecoder
from keepers.chain.pools import V2_PAIR, V3_POOL
from keepers.markets.uniswap_v2 import V2Pool
from keepers.markets.uniswap_v3.pool import V3Pool

Pool = V2Pool | V3Pool

SYNC_EVENT = V2_PAIR.event("Sync")
V3_SWAP_EVENT, V3_MINT_EVENT, V3_BURN_EVENT = V3_POOL.event("Swap"), V3_POOL.event("Mint"), V3_POOL.event("Burn")
SYNC, V3_SWAP, V3_MINT, V3_BURN = SYNC_EVENT.topic, V3_SWAP_EVENT.topic, V3_MINT_EVENT.topic, V3_BURN_EVENT.topic
STATE_TOPICS = (SYNC, V3_SWAP, V3_MINT, V3_BURN)

RESERVES = StaticEventDecoder(SYNC_EVENT, ("reserve0", "reserve1"))
SLOT0 = StaticEventDecoder(V3_SWAP_EVENT, ("sqrtPriceX96", "tick", "liquidity"))
MINTED = StaticEventDecoder(V3_MINT_EVENT, ("tickLower", "tickUpper", "amount"))
BURNT = StaticEventDecoder(V3_BURN_EVENT, ("tickLower", "tickUpper", "amount"))
_KIND = {SYNC: 0, V3_SWAP: 1, V3_MINT: 2, V3_BURN: 3}


class BadLog(ValueError):
    """A log of a known pool that does not decode as its event says: the state cannot follow it."""


def apply_logs(
    logs: Iterable[Mapping[str, Any]],
    states: MutableMapping[str, Pool],
    gross: Mapping[str, dict[int, int]],
    addresses: Mapping[str, str],
    skip: frozenset[str] | set[str] = frozenset(),
) -> set[str]:
    """Apply raw `logs` (in chain order) to `states`; returns the checksummed addresses changed.

    `gross` holds each V3 pool's initialized ticks' ``liquidityGross`` and is updated in place.
    Logs of unknown pools, of pools in `skip` (to be read whole instead), of other events and
    removed logs are ignored. A known pool's malformed log raises `BadLog` (nothing after it is
    applied; what was applied before it stays)."""
    changed: set[str] = set()
    for log in logs:
        address = addresses.get(log["address"])
        if address is None:
            lowered = str(log["address"]).lower()
            address = addresses.get(lowered) if lowered != log["address"] else None
            if address is None:
                continue
        topics = log["topics"]
        if not topics or address in skip or log.get("removed"):
            continue
        kind = _KIND.get(topics[0])
        if kind is None:
            kind = _KIND.get(str(topics[0]).lower())
            if kind is None:
                continue
        pool = states.get(address)
        try:
            if kind == 0:
                if pool.__class__ is not V2Pool:
                    continue
                reserve0, reserve1 = RESERVES(log)
                states[address] = pool.with_reserves(reserve0, reserve1)
            elif pool.__class__ is not V3Pool:
                continue
            elif kind == 1:
                sqrt_price_x96, tick, liquidity = SLOT0(log)
                states[address] = pool.with_slot0(sqrt_price_x96, tick, liquidity)
            else:
                ticks = gross.get(address)
                if ticks is None:
                    continue
                lower, upper, amount = (MINTED if kind == 2 else BURNT)(log)
                states[address] = _with_position_change(pool, ticks, lower, upper, amount if kind == 2 else -amount)
        except (ValueError, TypeError, KeyError) as err:
            raise BadLog(f"log {log.get('logIndex')} of block {log.get('blockNumber')} from {address}: {err}") from err
        changed.add(address)
    return changed


def _with_position_change(pool: V3Pool, gross: dict[int, int], lower: int, upper: int, delta: int) -> V3Pool:
    """The pool after ``delta`` liquidity was added (Mint) or removed (Burn) between two ticks;
    `gross` is updated only once the new state is built (a bad tick leaves both as they were)."""
    if delta == 0:
        return pool  # a poke: collects fees only
    if not lower < upper:
        raise ValueError(f"tickLower {lower} is not below tickUpper {upper}")
    net = dict(pool.ticks)
    updated = {}
    for tick, side in ((lower, 1), (upper, -1)):
        updated[tick] = gross.get(tick, 0) + delta
        net[tick] = net.get(tick, 0) + side * delta
        if updated[tick] == 0:  # uninitialized: no position references it any more
            del net[tick]
        elif updated[tick] < 0:
            raise ValueError(f"tick {tick} would hold negative liquidity")
    liquidity = pool.liquidity + delta if lower <= pool.tick < upper else pool.liquidity
    if liquidity < 0:
        raise ValueError(f"in-range liquidity would be negative ({liquidity})")
    after = V3Pool(
        pool.address,
        pool.token0,
        pool.token1,
        pool.fee,
        pool.tick_spacing,
        pool.sqrt_price_x96,
        pool.tick,
        liquidity,
        net,
    )
    for tick, value in updated.items():
        if value:
            gross[tick] = value
        else:
            del gross[tick]
    return after
