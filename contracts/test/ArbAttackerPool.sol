// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ArbAttackerPool (test only)
/// @notice A contract posing as a Uniswap-V2-style pair of two real tokens. When a FlashArb diamond
/// trades through it mid-route (the owner registered it), its `swap` calls the diamond with
/// `attack` (e.g. a V3 swap callback claiming payment, a Balancer callback, a reentrant
/// `executeArb`) and bubbles the diamond's revert.
contract ArbAttackerPool {
    address public immutable token0;
    address public immutable token1;
    address private immutable _victim;
    bytes private _attack;

    constructor(address token0_, address token1_, address victim) {
        token0 = token0_;
        token1 = token1_;
        _victim = victim;
    }

    /// @notice Sets the call made to the victim from inside `swap`.
    function setAttack(bytes calldata attack) external {
        _attack = attack;
    }

    function getReserves() external pure returns (uint112, uint112, uint32) {
        return (1e24, 1e24, 0);
    }

    function swap(uint256, uint256, address, bytes calldata) external {
        (bool ok, bytes memory returndata) = _victim.call(_attack);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(returndata, 32), mload(returndata))
            }
        }
    }
}
