// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title MerkleRewards: what sponsors, keeper bots, claimants, the guardian and the owner call on a
/// rewards child diamond
/// @notice The external surface of `MerkleRewardsFacet`, the types the keeper encodes, and the events
/// and errors it can observe. Enums are `uint8` on the wire. Amounts are in the campaign's reward
/// token base units; times are unix seconds (`block.timestamp`).
///
/// Leaves are OpenZeppelin `StandardMerkleTree` (`standard-v1`) leaves over
/// `(uint256 campaignId, address account, uint256 cumulativeAmount)`:
/// `keccak256(bytes.concat(keccak256(abi.encode(campaignId, account, cumulativeAmount))))`,
/// pairs hashed sorted, as `MerkleProof` verifies them.
interface IMerkleRewards {
    /// @notice What the keeper measures to split a campaign's rewards (the contract only records it).
    /// @param SwapVolume Each account's swap volume through the pool during the epoch.
    /// @param InRangeLiquidity Each account's liquidity in range of the pool's price, over time.
    enum Metric {
        SwapVolume,
        InRangeLiquidity
    }

    /// @notice A reward campaign.
    /// @param sponsor Who funded it; the only one who may withdraw the leftover.
    /// @param pool The pool whose market making is rewarded (the keeper reads it; nothing here trades).
    /// @param rewardToken The token paid out.
    /// @param start First second of epoch 1.
    /// @param end First second after the last epoch (the last epoch may be shorter than the others).
    /// @param epochLength Seconds per epoch.
    /// @param metric How the keeper splits the rewards.
    /// @param closed True once the sponsor withdrew the leftover; no claim is paid after that.
    /// @param funded What the diamond actually received when the campaign was created.
    /// @param claimed What has been paid out to all accounts together.
    /// @param lastEpoch The latest epoch a root was posted for (possibly revoked); 0 = none.
    struct Campaign {
        address sponsor;
        address pool;
        address rewardToken;
        uint64 start;
        uint64 end;
        uint32 epochLength;
        Metric metric;
        bool closed;
        uint256 funded;
        uint256 claimed;
        uint32 lastEpoch;
    }

    /// @notice The root posted for one epoch of a campaign.
    /// @param root Merkle root of every account's cumulative entitlement up to and including the epoch.
    /// @param contentHash Hash of the published tree (allocations and proofs), for the guardian and
    /// claimants to check what the root commits to; not interpreted here.
    /// @param totalAllocated Sum of every account's cumulative entitlement: at most the campaign's
    /// funding, at least the previous non-revoked root's total, and a hard cap on what claims against
    /// this root may pay out in total.
    /// @param claimableAt When the root becomes claimable (posting time + the root timelock).
    /// @param revoked True if the guardian or the owner revoked it while it was pending.
    struct EpochRoot {
        bytes32 root;
        bytes32 contentHash;
        uint256 totalAllocated;
        uint64 claimableAt;
        bool revoked;
    }

    /// @notice One claim of a `claimMany` batch (the arguments of `claim`).
    struct ClaimRequest {
        uint256 campaignId;
        address account;
        uint256 cumulativeAmount;
        bytes32[] proof;
    }

