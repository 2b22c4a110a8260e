"""Fixtures for the diamond-core tests.

`diamond` is a fresh bare diamond per test: `Diamond` deployed with
DiamondCutFacet, DiamondLoupeFacet and OwnershipFacet, initialized by DiamondInit.
`CoreDiamond` carries Ape handles on the diamond's address with each facet's ABI
(Ape merges them into one contract type for that address, so every custom error
the diamond can raise decodes), the constructor's cut, and a `LoupeModel` of it.

`reverts` is `ape.reverts` made strict: the revert must decode to that very
custom error. `RawRpc` talks JSON-RPC to the node directly, for the exact revert
bytes of a call and for batched reads where Ape's per-call overhead would
dominate (the stateful test reads the whole loupe after every step).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pytest
from ape.contracts import ContractContainer, ContractInstance
from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from ethpm_types import ContractType

from .model import ZERO_ADDRESS, FacetCut, FacetCutAction, LoupeModel


def selector(signature: str) -> bytes:
    """The 4-byte selector of a function signature such as `"a1()"`."""
    return keccak(text=signature)[:4]


def selectors_of(container: ContractContainer | ContractInstance) -> list[bytes]:
    """The selectors of every function in a contract's ABI, in ABI order."""
    return [selector(method.selector) for method in container.contract_type.methods]


def error_data(contract_type: ContractType, name: str, *args: object) -> bytes:
    """The exact revert data of custom error `name` of `contract_type` with `args`."""
    abi = next(error for error in contract_type.errors if error.name == name)
    return selector(abi.selector) + encode([ipt.canonical_type for ipt in abi.inputs], list(args))


@dataclass(frozen=True)
class CallResult:
    ok: bool
    data: bytes


class RawRpc:
    """JSON-RPC calls straight to the node: exact return/revert bytes, one round trip per batch."""

    def __init__(self, web3):
        self._provider = web3.provider

    @staticmethod
    def _request(to: str, data: bytes, sender: str | None, value: int) -> dict:
        request = {"to": to, "data": "0x" + bytes(data).hex(), "value": hex(value)}
        if sender is not None:
            request["from"] = sender
        return request

    @staticmethod
    def _result(response: dict) -> CallResult:
        if "error" in response:
            error = response["error"]
            if error.get("code") != 3 and "revert" not in error.get("message", ""):
                raise RuntimeError(f"eth_call failed: {error}")
            return CallResult(False, bytes.fromhex((error.get("data") or "0x")[2:]))
        return CallResult(True, bytes.fromhex(response["result"][2:]))

    def call(self, to: str, data: bytes, sender: str | None = None, value: int = 0) -> CallResult:
        response = self._provider.make_request("eth_call", [self._request(to, data, sender, value), "latest"])
        return self._result(response)

    def calls(self, requests: Sequence[tuple[str, bytes]]) -> list[CallResult]:
        """`eth_call` of each `(to, data)`, in one batch."""
        batch = [("eth_call", [self._request(to, data, None, 0), "latest"]) for to, data in requests]
        responses = self._provider.make_batch_request(batch)
        return [self._result(response) for response in sorted(responses, key=lambda r: r["id"])]

    def send(self, sender: str, to: str, data: bytes, gas: int = 5_000_000) -> dict:
        """Sends a transaction and returns its receipt, even if it reverted (no gas estimate, no trace).

        `sender` must be unlocked on the node: anvil's dev accounts are Ape's test accounts.
        """
        tx = self._request(to, data, sender, 0) | {"gas": hex(gas)}
        tx_hash = self._provider.make_request("eth_sendTransaction", [tx])["result"]
        deadline = time.monotonic() + 10
        while (receipt := self._provider.make_request("eth_getTransactionReceipt", [tx_hash])["result"]) is None:
            assert time.monotonic() < deadline, f"{tx_hash} was not mined"
            time.sleep(0.005)
        return receipt

    def code(self, address: str) -> bytes:
        return bytes.fromhex(self._provider.make_request("eth_getCode", [address, "latest"])["result"][2:])

    def storage(self, address: str, slot: int) -> int:
        return int(self._provider.make_request("eth_getStorageAt", [address, hex(slot), "latest"])["result"], 16)


@dataclass
class CoreFacets:
    """The deployed core facets and initializer, shared by every diamond of the session."""

    cut: ContractInstance
    loupe: ContractInstance
    ownership: ContractInstance
    init: ContractInstance

    def initial_cut(self) -> list[FacetCut]:
        return [
            FacetCut.of(facet.address, FacetCutAction.ADD, selectors_of(facet))
            for facet in (self.cut, self.loupe, self.ownership)
        ]


