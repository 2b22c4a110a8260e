// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {LibOwnership} from "../diamond/LibOwnership.sol";
import {IMerkleRewards} from "../interfaces/IMerkleRewards.sol";
import {LibContext} from "../libraries/LibContext.sol";
import {LibGuardian} from "../libraries/LibGuardian.sol";
import {LibRisk} from "../libraries/LibRisk.sol";
import {LibMerkleRewards} from "./LibMerkleRewards.sol";

/// @title MerkleRewardsFacet
/// @notice Market-making reward campaigns on a rewards child diamond. A sponsor escrows reward tokens
/// for a pool over a schedule of epochs; after each epoch a keeper bot measures every account's
/// contribution off chain (swap volume or in-range liquidity, the campaign's `metric`) and posts a
/// merkle root of every account's cumulative entitlement so far; after a timelock, during which the
/// guardian can revoke a bad root, accounts claim with a proof. After the campaign ends and its grace
/// period passes, the sponsor takes back what was not claimed and the campaign closes.
///
/// Schedule: epoch `e` (1-based) covers `[start + (e - 1) * epochLength, min(start + e * epochLength,
/// end))`; there are `ceil((end - start) / epochLength)` epochs, the last possibly shorter.
///
/// Roots are cumulative: the root of epoch `e` commits each account's total entitlement from the
/// start through epoch `e`, and claims are always verified against one root, the claimable root (the
/// latest one that was not revoked and is past its timelock). A claim pays `cumulativeAmount` less
/// what the account was already paid, so an account may claim after any epoch, or once at the end,
/// and never twice for the same entitlement. Leaves are OpenZeppelin `StandardMerkleTree`
/// (`standard-v1`) leaves over `(uint256 campaignId, address account, uint256 cumulativeAmount)`.
///
/// Who may call what:
/// - `createCampaign`: anyone, while the child is not paused. The sponsor is `LibContext.msgSender()`
///   (the signer when relayed by the diamond's gasless relay), who must have approved the diamond.
///   What arrives is what is booked (`funded`): a fee-on-transfer token funds less than `amount`.
/// - `postRoot`: keeper bots allowed in RiskFacet (`LibRisk.requireBot`), while the child is not
///   paused, in epoch order, only once the epoch has ended, with a total between the previous
///   non-revoked root's total and the funding.
/// - `revokeRoot`: the child's guardian or the owner, only while the root is pending (before
///   `claimableAt`), also while paused. The keeper then posts that epoch again.
/// - `claim`, `claimMany`: anyone, for any account (the tokens always go to the account), while the
///   child is not paused and the campaign is not closed.
/// - `withdrawLeftover`: the campaign's sponsor (`LibContext.msgSender()`), while the child is not
///   paused, from `end + claimGracePeriod` on. This is a forfeiture: it sends `funded - claimed` to
///   the sponsor and closes the campaign, and every entitlement not claimed by then is lost (later
///   claims revert `CampaignClosed`). Claims stay open after `end + claimGracePeriod` until the
///   sponsor actually withdraws.
/// - `setRewardsConfig`: the owner. The root timelock applies to roots posted afterwards; the grace
///   period to campaigns created afterwards (each campaign keeps the one in force at its creation,
///   reported in `CampaignCreated`). Until set, the defaults hold: 1 hour and 30 days (stored as zero).
/// - The views: anyone.
///
/// @dev Security considerations:
/// - The keeper bots are trusted to post correct roots; the facet only bounds the damage of a wrong
///   one. A root cannot allocate more than the campaign's funding, cannot lower the total of an earlier
///   root, and claims against it can never pay out more than its `totalAllocated` in total (nor the
///   funding), even if its leaves promise more: claims are then paid first come, first served, and the
///   rest revert `ClaimExceedsAllocation`. Within its total a bad root can still pay the wrong accounts.
///   The timelock is the window in which the guardian must check each `RootPosted` root against the
///   published tree (`contentHash`) and revoke it; once claimable, a root cannot be revoked, only
///   superseded by a later one (or stopped by pausing the child).
/// - Claims follow checks-effects-interactions and every function that moves tokens is
///   `nonReentrant` (OpenZeppelin's transient guard, one slot shared by every facet of the diamond
///   using it): a reward token that calls back on transfer cannot be paid twice, and a funding
///   transfer cannot re-enter to be booked twice. A relay facet must not hold that guard while it
///   calls the diamond, or these functions revert.
/// - Tokens: fee-on-transfer tokens are booked at what arrives, but a fee on payout makes claimants
///   receive less than their entitlement. Rebasing tokens are not supported: the escrow is accounted in
///   fixed amounts. All campaigns share the diamond's balance of a token; each campaign only pays out
///   of its own `funded`, so one campaign cannot drain another's escrow.
/// - The escrow is held by the child diamond, so whoever controls the diamond controls it: the owner
///   (who can cut any function), the master (`returnCapital`) and the guardian (`emergencyWithdraw`,
///   to the master's treasury) can move reward tokens without this facet's bookkeeping noticing;
///   claims and withdrawals then revert on the transfer. Sponsors and claimants trust the operator.
/// - Pausing the child (or the master) stops creating, posting, claiming and withdrawing; revoking
///   still works. Time is `block.timestamp`, which block builders can skew by seconds.
/// - A claim reads the latest root's claimable time and revoked flag from the campaign's first word
///   and, when that root is claimable, nothing else of the roots but the root itself. While it is
///   pending or revoked, finding the claimable root walks down from the epoch before it over roots
///   that are pending or revoked, so a claim costs more then, and more still while several roots are
///   pending at once (a keeper catching up on many ended epochs). Only bots post and only the
///   guardian or the owner revoke, so nobody else can lengthen that walk.
/// - A claim against the latest root is capped by `min(totalAllocated, funded)` as checked when the
///   root was posted (kept in the campaign's claim word); against an earlier root, by that root's
///   stored total and the funding, read at claim time.
/// - `paid` from `claimMany` adds amounts of different tokens when the claims span campaigns with
///   different reward tokens; use the `Claimed` events for per-token amounts.
contract MerkleRewardsFacet is IMerkleRewards, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- sponsors

    /// @inheritdoc IMerkleRewards
    function createCampaign(
        address pool,
        address rewardToken,
        uint256 amount,
        uint64 start,
        uint64 end,
        uint32 epochLength,
        Metric metric
    ) external nonReentrant returns (uint256 campaignId) {
        LibGuardian.requireNotPaused();
        if (amount == 0) revert ZeroAmount();
        bool validSchedule = start < end && epochLength != 0
            && LibMerkleRewards.epochCount(start, end, epochLength) <= type(uint32).max;
        if (!validSchedule) revert InvalidSchedule(start, end, epochLength);
        if (end <= block.timestamp) revert EndNotInFuture(end, block.timestamp);
        if (pool.code.length == 0) revert InvalidPool(pool);
        if (rewardToken.code.length == 0) revert InvalidRewardToken(rewardToken);

        address sponsor = LibContext.msgSender();
        uint128 funded = SafeCast.toUint128(_pull(IERC20(rewardToken), sponsor, amount));

        LibMerkleRewards.Layout storage l = LibMerkleRewards.layout();
        (, uint64 claimGracePeriod) = LibMerkleRewards.config(l);
        campaignId = ++l.campaignCount;
        l.campaigns[campaignId] = LibMerkleRewards.CampaignData({
            rewardToken: rewardToken,
            lastEpoch: 0,
            lastClaimableAt: 0,
            lastRevoked: false,
            closed: false,
            metric: metric,
            claimed: 0,
            lastCap: 0,
            sponsor: sponsor,
            start: start,
            epochLength: epochLength,
            pool: pool,
            end: end,
            claimGracePeriod: uint32(claimGracePeriod), // at most 365 days
            funded: funded
        });
        emit CampaignCreated(
            campaignId, sponsor, pool, rewardToken, funded, start, end, epochLength, metric, claimGracePeriod
        );
    }

    /// @inheritdoc IMerkleRewards
    /// @dev Forfeits every entitlement not claimed yet, including any a pending root would grant.
    function withdrawLeftover(uint256 campaignId) external nonReentrant returns (uint256 amount) {
        LibGuardian.requireNotPaused();
        LibMerkleRewards.CampaignData storage c = _campaign(LibMerkleRewards.layout(), campaignId);
        address caller = LibContext.msgSender();
        if (caller != c.sponsor) revert NotSponsor(campaignId, caller);
        if (c.closed) revert CampaignClosed(campaignId);
        uint256 withdrawableAt = uint256(c.end) + c.claimGracePeriod;
        if (block.timestamp < withdrawableAt) revert ClaimWindowOpen(campaignId, withdrawableAt);

        amount = c.funded - c.claimed;
        c.closed = true;
        emit LeftoverWithdrawn(campaignId, caller, amount);
        if (amount != 0) IERC20(c.rewardToken).safeTransfer(caller, amount);
    }

    // ---------------------------------------------------------------- keeper bots

    /// @inheritdoc IMerkleRewards
    /// @dev `epoch` must be `lastEpoch + 1`, or `lastEpoch` when that epoch's root was revoked (a
    /// re-post, which replaces it). A revoked epoch that is not re-posted (one below `lastEpoch`, or a
    /// revoked last one the keeper skips by posting the next) stays revoked: the next cumulative root
    /// covers it, and its total no longer binds the next one.
    function postRoot(uint256 campaignId, uint32 epoch, bytes32 root, uint256 totalAllocated, bytes32 contentHash)
        external
    {
        LibRisk.requireBot(msg.sender);
        LibGuardian.requireNotPaused();
        LibMerkleRewards.Layout storage l = LibMerkleRewards.layout();
        LibMerkleRewards.CampaignData storage c = _campaign(l, campaignId);
        if (c.closed) revert CampaignClosed(campaignId);
        if (root == bytes32(0)) revert ZeroRoot();

        _checkEpoch(l, c, campaignId, epoch);
        _checkTotal(l, c, campaignId, epoch, totalAllocated);

        (uint64 rootTimelock,) = LibMerkleRewards.config(l);
        uint64 claimableAt = uint64(block.timestamp) + rootTimelock;
        l.roots[campaignId][epoch] = LibMerkleRewards.RootData({
            root: root,
            contentHash: contentHash,
            totalAllocated: uint128(totalAllocated), // at most funded, which fits 128 bits
            claimableAt: claimableAt,
            revoked: false
        });
        // The posted epoch is the last one from now on (a re-post replaces the revoked last one): the
        // campaign's first two words mirror what a claim needs of it, so a claim reads no status word.
        c.lastEpoch = epoch;
        c.lastClaimableAt = uint40(claimableAt); // block.timestamp + at most 7 days
        c.lastRevoked = false;
        c.lastCap = uint128(totalAllocated); // at most funded (checked above)
        emit RootPosted(campaignId, epoch, root, totalAllocated, contentHash, claimableAt);
    }

    // ---------------------------------------------------------------- guardian

    /// @inheritdoc IMerkleRewards
    function revokeRoot(uint256 campaignId, uint32 epoch) external {
        LibGuardian.enforceIsGuardianOrOwner();
        LibMerkleRewards.Layout storage l = LibMerkleRewards.layout();
        _campaign(l, campaignId);
        LibMerkleRewards.RootData storage r = l.roots[campaignId][epoch];
        bytes32 root = r.root;
        if (root == bytes32(0)) revert RootNotFound(campaignId, epoch);
        if (r.revoked) revert RootAlreadyRevoked(campaignId, epoch);
        uint64 claimableAt = r.claimableAt;
        if (block.timestamp >= claimableAt) revert RootNotPending(campaignId, epoch, claimableAt);
        r.revoked = true;
        // Claims read the last root's revoked flag from the campaign's first word, not this root's.
        LibMerkleRewards.CampaignData storage c = l.campaigns[campaignId];
        if (epoch == c.lastEpoch) c.lastRevoked = true;
        emit RootRevoked(campaignId, epoch, root, msg.sender);
    }

    // ---------------------------------------------------------------- claimants

    /// @inheritdoc IMerkleRewards
    function claim(uint256 campaignId, address account, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 paid)
    {
        LibGuardian.requireNotPaused();
        return _claim(LibMerkleRewards.layout(), campaignId, account, cumulativeAmount, proof);
    }

    /// @inheritdoc IMerkleRewards
    /// @dev One failing claim reverts the batch, so an account listed twice for the same campaign
    /// reverts it (`NothingToClaim`).
    function claimMany(ClaimRequest[] calldata claims) external nonReentrant returns (uint256 paid) {
        LibGuardian.requireNotPaused();
        uint256 count = claims.length;
        if (count == 0) revert EmptyClaims();
        LibMerkleRewards.Layout storage l = LibMerkleRewards.layout();
        for (uint256 i = 0; i < count; ++i) {
            ClaimRequest calldata request = claims[i];
            paid += _claim(l, request.campaignId, request.account, request.cumulativeAmount, request.proof);
        }
    }

    // ---------------------------------------------------------------- owner

    /// @inheritdoc IMerkleRewards
    function setRewardsConfig(uint64 rootTimelock, uint64 claimGracePeriod) external {
        LibOwnership.enforceIsOwner();
        if (
            rootTimelock < LibMerkleRewards.MIN_ROOT_TIMELOCK || rootTimelock > LibMerkleRewards.MAX_ROOT_TIMELOCK
                || claimGracePeriod < LibMerkleRewards.MIN_CLAIM_GRACE_PERIOD
                || claimGracePeriod > LibMerkleRewards.MAX_CLAIM_GRACE_PERIOD
        ) revert InvalidRewardsConfig(rootTimelock, claimGracePeriod);
        LibMerkleRewards.Layout storage l = LibMerkleRewards.layout();
        l.rootTimelock = rootTimelock;
        l.claimGracePeriod = claimGracePeriod;
        emit RewardsConfigChanged(rootTimelock, claimGracePeriod);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IMerkleRewards
    function campaign(uint256 campaignId) external view returns (Campaign memory) {
        return LibMerkleRewards.toCampaign(LibMerkleRewards.layout().campaigns[campaignId]);
    }

    /// @inheritdoc IMerkleRewards
    function epochRoot(uint256 campaignId, uint32 epoch) external view returns (EpochRoot memory) {
        return LibMerkleRewards.toEpochRoot(LibMerkleRewards.layout().roots[campaignId][epoch]);
    }

    /// @inheritdoc IMerkleRewards
    function claimableRoot(uint256 campaignId) external view returns (uint32 epoch, EpochRoot memory root) {
        LibMerkleRewards.Layout storage l = LibMerkleRewards.layout();
        (uint32 found, LibMerkleRewards.RootData storage r) =
            LibMerkleRewards.claimableRoot(l, campaignId, l.campaigns[campaignId].lastEpoch);
        return (found, LibMerkleRewards.toEpochRoot(r));
    }

    /// @inheritdoc IMerkleRewards
    function claimed(uint256 campaignId, address account) external view returns (uint256) {
        return LibMerkleRewards.layout().claimed[campaignId][account];
    }

    /// @inheritdoc IMerkleRewards
    function campaignCount() external view returns (uint256) {
        return LibMerkleRewards.layout().campaignCount;
    }

    /// @inheritdoc IMerkleRewards
    function rewardsConfig() external view returns (uint64 rootTimelock, uint64 claimGracePeriod) {
        return LibMerkleRewards.config(LibMerkleRewards.layout());
    }

    /// @inheritdoc IMerkleRewards
    function epochCount(uint256 campaignId) external view returns (uint32) {
        LibMerkleRewards.CampaignData storage c = LibMerkleRewards.layout().campaigns[campaignId];
        uint32 epochLength = c.epochLength;
        if (epochLength == 0) return 0;
        return uint32(LibMerkleRewards.epochCount(c.start, c.end, epochLength)); // checked at creation
    }

    // ---------------------------------------------------------------- internals

    /// @dev The campaign `campaignId`; reverts `UnknownCampaign` if it was never created (every
    /// created campaign has a reward token with code, so a zero token means none).
    function _campaign(LibMerkleRewards.Layout storage l, uint256 campaignId)
        private
        view
        returns (LibMerkleRewards.CampaignData storage c)
    {
        c = l.campaigns[campaignId];
        if (c.rewardToken == address(0)) revert UnknownCampaign(campaignId);
    }

    /// @dev Reverts unless `epoch` is the next one to post (or a revoked last one to re-post), within
    /// the campaign, and over.
    function _checkEpoch(
        LibMerkleRewards.Layout storage l,
        LibMerkleRewards.CampaignData storage c,
        uint256 campaignId,
        uint32 epoch
    ) private view {
        uint32 lastEpoch = c.lastEpoch;
        bool repost = epoch == lastEpoch && l.roots[campaignId][epoch].revoked; // roots[0] is never revoked
        if (!repost && uint256(epoch) != uint256(lastEpoch) + 1) revert EpochOutOfOrder(campaignId, epoch, lastEpoch);
        uint256 count = LibMerkleRewards.epochCount(c.start, c.end, c.epochLength);
        if (epoch > count) revert EpochBeyondCampaign(campaignId, epoch, uint32(count));
        uint64 endsAt = LibMerkleRewards.epochEnd(c, epoch);
        if (block.timestamp < endsAt) revert EpochNotEnded(campaignId, epoch, endsAt);
    }

    /// @dev Reverts unless `totalAllocated` is within the funding and not below the total of the latest
    /// non-revoked root before `epoch` (entitlements are cumulative). `epoch` is at least 1.
    function _checkTotal(
        LibMerkleRewards.Layout storage l,
        LibMerkleRewards.CampaignData storage c,
        uint256 campaignId,
        uint32 epoch,
        uint256 totalAllocated
    ) private view {
        uint256 funded = c.funded;
        if (totalAllocated > funded) revert AllocationExceedsFunding(campaignId, totalAllocated, funded);
        (, LibMerkleRewards.RootData storage previous) = LibMerkleRewards.latestValidRoot(l, campaignId, epoch - 1);
        uint256 previousTotal = previous.totalAllocated;
        if (totalAllocated < previousTotal) revert AllocationDecreased(campaignId, totalAllocated, previousTotal);
    }

    /// @dev Pulls `amount` from `from` and returns what the diamond's balance actually grew by.
    function _pull(IERC20 token, address from, uint256 amount) private returns (uint256 received) {
        uint256 balanceBefore = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        uint256 balanceAfter = token.balanceOf(address(this));
        if (balanceAfter <= balanceBefore) revert FundingNotReceived(address(token), amount);
        return balanceAfter - balanceBefore;
    }

    /// @dev One claim: verify against the claimable root, cap by its total and the funding, book, pay.
    function _claim(
        LibMerkleRewards.Layout storage l,
        uint256 campaignId,
        address account,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) private returns (uint256 amount) {
        LibMerkleRewards.CampaignData storage c = l.campaigns[campaignId];
        (address rewardToken, bytes32 root, uint256 cap) = _claimable(l, c, campaignId);
        if (!MerkleProof.verifyCalldata(proof, root, LibMerkleRewards.leaf(campaignId, account, cumulativeAmount))) {
            revert InvalidProof(campaignId, account, cumulativeAmount);
        }

        uint256 alreadyClaimed = l.claimed[campaignId][account];
        if (cumulativeAmount <= alreadyClaimed) {
            revert NothingToClaim(campaignId, account, cumulativeAmount, alreadyClaimed);
        }
        amount = cumulativeAmount - alreadyClaimed;
        uint256 claimedTotal = c.claimed;
        uint256 available = Math.saturatingSub(cap, claimedTotal);
        if (amount > available) revert ClaimExceedsAllocation(campaignId, amount, available);

        l.claimed[campaignId][account] = cumulativeAmount;
        c.claimed = uint128(claimedTotal + amount); // at most funded, which fits 128 bits
        emit Claimed(campaignId, account, amount, cumulativeAmount);
        IERC20(rewardToken).safeTransfer(account, amount);
    }

    /// @dev The reward token, the claimable root and what claims against it may pay in total (its
    /// total, at most the funding). The common case, the latest root claimable, reads the campaign's
    /// first word, the latest root and (in the caller) the claim word; otherwise the claimable root is
    /// found by walking down the roots' status words. Reverts for an unknown or closed campaign and
    /// when no root is claimable.
    function _claimable(LibMerkleRewards.Layout storage l, LibMerkleRewards.CampaignData storage c, uint256 campaignId)
        private
        view
        returns (address rewardToken, bytes32 root, uint256 cap)
    {
        uint32 epoch;
        uint40 lastClaimableAt;
        bool lastRevoked;
        bool closed;
        (rewardToken, epoch, lastClaimableAt, lastRevoked, closed) = LibMerkleRewards.header(c);
        if (rewardToken == address(0)) revert UnknownCampaign(campaignId);
        if (closed) revert CampaignClosed(campaignId);
        if (epoch != 0 && !lastRevoked && lastClaimableAt <= block.timestamp) {
            return (rewardToken, l.roots[campaignId][epoch].root, c.lastCap);
        }
        if (epoch == 0) revert NoClaimableRoot(campaignId);
        LibMerkleRewards.RootData storage r;
        (epoch, r) = LibMerkleRewards.claimableRoot(l, campaignId, epoch - 1);
        if (epoch == 0) revert NoClaimableRoot(campaignId);
        return (rewardToken, r.root, Math.min(r.totalAllocated, c.funded));
    }
}
