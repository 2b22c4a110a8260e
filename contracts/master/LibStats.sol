// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IChildStats} from "../interfaces/IChildStats.sol";
import {IMaster} from "../interfaces/IMaster.sol";

/// @title LibStats
/// @notice The master diamond's trade statistics, aggregated on read: every child keeps its own
/// per-(bot, token) totals, written in the trade's transaction (IChildStats), and the master sums
/// them over every child it ever registered. What the master stores is only that list, in its own
/// namespaced storage, appended once per child when it is first registered: a trade costs the master
/// nothing, and a removed child's figures stay in the sums (it keeps its storage, and removal stops
/// it trading, see ChildRegistryFacet).
library LibStats {
    /// @custom:storage-location erc7201:lapidary.master.stats
    struct Layout {
        address[] children; // every child ever registered, in order of first registration
        mapping(address child => bool) known;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.master.stats")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xbe0ce87d8352cb1c39b4c6dbc938f8a0690a9ec145904bd2068a3f2f20850a00;

    /// @notice Emitted when `child` first joins the statistics (its first registration).
    event ChildStatsTracked(address indexed child);

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice Adds `child` to the children summed on read, once.
    function track(address child) internal {
        Layout storage l = layout();
        if (l.known[child]) return;
        l.known[child] = true;
        l.children.push(child);
        emit ChildStatsTracked(child);
    }

    /// @notice The totals of `child` in `token` (zero for an address never registered).
    function ofChild(address child, address token) internal view returns (IMaster.Stats memory) {
        if (!layout().known[child]) return IMaster.Stats({trades: 0, volume: 0, realizedProfit: 0});
        return IChildStats(child).tradeStats(token);
    }

    /// @notice The totals of keeper `bot` in `token`, summed over every child ever registered, in 256 bits.
    function ofBot(address bot, address token) internal view returns (IMaster.Stats memory total) {
        address[] storage children = layout().children;
        uint256 count = children.length;
        for (uint256 i = 0; i < count; ++i) {
            IMaster.Stats memory s = IChildStats(children[i]).botTradeStats(bot, token);
            total.trades += s.trades;
            total.volume += s.volume;
            total.realizedProfit += s.realizedProfit;
        }
    }
}
