// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title GasProbe (benchmarks only)
/// @notice Calls a target twice in one call frame and reports the gas each call took, so the first
/// (cold: account and slots untouched in this transaction) and second (warm) costs are measured side
/// by side. Use it with eth_call; nothing it does needs to persist.
contract GasProbe {
    /// @notice Thrown when a probed call reverts; carries its revert data.
    error ProbedCallFailed(bytes returndata);

    /// @return cold Gas of the first call. @return warm Gas of the second, identical call.
    function measure(address target, bytes calldata data) external returns (uint256 cold, uint256 warm) {
        cold = _timedCall(target, data);
        warm = _timedCall(target, data);
    }

    function _timedCall(address target, bytes calldata data) private returns (uint256 used) {
        uint256 before = gasleft();
        (bool ok, bytes memory returndata) = target.call(data);
        used = before - gasleft();
        if (!ok) revert ProbedCallFailed(returndata);
    }
}