@dataclass
class CoreDiamond:
    """A deployed diamond with handles on its address under each core facet's ABI."""

    address: str
    proxy: ContractInstance  # the diamond contract's own ABI (fallback, receive, FunctionNotFound)
    cut: ContractInstance  # DiamondCutFacet ABI
    loupe: ContractInstance  # DiamondLoupeFacet ABI
    ownership: ContractInstance  # OwnershipFacet ABI
    owner: object
    receipt: object
    constructor_cuts: list[list[FacetCut]] = field(default_factory=list)

    def diamond_cut(
        self,
        entries: Iterable[FacetCut],
        init: str = ZERO_ADDRESS,
        calldata: bytes = b"",
        sender=None,
    ):
        return self.cut.diamondCut([e.as_abi() for e in entries], init, calldata, sender=sender or self.owner)

    def model(self, has_code) -> LoupeModel:
        """A `LoupeModel` replaying the constructor's cuts."""
        model = LoupeModel(self.address, has_code)
        for cut in self.constructor_cuts:
            model.cut(cut)
        return model

    def selector_count(self) -> int:
        return sum(len(facet.functionSelectors) for facet in self.loupe.facets())

    def assert_loupe(self, model: LoupeModel, selectors: Iterable[bytes] = (), facets: Iterable[str] = ()) -> None:
        """All four loupe functions equal the model (for the given extra selectors and facets too)."""
        on_chain = [(f.facetAddress, [bytes(s) for s in f.functionSelectors]) for f in self.loupe.facets()]
        assert on_chain == model.facets()
        assert list(self.loupe.facetAddresses()) == model.facet_addresses()
        known = {s for _, chosen in model.facets() for s in chosen} | {bytes(s) for s in selectors}
        for sel in sorted(known):
            assert self.loupe.facetAddress(sel) == model.facet_address(sel), sel.hex()
        for facet in set(model.facet_addresses()) | {to_checksum_address(f) for f in facets}:
            assert [bytes(s) for s in self.loupe.facetFunctionSelectors(facet)] == model.facet_function_selectors(facet)


def chain_receipt(instance: ContractInstance):
    """The receipt of the transaction that deployed `instance`."""
    return instance.chain_manager.get_receipt(instance.txn_hash)


def deploy_diamond(
    project,
    owner,
    core: CoreFacets,
    *,
    container: ContractContainer | None = None,
    extra_interfaces: Sequence[bytes] = (),
) -> CoreDiamond:
    """Deploys `container` (default `Diamond`) with the core facets, initialized by
    `DiamondInit.init(extra_interfaces)`."""
    container = container or project.Diamond
    cut = core.initial_cut()
    init_calldata = core.init.init.encode_input(list(extra_interfaces))
    deployed = container.deploy(owner, [e.as_abi() for e in cut], core.init.address, init_calldata, sender=owner)
    address = deployed.address
    constructor_cuts = [cut]
    if container.contract_type.name == "ImmutableDiamond":
        # Its constructor then registers its own `version()` with a second cut.
        constructor_cuts.append([FacetCut.of(address, FacetCutAction.ADD, [selector("version()")])])
    return CoreDiamond(
        address=address,
        proxy=deployed,
        cut=project.DiamondCutFacet.at(address),
        loupe=project.DiamondLoupeFacet.at(address),
        ownership=project.OwnershipFacet.at(address),
        owner=owner,
        receipt=chain_receipt(deployed),
        constructor_cuts=constructor_cuts,
    )


@pytest.fixture(scope="session")
def newcomer(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def rpc(chain) -> RawRpc:
    return RawRpc(chain.provider.web3)


@pytest.fixture(scope="session")
def core_facets(project, owner) -> CoreFacets:
    return CoreFacets(
        cut=project.DiamondCutFacet.deploy(sender=owner),
        loupe=project.DiamondLoupeFacet.deploy(sender=owner),
        ownership=project.OwnershipFacet.deploy(sender=owner),
        init=project.DiamondInit.deploy(sender=owner),
    )


@pytest.fixture(scope="session")
def facet_a(project, owner):
    return project.CutFacetA.deploy(sender=owner)


@pytest.fixture(scope="session")
def facet_a2(project, owner):
    return project.CutFacetAv2.deploy(sender=owner)


@pytest.fixture(scope="session")
def facet_b(project, owner):
    return project.CutFacetB.deploy(sender=owner)


@pytest.fixture(scope="session")
def fallback_facet(project, owner):
    return project.CutFallbackFacet.deploy(sender=owner)


@pytest.fixture(scope="session")
def cut_init(project, owner):
    return project.CutInit.deploy(sender=owner)


@pytest.fixture
def diamond(project, owner, core_facets) -> CoreDiamond:
    return deploy_diamond(project, owner, core_facets)


@pytest.fixture
def has_code(rpc):
    return lambda address: bool(rpc.code(address))
