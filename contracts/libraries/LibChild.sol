// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IMaster} from "../interfaces/IMaster.sol";

/// @title LibChild
/// @notice A diamond's place under its master, in its own namespace: the master diamond (zero on the
/// master itself), and the trade word, which every trade reads once: the diamond's own pause flag, its
/// mirror of the master's global pause, and 240 bits that belong to the child's strategy facet (its
/// settings every trade needs: FlashArbFacet keeps its Balancer Vault and sweep switch there; see
/// LibFlashArb). LibChild never interprets the strategy's bits. Also the one path by which a child
/// sends tokens to the master's treasury (`sendToTreasury`), so the master's capital bookkeeping always
/// hears about it.
/// @dev The flags are written only through LibGuardian (`setPaused`, `setMasterPaused` here are its
/// storage accessors): the local flag by the guardian, the owner or the risk limits, the mirror by the
/// master. On the master diamond `paused` is the global pause and `masterPaused` stays false. The
/// trade word: bit 0 `paused`, bit 1 `masterPaused`, bits 16-255 the strategy's. The master is read
/// only to send to it, to check a caller is it, and to name it in `MasterPaused`.
library LibChild {
    using SafeERC20 for IERC20;

    /// @custom:storage-location erc7201:lapidary.child
    struct Layout {
        address master;
        uint256 tradeWord;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.child")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xf3c0b13e183ff93df442d5b1948abcb8ca06868b7fe98e7d2f180ee75f820a00;

    /// @notice Emitted when the child is attached to a master.
    event MasterChanged(address indexed previousMaster, address indexed newMaster);
    /// @notice Emitted when the child sends `amount` of `token` to its master's treasury.
    event SentToTreasury(address indexed master, address indexed token, uint256 amount);

    /// @notice The master must be a deployed contract.
    error InvalidMaster(address master);
    /// @notice The child has no master to send tokens to.
    error NoMaster();
    /// @notice The caller is not the child's master.
    error NotMaster(address caller);

    uint256 private constant PAUSED = 1;
    uint256 private constant MASTER_PAUSED = 1 << 1;
    uint256 private constant FLAGS = PAUSED | MASTER_PAUSED;
    uint256 private constant STRATEGY_SHIFT = 16;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice The master diamond, or zero (always zero on the master itself).
    function master() internal view returns (address) {
        return layout().master;
    }

    /// @notice The trade word in one read: both pause flags and the strategy's bits.
    function tradeWord() internal view returns (bool paused, bool masterPaused, uint240 strategy) {
        uint256 word = layout().tradeWord;
        return (word & PAUSED != 0, word & MASTER_PAUSED != 0, uint240(word >> STRATEGY_SHIFT));
    }

    /// @notice Sets the strategy's bits of the trade word, keeping the flags.
    function setStrategyConfig(uint240 strategy) internal {
        Layout storage l = layout();
        l.tradeWord = (l.tradeWord & FLAGS) | (uint256(strategy) << STRATEGY_SHIFT);
    }

    /// @notice Attaches the child to `newMaster`, which must be a contract, and starts the mirror of
    /// the master's pause from `newMaster.paused()` (the master pushes every later change).
    function setMaster(address newMaster) internal {
        if (newMaster.code.length == 0) revert InvalidMaster(newMaster);
        bool masterPaused = IMaster(newMaster).paused();
        Layout storage l = layout();
        emit MasterChanged(l.master, newMaster);
        l.master = newMaster;
        setMasterPaused(masterPaused);
    }

    /// @notice Sets the local pause flag; returns false when it already had that value.
    function setPaused(bool paused) internal returns (bool changed) {
        return _setFlag(PAUSED, paused);
    }

    /// @notice Sets the mirror of the master's pause; returns false when it already had that value.
    function setMasterPaused(bool paused) internal returns (bool changed) {
        return _setFlag(MASTER_PAUSED, paused);
    }

    function _setFlag(uint256 flag, bool value) private returns (bool changed) {
        Layout storage l = layout();
        uint256 word = l.tradeWord;
        if ((word & flag != 0) == value) return false;
        l.tradeWord = value ? word | flag : word & ~flag;
        return true;
    }

    /// @notice Reverts `NotMaster` unless the caller is this child's master.
    function enforceIsMaster() internal view {
        if (msg.sender != layout().master) revert NotMaster(msg.sender);
    }

    /// @notice Transfers `amount` of `token` to the master, then tells the master with
    /// `IMaster.onCapitalReturned`. Reverts if the master does not accept it (e.g. the child is not
    /// registered there).
    function sendToTreasury(address token, uint256 amount) internal {
        address master_ = layout().master;
        if (master_ == address(0)) revert NoMaster();
        IERC20(token).safeTransfer(master_, amount);
        IMaster(master_).onCapitalReturned(token, amount);
        emit SentToTreasury(master_, token, amount);
    }
}
