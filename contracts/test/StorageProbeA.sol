// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title StorageProbeALayout (test only)
/// @notice The namespaced (ERC-7201) storage of StorageProbeA. Its fields have the same names and
/// types as StorageProbeBLayout's on purpose: only the slot keeps the two apart.
library StorageProbeALayout {
    /// @custom:storage-location erc7201:lapidary.test.probeA
    struct Layout {
        uint256 value;
        address account;
        mapping(uint256 key => uint256) entries;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.test.probeA")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x75b554c8ed2ff4ed3edfb2c568c6e283ef1506da97089c05b9e8b3f52b9ca700;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }
}

/// @title StorageProbeA (test only)
/// @notice Reads and writes StorageProbeALayout through the diamond, so the diamond-core tests can
/// show that writes through one facet's namespace never change another facet's, the selector tables
/// or the owner. Anyone may write: it guards nothing and must never be cut into a real diamond.
contract StorageProbeA {
    function probeASet(uint256 value, address account) external {
        StorageProbeALayout.Layout storage l = StorageProbeALayout.layout();
        l.value = value;
        l.account = account;
    }

    function probeASetEntry(uint256 key, uint256 value) external {
        StorageProbeALayout.layout().entries[key] = value;
    }

    function probeAGet() external view returns (uint256 value, address account) {
        StorageProbeALayout.Layout storage l = StorageProbeALayout.layout();
        return (l.value, l.account);
    }

    function probeAEntry(uint256 key) external view returns (uint256) {
        return StorageProbeALayout.layout().entries[key];
    }
}
