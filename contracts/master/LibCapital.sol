// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LibCapital
/// @notice The master diamond's capital bookkeeping, in its own namespaced storage: the reserve
/// ratio, per (child, token) allocation cap and allocated amount, per token total allocated, and per
/// child the number of tokens it still holds an allocation in (so the registry can refuse to drop a
/// child that holds capital without scanning tokens).
/// @dev The treasury itself is not stored: it is the master's own token balance.
library LibCapital {
    /// @notice The denominator of basis-point ratios.
    uint256 internal constant BPS = 10_000;

    /// @param cap Most that may be allocated to the child in the token.
    /// @param amount What is allocated now (principal sent and not yet returned).
    struct Allocation {
        uint256 cap;
        uint256 amount;
    }

    /// @custom:storage-location erc7201:lapidary.master.capital
    struct Layout {
        uint16 reserveBps;
        mapping(address child => mapping(address token => Allocation)) allocations;
        mapping(address token => uint256) totalAllocated;
        mapping(address child => uint256) outstandingTokens;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.master.capital")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x91718ea10b961d73962d6626766e2e5a9070dcbaf8e141b7a46415d62a64eb00;

    /// @notice Emitted when the reserve ratio changes.
    event ReserveRatioChanged(uint16 previousBps, uint16 newBps);

    /// @notice A ratio above 100% (10_000 bps).
    error InvalidReserveRatio(uint16 bps);

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice Sets the share of each token's total capital (treasury plus allocations), in basis
    /// points, that must stay in the treasury after an allocation.
    function setReserveRatio(uint16 bps) internal {
        if (bps > BPS) revert InvalidReserveRatio(bps);
        Layout storage l = layout();
        emit ReserveRatioChanged(l.reserveBps, bps);
        l.reserveBps = bps;
    }

    /// @notice How many tokens `child` still has a non-zero allocation in.
    function outstandingTokenCount(address child) internal view returns (uint256) {
        return layout().outstandingTokens[child];
    }

    /// @notice Books `amount` of `token` as allocated to `child`.
    function recordAllocation(address child, address token, uint256 amount) internal {
        Layout storage l = layout();
        Allocation storage allocation = l.allocations[child][token];
        if (allocation.amount == 0 && amount != 0) ++l.outstandingTokens[child];
        allocation.amount += amount;
        l.totalAllocated[token] += amount;
    }

    /// @notice Books `amount` of `token` as returned by `child`. Only the part up to the current
    /// allocation reduces it; the rest is profit.
    /// @return principal The part of `amount` that reduced the allocation.
    function recordReturn(address child, address token, uint256 amount) internal returns (uint256 principal) {
        Layout storage l = layout();
        Allocation storage allocation = l.allocations[child][token];
        uint256 current = allocation.amount;
        principal = amount < current ? amount : current;
        if (principal == 0) return 0;
        allocation.amount = current - principal;
        l.totalAllocated[token] -= principal;
        if (principal == current) --l.outstandingTokens[child];
    }
}
