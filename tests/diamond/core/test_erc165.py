"""ERC-165 through the loupe facet: DiamondInit registers the core interfaces and any extra ones."""

from __future__ import annotations

from functools import reduce

import ape
import pytest

from .conftest import deploy_diamond, error_data, selectors_of

IERC165 = bytes.fromhex("01ffc9a7")
IDIAMOND_CUT = bytes.fromhex("1f931c1c")
IDIAMOND_LOUPE = bytes.fromhex("48e2b093")
IERC173 = bytes.fromhex("7f5828d0")
INVALID = bytes.fromhex("ffffffff")


def interface_id(selectors: list[bytes]) -> bytes:
    return reduce(lambda a, b: bytes(x ^ y for x, y in zip(a, b, strict=True)), selectors)


def test_the_interface_ids_are_those_of_the_interfaces(project):
    assert interface_id(selectors_of(project.IDiamondLoupe)) == IDIAMOND_LOUPE
    assert interface_id(selectors_of(project.IDiamondCut)) == IDIAMOND_CUT
    assert interface_id(selectors_of(project.IERC173)) == IERC173


@pytest.mark.parametrize("interface", [IERC165, IDIAMOND_CUT, IDIAMOND_LOUPE, IERC173], ids=lambda i: i.hex())
def test_the_core_interfaces_are_supported(diamond, interface):
    assert diamond.loupe.supportsInterface(interface) is True


@pytest.mark.parametrize(
    "interface",
    [INVALID, bytes(4), bytes.fromhex("12345678"), bytes.fromhex("80ac58cd"), bytes.fromhex("e30c3978")],
    ids=lambda i: i.hex(),
)
def test_other_interfaces_are_not_supported(diamond, interface):
    assert diamond.loupe.supportsInterface(interface) is False


def test_extra_interfaces_passed_to_diamond_init_are_registered(project, owner, core_facets):
    extra = [bytes.fromhex("80ac58cd"), bytes.fromhex("d9b67a26")]  # ERC-721, ERC-1155
    diamond = deploy_diamond(project, owner, core_facets, extra_interfaces=extra)
    for interface in [*extra, IERC165, IDIAMOND_CUT, IDIAMOND_LOUPE, IERC173]:
        assert diamond.loupe.supportsInterface(interface) is True
    assert diamond.loupe.supportsInterface(bytes.fromhex("12345678")) is False


def test_a_later_cut_can_register_more_interfaces(diamond, core_facets):
    erc721 = bytes.fromhex("80ac58cd")
    diamond.diamond_cut([], core_facets.init.address, core_facets.init.init.encode_input([erc721]))
    assert diamond.loupe.supportsInterface(erc721) is True


def test_interfaces_are_read_from_the_diamond_not_the_facet(diamond, core_facets):
    # The loupe facet's own storage is empty: support lives in the diamond's namespaced storage.
    assert core_facets.loupe.supportsInterface(IERC165) is False
    assert diamond.loupe.supportsInterface(IERC165) is True


def test_0xffffffff_can_never_be_registered(project, owner, core_facets):
    expected = error_data(project.DiamondInit.contract_type, "InvalidInterfaceId", INVALID)
    # Ape cannot attribute a constructor's revert to a contract, so match its exact data.
    with ape.reverts("0x" + expected.hex()):
        deploy_diamond(project, owner, core_facets, extra_interfaces=[INVALID])
