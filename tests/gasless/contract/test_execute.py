"""Relaying claims: an account that holds no ETH claims its rewards through `execute` and
`executeBatch`, the relayer pays; the nonce, the allow-list and the EIP-712 domain as seen from
outside."""

from __future__ import annotations

from eth_abi import decode, encode
from eth_utils import keccak

from tests.rewards.contract.conftest import BOB, CAROL
from tests.support import event_args

from .conftest import claim_data, request_for, signed
from .signing import NAME, VERSION


def test_a_signer_without_eth_claims_through_the_relay(chain, child, dai, relayer, signer, claimable):
    assert chain.provider.get_balance(signer.address) == 0
    request = request_for(chain, child, signer, claim_data(child, claimable.tree, signer.address))
    relayer_before = relayer.balance

    receipt = child.execute(request.as_tuple(), signed(chain, child, signer, request), sender=relayer)

    amount = claimable.tree.amount(signer.address)
    assert dai.balanceOf(signer.address) == amount
    assert child.claimed(claimable.campaign_id, signer.address) == amount
    assert event_args(receipt, child.Claimed) == [
        {"campaignId": claimable.campaign_id, "account": signer.address, "amount": amount, "cumulativeAmount": amount}
    ]
    assert child.nonces(signer.address) == 1
    assert chain.provider.get_balance(signer.address) == 0
    assert relayer.balance < relayer_before  # the relayer paid the gas


def test_execute_returns_what_the_call_returned(chain, child, relayer, signer, claimable):
    request = request_for(chain, child, signer, claim_data(child, claimable.tree, signer.address))
    result = child.execute.call(request.as_tuple(), signed(chain, child, signer, request), sender=relayer)
    assert decode(["uint256"], result) == (claimable.tree.amount(signer.address),)


def test_requests_execute_in_nonce_order(chain, child, dai, relayer, signer, claimable):
    # claims are for any account: the signer relays claims for two accounts that have no key
    for nonce, account in enumerate((BOB, CAROL)):
        request = request_for(chain, child, signer, claim_data(child, claimable.tree, account))
        assert request.nonce == nonce
        child.execute(request.as_tuple(), signed(chain, child, signer, request), sender=relayer)
        assert dai.balanceOf(account) == claimable.tree.amount(account)
    assert child.nonces(signer.address) == 2


def test_a_batch_executes_every_request_atomically(chain, child, dai, relayer, signer, other_signer, claimable):
    first = request_for(chain, child, signer, claim_data(child, claimable.tree, signer.address))
    second = request_for(chain, child, signer, claim_data(child, claimable.tree, BOB), nonce=first.nonce + 1)
    third = request_for(chain, child, other_signer, claim_data(child, claimable.tree, other_signer.address))
    requests = [first, second, third]
    signatures = [signed(chain, child, s, r) for s, r in zip((signer, signer, other_signer), requests, strict=True)]

    results = child.executeBatch.call([r.as_tuple() for r in requests], signatures, sender=relayer)
    child.executeBatch([r.as_tuple() for r in requests], signatures, sender=relayer)

    tree = claimable.tree
    assert [decode(["uint256"], r)[0] for r in results] == [
        tree.amount(signer.address),
        tree.amount(BOB),
        tree.amount(other_signer.address),
    ]
    for account in (signer.address, BOB, other_signer.address):
        assert dai.balanceOf(account) == tree.amount(account)
    assert (child.nonces(signer.address), child.nonces(other_signer.address)) == (2, 1)


def test_claim_many_is_relayable(chain, child, dai, relayer, signer, claimable):
    tree = claimable.tree
    claims = [tree.claim_args(signer.address), tree.claim_args(BOB)]
    data = bytes(child.claimMany.encode_input(claims))
    request = request_for(chain, child, signer, data)
    child.execute(request.as_tuple(), signed(chain, child, signer, request), sender=relayer)
    assert dai.balanceOf(signer.address) == tree.amount(signer.address)
    assert dai.balanceOf(BOB) == tree.amount(BOB)


def test_the_rewards_child_relays_exactly_the_claims(child):
    for signature in ("claim(uint256,address,uint256,bytes32[])", "claimMany((uint256,address,uint256,bytes32[])[])"):
        assert child.relayable(keccak(text=signature)[:4])
    for signature in (
        "withdrawLeftover(uint256)",
        "createCampaign(address,address,uint256,uint64,uint64,uint32,uint8)",
    ):
        assert not child.relayable(keccak(text=signature)[:4])


def test_the_domain_is_the_diamond_on_this_chain(chain, child):
    fields, name, version, chain_id, verifying_contract, salt, extensions = child.eip712Domain()
    assert (fields, name, version, chain_id, verifying_contract) == (
        b"\x0f",
        NAME,
        VERSION,
        chain.chain_id,
        child.address,
    )
    assert (salt, list(extensions)) == (b"\0" * 32, [])
    domain_type = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    expected = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [domain_type, keccak(text=NAME), keccak(text=VERSION), chain.chain_id, child.address],
        )
    )
    assert child.relayDomainSeparator() == expected
