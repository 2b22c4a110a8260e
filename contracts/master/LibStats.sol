// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IMaster} from "../interfaces/IMaster.sol";

/// @title LibStats
/// @notice The master diamond's trade statistics, in its own namespaced storage, aggregated per
/// (child, token) and per (keeper bot, token) from what children report.
library LibStats {
    /// @custom:storage-location erc7201:lapidary.master.stats
    struct Layout {
        mapping(address child => mapping(address token => IMaster.Stats)) byChild;
        mapping(address bot => mapping(address token => IMaster.Stats)) byBot;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.master.stats")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xbe0ce87d8352cb1c39b4c6dbc938f8a0690a9ec145904bd2068a3f2f20850a00;

    /// @notice Emitted for every trade reported by a child.
    event TradeReported(
        address indexed child, address indexed bot, address indexed token, uint256 volume, int256 profit
    );

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice Adds one trade to the statistics of `child` and of `bot` in `token`.
    function record(address child, address bot, address token, uint256 volume, int256 profit) internal {
        Layout storage l = layout();
        _add(l.byChild[child][token], volume, profit);
        _add(l.byBot[bot][token], volume, profit);
        emit TradeReported(child, bot, token, volume, profit);
    }

    function _add(IMaster.Stats storage stats, uint256 volume, int256 profit) private {
        ++stats.trades;
        stats.volume += volume;
        stats.realizedProfit += profit;
    }
}
