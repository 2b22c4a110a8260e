"""Reading and writing the rewards child's MerkleRewardsFacet with plain web3 (no Ape at run time)."""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import decode, encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3 import Web3

CAMPAIGN_TYPE = "(address,address,address,uint64,uint64,uint32,uint8,bool,uint256,uint256,uint32)"
ROOT_TYPE = "(bytes32,bytes32,uint256,uint64,bool)"
METRICS = ("swap_volume", "in_range_liquidity")


def _selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


@dataclass(frozen=True)
class Campaign:
    id: int
    sponsor: str
    pool: str
    reward_token: str
    start: int
    end: int
    epoch_length: int
    metric: str
    closed: bool
    funded: int
    claimed: int
    last_epoch: int


@dataclass(frozen=True)
class EpochRoot:
    root: str
    content_hash: str
    total_allocated: int
    claimable_at: int
    revoked: bool


class RewardsContract:
    """The rewards child diamond as the keeper sees it."""

    def __init__(self, w3: Web3, child: str):
        self.w3 = w3
        self.address = Web3.to_checksum_address(child)

    def _call(self, signature: str, types: list[str], args: list, out: list[str], block: int | str = "latest"):
        data = _selector(signature) + encode(types, args)
        return decode(out, bytes(self.w3.eth.call({"to": self.address, "data": data}, block)))

    def campaign_count(self, block: int | str = "latest") -> int:
        return self._call("campaignCount()", [], [], ["uint256"], block)[0]

    def campaign(self, campaign_id: int, block: int | str = "latest") -> Campaign:
        (raw,) = self._call("campaign(uint256)", ["uint256"], [campaign_id], [CAMPAIGN_TYPE], block)
        sponsor, pool, token, start, end, length, metric, closed, funded, claimed, last = raw
        return Campaign(
            campaign_id,
            to_checksum_address(sponsor),
            to_checksum_address(pool),
            to_checksum_address(token),
            start,
            end,
            length,
            METRICS[metric],
            closed,
            funded,
            claimed,
            last,
        )

    def epoch_count(self, campaign_id: int) -> int:
        return self._call("epochCount(uint256)", ["uint256"], [campaign_id], ["uint32"])[0]

    def epoch_root(self, campaign_id: int, epoch: int, block: int | str = "latest") -> EpochRoot:
        (raw,) = self._call(
            "epochRoot(uint256,uint32)", ["uint256", "uint32"], [campaign_id, epoch], [ROOT_TYPE], block
        )
        root, content, total, claimable_at, revoked = raw
        return EpochRoot("0x" + root.hex(), "0x" + content.hex(), total, claimable_at, revoked)

    def claimable_root(self, campaign_id: int) -> tuple[int, EpochRoot]:
        epoch, raw = self._call("claimableRoot(uint256)", ["uint256"], [campaign_id], ["uint32", ROOT_TYPE])
        root, content, total, claimable_at, revoked = raw
        return epoch, EpochRoot("0x" + root.hex(), "0x" + content.hex(), total, claimable_at, revoked)

    def claimed(self, campaign_id: int, account: str) -> int:
        return self._call(
            "claimed(uint256,address)",
            ["uint256", "address"],
            [campaign_id, Web3.to_checksum_address(account)],
            ["uint256"],
        )[0]

    @staticmethod
    def post_root_calldata(campaign_id: int, epoch: int, root: str, total: int, content_hash: str) -> bytes:
        return _selector("postRoot(uint256,uint32,bytes32,uint256,bytes32)") + encode(
            ["uint256", "uint32", "bytes32", "uint256", "bytes32"],
            [campaign_id, epoch, bytes.fromhex(root[2:]), total, bytes.fromhex(content_hash[2:])],
        )

    @staticmethod
    def claim_calldata(campaign_id: int, account: str, cumulative: int, proof: list[str]) -> bytes:
        return _selector("claim(uint256,address,uint256,bytes32[])") + encode(
            ["uint256", "address", "uint256", "bytes32[]"],
            [campaign_id, Web3.to_checksum_address(account), cumulative, [bytes.fromhex(p[2:]) for p in proof]],
        )

    def send(self, account: LocalAccount, data: bytes, nonce: int | None = None) -> str:
        """Sign and send a call to the child from `account`; returns the tx hash (not waited for)."""
        block = self.w3.eth.get_block("latest")
        base_fee = int(block.get("baseFeePerGas", 0))
        tx = {
            "type": 2,
            "chainId": self.w3.eth.chain_id,
            "to": self.address,
            "value": 0,
            "data": data,
            "nonce": self.w3.eth.get_transaction_count(account.address, "pending") if nonce is None else nonce,
            "maxPriorityFeePerGas": 10**9,
            "maxFeePerGas": 2 * base_fee + 10**9,
        }
        tx["gas"] = self.w3.eth.estimate_gas({k: tx[k] for k in ("to", "data", "value")} | {"from": account.address})
        tx["gas"] = tx["gas"] * 6 // 5 + 20_000
        return self.w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction).to_0x_hex()
