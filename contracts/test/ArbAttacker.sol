// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAavePool} from "../interfaces/IAavePool.sol";
import {IBalancerVault, IFlashLoanRecipient} from "../interfaces/IBalancerVault.sol";

/// @title ArbAttacker (test only)
/// @notice A third party trying to make a FlashArb diamond act outside `executeArb`: it starts
/// Balancer and Aave flash loans naming the diamond as receiver, calls the diamond's callbacks
/// directly from a contract, and poses as a lender that never calls back. Every attempt must revert;
/// reverts bubble up unchanged so tests can read the diamond's error.
contract ArbAttacker {
    /// @notice Starts a Balancer flash loan of `amount` `token` with `victim` as recipient.
    function balancerLoanTo(IBalancerVault vault, address victim, IERC20 token, uint256 amount, bytes calldata data)
        external
    {
        IERC20[] memory tokens = new IERC20[](1);
        tokens[0] = token;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = amount;
        vault.flashLoan(IFlashLoanRecipient(victim), tokens, amounts, data);
    }

    /// @notice Starts an Aave simple flash loan of `amount` `asset` with `victim` as receiver.
    function aaveLoanTo(IAavePool pool, address victim, address asset, uint256 amount, bytes calldata data) external {
        pool.flashLoanSimple(victim, asset, amount, data, 0);
    }

    /// @notice Calls `target` with `data` from this contract, bubbling any revert.
    function poke(address target, bytes calldata data) external {
        (bool ok, bytes memory returndata) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returndata, 32), mload(returndata))
            }
        }
    }

    /// @notice Poses as a Balancer Vault whose flash loan never calls the recipient back.
    function flashLoan(address, IERC20[] calldata, uint256[] calldata, bytes calldata) external {}
}
