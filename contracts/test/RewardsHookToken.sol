// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title RewardsHookToken (test only)
/// @notice An ERC-20 that anyone can mint and that, once armed, calls back into a contract while that
/// contract sends tokens out: the shape of an ERC-777-style hook, for showing that a rewards diamond
/// paying a claim in this token cannot be re-entered to pay it twice. The hook fires once per arming.
/// With `bubble` the hook's revert aborts the transfer (and so the payer's whole call); without it
/// the outcome is recorded in `lastHookSucceeded` / `lastHookReturn` and the transfer completes.
contract RewardsHookToken is ERC20 {
    address public hookTarget;
    bytes public hookCalldata;
    bool public bubble;
    bool public lastHookSucceeded;
    bytes public lastHookReturn;

    constructor() ERC20("Rewards Hook Token", "HOOK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice On the next transfer out of `target`, calls `target` with `data`.
    function arm(address target, bytes calldata data, bool bubble_) external {
        hookTarget = target;
        hookCalldata = data;
        bubble = bubble_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address target = hookTarget;
        if (target == address(0) || from != target) return;
        hookTarget = address(0);
        (bool ok, bytes memory returndata) = target.call(hookCalldata);
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(returndata, 32), mload(returndata))
            }
        }
        lastHookSucceeded = ok;
        lastHookReturn = returndata;
    }
}
