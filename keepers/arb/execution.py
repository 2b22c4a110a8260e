"""From a sized cycle to an `executeArb` call: encode and simulate (the bot's TxSender signs it).

The predicted net profit becomes the contract's `minProfit`, and each V2 hop's
predicted output its `amountOut` (the pair's constant-product check then guards
it): the transaction either realizes exactly what was predicted or reverts (fail
closed). Before signing, the exact calldata is run with `eth_call` from the bot;
a revert or a different answer drops the opportunity.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError

from keepers.chain.client import get_logs
from keepers.chain.contracts import Contract, abi, describe_revert
from keepers.config import ConfigError
from keepers.markets.cycles import Cycle
from keepers.markets.sizing import FlashLoan

ARB_CHILD = abi("FlashArbFacet", "RiskFacet")
EXECUTE_ARB = ARB_CHILD.function("executeArb")
# The child's owner registering or allow-listing a pool: the keeper checks that pool again.
POOL_CHANGES = (ARB_CHILD.event("ArbPoolSet"), ARB_CHILD.event("PoolAllowed"))
LENDERS = {"own": 0, "balancer": 1, "aave": 2}
BPS = 10_000


@dataclass(frozen=True)
class ArbOrder:
    """What the child diamond is asked to do, with what it must yield."""

    cycle: Cycle
    amount_in: int
    lender: str
    loan_fee: int
    amount_out: int
    coinbase_bps: int = 0
    hop_amounts_out: tuple[int, ...] = ()  # each hop's predicted output (`cycle_amounts(...)[1:]`)

    @property
    def token(self) -> str:
        return self.cycle.base_token

    @property
    def gross_profit(self) -> int:
        """What the contract measures: its balance after, minus before (the loan fee is already out)."""
        return self.amount_out - self.amount_in - self.loan_fee

    @property
    def coinbase_payment(self) -> int:
        return self.gross_profit * self.coinbase_bps // BPS

    @property
    def net_profit(self) -> int:
        """The contract's `minProfit`: exactly what it must realize."""
        return self.gross_profit - self.coinbase_payment

    def calldata(self) -> bytes:
        if len(self.hop_amounts_out) != len(self.cycle.hops):
            raise ValueError(f"{len(self.cycle.hops)} hops but {len(self.hop_amounts_out)} predicted outputs")
        hops = [
            (Web3.to_checksum_address(h.pool), h.zero_for_one, out)
            for h, out in zip(self.cycle.hops, self.hop_amounts_out, strict=True)
        ]
        params = (
            hops,
            Web3.to_checksum_address(self.token),
            self.amount_in,
            self.net_profit,
            LENDERS[self.lender],
            self.coinbase_bps,
        )
        return EXECUTE_ARB.encode(params)

    def route(self) -> list[dict]:
        """The route as journal rows."""
        return [
            {"pool": h.pool, "token_in": h.token_in, "token_out": h.token_out, "zero_for_one": h.zero_for_one}
            for h in self.cycle.hops
        ]


@dataclass(frozen=True)
class Simulation:
    ok: bool
    net_profit: int | None = None
    gas: int | None = None
    error: str | None = None


class ArbExecutor:
    """Simulates `executeArb` on one child diamond for one bot."""

    def __init__(self, w3: Web3, child: str, bot: str):
        self.w3 = w3
        self.child = Contract(w3, child, ARB_CHILD)
        self.bot = Web3.to_checksum_address(bot)

    def pool_enabled(self, pool: str, block: int | str = "latest") -> bool:
        """Whether the child trades `pool`: registered and enabled for FlashArb, and risk-allowed."""
        pool = Web3.to_checksum_address(pool)
        _kind, _token0, _token1, _fee, enabled = self.child.call("arbPool", pool, block=block)
        return bool(enabled) and bool(self.child.call("isPoolAllowed", pool, block=block))

    def pools_reconfigured(self, first: int, last: int) -> set[str]:
        """Pools the child's owner registered, enabled, disabled or allow-listed in blocks first..last."""
        if last < first:
            return set()
        topics = [[event.topic for event in POOL_CHANGES]]
        logs = get_logs(self.w3, first, last, topics, max(last - first + 1, 1), addresses=[self.child.address])
        return {Web3.to_checksum_address("0x" + bytes(log["topics"][1])[-20:].hex()) for log in logs}

    def simulate(self, order: ArbOrder, block: int | str = "latest") -> Simulation:
        """Run the exact call from the bot; ok only if it returns the predicted net profit."""
        call = {"from": self.bot, "to": self.child.address, "data": order.calldata()}
        try:
            returned = self.w3.eth.call(call, block)
            gas = self.w3.eth.estimate_gas(call, block)
        except ContractLogicError as err:
            reason = describe_revert(err.data) if isinstance(err.data, str) else None
            return Simulation(False, error=f"reverted: {reason or err}")
        except (Web3RPCError, ValueError) as err:
            return Simulation(False, error=f"reverted: {err}")
        net_profit = EXECUTE_ARB.decode(returned)
        if net_profit != order.net_profit:
            return Simulation(False, net_profit, gas, f"simulated profit {net_profit} != predicted {order.net_profit}")
        return Simulation(True, net_profit, gas)


def lender_terms(w3: Web3, child: str, lender: str) -> FlashLoan:
    """The flash-loan fee the child's configured lender charges, read from chain."""
    if lender == "own":
        return FlashLoan(0)
    vault, aave_pool, _weth, _sweep = Contract(w3, child, abi("FlashArbFacet")).call("arbConfig")
    if lender == "aave":
        if int(aave_pool, 16) == 0:
            raise ConfigError("the child has no Aave pool configured (FlashArbFacet.setArbConfig)")
        premium_bps = Contract(w3, aave_pool, abi("AavePool")).call("FLASHLOAN_PREMIUM_TOTAL")
        return FlashLoan(premium_bps)
    if int(vault, 16) == 0:
        raise ConfigError("the child has no Balancer vault configured (FlashArbFacet.setArbConfig)")
    collector = Contract(w3, vault, abi("BalancerVault")).call("getProtocolFeesCollector")
    fee = Contract(w3, collector, abi("IBalancerProtocolFeesCollector")).call("getFlashLoanFeePercentage")
    if fee != 0:
        # Balancer rounds its fee up on an 18-decimal percentage; predictions would be off by a wei.
        raise ConfigError(f"Balancer charges a flash-loan fee ({fee / 1e16}%); use lender aave or own")
    return FlashLoan(0)


def realized_profit(receipt, child: Contract) -> int | None:
    """The net profit the child's `ArbExecuted` log reports in a receipt, or None."""
    logs = child.logs(receipt, "ArbExecuted")
    return logs[0]["netProfit"] if logs else None
