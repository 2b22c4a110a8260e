#!/usr/bin/env python
"""Gas of a FlashArbFacet arbitrage, measured on anvil beside the least any contract can pay for it.

The trade: a 2-hop V2 cycle, 8 WETH sold on v2b's WETH/DAI and bought back on uniswap_v2's after
60 WETH were dumped there. Every measurement is a real transaction (receipt gas_used) on an
identical chain state: snapshot, dislocate, trade, restore.

- ours: `executeArb` on the arbitrage child, built by the production deployer and configured as in
  production (pools registered and risk-allowed, a keeper bot, caps and loss limits), with a
  Balancer loan, an Aave loan, and the child's own capital (allocated by the master). Each hop's
  output is computed here and passed in, as the keeper does.
- anchor: ArbGasFloor doing the same trade with the same lender: the output amounts computed
  off-chain, one transfer, two raw pair swaps, the loan round trip, no checks but the callback's
  sender, no bookkeeping.

Both run in steady state: one arbitrage has already been booked (so the master's statistics and
the child's risk state are being updated, not created) and both contracts already hold WETH.

Targets (issue 15): our overhead may be at most 25,000 gas over the floor on the Balancer path and
20,000 with the child's own capital. The Aave row gets the Balancer budget over its own floor: the
lender's cost is in both sides, so the difference is ours alone on every path. Two rows are
reported without a target: the Balancer path with profit swept to the treasury (one transfer plus
the master's capital booking), and the first arbitrage after deployment (statistics and risk slots
written from zero).

`--detail` adds, under "detail", where the overhead goes on each of the three target rows. Both
transactions of a row are traced on anvil (`debug_traceTransaction`: the struct log for each
opcode's gas, the call tracer for whom each call went to) and every unit of gas is given to one
component, so the components sum exactly to the receipts' difference:

- the code of our diamond's fallback (selector lookup, delegatecall, copying) is "dispatch";
- in our own code (the facet, or the floor's contract), each SLOAD and SSTORE goes to the component
  that owns its slot (the bot allow-list, the pause word, the pool registry...), each LOG to its event,
  TLOAD/TSTORE to the transient state, a call's own cost (the cold account, the value transfer) to
  the call, and the rest (ABI decoding, arithmetic, memory) to "own code";
- everything run by other code (WETH, the pairs, the lender) goes to the call our code made:
  `WETH.balanceOf`, `pair.getReserves`, `BalancerVault.flashLoan`... (a lender's callback into us is
  ours again);
- the intrinsic gas (21,000 plus calldata) and the refund come from the transaction and the receipt.

    .venv/bin/python benchmarks/arb_gas.py --json
    .venv/bin/python benchmarks/arb_gas.py --json --detail
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
E18 = 10**18
DEADLINE = 2**32 - 1
BUDGET = {"Balancer loan": 25_000, "Aave loan": 25_000, "own capital": 20_000}
AMOUNT_IN = 8 * E18
DUMP = 60 * E18
PAIR_A, PAIR_B = "v2b:WETH/DAI", "uniswap_v2:WETH/DAI"  # sell WETH on A, buy it back on B
OWN, BALANCER, AAVE = 0, 1, 2


def v2_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    with_fee = amount_in * 9_970
    return with_fee * reserve_out // (reserve_in * 10_000 + with_fee)


class Bench:
    """The world, the diamonds, the floor and the accounts of one benchmark run."""

    def __init__(self, project, accounts, chain, provider):
        from eth_abi import encode

        from keepers.diamond.deploy import DeployConfig, DiamondDeployer
        from keepers.world.artifacts import ArtifactStore
        from keepers.world.deploy import deploy_world

        self.encode = encode
        self.chain = chain
        self.artifacts = ArtifactStore(ROOT / "node_modules")
        deployer_account, self.owner = accounts.test_accounts[0], accounts.test_accounts[1]
        self.bot, self.trader = accounts.test_accounts[4], accounts.test_accounts[7]
        self.book = deploy_world(provider.web3, deployer_account.address, ROOT / "node_modules")
        self.weth = self.at("WETH")
        self.dai = self.at("DAI")
        self.pairs = {name: self.at(name) for name in (PAIR_A, PAIR_B)}

        with tempfile.TemporaryDirectory() as tmp:
            deployer = DiamondDeployer.open(project, self.owner, Path(tmp) / "deployments.json", "ethereum:local")
            records = deployer.system(DeployConfig(strategies={"arb": ["FlashArbFacet"]}))
            self.master = deployer.handle(records.master.address, "Diamond", *records.master.facets)
            self.child = deployer.handle(records.children["arb"].address, "Diamond", *records.children["arb"].facets)
        self.floor_contract = project.ArbGasFloor.deploy(
            self.book.address("balancer_vault"), self.book.address("aave_pool"), sender=self.owner
        )
        self._configure()

    def at(self, name: str):
        """An Ape handle on a world contract, token or pool, with its published ABI."""
        from ethpm_types import ContractType

        artifact = self.book.contracts[name].artifact
        contract_type = ContractType(contractName=artifact, abi=self.artifacts.abi(artifact))
        return self.chain.contracts.instance_at(self.book.address(name), contract_type=contract_type)

    def _configure(self) -> None:
        child, owner, weth = self.child, self.owner, self.weth
        self.set_sweep(False)
        for name in (PAIR_A, PAIR_B):
            child.setArbPool(self.book.address(name), 0, 30, True, sender=owner)
            child.setPoolAllowed(self.book.address(name), True, sender=owner)
        child.setBot(self.bot, True, sender=owner)
        child.setTokenAllowed(weth, True, sender=owner)
        child.setTradeCap(weth, 100 * E18, sender=owner)
        child.setDailyLossLimit(weth, 10 * E18, sender=owner)
        child.setDrawdownLimit(weth, 10 * E18, sender=owner)

        trader = self.trader
        weth.deposit(value=1_000 * E18, sender=trader)
        weth.approve(self.book.address("uniswap_v2_router"), 2**256 - 1, sender=trader)
        # Own capital: the master's treasury allocates 50 WETH to the child; the floor holds as much.
        weth.transfer(self.master, 100 * E18, sender=trader)
        self.master.setAllocationCap(child, weth, 50 * E18, sender=owner)
        self.master.allocate(child, weth, 50 * E18, sender=owner)
        weth.transfer(self.floor_contract, 50 * E18, sender=trader)

    def set_sweep(self, sweep: bool) -> None:
        book = self.book
        self.child.setArbConfig(
            book.address("balancer_vault"), book.address("aave_pool"), self.weth, sweep, sender=self.owner
        )

    def dislocate(self) -> None:
        self.at("uniswap_v2_router").swapExactTokensForTokens(
            DUMP, 0, [self.weth.address, self.dai.address], self.trader, DEADLINE, sender=self.trader
        )

    def route(self) -> list[tuple[str, bool, int]]:
        """(pair, sells token0, output) of each hop, computed here exactly as the pairs will."""
        weth = self.weth.address
        hops, amount = [], AMOUNT_IN
        for name in (PAIR_A, PAIR_B):
            pair = self.pairs[name]
            reserve0, reserve1, _ = pair.getReserves()
            sells_token0 = pair.token0() == (weth if name == PAIR_A else self.dai.address)
            reserve_in, reserve_out = (reserve0, reserve1) if sells_token0 else (reserve1, reserve0)
            amount = v2_amount_out(amount, reserve_in, reserve_out)
            hops.append((pair.address, sells_token0, amount))
        return hops

    def ours(self, lender: int):
        """`executeArb` with each hop's output, as the keeper sends it."""
        return self.child.executeArb((self.route(), self.weth.address, AMOUNT_IN, 1, lender, 0), sender=self.bot)

    def floor(self, lender: int):
        """The floor with the same outputs, as raw `swap` arguments."""
        weth = self.weth.address
        swaps = [
            (pair, 0 if sells_token0 else out, out if sells_token0 else 0) for pair, sells_token0, out in self.route()
        ]
        data = self.encode(["address", "uint256", "uint256", "address", "uint256", "uint256"], [*swaps[0], *swaps[1]])
        floor = self.floor_contract
        call = {BALANCER: floor.arbBalancer, AAVE: floor.arbAave, OWN: floor.arbOwn}[lender]
        return call(weth, AMOUNT_IN, data, sender=self.bot)

    def measure(self, trade, detail: bool = False) -> tuple[int, dict[str, int] | None]:
        """Gas of `trade()` right after the dislocation, on the chain state as it is now, and with
        `detail` its breakdown (traced before the state is restored)."""
        snapshot = self.chain.snapshot()
        try:
            self.dislocate()
            receipt = trade()
            return receipt.gas_used, breakdown(self.chain.provider, receipt, self.names()) if detail else None
        finally:
            self.chain.restore(snapshot)

    def names(self) -> Names:
        """The slots, events, addresses and selectors the breakdown names."""
        from eth_utils import event_abi_to_log_topic, function_abi_to_4byte_selector

        child, weth, bot = self.child.address.lower(), self.weth.address, self.bot.address
        risk, arb = erc7201_slot("lapidary.child.risk"), erc7201_slot("lapidary.child.flasharb")
        stats = erc7201_slot("lapidary.child.stats")
        token_risk = mapping_slot(weth, risk)
        slots = {
            erc7201_slot("lapidary.child") + 1: "trade word (pause flags, Balancer Vault, sweep switch)",
            mapping_slot(bot, risk + 3): "access check (bot allow-list)",
            token_risk: "risk: token allowed + trade cap + drawdown",
            token_risk + 1: "risk: loss limits",
            token_risk + 2: "risk: the day's loss",
            arb + 1: "lender config (Aave Pool)",
            arb + 2: "config: WETH",
            mapping_slot(weth, mapping_slot(bot, stats)): "statistics (the bot's word in the token)",
        }
        pools = erc7201_slot("lapidary.child.pools")
        for pair in self.pairs.values():
            slots[mapping_slot(pair.address, pools)] = "route: the pool's word (registry + risk allow-list)"
        events, selectors = {}, {}
        for path in (ROOT / "keepers" / "chain" / "abi").glob("*.json"):
            for item in json.loads(path.read_text()):
                if item["type"] == "event":
                    events[int.from_bytes(event_abi_to_log_topic(item), "big")] = item["name"]
                elif item["type"] == "function":
                    selectors["0x" + function_abi_to_4byte_selector(item).hex()] = item["name"]
        addresses = {
            self.book.address(name).lower(): label
            for name, label in (("WETH", "WETH"), ("balancer_vault", "BalancerVault"), ("aave_pool", "AavePool"))
        }
        addresses |= {pair.address.lower(): "pair" for pair in self.pairs.values()}
        addresses[self.master.address.lower()] = "master"
        return Names(
            slots={(child, slot): label for slot, label in slots.items()},
            events=events,
            addresses=addresses,
            selectors=selectors,
            ours=frozenset({child, self.floor_contract.address.lower()}),
            dispatch=frozenset({child}),
        )


