// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMaster} from "../interfaces/IMaster.sol";

/// @title LibStats
/// @notice The master diamond's trade statistics, in its own namespaced storage, aggregated per
/// (child, token) and per (keeper bot, token) from what children report. Each total is one storage
/// word (`Totals`), so a report reads and writes two words.
library LibStats {
    /// @notice One (child or bot, token) total, packed in one slot. Every sum is checked: a report
    /// that would take a field past its width reverts (SafeCast's errors, with the value), never wraps.
    /// @param trades Number of trades: 4.29e9, one per block for 1,600 years.
    /// @param volume Sum of notional volumes: up to 1.3e36 base units, i.e. 1.3e18 whole tokens of
    /// an 18-decimal token (a thousand times the supply of the largest meme tokens).
    /// @param realizedProfit Sum of profits, signed: up to +/-1.0e31 base units, i.e. 1.0e13 whole
    /// tokens of an 18-decimal token. Profit gets the width `volume` can spare rather than an even
    /// split: with 96 bits, a bot earning a few percent of a 1e15-supply token's volume would
    /// exhaust it (4e10 whole tokens) and have every later report, and so every trade, revert.
    struct Totals {
        uint32 trades;
        uint120 volume;
        int104 realizedProfit;
    }

    /// @custom:storage-location erc7201:lapidary.master.stats
    struct Layout {
        mapping(address child => mapping(address token => Totals)) byChild;
        mapping(address bot => mapping(address token => Totals)) byBot;
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
        l.byChild[child][token] = _added(l.byChild[child][token], volume, profit);
        l.byBot[bot][token] = _added(l.byBot[bot][token], volume, profit);
        emit TradeReported(child, bot, token, volume, profit);
    }

    /// @notice `totals` widened to the view struct.
    function toStats(Totals storage totals) internal view returns (IMaster.Stats memory) {
        Totals memory t = totals;
        return IMaster.Stats({trades: t.trades, volume: t.volume, realizedProfit: t.realizedProfit});
    }

    /// @dev One read, one write: the sums are taken in 256 bits and narrowed with SafeCast.
    function _added(Totals memory t, uint256 volume, int256 profit) private pure returns (Totals memory) {
        return Totals({
            trades: SafeCast.toUint32(uint256(t.trades) + 1),
            volume: SafeCast.toUint120(t.volume + volume),
            realizedProfit: SafeCast.toInt104(t.realizedProfit + profit)
        });
    }
}
