// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IChildPause} from "../interfaces/IChildPause.sol";

/// @title PauseRejectingChild (test only)
/// @notice A registered "child" whose pause mirror is broken: `setMasterPaused` reverts with
/// `PauseRejected`, or, built with `burnGas`, spends every unit of gas it is given. The master's
/// global pause must still reach the children registered beside it.
contract PauseRejectingChild is IChildPause {
    bool private immutable _burnGas;

    /// @notice The push was refused.
    error PauseRejected(bool paused);

    constructor(bool burnGas) {
        _burnGas = burnGas;
    }

    /// @inheritdoc IChildPause
    function setMasterPaused(bool paused) external view override {
        if (_burnGas) {
            while (gasleft() > 0) {}
        }
        revert PauseRejected(paused);
    }
}
