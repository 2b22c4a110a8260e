"""A campaign pool's history from its logs, as the records `metrics.measure_epoch` replays.

- swaps: the pool's `Swap` logs; the trader is the transaction's `from` (see `SwapRecord`);
- liquidity: positions held through the NonfungiblePositionManager come from its
  `IncreaseLiquidity` / `DecreaseLiquidity` / `Transfer` logs (the NFT's owner counts, not the
  manager), each position's range and pool from `positions(tokenId)`; positions minted on the
  pool directly come from the pool's `Mint` / `Burn` (owner = the minter);
- the starting tick comes from the pool's `Initialize` log.

Logs are read once and kept: each call extends the history from the last block read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from web3 import Web3

from keepers.chain.client import get_logs
from keepers.chain.contracts import Contract, abi
from keepers.rewards.metrics import LiquidityRecord, SwapRecord

V3_POOL, V2_PAIR, MANAGER = abi("UniswapV3Pool"), abi("UniswapV2Pair"), abi("NonfungiblePositionManager")
EVENTS = {
    event.topic: event
    for event in (
        V3_POOL.event("Swap"),
        V3_POOL.event("Mint"),
        V3_POOL.event("Burn"),
        V3_POOL.event("Initialize"),
        V2_PAIR.event("Swap"),
        MANAGER.event("IncreaseLiquidity"),
        MANAGER.event("DecreaseLiquidity"),
        MANAGER.event("Transfer"),
    )
}
V3_SWAP, V3_MINT, V3_BURN = V3_POOL.event("Swap").topic, V3_POOL.event("Mint").topic, V3_POOL.event("Burn").topic
INITIALIZE, V2_SWAP = V3_POOL.event("Initialize").topic, V2_PAIR.event("Swap").topic
INCREASE, DECREASE = MANAGER.event("IncreaseLiquidity").topic, MANAGER.event("DecreaseLiquidity").topic
TRANSFER = MANAGER.event("Transfer").topic
ZERO = "0x0000000000000000000000000000000000000000"


@dataclass
class PoolHistory:
    """Everything that happened in one pool up to `block` (inclusive)."""

    pool: str
    kind: str  # uniswap_v2 | uniswap_v3
    block: int = -1
    initial_tick: int = 0
    swaps: list[SwapRecord] = field(default_factory=list)
    liquidity: list[LiquidityRecord] = field(default_factory=list)


class PoolActivity:
    """Reads a pool's history incrementally (`extend(to_block)`)."""

    def __init__(
        self,
        w3: Web3,
        pool: str,
        kind: str,
        position_manager: str | None,
        factory: str | None,
        start_block: int,
        chunk: int = 2_000,
    ):
        self.w3 = w3
        self.history = PoolHistory(Web3.to_checksum_address(pool), kind, block=start_block - 1)
        self.manager = Web3.to_checksum_address(position_manager) if position_manager else None
        self.factory = Web3.to_checksum_address(factory) if factory else None
        self.chunk = chunk
        self._timestamps: dict[int, int] = {}
        self._senders: dict[str, str] = {}
        self._ranges: dict[int, tuple[int, int] | None] = {}  # tokenId -> (lower, upper) if in this pool
        self._owners: dict[int, str] = {}  # tokenId -> NFT owner
        self._liquidity: dict[int, int] = {}  # tokenId -> liquidity, for positions in this pool
        self._pools: dict[tuple[str, str, int], str] = {}

    def extend(self, to_block: int) -> PoolHistory:
        """Read logs after the last block read, up to `to_block`."""
        history = self.history
        start = history.block + 1
        if to_block < start:
            return history
        pool_topics = [V3_SWAP, V3_MINT, V3_BURN, INITIALIZE] if history.kind == "uniswap_v3" else [V2_SWAP]
        logs = get_logs(self.w3, start, to_block, [pool_topics], self.chunk, addresses=[history.pool])
        if self.manager is not None and history.kind == "uniswap_v3":
            logs += get_logs(
                self.w3, start, to_block, [[INCREASE, DECREASE, TRANSFER]], self.chunk, addresses=[self.manager]
            )
        logs.sort(key=lambda log: (log["blockNumber"], log["logIndex"]))
        for log in logs:
            if Web3.to_checksum_address(log["address"]) == history.pool:
                self._pool_log(log)
            else:
                self._manager_log(log)
        history.block = to_block
        return history

    def _timestamp(self, block: int) -> int:
        if block not in self._timestamps:
            self._timestamps[block] = int(self.w3.eth.get_block(block)["timestamp"])
        return self._timestamps[block]

    def _trader(self, log) -> str:
        tx_hash = log["transactionHash"].to_0x_hex()
        if tx_hash not in self._senders:
            self._senders[tx_hash] = Web3.to_checksum_address(self.w3.eth.get_transaction(tx_hash)["from"])
        return self._senders[tx_hash]

    def _pool_log(self, log) -> None:
        history = self.history
        topic = log["topics"][0].to_0x_hex()
        block, index = log["blockNumber"], log["logIndex"]
        args = EVENTS[topic].decode(log)
        if topic == INITIALIZE:
            history.initial_tick = args["tick"]
        elif topic == V3_SWAP:
            history.swaps.append(
                SwapRecord(
                    block,
                    self._timestamp(block),
                    index,
                    self._trader(log),
                    args["amount0"],
                    args["amount1"],
                    args["tick"],
                )
            )
        elif topic == V2_SWAP:
            amount0 = args["amount0In"] - args["amount0Out"]
            amount1 = args["amount1In"] - args["amount1Out"]
            # A V2 pair has no ticks and no positions: tick 0 throughout, never a wash trade.
            history.swaps.append(
                SwapRecord(block, self._timestamp(block), index, self._trader(log), amount0, amount1, 0)
            )
        elif topic in (V3_MINT, V3_BURN):
            owner = args["owner"]
            if owner == self.manager:
                return  # the manager's positions come from its own logs, with their real owners
            lower, upper, amount = args["tickLower"], args["tickUpper"], args["amount"]
            if amount:
                history.liquidity.append(
                    LiquidityRecord(
                        block,
                        self._timestamp(block),
                        index,
                        owner,
                        (owner, lower, upper),
                        lower,
                        upper,
                        amount if topic == V3_MINT else -amount,
                    )
                )

    def _manager_log(self, log) -> None:
        topic = log["topics"][0].to_0x_hex()
        block, index = log["blockNumber"], log["logIndex"]
        args = EVENTS[topic].decode(log)
        if topic == TRANSFER:
            token_id, owner = args["tokenId"], args["to"]
            self._owners[token_id] = owner
            if self._liquidity.get(token_id) and owner != ZERO:
                lower, upper = self._ranges[token_id]
                self.history.liquidity.append(
                    LiquidityRecord(block, self._timestamp(block), index, owner, token_id, lower, upper, 0)
                )
            return
        token_id = args["tokenId"]
        position = self._range(token_id, block)
        liquidity = args["liquidity"]
        if position is None or liquidity == 0:
            return
        delta = liquidity if topic == INCREASE else -liquidity
        self._liquidity[token_id] = self._liquidity.get(token_id, 0) + delta
        self.history.liquidity.append(
            LiquidityRecord(
                block, self._timestamp(block), index, self._owners[token_id], token_id, position[0], position[1], delta
            )
        )

    def _range(self, token_id: int, block: int) -> tuple[int, int] | None:
        """(tick_lower, tick_upper) of an NFT position in this pool; None for other pools' positions."""
        if token_id not in self._ranges:
            assert self.manager is not None
            position = Contract(self.w3, self.manager, MANAGER).call("positions", token_id, block=block)
            _nonce, _operator, token0, token1, fee, lower, upper = position[:7]
            pool = self._pool_of(token0, token1, fee)
            self._ranges[token_id] = (lower, upper) if pool == self.history.pool else None
        return self._ranges[token_id]

    def _pool_of(self, token0: str, token1: str, fee: int) -> str:
        key = (token0, token1, fee)
        if key not in self._pools:
            assert self.factory is not None
            self._pools[key] = Contract(self.w3, self.factory, abi("UniswapV3Factory")).call("getPool", *key)
        return self._pools[key]
