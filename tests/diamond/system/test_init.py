"""MasterInit and ChildInit: interfaces, and what each refuses to initialize with."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from tests.support import ZERO_ADDRESS, reverts_with

# ERC-165, IDiamondCut, IDiamondLoupe, ERC-173
CORE_INTERFACES = ["0x01ffc9a7", "0x1f931c1c", "0x48e2b093", "0x7f5828d0"]


@pytest.mark.parametrize("diamond_name", ["master", "child"])
def test_core_interfaces_are_registered(request, diamond_name):
    diamond = request.getfixturevalue(diamond_name)
    for interface_id in CORE_INTERFACES:
        assert diamond.supportsInterface(interface_id), interface_id
    assert not diamond.supportsInterface("0xffffffff")


def test_core_interface_ids_are_what_the_specs_say():
    def interface_id(*signatures: str) -> str:
        value = 0
        for signature in signatures:
            value ^= int.from_bytes(keccak(text=signature)[:4], "big")
        return f"0x{value:08x}"

    assert interface_id("supportsInterface(bytes4)") == CORE_INTERFACES[0]
    assert interface_id("diamondCut((address,uint8,bytes4[])[],address,bytes)") == CORE_INTERFACES[1]
    assert (
        interface_id("facets()", "facetFunctionSelectors(address)", "facetAddresses()", "facetAddress(bytes4)")
        == CORE_INTERFACES[2]
    )
    assert interface_id("owner()", "transferOwnership(address)") == CORE_INTERFACES[3]


def deploy(project, owner, init, calldata):
    """A bare diamond (no facets) that only runs the initializer."""
    return project.Diamond.deploy(owner, [], init.address, calldata, sender=owner)


def test_master_init_emits_its_settings(project, chain, owner, guardian):
    init = project.MasterInit.deploy(sender=owner)
    diamond = deploy(project, owner, init, init.init.encode_input(750, guardian))
    receipt = chain.get_receipt(diamond.txn_hash)
    # The diamond logs them (the initializer runs by delegatecall): read them with the init's ABI.
    assert [dict(log.event_arguments) for log in receipt.decode_logs(init.ReserveRatioChanged.abi)] == [
        {"previousBps": 0, "newBps": 750}
    ]
    assert [dict(log.event_arguments) for log in receipt.decode_logs(init.GuardianChanged.abi)] == [
        {"previousGuardian": ZERO_ADDRESS, "newGuardian": guardian.address}
    ]


def test_master_init_rejects_the_owner_as_guardian(project, owner):
    init = project.MasterInit.deploy(sender=owner)
    with reverts_with(init.GuardianIsOwner, guardian=owner.address):
        deploy(project, owner, init, init.init.encode_input(500, owner))


def test_master_init_rejects_a_ratio_above_100_percent(project, owner, guardian):
    init = project.MasterInit.deploy(sender=owner)
    with reverts_with(init.InvalidReserveRatio, bps=10_001):
        deploy(project, owner, init, init.init.encode_input(10_001, guardian))


def test_child_init_rejects_the_owner_as_guardian(project, owner, master):
    init = project.ChildInit.deploy(sender=owner)
    with reverts_with(init.GuardianIsOwner, guardian=owner.address):
        deploy(project, owner, init, init.init.encode_input(master, owner))


@pytest.mark.parametrize("master_name", ["zero", "stranger"])
def test_child_init_requires_a_master_with_code(request, project, owner, child_guardian, master_name):
    master = ZERO_ADDRESS if master_name == "zero" else request.getfixturevalue(master_name).address
    init = project.ChildInit.deploy(sender=owner)
    with reverts_with(init.InvalidMaster, master=master):
        deploy(project, owner, init, init.init.encode_input(master, child_guardian))


def test_the_diamonds_serve_what_they_call_on_each_other(project, master, child):
    """IMaster, IChildCapital and IChildPause are what the facets call across diamonds: every selector
    is cut in."""
    for interface, diamond in ((project.IMaster, master), (project.IChildCapital, child), (project.IChildPause, child)):
        for signature, selector in interface.contract_type.method_identifiers.items():
            assert diamond.facetAddress(selector) != ZERO_ADDRESS, signature


def test_child_init_requires_a_master_that_answers_paused(project, owner, child_guardian):
    """A contract without `paused()` cannot be a child's master: the mirror starts from its answer."""
    init = project.ChildInit.deploy(sender=owner)
    not_a_master = project.DiamondLoupeFacet.deploy(sender=owner)
    with ape.reverts():
        deploy(project, owner, init, init.init.encode_input(not_a_master, child_guardian))
