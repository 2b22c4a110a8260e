// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title Wrapped Ether (WETH9)
interface IWETH is IERC20 {
    function deposit() external payable;

    /// @notice Burns `amount` WETH of the caller and sends it `amount` ETH (with a 2,300 gas stipend).
    function withdraw(uint256 amount) external;
}
