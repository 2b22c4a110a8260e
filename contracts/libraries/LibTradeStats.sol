// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IMaster} from "../interfaces/IMaster.sol";

/// @title LibTradeStats
/// @notice A child diamond's trade statistics, in its own namespaced storage: one packed word per
/// (keeper bot, token), written by the strategy facet in the same transaction as the trade, and the
/// list of every bot ever allowed on the child (RiskFacet lists it when it first allows it, so a
/// trade never writes the list). The child's total in a token is the sum over that list, taken on
/// read; the master's figures are sums over its children, also taken on read (`StatsFacet`). A trade
/// writes one word and calls nobody.
library LibTradeStats {
    /// @notice One (bot, token) total, packed in one slot. Every sum is checked: a result that would
    /// take a field past its width reverts (SafeCast's errors, with the value), never wraps.
    /// @param trades Number of trades: 4.29e9, one per block for 1,600 years.
    /// @param volume Sum of notional volumes: up to 1.3e36 base units, i.e. 1.3e18 whole tokens of
    /// an 18-decimal token.
    /// @param realizedProfit Sum of profits, signed: up to +/-1.0e31 base units, i.e. 1.0e13 whole
    /// tokens of an 18-decimal token. Profit gets the width `volume` can spare rather than an even
    /// split: with 96 bits, a bot earning a few percent of a 1e15-supply token's volume would
    /// exhaust it (4e10 whole tokens) and have every later trade revert.
    struct Totals {
        uint32 trades;
        uint120 volume;
        int104 realizedProfit;
    }

    /// @custom:storage-location erc7201:lapidary.child.stats
    struct Layout {
        mapping(address bot => mapping(address token => Totals)) byBot;
        address[] bots; // every bot ever allowed, in order of first allowance
        mapping(address bot => bool) listed;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.child.stats")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x7bdfb3cf1c54c8507b8266e7e91b5b9e07de1c218e3c495feb8458ae15e35100;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice Lists `bot` among the bots the child's totals sum, once. Called when a bot is allowed:
    /// only an allowed bot trades, so every bot with figures is listed.
    function list(address bot) internal {
        Layout storage l = layout();
        if (l.listed[bot]) return;
        l.listed[bot] = true;
        l.bots.push(bot);
    }

    /// @notice Adds one trade of `bot` in `token`: one read and one write of the bot's word.
    function record(address bot, address token, uint256 volume, int256 profit) internal {
        Totals storage stored = layout().byBot[bot][token];
        Totals memory t = stored;
        (stored.trades, stored.volume, stored.realizedProfit) = (
            SafeCast.toUint32(uint256(t.trades) + 1),
            SafeCast.toUint120(t.volume + volume),
            SafeCast.toInt104(t.realizedProfit + profit)
        );
    }

    /// @notice The totals of `bot` in `token`, widened to the view struct.
    function ofBot(address bot, address token) internal view returns (IMaster.Stats memory) {
        Totals memory t = layout().byBot[bot][token];
        return IMaster.Stats({trades: t.trades, volume: t.volume, realizedProfit: t.realizedProfit});
    }

    /// @notice The child's totals in `token`: the sum over every bot ever allowed, in 256 bits.
    function ofChild(address token) internal view returns (IMaster.Stats memory total) {
        Layout storage l = layout();
        address[] storage bots = l.bots;
        uint256 count = bots.length;
        for (uint256 i = 0; i < count; ++i) {
            Totals memory t = l.byBot[bots[i]][token];
            total.trades += t.trades;
            total.volume += t.volume;
            total.realizedProfit += t.realizedProfit;
        }
    }
}
