// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LibPools
/// @notice A child diamond's pools, one storage word each, shared by the two owners of a pool's
/// admission: the risk allow-list (RiskFacet's `setPoolAllowed` sets `allowed`) and the strategy's
/// registry (FlashArbFacet's `setArbPool` sets everything else). A trade reads the word once per hop:
/// it holds both admissions and everything the route check needs. Each token is there as a tag (the
/// low 96 bits of its address), enough to check that a route chains; the full addresses sit in a
/// second mapping, read only off the hot path (views, the V3 swap callback, naming the tokens of a
/// broken route in its error).
/// A Balancer pool's entry is two of its tokens (the pair the owner registered) and, in a third
/// mapping, its Vault pool id.
/// @dev The word: bit 0 `allowed`, bit 1 `enabled`, bits 2-3 the kind (bit 2: Uniswap V3, bit 3:
/// Balancer weighted, neither: Uniswap V2), bits 16-31 the V2 fee in basis points, bits 32-127 token0's tag, bits 128-223 token1's tag. Each facet writes only
/// its own bits. Two tokens with the same tag would let a route that does not chain pass the check;
/// it would still fail closed: a pair that did not receive its input reverts at its constant-product
/// check, and the profit is measured as the change of the borrowed token's balance. Finding two
/// addresses with the same low 96 bits takes about 2^48 tries, and both tokens must sit in pools the
/// owner registered.
library LibPools {
    /// @custom:storage-location erc7201:lapidary.child.pools
    struct Layout {
        mapping(address pool => uint256) words;
        mapping(address pool => Tokens) tokens;
        mapping(address pool => bytes32) balancerPoolIds;
    }

    /// @notice A registered pool's tokens, as the pool reported them at registration.
    struct Tokens {
        address token0;
        address token1;
    }

    // keccak256(abi.encode(uint256(keccak256("lapidary.child.pools")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x33981808539af5a33996a7f12b1cfa390912ab4f2c2b2b98f074b51765636200;

    uint256 private constant ALLOWED = 1;
    uint256 private constant ENABLED = 1 << 1;
    uint256 private constant V3 = 1 << 2;
    uint256 private constant BALANCER = 1 << 3;
    uint256 private constant FEE_SHIFT = 16;
    uint256 private constant TAG0_SHIFT = 32;
    uint256 private constant TAG1_SHIFT = 128;
    /// @dev The bits `register` owns: everything but `allowed`.
    uint256 private constant REGISTRATION = ~ALLOWED;

    function layout() internal pure returns (Layout storage l) {
        bytes32 slot = STORAGE_SLOT;
        assembly {
            l.slot := slot
        }
    }

    /// @notice `pool`'s word: one storage read.
    function word(address pool) internal view returns (uint256) {
        return layout().words[pool];
    }

    /// @notice `pool`'s full token addresses (zero if never registered).
    function tokens(address pool) internal view returns (address token0, address token1) {
        Tokens storage t = layout().tokens[pool];
        return (t.token0, t.token1);
    }

    /// @notice Sets the risk allow-list bit, keeping the registration.
    function setAllowed(address pool, bool allowed) internal {
        mapping(address => uint256) storage words = layout().words;
        words[pool] = (words[pool] & REGISTRATION) | (allowed ? ALLOWED : 0);
    }

    /// @notice Registers (or updates) `pool` for the strategy, keeping the allow-list bit.
    /// @param kind 0 Uniswap V2, 1 Uniswap V3, 2 Balancer weighted (`IFlashArb.PoolKind`).
    function register(address pool, uint8 kind, uint16 feeBps, bool enabled, address token0, address token1)
        internal
    {
        Layout storage l = layout();
        uint256 kindBits = kind == 1 ? V3 : kind == 2 ? BALANCER : 0;
        uint256 registration = (enabled ? ENABLED : 0) | kindBits | (uint256(feeBps) << FEE_SHIFT)
            | (uint256(tag(token0)) << TAG0_SHIFT) | (uint256(tag(token1)) << TAG1_SHIFT);
        l.words[pool] = (l.words[pool] & ALLOWED) | registration;
        l.tokens[pool] = Tokens(token0, token1);
    }

    /// @notice Records the Vault pool id of a Balancer `pool` (registered with kind 2).
    function setBalancerPoolId(address pool, bytes32 poolId) internal {
        layout().balancerPoolIds[pool] = poolId;
    }

    /// @notice The Vault pool id of a Balancer `pool`; zero for other pools.
    function balancerPoolId(address pool) internal view returns (bytes32) {
        return layout().balancerPoolIds[pool];
    }

    /// @notice The tag a token has in a pool's word.
    function tag(address token) internal pure returns (uint96) {
        return uint96(uint160(token));
    }

    function isAllowed(uint256 poolWord) internal pure returns (bool) {
        return poolWord & ALLOWED != 0;
    }

    function isEnabled(uint256 poolWord) internal pure returns (bool) {
        return poolWord & ENABLED != 0;
    }

    function isV3(uint256 poolWord) internal pure returns (bool) {
        return poolWord & V3 != 0;
    }

    function isBalancer(uint256 poolWord) internal pure returns (bool) {
        return poolWord & BALANCER != 0;
    }

    /// @notice The kind as `IFlashArb.PoolKind`: 0 Uniswap V2, 1 Uniswap V3, 2 Balancer weighted.
    function kind(uint256 poolWord) internal pure returns (uint8) {
        return isV3(poolWord) ? 1 : isBalancer(poolWord) ? 2 : 0;
    }

    function feeBps(uint256 poolWord) internal pure returns (uint16) {
        return uint16(poolWord >> FEE_SHIFT);
    }

    /// @notice The tags of the token a hop sells and the token it buys.
    function tagsInOut(uint256 poolWord, bool zeroForOne) internal pure returns (uint96 tagIn, uint96 tagOut) {
        (uint96 tag0, uint96 tag1) = (uint96(poolWord >> TAG0_SHIFT), uint96(poolWord >> TAG1_SHIFT));
        return zeroForOne ? (tag0, tag1) : (tag1, tag0);
    }
}
