// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC2771Context} from "@openzeppelin/contracts/metatx/ERC2771Context.sol";

/// @title ERC2771ClaimTarget (benchmarks and tests only)
/// @notice The call `ERC2771ForwarderAnchor` forwards in `benchmarks/gasless.py`: a target trusting
/// the forwarder (OpenZeppelin `ERC2771Context`) with `MerkleRewardsFacet.claim`'s signature, so the
/// forwarded calldata is byte for byte the one our relay forwards, doing a one-slot write (the
/// account's cumulative claimed amount) and reading the EIP-2771 sender. What the target does cancels
/// out of the overhead (forwarded minus direct gas); only the forwarding is compared.
contract ERC2771ClaimTarget is ERC2771Context {
    mapping(uint256 campaignId => mapping(address account => uint256)) public claimed;

    constructor(address forwarder) ERC2771Context(forwarder) {}

    function claim(uint256 campaignId, address account, uint256 cumulativeAmount, bytes32[] calldata)
        external
        returns (uint256 paid)
    {
        if (_msgSender() == address(0)) revert();
        paid = cumulativeAmount - claimed[campaignId][account];
        claimed[campaignId][account] = cumulativeAmount;
    }
}
