// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CutFallbackFacet (test only)
/// @notice A facet whose only code is a payable fallback that records each call it serves in an
/// event. It exists so the diamond-core tests can map the selector 0x00000000 (which no Solidity
/// function can have) to real code, call it with value, and prove from the log that it was served.
contract CutFallbackFacet {
    /// @notice Emitted (by the diamond, under delegatecall) for every call this facet serves.
    event FallbackServed(address sender, uint256 value, bytes data);

    fallback() external payable {
        emit FallbackServed(msg.sender, msg.value, msg.data);
    }
}
