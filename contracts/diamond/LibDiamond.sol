// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDiamond} from "../interfaces/IDiamond.sol";

/// @title LibDiamond
/// @notice Selector tables and cut logic of an EIP-2535 diamond, in the layout of mudgen's
/// diamond-3 reference: selector -> (facet, position), facet -> (selectors, position), and the
/// facet list, so every loupe function is a plain read and no cut scans all selectors.
/// @dev Functions "defined on the diamond itself" (immutable functions) are mapped to the
/// diamond's own address; they can be added but never replaced or removed.
library LibDiamond {
    struct FacetAddressAndPosition {
        address facetAddress;
        uint96 functionSelectorPosition; // index in the facet's selector list
    }

    struct FacetFunctionSelectors {
        bytes4[] functionSelectors;
        uint256 facetAddressPosition; // index in facetAddresses
    }

    /// @custom:storage-location erc7201:lapidary.diamond
    struct DiamondStorage {
        mapping(bytes4 selector => FacetAddressAndPosition) selectorToFacetAndPosition;
        mapping(address facet => FacetFunctionSelectors) facetFunctionSelectors;
        address[] facetAddresses;
        mapping(bytes4 interfaceId => bool) supportedInterfaces;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.diamond")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x107afb7a68196936695358e791357e05c7240a2c0605e55b7865de93ee8be600;

    /// @notice A cut entry had no selectors.
    error EmptyFacetCut(address facet);
    /// @notice Add or Replace named the zero address as facet.
    error ZeroFacetAddress(bytes4[] selectors);
    /// @notice The facet (or initializer) has no code.
    error NoCode(address target);
    /// @notice Add of a selector the diamond already has.
    error SelectorAlreadyAdded(bytes4 selector, address facet);
    /// @notice Replace or Remove of a selector the diamond does not have.
    error SelectorNotFound(bytes4 selector);
    /// @notice Replace of a selector with the facet that already serves it.
    error SameFacetReplace(bytes4 selector, address facet);
    /// @notice Replace or Remove of a function defined on the diamond itself.
    error ImmutableFunction(bytes4 selector);
    /// @notice Remove must name the zero address as facet.
    error RemoveFacetMustBeZero(address facet);
    /// @notice After construction the diamond cannot serve as a facet: its fallback would delegatecall
    /// into itself, and the selector could never be replaced or removed.
    error DiamondAsFacet(bytes4[] selectors);
    /// @notice ERC-165 forbids claiming support for 0xffffffff.
    error InvalidInterfaceId(bytes4 interfaceId);
    /// @notice Init calldata was given without an init address.
    error InitCalldataWithoutInit();
    /// @notice The initializer reverted without a reason.
    error InitReverted(address init, bytes initCalldata);

    function layout() internal pure returns (DiamondStorage storage ds) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            ds.slot := slot
        }
    }

    /// @notice Applies `cut`, emits `DiamondCut`, then runs the initializer.
    function diamondCut(IDiamond.FacetCut[] memory cut, address init, bytes memory initCalldata) internal {
        for (uint256 i = 0; i < cut.length; ++i) {
            IDiamond.FacetCut memory entry = cut[i];
            if (entry.functionSelectors.length == 0) revert EmptyFacetCut(entry.facetAddress);
            if (entry.action == IDiamond.FacetCutAction.Add) {
                addFunctions(entry.facetAddress, entry.functionSelectors);
            } else if (entry.action == IDiamond.FacetCutAction.Replace) {
                replaceFunctions(entry.facetAddress, entry.functionSelectors);
            } else {
                removeFunctions(entry.facetAddress, entry.functionSelectors);
            }
        }
        emit IDiamond.DiamondCut(cut, init, initCalldata);
        initializeDiamondCut(init, initCalldata);
    }

    function addFunctions(address facet, bytes4[] memory selectors) internal {
        enforceIsFacet(facet, selectors);
        DiamondStorage storage ds = layout();
        uint96 position = uint96(ds.facetFunctionSelectors[facet].functionSelectors.length);
        if (position == 0) addFacet(ds, facet);
        for (uint256 i = 0; i < selectors.length; ++i) {
            bytes4 selector = selectors[i];
            address current = ds.selectorToFacetAndPosition[selector].facetAddress;
            if (current != address(0)) revert SelectorAlreadyAdded(selector, current);
            addFunction(ds, selector, position, facet);
            ++position;
        }
    }

    function replaceFunctions(address facet, bytes4[] memory selectors) internal {
        enforceIsFacet(facet, selectors);
        DiamondStorage storage ds = layout();
        uint96 position = uint96(ds.facetFunctionSelectors[facet].functionSelectors.length);
        if (position == 0) addFacet(ds, facet);
        for (uint256 i = 0; i < selectors.length; ++i) {
            bytes4 selector = selectors[i];
            address current = ds.selectorToFacetAndPosition[selector].facetAddress;
            if (current == address(0)) revert SelectorNotFound(selector);
            if (current == address(this)) revert ImmutableFunction(selector);
            if (current == facet) revert SameFacetReplace(selector, facet);
            removeFunction(ds, current, selector);
            addFunction(ds, selector, position, facet);
            ++position;
        }
    }

    function removeFunctions(address facet, bytes4[] memory selectors) internal {
        if (facet != address(0)) revert RemoveFacetMustBeZero(facet);
        DiamondStorage storage ds = layout();
        for (uint256 i = 0; i < selectors.length; ++i) {
            bytes4 selector = selectors[i];
            address current = ds.selectorToFacetAndPosition[selector].facetAddress;
            if (current == address(0)) revert SelectorNotFound(selector);
            if (current == address(this)) revert ImmutableFunction(selector);
            removeFunction(ds, current, selector);
        }
    }

    /// @notice Marks `interfaceId` as supported (ERC-165) or not.
    function setSupportedInterface(bytes4 interfaceId, bool supported) internal {
        if (supported && interfaceId == 0xffffffff) revert InvalidInterfaceId(interfaceId);
        layout().supportedInterfaces[interfaceId] = supported;
    }

    /// @dev Functions defined on the diamond itself (facet == the diamond) can be registered only
    /// while it is being constructed, i.e. before it has code.
    function enforceIsFacet(address facet, bytes4[] memory selectors) private view {
        if (facet == address(0)) revert ZeroFacetAddress(selectors);
        if (facet == address(this) && address(this).code.length != 0) revert DiamondAsFacet(selectors);
    }

    function addFacet(DiamondStorage storage ds, address facet) private {
        if (facet != address(this)) enforceHasCode(facet);
        ds.facetFunctionSelectors[facet].facetAddressPosition = ds.facetAddresses.length;
        ds.facetAddresses.push(facet);
    }

    function addFunction(DiamondStorage storage ds, bytes4 selector, uint96 position, address facet) private {
        ds.selectorToFacetAndPosition[selector] = FacetAddressAndPosition(facet, position);
        ds.facetFunctionSelectors[facet].functionSelectors.push(selector);
    }

    /// @dev Swap-and-pop in the facet's selector list; drops the facet when it serves nothing.
    function removeFunction(DiamondStorage storage ds, address facet, bytes4 selector) private {
        bytes4[] storage selectors = ds.facetFunctionSelectors[facet].functionSelectors;
        uint256 position = ds.selectorToFacetAndPosition[selector].functionSelectorPosition;
        uint256 lastPosition = selectors.length - 1;
        if (position != lastPosition) {
            bytes4 lastSelector = selectors[lastPosition];
            selectors[position] = lastSelector;
            ds.selectorToFacetAndPosition[lastSelector].functionSelectorPosition = uint96(position);
        }
        selectors.pop();
        delete ds.selectorToFacetAndPosition[selector];

        if (lastPosition == 0) {
            uint256 lastFacetPosition = ds.facetAddresses.length - 1;
            uint256 facetPosition = ds.facetFunctionSelectors[facet].facetAddressPosition;
            if (facetPosition != lastFacetPosition) {
                address lastFacet = ds.facetAddresses[lastFacetPosition];
                ds.facetAddresses[facetPosition] = lastFacet;
                ds.facetFunctionSelectors[lastFacet].facetAddressPosition = facetPosition;
            }
            ds.facetAddresses.pop();
            delete ds.facetFunctionSelectors[facet].facetAddressPosition;
        }
    }

    function initializeDiamondCut(address init, bytes memory initCalldata) internal {
        if (init == address(0)) {
            if (initCalldata.length != 0) revert InitCalldataWithoutInit();
            return;
        }
        if (init != address(this)) enforceHasCode(init);
        (bool success, bytes memory returndata) = init.delegatecall(initCalldata);
        if (!success) {
            if (returndata.length == 0) revert InitReverted(init, initCalldata);
            assembly {
                revert(add(returndata, 32), mload(returndata))
            }
        }
    }

    function enforceHasCode(address target) private view {
        if (target.code.length == 0) revert NoCode(target);
    }
}
