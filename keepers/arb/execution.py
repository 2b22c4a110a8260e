"""From a sized cycle to a signed `executeArb` transaction: encode, simulate, sign.

The predicted net profit becomes the contract's `minProfit`: the transaction
either realizes exactly what was predicted or reverts (fail closed). Before
signing, the exact calldata is run with `eth_call` from the bot; a revert or a
different answer drops the opportunity.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode, encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractLogicError, Web3RPCError

from keepers.markets.cycles import Cycle

EXECUTE_ARB_SIGNATURE = "executeArb(((address,bool)[],address,uint256,uint256,uint8,uint16))"
EXECUTE_ARB_SELECTOR = keccak(text=EXECUTE_ARB_SIGNATURE)[:4]
ARB_EXECUTED_TOPIC = "0x" + keccak(text="ArbExecuted(address,address,uint256,uint256,uint256,uint256,uint8)").hex()
ARB_POOL_SELECTOR = keccak(text="arbPool(address)")[:4]
IS_POOL_ALLOWED_SELECTOR = keccak(text="isPoolAllowed(address)")[:4]
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
        hops = [(Web3.to_checksum_address(h.pool), h.zero_for_one) for h in self.cycle.hops]
        params = (
            hops,
            Web3.to_checksum_address(self.token),
            self.amount_in,
            self.net_profit,
            LENDERS[self.lender],
            self.coinbase_bps,
        )
        return EXECUTE_ARB_SELECTOR + encode(["((address,bool)[],address,uint256,uint256,uint8,uint16)"], [params])

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


@dataclass(frozen=True)
class SignedArb:
    order: ArbOrder
    nonce: int
    gas_limit: int
    raw: bytes
    tx_hash: str


class ArbExecutor:
    """Simulates and signs `executeArb` on one child diamond for one bot."""

    def __init__(self, w3: Web3, child: str, bot: LocalAccount, chain_id: int):
        self.w3 = w3
        self.child = Web3.to_checksum_address(child)
        self.bot = bot
        self.chain_id = chain_id

    def pool_enabled(self, pool: str, block: int | str = "latest") -> bool:
        """Whether the child trades `pool`: registered and enabled for FlashArb, and risk-allowed."""
        pool_word = encode(["address"], [Web3.to_checksum_address(pool)])
        arb_pool = bytes(self.w3.eth.call({"to": self.child, "data": ARB_POOL_SELECTOR + pool_word}, block))
        allowed = bytes(self.w3.eth.call({"to": self.child, "data": IS_POOL_ALLOWED_SELECTOR + pool_word}, block))
        _kind, _token0, _token1, _fee, enabled = decode(["uint8", "address", "address", "uint16", "bool"], arb_pool)
        return bool(enabled) and bool(decode(["bool"], allowed)[0])

    def simulate(self, order: ArbOrder, block: int | str = "latest") -> Simulation:
        """Run the exact call from the bot; ok only if it returns the predicted net profit."""
        call = {"from": self.bot.address, "to": self.child, "data": order.calldata()}
        try:
            returned = self.w3.eth.call(call, block)
            gas = self.w3.eth.estimate_gas(call, block)
        except (ContractLogicError, Web3RPCError, ValueError) as err:
            return Simulation(False, error=f"reverted: {err}")
        (net_profit,) = decode(["uint256"], bytes(returned))
        if net_profit != order.net_profit:
            return Simulation(False, net_profit, gas, f"simulated profit {net_profit} != predicted {order.net_profit}")
        return Simulation(True, net_profit, gas)

    def sign(self, order: ArbOrder, nonce: int, gas_limit: int, max_fee: int, priority_fee: int) -> SignedArb:
        """An EIP-1559 transaction for `order` (never broadcast here: it goes into a bundle)."""
        signed = self.bot.sign_transaction(
            {
                "type": 2,
                "chainId": self.chain_id,
                "nonce": nonce,
                "to": self.child,
                "value": 0,
                "data": order.calldata(),
                "gas": gas_limit,
                "maxFeePerGas": max_fee,
                "maxPriorityFeePerGas": priority_fee,
            }
        )
        return SignedArb(order, nonce, gas_limit, bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex())


def realized_profit(receipt, child: str) -> int | None:
    """The net profit the child's `ArbExecuted` log reports in a receipt, or None."""
    child = Web3.to_checksum_address(child)
    for log in receipt["logs"]:
        if Web3.to_checksum_address(log["address"]) == child and log["topics"][0].to_0x_hex() == ARB_EXECUTED_TOPIC:
            _amount_in, _gross, _coinbase, net, _lender = decode(
                ["uint256", "uint256", "uint256", "uint256", "uint8"], bytes(log["data"])
            )
            return net
    return None
