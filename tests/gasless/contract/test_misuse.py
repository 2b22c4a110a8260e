"""What the relay refuses: replays, another chain, expired or tampered requests, the wrong signer or
target, selectors not on the allow-list, a starving relayer, mismatched batches and values, and every
way to act as someone else with an appended sender (directly, through the relay, or through a
multicall, which a diamond carrying the relay must not have)."""

from __future__ import annotations

import re

import ape
import pytest
from eth_utils import keccak, to_checksum_address

from tests.rewards.contract.conftest import BOB, CAROL, at, warp
from tests.support import DAY, reverts_with

from .conftest import claim_data, request_for, signed
from .signing import sign

RELAY_FUNCTIONS = (
    "execute((address,address,uint256,uint256,uint256,uint48,bytes),bytes)",
    "executeBatch((address,address,uint256,uint256,uint256,uint48,bytes)[],bytes[])",
    "nonces(address)",
    "relayable(bytes4)",
    "setRelayable(bytes4[],bool)",
    "relayDomainSeparator()",
    "eip712Domain()",
)


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


@pytest.fixture
def claim_request(chain, child, signer, claimable):
    return request_for(chain, child, signer, claim_data(child, claimable.tree, signer.address))


def execute(chain, child, relayer, signer, request, **kwargs):
    return child.execute(request.as_tuple(), signed(chain, child, signer, request), sender=relayer, **kwargs)


# -- signatures, nonces, deadlines ----------------------------------------------------------------


def test_a_request_executes_once(chain, child, relayer, signer, claim_request):
    signature = signed(chain, child, signer, claim_request)
    child.execute(claim_request.as_tuple(), signature, sender=relayer)
    with reverts_with(child.InvalidNonce, **{"from": signer.address, "expected": 1, "given": 0}):
        child.execute(claim_request.as_tuple(), signature, sender=relayer)


def test_a_request_signed_ahead_of_its_nonce_waits(chain, child, relayer, signer, claimable):
    request = request_for(chain, child, signer, claim_data(child, claimable.tree, BOB), nonce=1)
    with reverts_with(child.InvalidNonce, **{"from": signer.address, "expected": 0, "given": 1}):
        execute(chain, child, relayer, signer, request)


def test_a_signature_for_another_chain_is_refused(chain, child, relayer, signer, claim_request):
    signature = signed(chain, child, signer, claim_request, chain_id=chain.chain_id + 1)
    with ape.reverts() as info:
        child.execute(claim_request.as_tuple(), signature, sender=relayer)
    assert _invalid_signer(info) != signer.address
    assert child.nonces(signer.address) == 0


def test_a_signature_for_another_diamond_is_refused(chain, child, relayer, signer, claim_request):
    signature = sign(claim_request, signer.key, chain.chain_id, to_checksum_address(BOB))
    with ape.reverts() as info:
        child.execute(claim_request.as_tuple(), signature, sender=relayer)
    assert _invalid_signer(info) != signer.address


def test_an_expired_request_is_refused(chain, child, relayer, signer, claimable, claim_request):
    deadline = claim_request.deadline
    on_time = claim_request.as_tuple(), signed(chain, child, signer, claim_request)
    late = request_for(chain, child, signer, claim_data(child, claimable.tree, BOB), nonce=1, deadline=deadline)
    late_signature = signed(chain, child, signer, late)
    at(chain, deadline)
    child.execute(*on_time, sender=relayer)  # executes in its last second
    at(chain, deadline + 1)
    with reverts_with(child.RequestExpired, deadline=deadline, timestamp=deadline + 1):
        child.execute(late.as_tuple(), late_signature, sender=relayer)


def test_a_request_signed_by_someone_else_is_refused(chain, child, relayer, signer, other_signer, claim_request):
    signature = signed(chain, child, other_signer, claim_request)
    with reverts_with(child.InvalidSigner, **{"signer": other_signer.address, "from": signer.address}):
        child.execute(claim_request.as_tuple(), signature, sender=relayer)


def test_a_malformed_signature_is_refused(chain, child, relayer, signer, claim_request):
    signature = signed(chain, child, signer, claim_request)
    for bad in (b"", signature[:64], signature + b"\0", b"\0" * 65):
        with reverts_with(child.InvalidSigner, **{"signer": "0x" + "00" * 20, "from": signer.address}):
            child.execute(claim_request.as_tuple(), bad, sender=relayer)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda r: r.but(data=r.data[:-1] + bytes([r.data[-1] ^ 1])), id="data"),
        pytest.param(lambda r: r.but(gas=r.gas + 1), id="gas"),
        pytest.param(lambda r: r.but(deadline=r.deadline + 1), id="deadline"),
        pytest.param(lambda r: r.but(sender=to_checksum_address(CAROL)), id="from"),
    ],
)
def test_a_tampered_request_is_refused(chain, child, relayer, signer, claim_request, tamper):
    signature = signed(chain, child, signer, claim_request)
    tampered = tamper(claim_request)
    with ape.reverts() as info:
        child.execute(tampered.as_tuple(), signature, sender=relayer)
    assert _invalid_signer(info) not in (signer.address, tampered.sender)
    assert child.nonces(signer.address) == 0