# -- where the gas goes: one transaction's trace, every unit given to one component ---------------

CALL_OPS = {"CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"}
TRANSIENT_OPS = {"TLOAD", "TSTORE"}


def erc7201_slot(namespace: str) -> int:
    from eth_utils import keccak

    inner = int.from_bytes(keccak(text=namespace), "big") - 1
    return int.from_bytes(keccak(inner.to_bytes(32, "big")), "big") & ~0xFF


def mapping_slot(key: str, base: int) -> int:
    from eth_utils import keccak

    return int.from_bytes(keccak(bytes.fromhex(key[2:].rjust(64, "0")) + base.to_bytes(32, "big")), "big")


@dataclass(frozen=True)
class Frame:
    """A call frame of the trace: whose code runs, in whose storage, and the third-party call it
    runs under (None while our own code runs)."""

    code: str
    context: str
    category: str | None


@dataclass(frozen=True)
class Names:
    """What the trace's raw values mean: slots, event topics, addresses and selectors."""

    slots: dict[tuple[str, int], str]
    events: dict[int, str]
    addresses: dict[str, str]
    selectors: dict[str, str]
    ours: frozenset[str]  # storage contexts whose code is ours (the diamond, the floor)
    dispatch: frozenset[str]  # code addresses that are a diamond's fallback

    def call(self, target: str, selector: str) -> str:
        return f"{self.addresses.get(target, target)}.{self.selectors.get(selector, selector)}"


