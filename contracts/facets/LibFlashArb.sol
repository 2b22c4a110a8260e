// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IFlashArb} from "../interfaces/IFlashArb.sol";

/// @title LibFlashArb
/// @notice FlashArbFacet's storage: the Aave Pool and WETH in its own namespace; the Balancer Vault
/// and the sweep switch in the strategy's bits of the child's trade word (LibChild), which every
/// trade reads anyway with the pause flags; the pool registry in each pool's word, shared with the
/// risk allow-list (LibPools). Also the transient slots that carry one execution's state (the loan marker, the
/// validated route, the V3 pool being swapped); and the packed form of a validated hop.
/// @dev The strategy's bits of the trade word: the Balancer Vault in bits 0-159, the sweep switch in
/// bit 160. A validated hop is one word: pool address in bits 0-159, kind in bits 160-167
/// (`IFlashArb.PoolKind`: 0 V2, 1 V3, 2 Balancer),
/// zeroForOne in bits 168-175. It is never zero (a pool is never zero).
library LibFlashArb {
    /// @custom:storage-location erc7201:lapidary.child.flasharb
    struct Layout {
        uint256 retired; // was the Balancer Vault and the sweep switch, now in LibChild's trade word
        address aavePool;
        address weth;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.child.flasharb")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x0dc0654db647c41d4aa5c054f95d2cf271648fa19ba2ea6ed21bdb5047e2c000;

    /// @notice Transient: `loanMarker(lender address, lender kind)` while `executeArb` waits for that
    /// lender's callback; zero otherwise. The callback consumes it.
    // keccak256(abi.encode(uint256(keccak256("lapidary.child.flasharb.loan")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LOAN_MARKER = 0xee465e5234afa05ee5566abce5191baa31673344f711a92a883f5c2845769f00;

    /// @notice Transient: the hop word of the V3 swap in progress; zero otherwise. Its callback consumes it.
    // keccak256(abi.encode(uint256(keccak256("lapidary.child.flasharb.swap")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant EXPECTED_POOL = 0xbe5c4065bd14aaf322a6cd9f2b75d7d1f95abf7c0e2010f9d003346ae7c50500;

    /// @notice Transient: the route `executeArb` validated, for the swap loop (run from the lender's
    /// callback): the hop count at ROUTE, hop i at ROUTE + 1 + 2i and, for a V2 or Balancer hop, its
    /// output at ROUTE + 2 + 2i.
    // keccak256(abi.encode(uint256(keccak256("lapidary.child.flasharb.route")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant ROUTE = 0xb76eef4b6e87d504bdfb33b8396d2b84add48f36d556b2c4165de2aee11e5100;

    uint256 private constant KIND_SHIFT = 160;
    uint256 private constant ZERO_FOR_ONE = 1 << 168;
    uint240 private constant SWEEP = uint240(1) << 160;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice The strategy's bits of the child's trade word.
    function encodeConfig(address balancerVault, bool sweepProfit) internal pure returns (uint240) {
        return uint240(uint160(balancerVault)) | (sweepProfit ? SWEEP : 0);
    }

    function balancerVault(uint240 config) internal pure returns (address) {
        return address(uint160(config));
    }

    function sweepProfit(uint240 config) internal pure returns (bool) {
        return config & SWEEP != 0;
    }

    /// @notice The value of `LOAN_MARKER` while a loan from `lender` of kind `kind` is expected.
    function loanMarker(address lender, IFlashArb.Lender kind) internal pure returns (uint256) {
        return uint256(uint160(lender)) | (uint256(kind) << KIND_SHIFT);
    }

    /// @notice Packs a validated hop.
    function encodeHop(address pool, uint8 kind, bool zeroForOne) internal pure returns (uint256) {
        return uint256(uint160(pool)) | (uint256(kind) << KIND_SHIFT) | (zeroForOne ? ZERO_FOR_ONE : 0);
    }

    function pool(uint256 hop) internal pure returns (address) {
        return address(uint160(hop));
    }

    function isV3(uint256 hop) internal pure returns (bool) {
        return uint8(hop >> KIND_SHIFT) == uint8(IFlashArb.PoolKind.UniswapV3);
    }

    function isBalancer(uint256 hop) internal pure returns (bool) {
        return uint8(hop >> KIND_SHIFT) == uint8(IFlashArb.PoolKind.BalancerWeighted);
    }

    /// @notice Whether the hop's input must sit in the pool before its swap (a Uniswap V2 pair).
    function isV2(uint256 hop) internal pure returns (bool) {
        return uint8(hop >> KIND_SHIFT) == uint8(IFlashArb.PoolKind.UniswapV2);
    }

    function zeroForOne(uint256 hop) internal pure returns (bool) {
        return hop & ZERO_FOR_ONE != 0;
    }
}