def test_a_request_to_another_target_is_refused(chain, child, relayer, signer, claim_request):
    request = claim_request.but(to=to_checksum_address(BOB))
    with reverts_with(child.WrongTarget, to=request.to):
        execute(chain, child, relayer, signer, request)


def test_a_selector_off_the_allow_list_is_refused(chain, child, relayer, signer, claimable):
    data = bytes(child.withdrawLeftover.encode_input(claimable.campaign_id))
    request = request_for(chain, child, signer, data)
    with reverts_with(child.SelectorNotRelayable, selector=data[:4]):
        execute(chain, child, relayer, signer, request)


def test_data_without_a_selector_is_refused(chain, child, relayer, signer):
    for data in (b"", b"\x2e\x7b\xa6"):
        request = request_for(chain, child, signer, data)
        with reverts_with(child.MissingSelector, length=len(data)):
            execute(chain, child, relayer, signer, request)


def test_value_must_match(chain, child, relayer, signer, claim_request):
    with reverts_with(child.MismatchedValue, requestedValue=0, msgValue=1):
        execute(chain, child, relayer, signer, claim_request, value=1)
    with reverts_with(child.MismatchedValue, requestedValue=5, msgValue=0):
        execute(chain, child, relayer, signer, claim_request.but(value=5))


def test_a_failing_call_reverts_with_its_error_and_keeps_the_nonce(chain, child, relayer, signer, claimable):
    tree = claimable.tree
    campaign_id, account, amount, proof = tree.claim_args(signer.address)
    data = bytes(child.claim.encode_input(campaign_id, account, amount + 1, proof))
    request = request_for(chain, child, signer, data)
    with reverts_with(child.InvalidProof, campaignId=campaign_id, account=account, cumulativeAmount=amount + 1):
        execute(chain, child, relayer, signer, request)
    assert child.nonces(signer.address) == 0


# -- gas griefing ----------------------------------------------------------------------------------


def test_a_relayer_cannot_starve_the_call(chain, child, dai, relayer, signer, claim_request):
    signature = signed(chain, child, signer, claim_request)
    needed = child.execute.estimate_gas_cost(claim_request.as_tuple(), signature, sender=relayer)
    # Enough for the checks, the nonce and the signature, not for the claim the request asked
    # REQUEST_GAS for: the call gets 63/64 of what is left and runs out.
    starved = needed - 40_000
    receipt = child.execute(claim_request.as_tuple(), signature, sender=relayer, gas=starved, raise_on_revert=False)
    assert receipt.failed
    # invalid(): the facet's frame consumed all its gas, as ERC2771Forwarder does; only the 1/64 the
    # diamond's fallback keeps back from its delegatecall (EIP-150) is left. Bubbling the starved
    # call's revert instead would leave the relay's own 1/64 on top of it.
    assert (starved - receipt.gas_used) * 64 < starved
    assert child.nonces(signer.address) == 0
    assert dai.balanceOf(signer.address) == 0
    # With the gas it asked for, the same request executes.
    child.execute(claim_request.as_tuple(), signature, sender=relayer, gas=needed)
    assert child.nonces(signer.address) == 1


# -- batches ---------------------------------------------------------------------------------------


def test_a_batch_needs_one_signature_per_request(chain, child, relayer, signer, claim_request):
    signature = signed(chain, child, signer, claim_request)
    with reverts_with(child.LengthMismatch, requests=1, signatures=2):
        child.executeBatch([claim_request.as_tuple()], [signature, signature], sender=relayer)
    with reverts_with(child.LengthMismatch, requests=2, signatures=1):
        child.executeBatch([claim_request.as_tuple()] * 2, [signature], sender=relayer)


def test_a_batch_value_must_be_the_sum(chain, child, relayer, signer, claim_request):
    signature = signed(chain, child, signer, claim_request)
    with reverts_with(child.MismatchedValue, requestedValue=0, msgValue=3):
        child.executeBatch([claim_request.as_tuple()], [signature], sender=relayer, value=3)


def test_a_batch_is_all_or_nothing(chain, child, dai, relayer, signer, claimable, claim_request):
    stale = request_for(chain, child, signer, claim_data(child, claimable.tree, BOB))  # nonce 0 again
    requests = [claim_request, stale]
    signatures = [signed(chain, child, signer, r) for r in requests]
    with reverts_with(child.InvalidNonce, **{"from": signer.address, "expected": 1, "given": 0}):
        child.executeBatch([r.as_tuple() for r in requests], signatures, sender=relayer)
    assert child.nonces(signer.address) == 0
    assert dai.balanceOf(signer.address) == 0


# -- the allow-list --------------------------------------------------------------------------------