def _word(hex_value: str) -> int:
    return int(hex_value, 16)


def _address(hex_value: str) -> str:
    return "0x" + hex_value[2:].rjust(64, "0")[-40:].lower()


def attribute(struct_logs: list[dict], calls: list[dict], to: str, names: Names) -> Counter:
    """Gas of every step of the trace, summed per component (see the module docstring). A step's own
    cost is the drop in gas to the next step of its frame; a call's own cost excludes its callee."""
    components: Counter = Counter()
    pending_calls = list(calls)
    frames = [Frame(to, to, None)]
    open_calls: list[tuple[int, str, int]] = []  # (step index, component, gas of callee steps so far)

    def charge(component: str, gas: int) -> None:
        components[component] += gas
        if open_calls:
            index, name, inner = open_calls[-1]
            open_calls[-1] = (index, name, inner + gas)

    for i, step in enumerate(struct_logs):
        depth, op, frame = step["depth"], step["op"], frames[-1]
        following = struct_logs[i + 1] if i + 1 < len(struct_logs) else None
        component = _component(step, frame, names)
        if following is not None and following["depth"] > depth:  # a call enters a frame with code
            target = _address(step["stack"][-2])
            selector = _next_selector(pending_calls, target)
            callee = target if op != "DELEGATECALL" else frame.context
            category = frame.category
            if category is None and callee not in names.ours:
                category = names.call(target, selector)
            elif category is not None and callee in names.ours:
                category = None
            if frame.category is None and category is not None:
                component = category
            frames.append(Frame(target, callee, category))
            open_calls.append((i, component, 0))
            continue
        if following is None or following["depth"] < depth:
            charge(component, step["gasCost"])
        else:
            charge(component, step["gas"] - following["gas"])
        # Frames that end at this step: their call's own cost is what the callee did not spend.
        while open_calls and (following is None or following["depth"] < len(frames)):
            index, name, inner = open_calls.pop()
            frames.pop()
            after = following["gas"] if following is not None else 0
            own = struct_logs[index]["gas"] - after - inner
            charge(name, own)
            if open_calls:  # the callee's gas counts towards the enclosing call too
                index2, name2, inner2 = open_calls[-1]
                open_calls[-1] = (index2, name2, inner2 + inner)
    return components