    /// @notice Emitted when `sponsor` creates and funds a campaign. `funded` is what arrived;
    /// `claimGracePeriod` is the grace period in force at creation, which fixes when the sponsor may
    /// withdraw the leftover (`end + claimGracePeriod`).
    event CampaignCreated(
        uint256 indexed campaignId,
        address indexed sponsor,
        address indexed pool,
        address rewardToken,
        uint256 funded,
        uint64 start,
        uint64 end,
        uint32 epochLength,
        Metric metric,
        uint64 claimGracePeriod
    );
    /// @notice Emitted when a keeper bot posts (or re-posts, after a revoke) the root of `epoch`.
    event RootPosted(
        uint256 indexed campaignId,
        uint32 indexed epoch,
        bytes32 root,
        uint256 totalAllocated,
        bytes32 contentHash,
        uint64 claimableAt
    );
    /// @notice Emitted when the guardian or the owner (`by`) revokes a pending root.
    event RootRevoked(uint256 indexed campaignId, uint32 indexed epoch, bytes32 root, address by);
    /// @notice Emitted for every paid claim: `amount` sent to `account`, whose cumulative claimed total
    /// is now `cumulativeAmount`.
    event Claimed(uint256 indexed campaignId, address indexed account, uint256 amount, uint256 cumulativeAmount);
    /// @notice Emitted when the sponsor takes back what was not claimed and the campaign closes.
    event LeftoverWithdrawn(uint256 indexed campaignId, address indexed sponsor, uint256 amount);
    /// @notice Emitted when the owner changes the root timelock or the claim grace period.
    event RewardsConfigChanged(uint64 rootTimelock, uint64 claimGracePeriod);

    /// @notice No campaign has this id.
    error UnknownCampaign(uint256 campaignId);
    /// @notice A campaign must be funded with a non-zero amount.
    error ZeroAmount();
    /// @notice `start` must be before `end`, `epochLength` non-zero, and the epochs at most 2^32 - 1.
    error InvalidSchedule(uint64 start, uint64 end, uint32 epochLength);
    /// @notice A campaign must end in the future.
    error EndNotInFuture(uint64 end, uint256 timestamp);
    /// @notice The campaign's pool must be a contract.
    error InvalidPool(address pool);
    /// @notice The reward token must be a contract.
    error InvalidRewardToken(address rewardToken);
    /// @notice Pulling `amount` of `rewardToken` left the diamond's balance where it was (or lower).
    error FundingNotReceived(address rewardToken, uint256 amount);
    /// @notice The sponsor withdrew the leftover: the campaign takes no roots and pays no claims.
    error CampaignClosed(uint256 campaignId);
    /// @notice A root of zero commits to nothing.
    error ZeroRoot();
    /// @notice Roots are posted in order: `lastEpoch + 1`, or `lastEpoch` again when its root was revoked.
    error EpochOutOfOrder(uint256 campaignId, uint32 epoch, uint32 lastEpoch);
    /// @notice The campaign has only `epochCount` epochs.
    error EpochBeyondCampaign(uint256 campaignId, uint32 epoch, uint32 epochCount);
    /// @notice The epoch runs until `endsAt`; its root can be posted from then on.
    error EpochNotEnded(uint256 campaignId, uint32 epoch, uint64 endsAt);
    /// @notice A root may not allocate more than the campaign's funding.
    error AllocationExceedsFunding(uint256 campaignId, uint256 totalAllocated, uint256 funded);
    /// @notice Entitlements are cumulative: a root's total may not be below the previous non-revoked root's.
    error AllocationDecreased(uint256 campaignId, uint256 totalAllocated, uint256 previousTotal);
    /// @notice No root was posted for that epoch.
    error RootNotFound(uint256 campaignId, uint32 epoch);
    /// @notice The root was already revoked.
    error RootAlreadyRevoked(uint256 campaignId, uint32 epoch);
    /// @notice Only a pending root can be revoked; this one became claimable at `claimableAt`.
    error RootNotPending(uint256 campaignId, uint32 epoch, uint64 claimableAt);
    /// @notice The campaign has no root past its timelock that was not revoked.
    error NoClaimableRoot(uint256 campaignId);
    /// @notice The proof does not show `(campaignId, account, cumulativeAmount)` in the claimable root.
    error InvalidProof(uint256 campaignId, address account, uint256 cumulativeAmount);
    /// @notice `account` has already been paid `alreadyClaimed`, at least `cumulativeAmount`.
    error NothingToClaim(uint256 campaignId, address account, uint256 cumulativeAmount, uint256 alreadyClaimed);
    /// @notice Paying `amount` would take the campaign's claims past the claimable root's total (or the
    /// funding); only `available` is left.
    error ClaimExceedsAllocation(uint256 campaignId, uint256 amount, uint256 available);
    /// @notice `claimMany` needs at least one claim.
    error EmptyClaims();
    /// @notice Only the campaign's sponsor may withdraw its leftover.
    error NotSponsor(uint256 campaignId, address caller);
    /// @notice The leftover can be withdrawn from `withdrawableAt` (end + the campaign's grace period).
    error ClaimWindowOpen(uint256 campaignId, uint256 withdrawableAt);
    /// @notice The timelock must be within [10 minutes, 7 days] and the grace period within
    /// [7 days, 365 days].
    error InvalidRewardsConfig(uint64 rootTimelock, uint64 claimGracePeriod);

