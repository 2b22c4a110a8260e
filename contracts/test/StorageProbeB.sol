// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title StorageProbeBLayout (test only)
/// @notice The namespaced (ERC-7201) storage of StorageProbeB. Its fields have the same names and
/// types as StorageProbeALayout's on purpose: only the slot keeps the two apart.
library StorageProbeBLayout {
    /// @custom:storage-location erc7201:lapidary.test.probeB
    struct Layout {
        uint256 value;
        address account;
        mapping(uint256 key => uint256) entries;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.test.probeB")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x4013443b152894009a3533b4da2926e17cd8e2903a0abd784a454678f755df00;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }
}

/// @title StorageProbeB (test only)
/// @notice Reads and writes StorageProbeBLayout through the diamond, so the diamond-core tests can
/// show that writes through one facet's namespace never change another facet's, the selector tables
/// or the owner. Anyone may write: it guards nothing and must never be cut into a real diamond.
contract StorageProbeB {
    function probeBSet(uint256 value, address account) external {
        StorageProbeBLayout.Layout storage l = StorageProbeBLayout.layout();
        l.value = value;
        l.account = account;
    }

    function probeBSetEntry(uint256 key, uint256 value) external {
        StorageProbeBLayout.layout().entries[key] = value;
    }

    function probeBGet() external view returns (uint256 value, address account) {
        StorageProbeBLayout.Layout storage l = StorageProbeBLayout.layout();
        return (l.value, l.account);
    }

    function probeBEntry(uint256 key) external view returns (uint256) {
        return StorageProbeBLayout.layout().entries[key];
    }
}