def _next_selector(pending: list[dict], target: str) -> str:
    """The selector of the next call to `target` in the call tracer's (depth-first) order."""
    while pending:
        call = pending.pop(0)
        if call["to"].lower() == target:
            return call.get("input", "0x")[:10]
    return "?"


def _component(step: dict, frame: Frame, names: Names) -> str:
    if frame.category is not None:
        return frame.category
    if frame.code in names.dispatch:
        return "dispatch: diamond fallback (selector lookup, delegatecall, copies)"
    op = step["op"]
    if op in ("SLOAD", "SSTORE"):
        slot = _word(step["stack"][-1])
        return names.slots.get((frame.context, slot), f"storage: other ({op})")
    if op.startswith("LOG") and op != "LOG0":
        return "event " + names.events.get(_word(step["stack"][-3]), "?")
    if op in TRANSIENT_OPS:
        return "transient state (reentrancy guard, loan marker, route)"
    return "own code (ABI decoding, checks, arithmetic, memory)"


def _flatten(call: dict) -> list[dict]:
    """The call tracer's tree, depth first, without the top-level call."""
    found = []
    for child in call.get("calls", []):
        found.append(child)
        found.extend(_flatten(child))
    return found


def breakdown(provider, receipt, names: Names) -> dict[str, int]:
    """Gas of `receipt`'s transaction per component, summing exactly to its gas used."""
    txn = receipt.transaction
    tx_hash = receipt.txn_hash if isinstance(receipt.txn_hash, str) else receipt.txn_hash.hex()
    trace = provider.make_request("debug_traceTransaction", [tx_hash, {"disableMemory": True, "disableStorage": True}])
    calls = provider.make_request("debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}])
    data = bytes(txn.data)
    intrinsic = 21_000 + sum(16 if byte else 4 for byte in data)
    components = attribute(trace["structLogs"], _flatten(calls), txn.receiver.lower(), names)
    executed = sum(components.values())
    components["intrinsic (21,000 + calldata)"] = intrinsic
    components["refund"] = receipt.gas_used - intrinsic - executed
    return dict(components)


def measure(detail: bool = False) -> dict:
    """The benchmark's JSON object; with `detail`, each target row's breakdown under "detail"."""
    from ape import accounts, chain

    from keepers.toolchain.local_chain import local_chain

    # Steps tracing (opcode traces) only for the breakdown: it slows every transaction down.
    with local_chain(ROOT, ("--steps-tracing",) if detail else ()) as (project, provider):
        bench = Bench(project, accounts, chain, provider)
        first_trade, _ = bench.measure(lambda: bench.ours(BALANCER))
        # Steady state: one arbitrage booked by each, on a dislocation of its own.
        bench.dislocate()
        bench.ours(BALANCER)
        bench.floor(BALANCER)

        rows, details = [], []
        for lender, label in ((BALANCER, "Balancer loan"), (AAVE, "Aave loan"), (OWN, "own capital")):
            ours, ours_parts = bench.measure(lambda lender=lender: bench.ours(lender), detail)
            floor, floor_parts = bench.measure(lambda lender=lender: bench.floor(lender), detail)
            rows.append(
                {
                    "name": f"2-hop V2 arbitrage (uniswap_v2 <-> v2b WETH/DAI), {label}",
                    "ours": ours,
                    "anchor": floor,
                    "anchor_name": f"ArbGasFloor: bare {label}, 1 transfer + 2 raw pair swaps",
                    "unit": "gas",
                    "target": f"<= anchor + {BUDGET[label]:,}",
                    "met": ours <= floor + BUDGET[label],
                }
            )
            if detail:
                details.append(_detail(label, ours, floor, ours_parts, floor_parts))
        floor_balancer = rows[0]["anchor"]

        bench.set_sweep(True)
        swept, _ = bench.measure(lambda: bench.ours(BALANCER))
        rows.append(_report("Balancer loan, profit swept to the master's treasury", swept, floor_balancer))
        first = "Balancer loan, first arbitrage after deployment (stats written from zero)"
        rows.append(_report(first, first_trade, floor_balancer))
    report = {"benchmark": "arb_gas", "results": rows}
    if detail:
        report["detail"] = details
    return report


def _detail(label: str, ours: int, floor: int, ours_parts: dict, floor_parts: dict) -> dict:
    """One row's components, largest overhead first; they sum to `ours - floor` exactly."""
    names = sorted(ours_parts.keys() | floor_parts.keys())
    components = [{"component": n, "ours": ours_parts.get(n, 0), "floor": floor_parts.get(n, 0)} for n in names]
    for c in components:
        c["overhead"] = c["ours"] - c["floor"]
    components.sort(key=lambda c: -c["overhead"])
    assert sum(c["overhead"] for c in components) == ours - floor, (label, components)
    return {"row": label, "ours": ours, "floor": floor, "overhead": ours - floor, "components": components}


def _report(name: str, ours: int, anchor: int) -> dict:
    return {
        "name": f"2-hop V2 arbitrage, {name}",
        "ours": ours,
        "anchor": anchor,
        "anchor_name": "ArbGasFloor: bare Balancer loan, 1 transfer + 2 raw pair swaps",
        "unit": "gas",
        "target": "report only",
        "met": True,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print the JSON object (the only output format)")
    parser.add_argument("--detail", action="store_true", help="add each target row's overhead per component")
    args = parser.parse_args()
    print(json.dumps(measure(detail=args.detail)))


if __name__ == "__main__":
    main()