def test_only_the_owner_sets_relayable(child, owner, stranger):
    withdraw = selector("withdrawLeftover(uint256)")
    for account in (stranger,):
        with reverts_with(child.NotOwner, caller=account.address):
            child.setRelayable([withdraw], True, sender=account)
    receipt = child.setRelayable([withdraw, withdraw], True, sender=owner)
    assert [dict(log.event_arguments) for log in child.RelayableSet.from_receipt(receipt)] == [
        {"selector": withdraw, "allowed": True}
    ]  # one event per change
    assert child.relayable(withdraw)
    child.setRelayable([withdraw], False, sender=owner)
    assert not child.relayable(withdraw)


@pytest.mark.parametrize("signature", RELAY_FUNCTIONS)
def test_the_relay_can_never_relay_itself(child, owner, signature):
    with reverts_with(child.RelaySelector, selector=selector(signature)):
        child.setRelayable(
            [selector("claim(uint256,address,uint256,bytes32[])"), selector(signature)], True, sender=owner
        )
    assert not child.relayable(selector(signature))


def test_a_relayed_call_cannot_reenter_the_relay(chain, child, relayer, signer, claim_request):
    inner = request_for(chain, child, signer, claim_request.data, nonce=1)
    data = bytes(child.execute.encode_input(inner.as_tuple(), signed(chain, child, signer, inner)))
    outer = request_for(chain, child, signer, data)
    with reverts_with(child.SelectorNotRelayable, selector=data[:4]):
        execute(chain, child, relayer, signer, outer)


# -- spoofing the appended sender ------------------------------------------------------------------


@pytest.fixture
def withdrawable(chain, claimable):
    """Past the campaign's grace period: its sponsor (only) may withdraw the leftover."""
    warp(chain, claimable.end + 30 * DAY)
    return claimable


def test_a_direct_call_with_an_appended_sender_acts_as_the_caller(child, dai, sponsor, stranger, withdrawable):
    data = bytes(child.withdrawLeftover.encode_input(withdrawable.campaign_id))
    spoofed = data + bytes.fromhex(sponsor.address[2:])
    with reverts_with(child.NotSponsor, campaignId=withdrawable.campaign_id, caller=stranger.address):
        stranger.transfer(child, 0, data=spoofed)
    before = dai.balanceOf(sponsor)
    sponsor.transfer(child, 0, data=data + bytes.fromhex(stranger.address[2:]))  # still the sponsor
    assert dai.balanceOf(sponsor) > before


def test_a_relayed_call_acts_as_its_signer_whatever_its_data_ends_with(
    chain, child, owner, relayer, sponsor, signer, withdrawable
):
    child.setRelayable([selector("withdrawLeftover(uint256)")], True, sender=owner)
    data = bytes(child.withdrawLeftover.encode_input(withdrawable.campaign_id)) + bytes.fromhex(sponsor.address[2:])
    request = request_for(chain, child, signer, data)
    with reverts_with(child.NotSponsor, campaignId=withdrawable.campaign_id, caller=signer.address):
        execute(chain, child, relayer, signer, request)


def test_no_function_of_the_child_passes_caller_data_on_but_the_relay(child):
    """The 2023 ERC-2771 + multicall bug needs a function that makes the diamond call itself with
    data its caller chose. Every function the loupe lists is known, and the only ones taking
    arbitrary bytes are the owner's diamondCut (whose init is a delegatecall, never a call to the
    diamond as a forwarder) and the relay's own, which append the verified signer."""
    abi = {selector(m.selector): m for m in child.contract_type.abi if m.type == "function"}
    listed = [bytes(s) for _, selectors in child.facets() for s in selectors]
    assert len(listed) == len(set(listed))
    assert set(listed) <= set(abi), "the loupe lists a selector no compiled facet declares"
    takes_bytes = sorted(
        abi[s].name for s in listed if any(re.search(r"bytes(?![0-9])", i.canonical_type) for i in abi[s].inputs)
    )
    assert takes_bytes == ["diamondCut", "execute", "executeBatch"]
    assert not [abi[s].name for s in listed if "multicall" in abi[s].name.lower()]


def _invalid_signer(info) -> str:
    """The `signer` of an `InvalidSigner` revert (whatever a wrong signature recovers to)."""
    error = info.value
    assert type(error).__name__ == "InvalidSigner", repr(error)
    return error.inputs["signer"]


@pytest.mark.parametrize("word", [0, 1, 5], ids=["from", "to", "deadline"])
def test_a_request_with_dirty_high_bits_is_refused(chain, child, relayer, signer, claim_request, word):
    """The relay hashes the request's static words as they are in calldata; a word with dirty high
    bits (not a canonical address or uint48) must never get that far."""
    calldata = bytearray(
        child.execute.encode_input(claim_request.as_tuple(), signed(chain, child, signer, claim_request))
    )
    request_at = 4 + int.from_bytes(calldata[4:36], "big")
    calldata[request_at + 32 * word] = 0x01
    with ape.reverts():
        relayer.transfer(child, 0, data=bytes(calldata))
    assert child.nonces(signer.address) == 0
