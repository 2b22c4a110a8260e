// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LibContext
/// @notice The one `_msgSender()` every facet acting for a user reads (EIP-2771 semantics with the
/// diamond as its own trusted forwarder). When the diamond calls itself, as its gasless-relay facet
/// does to execute a signed request, the signer is appended to the calldata and read from its last 20
/// bytes; any other caller is `msg.sender`.
/// @dev Security considerations: this trusts every call the diamond makes to itself. A diamond using it
/// must never let arbitrary data reach `address(this).call` (no self-call multicall: the 2023
/// ERC-2771 + multicall spoofing bug); only the relay facet, after verifying the signature, may call
/// the diamond with an appended sender.
library LibContext {
    function msgSender() internal view returns (address sender) {
        if (msg.sender == address(this) && msg.data.length >= 24) {
            assembly {
                sender := shr(96, calldataload(sub(calldatasize(), 20)))
            }
        } else {
            sender = msg.sender;
        }
    }
}
