// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC2771Forwarder} from "@openzeppelin/contracts/metatx/ERC2771Forwarder.sol";

/// @title ERC2771ForwarderAnchor (benchmarks and tests only)
/// @notice OpenZeppelin's `ERC2771Forwarder` exactly as published, under the same EIP-712 name as our
/// relay ("Lapidary"), so `benchmarks/gasless.py` can measure it beside `GaslessRelayFacet` in the
/// same run. It adds and overrides nothing.
contract ERC2771ForwarderAnchor is ERC2771Forwarder {
    constructor() ERC2771Forwarder("Lapidary") {}
}