    /// @notice Creates a campaign funded by the caller (`LibContext.msgSender()`, so it may be relayed),
    /// pulling `amount` of `rewardToken` (approve the diamond first) and booking what arrived (at most
    /// 2^128 - 1; more reverts with SafeCast's error). Anyone, while the child is not paused. The start
    /// may be in the past, the end may not. Ids start at 1.
    function createCampaign(
        address pool,
        address rewardToken,
        uint256 amount,
        uint64 start,
        uint64 end,
        uint32 epochLength,
        Metric metric
    ) external returns (uint256 campaignId);

    /// @notice Posts the cumulative root of `epoch`, claimable after the root timelock. Allowed keeper
    /// bots only, while the child is not paused.
    function postRoot(uint256 campaignId, uint32 epoch, bytes32 root, uint256 totalAllocated, bytes32 contentHash)
        external;

    /// @notice Revokes the pending root of `epoch`. The guardian or the owner, only before it is
    /// claimable; works while paused.
    function revokeRoot(uint256 campaignId, uint32 epoch) external;

    /// @notice Pays `account` its `cumulativeAmount` less what it was already paid, proven against the
    /// claimable root. Anyone may trigger it; the tokens always go to `account`.
    function claim(uint256 campaignId, address account, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        returns (uint256 paid);

    /// @notice `claim` for each request, all or nothing; returns the sum paid (one amount only when the
    /// campaigns share a reward token).
    function claimMany(ClaimRequest[] calldata claims) external returns (uint256 paid);

    /// @notice Sends the sponsor what was not claimed and closes the campaign. The sponsor only, from
    /// `end + claimGracePeriod` on.
    function withdrawLeftover(uint256 campaignId) external returns (uint256 amount);

    /// @notice Sets the root timelock (for roots posted from now on) and the claim grace period (for
    /// campaigns created from now on). Owner only.
    function setRewardsConfig(uint64 rootTimelock, uint64 claimGracePeriod) external;

    /// @notice The campaign (all zero if `campaignId` was never created).
    function campaign(uint256 campaignId) external view returns (Campaign memory);

    /// @notice The root posted for `epoch` (all zero if none).
    function epochRoot(uint256 campaignId, uint32 epoch) external view returns (EpochRoot memory);

    /// @notice The root claims are verified against now: the latest non-revoked root past its timelock,
    /// with its epoch; epoch 0 and an empty root if there is none.
    function claimableRoot(uint256 campaignId) external view returns (uint32 epoch, EpochRoot memory);

    /// @notice What `account` has been paid by the campaign so far (its cumulative claimed amount).
    function claimed(uint256 campaignId, address account) external view returns (uint256);

    /// @notice The number of campaigns created (the latest id).
    function campaignCount() external view returns (uint256);

    /// @notice The effective root timelock and claim grace period (the defaults, 1 hour and 30 days,
    /// until the owner sets them).
    function rewardsConfig() external view returns (uint64 rootTimelock, uint64 claimGracePeriod);

    /// @notice The number of epochs from start to end, the last possibly shorter (0 for an unknown id).
    function epochCount(uint256 campaignId) external view returns (uint32);
}
