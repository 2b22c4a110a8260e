// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title SelfCallRelayProbeFacet (test only)
/// @notice Stands in for the gasless relay: makes the diamond call itself with `sender` appended to
/// `data`, exactly the shape `LibContext.msgSender()` reads (EIP-2771 with the diamond as its own
/// forwarder). It checks no signature, so it must never be cut into a real diamond: anyone could act
/// as anyone. Reverts bubble up unchanged.
contract SelfCallRelayProbeFacet {
    function relayAs(address sender, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory returndata) = address(this).call(abi.encodePacked(data, sender));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returndata, 32), mload(returndata))
            }
        }
        return returndata;
    }
}
