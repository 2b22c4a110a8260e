// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IMerkleRewards} from "../interfaces/IMerkleRewards.sol";

/// @title LibMerkleRewards
/// @notice MerkleRewardsFacet's storage (campaigns, epoch roots, per-account claimed amounts and the
/// configuration) in its own namespaced storage, the epoch schedule, the root lookups claims and
/// posts rely on, and the leaf hash.
/// @dev Campaigns are packed so that a claim against the latest root, once it is claimable, reads
/// three words of this storage besides the account's own: the campaign's first word (token, last
/// epoch, that epoch's claimable time and revoked flag, closed), its claim word (what claims paid so
/// far and what the latest root lets them pay, written by the claim), and the latest root itself.
/// Only when the latest root is still pending or was revoked does a claim walk down the roots'
/// status words. Amounts are 128 bits: funding above 2^128 - 1 is rejected when the campaign is
/// created, and every root total is at most the funding.
library LibMerkleRewards {
    /// @notice A campaign as stored: five words. See `IMerkleRewards.Campaign` for each field.
    struct CampaignData {
        // word 0: what every claim reads
        address rewardToken;
        uint32 lastEpoch;
        uint40 lastClaimableAt; // claimableAt of lastEpoch's root (uint40 holds timestamps to year 36812)
        bool lastRevoked; // lastEpoch's root was revoked
        bool closed;
        IMerkleRewards.Metric metric;
        // word 1: what every claim writes (and reads)
        uint128 claimed;
        uint128 lastCap; // min(totalAllocated of lastEpoch's root, funded), fixed when it was posted
        // word 2
        address sponsor;
        uint64 start;
        uint32 epochLength;
        // word 3
        address pool;
        uint64 end;
        uint32 claimGracePeriod; // in force when the campaign was created (at most 365 days)
        // word 4
        uint128 funded;
    }

    /// @notice An epoch root as stored: three words. See `IMerkleRewards.EpochRoot`.
    struct RootData {
        bytes32 root;
        bytes32 contentHash;
        uint128 totalAllocated;
        uint64 claimableAt;
        bool revoked;
    }

    /// @custom:storage-location erc7201:lapidary.child.rewards
    struct Layout {
        uint256 campaignCount;
        uint64 rootTimelock; // 0 = DEFAULT_ROOT_TIMELOCK
        uint64 claimGracePeriod; // 0 = DEFAULT_CLAIM_GRACE_PERIOD
        mapping(uint256 campaignId => CampaignData) campaigns;
        mapping(uint256 campaignId => mapping(uint32 epoch => RootData)) roots;
        mapping(uint256 campaignId => mapping(address account => uint256)) claimed;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.child.rewards")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x3f31a9b294e19d51b19ac0a8806e384dd7adcad32a2cba9b91b95b1198a75600;

    uint64 internal constant DEFAULT_ROOT_TIMELOCK = 1 hours;
    uint64 internal constant DEFAULT_CLAIM_GRACE_PERIOD = 30 days;
    uint64 internal constant MIN_ROOT_TIMELOCK = 10 minutes;
    uint64 internal constant MAX_ROOT_TIMELOCK = 7 days;
    uint64 internal constant MIN_CLAIM_GRACE_PERIOD = 7 days;
    uint64 internal constant MAX_CLAIM_GRACE_PERIOD = 365 days;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice The effective configuration: what the owner set, or the defaults.
    function config(Layout storage l) internal view returns (uint64 rootTimelock, uint64 claimGracePeriod) {
        (rootTimelock, claimGracePeriod) = (l.rootTimelock, l.claimGracePeriod);
        if (rootTimelock == 0) rootTimelock = DEFAULT_ROOT_TIMELOCK;
        if (claimGracePeriod == 0) claimGracePeriod = DEFAULT_CLAIM_GRACE_PERIOD;
    }

    /// @notice The number of epochs from `start` to `end`, rounded up (the last may be shorter).
    function epochCount(uint256 start, uint256 end, uint256 epochLength) internal pure returns (uint256) {
        return Math.ceilDiv(end - start, epochLength);
    }

    /// @notice The end of epoch `epoch` (1-based), which covers
    /// `[start + (epoch - 1) * epochLength, min(start + epoch * epochLength, end))`.
    function epochEnd(CampaignData storage c, uint32 epoch) internal view returns (uint64) {
        return uint64(Math.min(uint256(c.start) + uint256(epoch) * c.epochLength, c.end));
    }

    /// @notice The latest root at or below `epoch` that was not revoked (pending or claimable), or
    /// (0, its zero total) if there is none. Scans down over revoked roots only.
    function latestValidRoot(Layout storage l, uint256 campaignId, uint32 epoch)
        internal
        view
        returns (uint32, RootData storage)
    {
        mapping(uint32 => RootData) storage roots = l.roots[campaignId];
        while (epoch != 0 && roots[epoch].revoked) --epoch;
        return (epoch, roots[epoch]);
    }

    /// @notice The latest root at or below `epoch` that is neither revoked nor still in its timelock,
    /// or (0, an empty root) if there is none. Scans down over pending and revoked roots.
    function claimableRoot(Layout storage l, uint256 campaignId, uint32 epoch)
        internal
        view
        returns (uint32, RootData storage)
    {
        mapping(uint32 => RootData) storage roots = l.roots[campaignId];
        while (epoch != 0) {
            RootData storage r = roots[epoch];
            if (!r.revoked && r.claimableAt <= block.timestamp) break;
            --epoch;
        }
        return (epoch, roots[epoch]);
    }

    /// @notice The `standard-v1` leaf of OpenZeppelin's StandardMerkleTree for
    /// `(uint256 campaignId, address account, uint256 cumulativeAmount)`: the double hash keeps a
    /// 64-byte inner node from ever passing as a leaf.
    /// @dev Hashed in the scratch space past the free memory pointer, which is not moved: Solidity's
    /// `abi.encode` and `bytes.concat` would allocate (and pay for) two buffers per claim.
    function leaf(uint256 campaignId, address account, uint256 cumulativeAmount)
        internal
        pure
        returns (bytes32 hash)
    {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, campaignId)
            mstore(add(ptr, 0x20), and(account, 0xffffffffffffffffffffffffffffffffffffffff))
            mstore(add(ptr, 0x40), cumulativeAmount)
            mstore(0x00, keccak256(ptr, 0x60))
            hash := keccak256(0x00, 0x20)
        }
    }

    /// @notice The campaign's first word, what every claim reads, in one storage read (Solidity reads
    /// the slot again for each field). The offsets are `CampaignData`'s packing of word 0, pinned by
    /// `tests/rewards/contract/test_layout.py`.
    function header(CampaignData storage c)
        internal
        view
        returns (address rewardToken, uint32 lastEpoch, uint40 lastClaimableAt, bool lastRevoked, bool closed)
    {
        uint256 word;
        assembly ("memory-safe") {
            word := sload(c.slot)
        }
        rewardToken = address(uint160(word));
        lastEpoch = uint32(word >> 160);
        lastClaimableAt = uint40(word >> 192);
        lastRevoked = uint8(word >> 232) != 0;
        closed = uint8(word >> 240) != 0;
    }

    /// @notice The stored campaign in its interface form.
    function toCampaign(CampaignData storage c) internal view returns (IMerkleRewards.Campaign memory) {
        return IMerkleRewards.Campaign({
            sponsor: c.sponsor,
            pool: c.pool,
            rewardToken: c.rewardToken,
            start: c.start,
            end: c.end,
            epochLength: c.epochLength,
            metric: c.metric,
            closed: c.closed,
            funded: c.funded,
            claimed: c.claimed,
            lastEpoch: c.lastEpoch
        });
    }

    /// @notice The stored root in its interface form.
    function toEpochRoot(RootData storage r) internal view returns (IMerkleRewards.EpochRoot memory) {
        return IMerkleRewards.EpochRoot({
            root: r.root,
            contentHash: r.contentHash,
            totalAllocated: r.totalAllocated,
            claimableAt: r.claimableAt,
            revoked: r.revoked
        });
    }
}
