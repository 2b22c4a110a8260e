// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title RewardsFeeToken (test only)
/// @notice An ERC-20 that anyone can mint and that burns `feeBps` of every transfer (not of mints):
/// the recipient gets the rest. At 10,000 bps a transfer delivers nothing. For showing that a rewards
/// campaign books what arrived, not what was asked for.
contract RewardsFeeToken is ERC20 {
    uint16 public feeBps;

    constructor(uint16 feeBps_) ERC20("Rewards Fee Token", "FEE") {
        feeBps = feeBps_;
    }

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0)) return super._update(from, to, value);
        uint256 fee = (value * feeBps) / 10_000;
        super._update(from, address(0), fee);
        super._update(from, to, value - fee);
    }
}
