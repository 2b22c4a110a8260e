// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IChildCapital} from "../interfaces/IChildCapital.sol";
import {LibChild} from "../libraries/LibChild.sol";

/// @title ChildCapitalFacet
/// @notice The child diamond's side of capital recall: the master calls `returnCapital` and the
/// child sends the tokens back with `LibChild.sendToTreasury`, which also tells the master so it can
/// update its allocation bookkeeping. Only the master may call `returnCapital`; `master()` is open.
///
/// @dev Security considerations: a recall works while the child is paused, by design (pausing must
/// never trap capital). The child does not check `amount` against what the master allocated: returning
/// profit along with principal is expected, and the master caps the allocation reduction itself. A
/// token whose transfer charges a fee delivers less than `amount`; the master's `recall` rejects that.
contract ChildCapitalFacet is IChildCapital {
    /// @inheritdoc IChildCapital
    function returnCapital(address token, uint256 amount) external override {
        LibChild.enforceIsMaster();
        LibChild.sendToTreasury(token, amount);
    }

    /// @notice The master diamond this child belongs to.
    function master() external view returns (address) {
        return LibChild.master();
    }
}
